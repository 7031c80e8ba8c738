"""Import an iTop CMDB (its REST/JSON API's ``core/get`` answers), impact relations as
requirements.

Owns the mapping from iTop classes (datamodel ``datamodels/2.x/itop-config-mgmt``,
``itop-datacenter-mgmt``, ``itop-virtualization-mgmt``, https://github.com/Combodo/iTop)
to a model document. The input is a directory with one ``<Class>.json`` per class, each
the answer of ``core/get`` (``{"objects": {"Server::12": {"class", "key", "fields"}},
"code": 0}``) or a plain list of ``fields``, or the same fetched live
(:mod:`blackstart.io.itop_live`). Objects of a class derived from ``FunctionalCI`` share
one id space, as in iTop.

iTop's ``impacts`` relation, read downwards, is what a CI requires: a datacenter device
needs ANY of ``powerA_id``/``powerB_id`` (iTop's fixed redundancy, one up is enough), a
PDU its ``powerstart_id``, a hypervisor its ``server_id``, a farm at least ``redundancy``
of its hypervisors, a virtual machine its ``virtualhost_id``, a software instance its
``system_id``, a database schema its ``dbserver_id``, a CI its ``downlink`` network
devices, an application solution its functional CIs (all, or at least its
``redundancy``), a business process its application solutions. Business processes become
functions. Every mapping is in docs/import.md.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from blackstart.errors import ModelError, Problem, did_you_mean
from blackstart.io.importing import (
    Importer,
    ImportResult,
    Record,
    make_id,
    sorted_sections,
)
from blackstart.io.source import SourceFile
from blackstart.io.type_words import NETWORK_KINDS, SITE_WORDS, kind_by_words

CLASSES = (
    "Location",
    "Rack",
    "PowerSource",
    "PDU",
    "Server",
    "NetworkDevice",
    "Hypervisor",
    "Farm",
    "VirtualMachine",
    "DBServer",
    "DatabaseSchema",
    "Middleware",
    "MiddlewareInstance",
    "WebServer",
    "WebApplication",
    "OtherSoftware",
    "ApplicationSolution",
    "BusinessProcess",
    "lnkApplicationSolutionToFunctionalCI",
    "lnkApplicationSolutionToBusinessProcess",
    "lnkConnectableCIToNetworkDevice",
    "Enclosure",
    "StorageSystem",
    "NAS",
    "SANSwitch",
    "TapeLibrary",
    "FunctionalCI",
)
"""Read in this order; ``FunctionalCI`` last catches CIs of every other class (with the
base fields only: a class's own answer, richer, wins for the same object)."""
_OWN_IDS = {"Location", *(c for c in CLASSES if c.startswith("lnk"))}
"""Classes with their own id space; the others derive from FunctionalCI."""
KINDS = {
    "PowerSource": "power",
    "PDU": "power",
    "Server": "compute",
    "NetworkDevice": "network",
    "Hypervisor": "compute",
    "Farm": "cluster",
    "VirtualMachine": "vm",
    "DBServer": "database",
    "DatabaseSchema": "database",
    "Middleware": "middleware",
    "MiddlewareInstance": "middleware",
    "WebServer": "middleware",
    "WebApplication": "application",
    "OtherSoftware": "other",
    "ApplicationSolution": "application",
    "Enclosure": "other",
    "StorageSystem": "storage",
    "NAS": "storage",
    "SANSwitch": "switch",
    "TapeLibrary": "backup",
    "PC": "endpoint",
    "Printer": "endpoint",
    "Peripheral": "endpoint",
    "Tablet": "endpoint",
    "Phone": "telephony",
    "IPPhone": "telephony",
    "MobilePhone": "telephony",
}
NOT_COMPONENTS = ("Rack", "BusinessProcess")
#: class -> external keys whose target it requires (iTop's impacts, downwards).
PARENT_KEYS = {
    "PDU": ("powerstart_id",),
    "Hypervisor": ("server_id",),
    "VirtualMachine": ("virtualhost_id",),
    "DBServer": ("system_id",),
    "Middleware": ("system_id",),
    "WebServer": ("system_id",),
    "OtherSoftware": ("system_id",),
    "DatabaseSchema": ("dbserver_id",),
    "MiddlewareInstance": ("middleware_id",),
    "WebApplication": ("webserver_id",),
}
TIERS = {"high": "care", "medium": "administrative", "low": "administrative"}
_MAPPED = (
    "id",
    "name",
    "friendlyname",
    "location_id",
    "rack_id",
    "powerA_id",
    "powerB_id",
    "redundancy",
    "business_criticity",
    "status",
    "description",
    "city",
    "networkdevicetype_id_friendlyname",
    "farm_id",
    "enclosure_id",
    *(k for keys in PARENT_KEYS.values() for k in keys),
)
_LINK_KEYS = (
    "applicationsolution_id",
    "functionalci_id",
    "businessprocess_id",
    "connectableci_id",
    "networkdevice_id",
    "connection_type",
)


def read_records(path: Path, imp: Importer) -> dict[str, list[Record]]:
    """Objects of the saved answers in ``path`` (see :mod:`blackstart.io.itop_answers`)."""
    from blackstart.io.itop_answers import read_answers

    return read_answers(path, CLASSES, imp)


def records_from_answers(
    answers: dict[str, Any], origin: str, imp: Importer
) -> dict[str, list[Record]]:
    """Records from answers fetched live (``{class: core/get answer}``)."""
    from blackstart.io.itop_answers import take

    out: dict[str, list[Record]] = defaultdict(list)
    for cls, answer in answers.items():
        take(SourceFile(None, answer, f"{origin}/{cls}"), cls, imp, out)
    return out


def import_itop(path: Path) -> ImportResult:
    """Read saved iTop ``core/get`` answers into a model document; a
    :class:`~blackstart.errors.ModelError` with every located problem if it cannot."""
    imp = Importer("itop")
    return build(read_records(Path(path), imp), imp)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def label(rec: Record) -> str:
    return f"{rec.kind} id {rec.data.get('id')}"


class _Itop:
    def __init__(self, recs: dict[str, list[Record]], imp: Importer) -> None:
        self.imp = imp
        self.recs = recs
        self.ci: dict[int, Record] = {}
        self.own: dict[str, dict[int, Record]] = defaultdict(dict)
        for kind, rows in recs.items():
            for rec in rows:
                imp.note_unmapped(rec, _MAPPED + _LINK_KEYS, ("org_id", "org_name"))
                ident = _int(rec.data.get("id"))
                if ident is None:
                    imp.problem(rec, "missing-field", f"{kind} object without a numeric id", "id")
                    continue
                rec.data["id"] = ident
                table = self.own[kind] if kind in _OWN_IDS else self.ci
                if ident in table:
                    if table[ident].kind != rec.kind:
                        imp.problem(
                            rec,
                            "duplicate-object",
                            f"{label(rec)} is also {label(table[ident])}",
                            "id",
                            suggestion="objects of FunctionalCI classes share one id space",
                        )
                    if len(table[ident].data) >= len(rec.data):
                        continue  # the same object from a parent class's answer: keep the richer
                table[ident] = rec
        self.ids: dict[int, str] = {}
        self.taken: set[str] = set()

    def ref(self, rec: Record, key: str, *, location: bool = False) -> Record | None:
        value = rec.data.get(key)
        ident = _int(value)
        if value in (None, "", 0, "0"):
            return None
        if ident is None:
            self.imp.problem(
                rec,
                "wrong-type",
                f"'{key}' of {label(rec)} must be an id, not {value!r}",
                key,
                suggestion="save iTop's answer as it is",
            )
            return None
        table = self.own["Location"] if location else self.ci
        if ident in table:
            return table[ident]
        name = rec.data.get(f"{key.removesuffix('_id')}_name") or rec.data.get(
            f"{key}_friendlyname"
        )
        names = [str(r.data.get("name")) for r in table.values()]
        self.imp.problem(
            rec,
            "unknown-reference",
            f"{label(rec)}: '{key}' refers to id {ident}"
            + (f" ('{name}')" if name else "")
            + ", which is not in the export",
            key,
            suggestion=(did_you_mean(str(name), names) if name else None)
            or "export that class too (core/get with its class), or fix the link in iTop",
        )
        return None

    def cid(self, rec: Record) -> str:
        i = int(rec.data["id"])
        if i not in self.ids:
            name = str(rec.data.get("name") or rec.data.get("friendlyname") or f"{rec.kind}-{i}")
            ident = make_id(name)
            if ident in self.taken:
                ident = make_id(f"{name}-{rec.kind}-{i}")
                self.imp.notes.append(f"{label(rec)} shares its name '{name}': id '{ident}'")
            self.taken.add(ident)
            self.ids[i] = ident
        return self.ids[i]


def _need(items: list[str], redundancy: Any, rec: Record, imp: Importer) -> Any:
    """iTop's redundancy setting as a requirement over ``items``."""
    items = sorted(dict.fromkeys(items))
    text = str(redundancy).strip() if redundancy is not None else "disabled"
    if len(items) <= 1 or text in ("", "disabled"):
        return items
    if text.endswith("%") and text[:-1].isdigit():
        k = max(1, math.ceil(int(text[:-1]) * len(items) / 100))
    elif text.isdigit():
        k = int(text)
    else:
        imp.problem(
            rec,
            "bad-value",
            f"redundancy of {label(rec)} is '{text}'",
            "redundancy",
            suggestion="iTop writes 'disabled', a count (2) or a percentage (50%)",
        )
        return items
    if k >= len(items):
        return items
    return [{"any_of": items}] if k == 1 else [{"at_least": k, "of": items}]


def build(recs: dict[str, list[Record]], imp: Importer) -> ImportResult:
    """The model document of iTop records (saved or live)."""
    it = _Itop(recs, imp)
    imp.fail_if_problems()
    doc: dict[str, Any] = {"sites": {}, "components": {}, "functions": {}}
    comps: dict[str, dict[str, Any]] = doc["components"]
    site_of: dict[int, str] = {}
    for i, rec in sorted(it.own["Location"].items()):
        name = str(rec.data.get("name") or f"location-{i}")
        sid = make_id(name)
        site_of[i] = sid
        entry: dict[str, Any] = {"kind": kind_by_words(name, SITE_WORDS, "other"), "name": name}
        if rec.data.get("city"):
            entry["city"] = str(rec.data["city"])
        doc["sites"][sid] = entry
    needs: dict[str, list[Any]] = defaultdict(list)
    for i, rec in sorted(it.ci.items()):
        if rec.kind in NOT_COMPONENTS:
            continue
        kind = KINDS.get(rec.kind)
        if kind is None:
            kind = "other"
            imp.notes.append(f"{label(rec)}: class {rec.kind} has no kind rule (kind other)")
        if rec.kind == "NetworkDevice":
            kind = (
                kind_by_words(
                    str(rec.data.get("networkdevicetype_id_friendlyname") or ""),
                    NETWORK_KINDS,
                    "network",
                )
                or "network"
            )
        cid = it.cid(rec)
        entry = {
            "kind": kind,
            "name": str(rec.data.get("name") or cid),
            "tags": [f"itop:{rec.kind}:{i}"],
        }
        loc = it.ref(rec, "location_id", location=True)
        if loc is not None:
            entry["site"] = site_of[int(loc.data["id"])]
        rack = it.ref(rec, "rack_id")
        if rack is not None:
            entry["tags"].append(f"rack:{make_id(str(rack.data.get('name')))}")
        if rec.data.get("status") not in (None, "", "production", "active"):
            entry["tags"].append(f"status:{make_id(str(rec.data['status']))}")
        if rec.data.get("description"):
            entry["description"] = str(rec.data["description"])
        comps[cid] = entry
        for key in (*PARENT_KEYS.get(rec.kind, ()), "enclosure_id"):
            if (parent := it.ref(rec, key)) is not None and parent.kind not in NOT_COMPONENTS:
                needs[cid].append(it.cid(parent))
        power = [p for k in ("powerA_id", "powerB_id") if (p := it.ref(rec, k)) is not None]
        if power:
            needs[cid] += _need([it.cid(p) for p in power], "1", rec, imp)
    farm_members: dict[int, list[str]] = defaultdict(list)
    for rec in it.ci.values():
        if rec.kind == "Hypervisor" and (farm := it.ref(rec, "farm_id")) is not None:
            farm_members[int(farm.data["id"])].append(it.cid(rec))
    for f, members in farm_members.items():
        farm_rec = it.ci[f]
        needs[it.cid(farm_rec)] += _need(
            members, farm_rec.data.get("redundancy", "1"), farm_rec, imp
        )
    app_members: dict[int, list[str]] = defaultdict(list)
    for _, rec in sorted(it.own["lnkConnectableCIToNetworkDevice"].items()):
        if str(rec.data.get("connection_type", "downlink")) != "downlink":
            continue
        ci, nd = it.ref(rec, "connectableci_id"), it.ref(rec, "networkdevice_id")
        if ci is not None and nd is not None and ci.kind not in NOT_COMPONENTS:
            needs[it.cid(ci)].append(it.cid(nd))
    for _, rec in sorted(it.own["lnkApplicationSolutionToFunctionalCI"].items()):
        app, ci = it.ref(rec, "applicationsolution_id"), it.ref(rec, "functionalci_id")
        if app is not None and ci is not None:
            if ci.kind not in NOT_COMPONENTS:
                app_members[int(app.data["id"])].append(it.cid(ci))
            else:
                imp.notes.append(f"{label(rec)}: {ci.kind} id {ci.data['id']} is not mapped")
    for a, members in app_members.items():
        app_rec = it.ci[a]
        needs[it.cid(app_rec)] += _need(members, app_rec.data.get("redundancy"), app_rec, imp)
    process_apps: dict[int, list[str]] = defaultdict(list)
    for _, rec in sorted(it.own["lnkApplicationSolutionToBusinessProcess"].items()):
        app, bp = it.ref(rec, "applicationsolution_id"), it.ref(rec, "businessprocess_id")
        if app is not None and bp is not None:
            process_apps[int(bp.data["id"])].append(it.cid(app))
    for i, rec in sorted(it.ci.items()):
        if rec.kind != "BusinessProcess":
            continue
        fid = it.cid(rec)
        crit = str(rec.data.get("business_criticity") or "low")
        fn: dict[str, Any] = {
            "tier": TIERS.get(crit, "administrative"),
            "name": str(rec.data.get("name") or fid),
        }
        if process_apps.get(i):
            fn["requires"] = sorted(dict.fromkeys(process_apps[i]))
        if rec.data.get("description"):
            fn["description"] = str(rec.data["description"])
        doc["functions"][fid] = fn
    for cid, reqs in needs.items():
        flat = [r for r in reqs if r != cid]
        if flat:
            comps[cid]["requires"] = _dedupe(flat)
    if doc["functions"]:
        imp.notes.append(
            f"{len(doc['functions'])} functions from business processes (business_criticity "
            "high → care, else administrative): check tiers and add rto, mtpd, rpo and "
            "degraded_mode in an overlay"
        )
    imp.fail_if_problems()
    return ImportResult("itop", sorted_sections(doc), imp.warnings(), dict(imp.counts))


def _dedupe(reqs: list[Any]) -> list[Any]:
    out: list[Any] = []
    for r in reqs:
        if r not in out:
            out.append(r)
    return out


def fail(origin: str, message: str, suggestion: str) -> ModelError:
    """A located error about the iTop source itself."""
    return ModelError([Problem("itop-error", message, file=origin, suggestion=suggestion)])
