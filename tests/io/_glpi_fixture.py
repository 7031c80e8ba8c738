"""Generate a GLPI export of a hospital group, as GLPI's legacy REST API returns it.

Rows carry the columns of GLPI's tables (install/mysql/glpi-empty.sql: glpi_datacenters,
glpi_dcrooms, glpi_racks, glpi_items_racks, glpi_pdus_racks, glpi_pdus,
glpi_passivedcequipments, glpi_computers, glpi_networkequipments,
glpi_computervirtualmachines, glpi_databaseinstances, glpi_databases, glpi_appliances,
glpi_appliances_items, glpi_locations, glpi_suppliers, glpi_infocoms) in the shape
``GET apirest.php/<ItemType>/?expand_dropdowns=true`` gives (apirest.md): every foreign
key replaced by the target's name (a location's ``completename``), and the HATEOAS
``links`` (``{"rel": ItemType, "href": ".../ItemType/ID"}``) that keep the ids.

:class:`Fixture` also keeps the *raw* relations (ids), from which the tests compute the
expected outcomes without the importer.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

API = "http://glpi.example/apirest.php"


@dataclass
class Fixture:
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    raw: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    """Item type -> id -> the row with ids (before expansion)."""
    names: dict[tuple[str, int], str] = field(default_factory=dict)

    def add(self, itype: str, **fields: Any) -> int:
        table = self.raw.setdefault(itype, {})
        ident = len(table) + 1
        row = {"id": ident, "entities_id": 0, "is_deleted": 0, **fields}
        table[ident] = row
        if "name" in fields:
            self.names[(itype, ident)] = str(fields.get("completename") or fields["name"])
        return ident

    def expanded(self) -> dict[str, list[dict[str, Any]]]:
        """Rows as the API answers with expand_dropdowns=true (names + links)."""
        out: dict[str, list[dict[str, Any]]] = {}
        for itype, table in self.raw.items():
            rows = []
            for row in table.values():
                new: dict[str, Any] = {}
                links = [{"rel": "Entity", "href": f"{API}/Entity/0"}]
                for key, value in row.items():
                    target = _FK.get(key)
                    if key == "items_id":
                        target = row["itemtype"]
                    if target and isinstance(value, int) and key != "id" and value:
                        links.append({"rel": target, "href": f"{API}/{target}/{value}"})
                        new[key] = self.names.get((target, value), f"{target} {value}")
                    elif key == "entities_id":
                        new[key] = "Entité racine"
                    else:
                        new[key] = value
                new["links"] = links
                rows.append(new)
            out[itype] = rows
        return out

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for itype, rows in self.expanded().items():
            (directory / f"{itype}.json").write_text(
                json.dumps(rows, indent=1, ensure_ascii=False), "utf-8"
            )
        return directory


_FK = {
    "locations_id": "Location",
    "datacenters_id": "Datacenter",
    "dcrooms_id": "DCRoom",
    "racks_id": "Rack",
    "pdus_id": "PDU",
    "computers_id": "Computer",
    "databaseinstances_id": "DatabaseInstance",
    "appliances_id": "Appliance",
    "suppliers_id": "Supplier",
}


def hospital_group(seed: int = 7, *, apps: int = 40) -> Fixture:
    """Two data centres (one on site, one in a colocation), 12 racks, hundreds of
    objects, appliances spread over both."""
    rnd = random.Random(seed)
    f = Fixture()
    chu = f.add("Location", name="CHU Nord", completename="CHU Nord", locations_id=0, town="Lille")
    f.add("Location", name="Bâtiment A", completename="CHU Nord > Bâtiment A", locations_id=chu)
    room_loc = f.add(
        "Location", name="Salle serveur", completename="CHU Nord > Salle serveur", locations_id=chu
    )
    colo_loc = f.add(
        "Location", name="Colo Paris", completename="Colo Paris", locations_id=0, town="Paris"
    )
    f.add("Location", name="CH Sud", completename="CH Sud", locations_id=0, town="Arras")
    sup = f.add("Supplier", name="Global Colo", suppliertypes_id="Hébergeur", country="GB")
    f.add(
        "Supplier", name="Orange Business", suppliertypes_id="Opérateur télécom", country="France"
    )
    dcs = [
        f.add("Datacenter", name="DC Nord", locations_id=room_loc),
        f.add("Datacenter", name="DC Colo", locations_id=colo_loc),
    ]
    f.add("Infocom", itemtype="Datacenter", items_id=dcs[1], suppliers_id=sup)
    racks: dict[int, list[int]] = {}
    for dc in dcs:
        room = f.add("DCRoom", name=f"Salle {dc}", datacenters_id=dc, locations_id=0)
        racks[dc] = [
            f.add("Rack", name=f"R{dc}-{r:02d}", dcrooms_id=room, locations_id=0, number_units=42)
            for r in range(6)
        ]
        for kind, n in (
            ("Onduleur", 2),
            ("Groupe électrogène", 1),
            ("Climatisation", 1),
            ("Panneau de brassage", 3),
        ):
            for k in range(n):
                eq = f.add(
                    "PassiveDCEquipment",
                    name=f"{kind} {dc}-{k}",
                    passivedcequipmenttypes_id=kind,
                    locations_id=0,
                    serial=f"SN{rnd.randrange(10**8)}",
                )
                f.add(
                    "Item_Rack",
                    racks_id=racks[dc][k % 6],
                    itemtype="PassiveDCEquipment",
                    items_id=eq,
                    position=40 - k,
                    orientation=0,
                )
        for rack in racks[dc]:
            for side in (0, 1):
                pdu = f.add("PDU", name=f"PDU-{rack}-{'AB'[side]}", locations_id=0)
                f.add("PDU_Rack", racks_id=rack, pdus_id=pdu, side=side, position=0)
    hosts: dict[int, list[int]] = {}
    servers: list[int] = []
    for dc in dcs:
        hosts[dc] = []
        for h in range(8):
            c = f.add(
                "Computer",
                name=f"esx-{dc}-{h}",
                computertypes_id="Serveur",
                locations_id=0,
                states_id="Production",
                uuid=f"host-{dc}-{h}",
            )
            f.add(
                "Item_Rack",
                racks_id=racks[dc][h % 6],
                itemtype="Computer",
                items_id=c,
                position=2 * h + 1,
                orientation=0,
            )
            hosts[dc].append(c)
        for s in range(4):
            c = f.add(
                "Computer",
                name=f"srv-db-{dc}-{s}",
                computertypes_id="Serveur",
                locations_id=0,
                states_id="Production",
                uuid=f"db-{dc}-{s}",
            )
            f.add(
                "Item_Rack",
                racks_id=racks[dc][s],
                itemtype="Computer",
                items_id=c,
                position=30 + s,
                orientation=0,
            )
            servers.append(c)
        for s in range(4):
            n = f.add(
                "NetworkEquipment",
                name=f"sw-{dc}-{s}",
                networkequipmenttypes_id="Switch",
                locations_id=0,
            )
            f.add(
                "Item_Rack",
                racks_id=racks[dc][s],
                itemtype="NetworkEquipment",
                items_id=n,
                position=42,
                orientation=0,
            )
    # a workstation in a care building, outside any data centre
    f.add(
        "Computer",
        name="poste-urgences-1",
        computertypes_id="Poste fixe",
        locations_id=2,
        uuid="ws-1",
    )
    vms: list[tuple[str, int]] = []  # ("Computer", id) or ("ComputerVirtualMachine", id)
    for v in range(120):
        dc = dcs[v % 2]
        host = rnd.choice(hosts[dc])
        uuid = f"vm-{v:04d}"
        cvm = f.add(
            "ComputerVirtualMachine",
            name=f"vm{v:03d}",
            computers_id=host,
            uuid=uuid,
            vcpu=rnd.choice((2, 4, 8)),
            ram=rnd.choice((4096, 8192)),
        )
        if v % 3:
            comp = f.add(
                "Computer",
                name=f"vm{v:03d}",
                computertypes_id="Machine virtuelle",
                locations_id=0,
                uuid=uuid,
            )
            # appliances name a VM by its Computer, or (v % 6 == 1) by its VM record
            vms.append(("ComputerVirtualMachine", cvm) if v % 6 == 1 else ("Computer", comp))
        else:
            vms.append(("ComputerVirtualMachine", cvm))
    instances: list[int] = []
    for i in range(24):
        host_kind, host_id = (
            ("Computer", servers[i % len(servers)]) if i % 2 else vms[(7 * i) % len(vms)]
        )
        if host_kind != "Computer":
            host_kind, host_id = "Computer", servers[i % len(servers)]
        inst = f.add(
            "DatabaseInstance",
            name=f"pg-{i:02d}",
            itemtype=host_kind,
            items_id=host_id,
            port="5432",
            version="15",
            locations_id=0,
            is_active=1,
        )
        instances.append(inst)
    databases = [
        f.add("Database", name=f"db{d:02d}", databaseinstances_id=instances[d % 24], size=10)
        for d in range(48)
    ]
    appliances = []
    for a in range(apps):
        app = f.add(
            "Appliance",
            name=f"Application {a:02d}",
            appliancetypes_id="Métier",
            groups_id="DSI applications",
            locations_id=0,
        )
        appliances.append(app)
        for kind, ident in rnd.sample(vms, rnd.randint(1, 3)):
            f.add("Appliance_Item", appliances_id=app, itemtype=kind, items_id=ident)
        if a % 2 == 0:
            f.add(
                "Appliance_Item",
                appliances_id=app,
                itemtype="Database",
                items_id=rnd.choice(databases),
            )
        if a % 5 == 4 and a > 5:
            f.add(
                "Appliance_Item",
                appliances_id=app,
                itemtype="Appliance",
                items_id=appliances[a - 5],
            )
    return f


def down_appliances(f: Fixture, dc_name: str) -> set[int]:
    """The appliances a data centre's loss takes down, from the raw relations: an item in
    one of its racks is down; a VM with its host; an instance with its host; a database
    with its instance; an appliance with any of its items (recursively)."""
    dc = next(i for i, r in f.raw["Datacenter"].items() if r["name"] == dc_name)
    rooms = {i for i, r in f.raw["DCRoom"].items() if r["datacenters_id"] == dc}
    racks = {i for i, r in f.raw["Rack"].items() if r["dcrooms_id"] in rooms}
    down = {
        (r["itemtype"], r["items_id"])
        for r in f.raw["Item_Rack"].values()
        if r["racks_id"] in racks
    }
    uuid_to_comp = {r["uuid"]: i for i, r in f.raw["Computer"].items()}
    for i, r in f.raw["ComputerVirtualMachine"].items():
        if ("Computer", r["computers_id"]) in down:
            down.add(("ComputerVirtualMachine", i))
            if r["uuid"] in uuid_to_comp:
                down.add(("Computer", uuid_to_comp[r["uuid"]]))
    for i, r in f.raw["DatabaseInstance"].items():
        if (r["itemtype"], r["items_id"]) in down:
            down.add(("DatabaseInstance", i))
    for i, r in f.raw["Database"].items():
        if ("DatabaseInstance", r["databaseinstances_id"]) in down:
            down.add(("Database", i))
    changed = True
    while changed:
        changed = False
        for r in f.raw["Appliance_Item"].values():
            if (r["itemtype"], r["items_id"]) in down and (
                "Appliance",
                r["appliances_id"],
            ) not in down:
                down.add(("Appliance", r["appliances_id"]))
                changed = True
    return {i for kind, i in down if kind == "Appliance"}
