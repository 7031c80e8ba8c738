"""Import a GLPI inventory (its legacy REST API's answers) with its power chain.

Owns the mapping from GLPI item types to a model document. Field names are GLPI's
database columns as the API returns them (``install/mysql/glpi-empty.sql``,
https://github.com/glpi-project/glpi): ``glpi_datacenters``, ``glpi_dcrooms``
(``datacenters_id``), ``glpi_racks`` (``dcrooms_id``), ``glpi_items_racks`` (``racks_id``,
``itemtype``, ``items_id``), ``glpi_pdus_racks`` (``racks_id``, ``pdus_id``),
``glpi_passivedcequipments`` (``passivedcequipmenttypes_id``), ``glpi_computers``,
``glpi_networkequipments``, ``glpi_computervirtualmachines`` (``computers_id``, ``uuid``),
``glpi_databaseinstances`` (``itemtype``, ``items_id``), ``glpi_databases``
(``databaseinstances_id``), ``glpi_appliances``, ``glpi_appliances_items``
(``appliances_id``, ``itemtype``, ``items_id``), ``glpi_locations`` (``locations_id``,
``completename``), ``glpi_suppliers`` (``suppliertypes_id``), ``glpi_infocoms``
(``itemtype``, ``items_id``, ``suppliers_id``).

The input is a directory with one ``<ItemType>.json`` per item type, each the JSON array
``GET apirest.php/<ItemType>/?range=…&expand_dropdowns=true`` returns (or one file mapping
item types to arrays), or the same fetched live (:mod:`blackstart.io.glpi_live`).
The power chain: a data centre's ``<dc>-supply``; its UPSes need the supply or any of its
generators; its PDUs (and cooling) need any of its UPSes (else the supply); an item in a
rack needs any of the rack's PDUs (else the data centre's power). Every mapping is in
docs/import.md.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from blackstart.io.glpi_refs import Glpi, label, text
from blackstart.io.importing import (
    Importer,
    ImportResult,
    Record,
    endpoint_records,
    make_id,
    sorted_sections,
)
from blackstart.io.source import SourceFile
from blackstart.io.type_words import (
    COMPUTER_KINDS,
    NETWORK_KINDS,
    PASSIVE_KINDS,
    SITE_WORDS,
    SUPPLIER_KINDS,
    country_code,
    kind_by_words,
)

ITEMTYPES = (
    "Location",
    "Supplier",
    "Infocom",
    "Datacenter",
    "DCRoom",
    "Rack",
    "PDU",
    "PDU_Rack",
    "Item_Rack",
    "PassiveDCEquipment",
    "Computer",
    "NetworkEquipment",
    "ComputerVirtualMachine",
    "DatabaseInstance",
    "Database",
    "Appliance",
    "Appliance_Item",
)
ALIASES = {t.lower().replace("_", "-"): t for t in ITEMTYPES}
ALIASES["itemvirtualmachine"] = "ComputerVirtualMachine"  # GLPI 11's name

_ADMIN = (
    "id",
    "links",
    "entities_id",
    "is_recursive",
    "date_mod",
    "date_creation",
    "is_dynamic",
    "is_deleted",
    "is_template",
    "template_name",
)


def read_records(path: Path, imp: Importer) -> dict[str, list[Record]]:
    """The saved answers in ``path`` (a directory of ``<ItemType>.json``, or one file)."""
    return endpoint_records(Path(path), ALIASES, imp)


def records_from_data(data: dict[str, list[Any]], origin: str) -> dict[str, list[Record]]:
    """Records from answers fetched live (``{item type: rows}``), located by URL."""
    out: dict[str, list[Record]] = {t: [] for t in ITEMTYPES}
    for itype, rows in data.items():
        src = SourceFile(None, rows, f"{origin}/{itype}")
        out[itype] = [Record(itype, row, src, (i,)) for i, row in enumerate(rows)]
    return out


def import_glpi(path: Path) -> ImportResult:
    """Read saved GLPI API answers (a directory or one file) into a model document; a
    :class:`~blackstart.errors.ModelError` with every located problem if it cannot."""
    imp = Importer("glpi")
    return build(read_records(Path(path), imp), imp)


def build(recs: dict[str, list[Record]], imp: Importer) -> ImportResult:
    """The model document of GLPI records (saved or live)."""
    g = Glpi(recs, imp)
    imp.fail_if_problems()
    return _Build(g, imp).run()


class _Build:
    def __init__(self, g: Glpi, imp: Importer) -> None:
        self.g, self.imp = g, imp
        self.doc: dict[str, Any] = {"providers": {}, "sites": {}, "components": {}, "functions": {}}
        self.comps: dict[str, dict[str, Any]] = self.doc["components"]
        self.site_of_location: dict[int, str] = {}
        self.dc_site: dict[int, str] = {}
        self.rack_dc: dict[int, int] = {}
        self.rack_of: dict[tuple[str, int], int] = {}
        self.comp_of: dict[tuple[str, int], str] = {}
        self.supplier_of: dict[tuple[str, int], str] = {}

    def run(self) -> ImportResult:
        g = self.g
        mapped: dict[str, tuple[str, ...]] = {
            "Location": ("name", "completename", "locations_id", "level", "town", "country"),
            "Supplier": ("name", "suppliertypes_id", "country", "comment"),
            "Infocom": ("itemtype", "items_id", "suppliers_id"),
            "Datacenter": ("name", "locations_id"),
            "DCRoom": ("name", "datacenters_id", "locations_id"),
            "Rack": ("name", "dcrooms_id", "locations_id", "states_id"),
            "PDU_Rack": ("racks_id", "pdus_id"),
            "Item_Rack": ("racks_id", "itemtype", "items_id"),
            "PDU": ("name", "locations_id", "states_id", "comment"),
            "PassiveDCEquipment": (
                "name",
                "passivedcequipmenttypes_id",
                "locations_id",
                "states_id",
                "comment",
            ),
            "Computer": ("name", "computertypes_id", "locations_id", "states_id", "uuid"),
            "NetworkEquipment": ("name", "networkequipmenttypes_id", "locations_id", "states_id"),
            "ComputerVirtualMachine": ("name", "computers_id", "itemtype", "items_id", "uuid"),
            "DatabaseInstance": ("name", "itemtype", "items_id", "locations_id", "states_id"),
            "Database": ("name", "databaseinstances_id"),
            "Appliance": ("name", "appliancetypes_id", "groups_id", "comment", "states_id"),
            "Appliance_Item": ("appliances_id", "itemtype", "items_id"),
        }
        for kind, rows in g.by_id.items():
            for rec in rows.values():
                self.imp.note_unmapped(rec, mapped.get(kind, ()), _ADMIN)
        self.providers()
        self.sites()
        self.racks()
        self.power()
        self.devices()
        self.virtual_and_databases()
        self.appliances()
        self.imp.fail_if_problems()
        return ImportResult(
            "glpi", sorted_sections(self.doc), self.imp.warnings(), dict(self.imp.counts)
        )

    # ------------------------------------------------------------------ places
    def providers(self) -> None:
        for _, rec in self.g.live("Supplier"):
            name = text(rec.data.get("name")) or f"supplier-{rec.data['id']}"
            pid = make_id(name)
            kind = kind_by_words(text(rec.data.get("suppliertypes_id")), SUPPLIER_KINDS, "other")
            entry: dict[str, Any] = {"kind": kind, "name": name}
            if (code := country_code(text(rec.data.get("country")))) is not None:
                entry["jurisdiction"] = code
            if text(rec.data.get("comment")):
                entry["description"] = text(rec.data.get("comment"))
            self.doc["providers"][pid] = entry
        for _, rec in sorted(self.g.by_id.get("Infocom", {}).items()):
            sup = self.g.ref(rec, "suppliers_id", "Supplier")
            item = self.g.ref(rec, "items_id")
            if sup is None or item is None:
                continue
            self.supplier_of[(item.kind, int(item.data["id"]))] = make_id(str(sup.data.get("name")))

    def chain(self, loc: Record) -> list[Record]:
        """The location, its parent, …, its root (a loop in GLPI's tree stops the walk)."""
        out, seen = [loc], {loc.data["id"]}
        while (parent := self.g.ref(out[-1], "locations_id", "Location")) is not None:
            if parent.data["id"] in seen:
                break
            seen.add(parent.data["id"])
            out.append(parent)
        return out

    def sites(self) -> None:
        g, sites = self.g, self.doc["sites"]
        dc_locations: dict[int, str] = {}
        for i, rec in g.live("Datacenter"):
            name = text(rec.data.get("name")) or f"datacenter-{i}"
            sid = g.claim(rec, name)
            self.dc_site[i] = sid
            site: dict[str, Any] = {"kind": "datacenter", "name": name}
            if (sup := self.supplier_of.get(("Datacenter", i))) is not None:
                site["provider"] = sup
                site["kind"] = "colocation"
            loc = g.ref(rec, "locations_id", "Location")
            if loc is not None:
                dc_locations[int(loc.data["id"])] = sid
                if text(loc.data.get("town")):
                    site["city"] = text(loc.data.get("town"))
            sites[sid] = site
        root_site: dict[int, str] = {}
        for i, rec in g.live("Location"):
            chain = self.chain(rec)
            claimed = [
                dc_locations[int(r.data["id"])] for r in chain if int(r.data["id"]) in dc_locations
            ]
            if claimed:
                self.site_of_location[i] = claimed[0]
                continue
            top = chain[-1]
            tid = int(top.data["id"])
            if tid not in root_site:
                name = text(top.data.get("name")) or text(top.data.get("completename")) or "site"
                sid = g.claim(top, name)
                entry: dict[str, Any] = {
                    "kind": kind_by_words(name, SITE_WORDS, "other"),
                    "name": name,
                }
                if text(top.data.get("town")):
                    entry["city"] = text(top.data.get("town"))
                sites[sid] = entry
                root_site[tid] = sid
            self.site_of_location[i] = root_site[tid]

    def racks(self) -> None:
        g = self.g
        room_dc: dict[int, int] = {}
        for i, rec in g.live("DCRoom"):
            dc = g.ref(rec, "datacenters_id", "Datacenter", required=True)
            if dc is not None:
                room_dc[i] = int(dc.data["id"])
        for i, rec in g.live("Rack"):
            room = g.ref(rec, "dcrooms_id", "DCRoom")
            if room is not None and int(room.data["id"]) in room_dc:
                self.rack_dc[i] = room_dc[int(room.data["id"])]
        for _, rec in sorted(g.by_id.get("Item_Rack", {}).items()):
            rack, item = g.ref(rec, "racks_id", "Rack", required=True), g.ref(rec, "items_id")
            if rack is not None and item is not None:
                self.rack_of[(item.kind, int(item.data["id"]))] = int(rack.data["id"])
        for _, rec in sorted(g.by_id.get("PDU_Rack", {}).items()):
            rack = g.ref(rec, "racks_id", "Rack", required=True)
            pdu = g.ref(rec, "pdus_id", "PDU", required=True)
            if rack is not None and pdu is not None:
                self.rack_of[("PDU", int(pdu.data["id"]))] = int(rack.data["id"])

    def place(self, rec: Record) -> tuple[str | None, int | None]:
        """(site, data centre id) of an object: its rack's data centre, else its location."""
        i = int(rec.data["id"])
        rack = self.rack_of.get((rec.kind, i))
        if rack is not None and rack in self.rack_dc:
            return self.dc_site.get(self.rack_dc[rack]), self.rack_dc[rack]
        loc = self.g.ref(rec, "locations_id", "Location")
        if loc is not None:
            sid = self.site_of_location.get(int(loc.data["id"]))
            return sid, next((d for d, s in self.dc_site.items() if s == sid), None)
        return None, None

    # ------------------------------------------------------------------ power
    def power(self) -> None:
        g = self.g
        self.supply: dict[int, str] = {}
        ups: dict[int, list[str]] = defaultdict(list)
        gens: dict[int, list[str]] = defaultdict(list)
        cooling: list[tuple[int, str]] = []
        for dc, sid in sorted(self.dc_site.items()):
            cid = g.unique(f"{sid}-supply")
            self.supply[dc] = cid
            self.comps[cid] = {"kind": "power", "name": f"Mains supply of {sid}", "site": sid}
        for _, rec in g.live("PassiveDCEquipment"):
            tname = text(rec.data.get("passivedcequipmenttypes_id"))
            kind = kind_by_words(tname, PASSIVE_KINDS, None)
            if kind is None:
                self.imp.notes.append(
                    f"{label(rec)}: type '{tname}' is not power or cooling; skipped"
                )
                continue
            cid = self.component(rec, kind, tags=[f"type:{make_id(tname or '')}"])
            _, at_dc = self.place(rec)
            if at_dc is None:
                self.imp.notes.append(f"{label(rec)}: in no data centre; not in a power chain")
                continue
            if kind == "ups":
                ups[at_dc].append(cid)
            elif kind == "generator":
                gens[at_dc].append(cid)
            else:
                cooling.append((at_dc, cid))
        self.dc_power: dict[int, Any] = {}
        for dc, supply in self.supply.items():
            for cid in ups.get(dc, []):
                self.comps[cid]["requires"] = (
                    [{"any_of": [supply, *gens[dc]]}] if gens.get(dc) else [supply]
                )
            self.dc_power[dc] = _any(ups[dc]) if ups.get(dc) else supply
        for dc, cid in cooling:
            self.comps[cid]["requires"] = [self.dc_power[dc]]
        self.rack_pdus: dict[int, list[str]] = defaultdict(list)
        for i, rec in g.live("PDU"):
            cid = self.component(rec, "power", tags=["pdu"])
            _, pdu_dc = self.place(rec)
            if pdu_dc is not None:
                self.comps[cid]["requires"] = [self.dc_power[pdu_dc]]
            if (rack := self.rack_of.get(("PDU", i))) is not None:
                self.rack_pdus[rack].append(cid)

    def component(self, rec: Record, kind: str, *, tags: list[str] | None = None) -> str:
        name = text(rec.data.get("name")) or f"{rec.kind}-{rec.data['id']}"
        cid = self.g.claim(rec, name)
        entry: dict[str, Any] = {"kind": kind, "name": name}
        site, _ = self.place(rec)
        if site is not None:
            entry["site"] = site
        all_tags = [f"glpi:{rec.kind}:{rec.data['id']}", *(tags or [])]
        if (state := text(rec.data.get("states_id"))) is not None:
            all_tags.append(f"state:{make_id(state)}")
        if (sup := self.supplier_of.get((rec.kind, int(rec.data["id"])))) is not None:
            all_tags.append(f"supplier:{sup}")
        entry["tags"] = all_tags
        if text(rec.data.get("comment")):
            entry["description"] = text(rec.data.get("comment"))
        self.comps[cid] = entry
        self.comp_of[(rec.kind, int(rec.data["id"]))] = cid
        return cid

    # ------------------------------------------------------------------ assets
    def devices(self) -> None:
        g = self.g
        vm_uuids = {
            u.lower()
            for _, r in g.live("ComputerVirtualMachine")
            if (u := text(r.data.get("uuid")))
        }
        for kind, field, table, default in (
            ("Computer", "computertypes_id", COMPUTER_KINDS, "compute"),
            ("NetworkEquipment", "networkequipmenttypes_id", NETWORK_KINDS, "network"),
        ):
            for i, rec in g.live(kind):
                tname = text(rec.data.get(field))
                ckind = kind_by_words(tname, table, default) or default
                uuid = (text(rec.data.get("uuid")) or "").lower()
                if kind == "Computer" and uuid and uuid in vm_uuids:
                    ckind = "vm"
                tags = [f"type:{make_id(tname)}"] if tname else []
                cid = self.component(rec, ckind, tags=tags)
                rack = self.rack_of.get((kind, i))
                if rack is not None and self.rack_pdus.get(rack):
                    self.comps[cid]["requires"] = [_any(sorted(self.rack_pdus[rack]))]
                elif rack is not None and rack in self.rack_dc:
                    self.comps[cid]["requires"] = [self.dc_power[self.rack_dc[rack]]]
                if rack is not None:
                    rname = text(g.by_id["Rack"][rack].data.get("name")) or str(rack)
                    self.comps[cid]["tags"].append(f"rack:{make_id(rname)}")

    def virtual_and_databases(self) -> None:
        g = self.g
        by_uuid = {
            u.lower(): i
            for i, r in g.live("Computer")
            if (u := text(r.data.get("uuid"))) and ("Computer", i) in self.comp_of
        }
        for _, rec in g.live("ComputerVirtualMachine"):
            key = "computers_id" if "computers_id" in rec.data else "items_id"
            host = g.ref(rec, key, "Computer" if key == "computers_id" else None, required=True)
            if host is None:
                continue
            host_id = self.comp_of.get((host.kind, int(host.data["id"])))
            uuid = (text(rec.data.get("uuid")) or "").lower()
            if uuid and uuid in by_uuid:
                cid = self.comp_of[("Computer", by_uuid[uuid])]  # the VM is inventoried too
                self.comp_of[("ComputerVirtualMachine", int(rec.data["id"]))] = cid
            else:
                cid = self.component(rec, "vm")
            if host_id is not None and host_id != cid:
                self.comps[cid]["requires"] = [host_id]
                self.comps[cid].pop("site", None)
        for _, rec in g.live("DatabaseInstance"):
            host = g.ref(rec, "items_id")
            cid = self.component(rec, "database", tags=["database-instance"])
            if host is not None:
                hid = self.comp_of.get((host.kind, int(host.data["id"])))
                if hid is not None:
                    self.comps[cid]["requires"] = [hid]
                    self.comps[cid].pop("site", None)
        for _, rec in g.live("Database"):
            inst = g.ref(rec, "databaseinstances_id", "DatabaseInstance", required=True)
            cid = self.component(rec, "database")
            if inst is not None and (
                iid := self.comp_of.get(("DatabaseInstance", int(inst.data["id"])))
            ):
                self.comps[cid]["requires"] = [iid]

    def appliances(self) -> None:
        g = self.g
        members: dict[int, list[str]] = defaultdict(list)
        nested: set[int] = set()
        for _, rec in sorted(g.by_id.get("Appliance_Item", {}).items()):
            app = g.ref(rec, "appliances_id", "Appliance", required=True)
            item = g.ref(rec, "items_id", required=True)
            if app is None or item is None:
                continue
            if item.kind == "Appliance":
                nested.add(int(item.data["id"]))
            members[int(app.data["id"])].append(f"{item.kind}:{item.data['id']}")
        apps = g.live("Appliance")
        for _, rec in apps:
            tname = text(rec.data.get("appliancetypes_id"))
            kind = "saas" if tname and "saas" in tname.lower() else "application"
            self.component(rec, kind, tags=[f"type:{make_id(tname)}"] if tname else [])
        for i, rec in apps:
            cid = self.comp_of[("Appliance", i)]
            needs = []
            for m in members.get(i, []):
                kind, _, ident = m.partition(":")
                target = self.comp_of.get((kind, int(ident)))
                if target is None:
                    self.imp.notes.append(f"{label(rec)}: item {kind} id {ident} not mapped")
                elif target != cid and target not in needs:
                    needs.append(target)
            if needs:
                self.comps[cid]["requires"] = sorted(needs)
            if i in nested:
                continue
            fid = g.unique(f"{cid}-use")
            fn: dict[str, Any] = {
                "tier": "administrative",
                "name": text(rec.data.get("name")) or cid,
                "requires": [cid],
            }
            if (owner := text(rec.data.get("groups_id"))) is not None:
                fn["owner"] = owner
            self.doc["functions"][fid] = fn
        if self.doc["functions"]:
            self.imp.notes.append(
                f"{len(self.doc['functions'])} functions from appliances, tier "
                "'administrative': set tier, rto, mtpd, rpo and degraded_mode in an overlay"
            )


def _any(ids: list[str]) -> Any:
    return ids[0] if len(ids) == 1 else {"any_of": ids}
