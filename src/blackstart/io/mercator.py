"""Import a Mercator information-system cartography (its REST API's JSON).

Owns the mapping from Mercator objects (data model: https://dbarzin.github.io/mercator/
model/, API: https://dbarzin.github.io/mercator/api/) to a model document. Mercator
follows the French national guide for IS mapping (ANSSI) and is used in hospitals. The
input is one JSON file mapping endpoints (``applications``, ``logical-servers``…) to
the lists ``GET /api/<endpoint>`` returns, or a directory of ``<endpoint>.json`` files.

Applications need their databases and any of their logical servers; databases need any
of theirs; logical servers need any of their physical servers; physical servers sit at
a site (directly or through their building). An application flow makes its destination
need its source (the receiver needs the sender's data); bidirectional flows, and flows
that would close a cycle, are listed and skipped. Activities become functions with
their RTO, maximum tolerable downtime (MTPD) and RPO; an application with an RTO or RPO
but no activity becomes a function ``<app>-use``. Mercator has no tier: it is derived
from the availability need (``security_need_a``) of the applications involved — 4:
vital, 3: care, otherwise administrative. External entities become providers.
Mercator stores RTO, RPO and durations as whole minutes.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from blackstart.io.importing import (
    Importer,
    ImportResult,
    Record,
    endpoint_records,
    make_id,
    sorted_sections,
)

ENDPOINTS = (
    "sites",
    "buildings",
    "physical-servers",
    "logical-servers",
    "databases",
    "applications",
    "entities",
    "fluxes",
    "activities",
    "application-blocks",
)
ALIASES = {e: e for e in ENDPOINTS} | {e.replace("-", "_"): e for e in ENDPOINTS}
_IGNORED = ("id", "created_at", "updated_at", "deleted_at", "icon_id", "pivot")
_MAPPED = {
    "sites": ("name", "description"),
    "buildings": ("name", "site_id", "building_id", "description", "type"),
    "physical-servers": (
        "name",
        "description",
        "site_id",
        "building_id",
        "responsible",
        "logical_servers",
        "type",
    ),
    "logical-servers": (
        "name",
        "description",
        "active",
        "physical_servers",
        "databases",
        "applications",
        "environment",
        "type",
    ),
    "databases": (
        "name",
        "description",
        "type",
        "entity_resp_id",
        "responsible",
        "logical_servers",
        "applications",
        "external",
    ),
    "applications": (
        "name",
        "description",
        "responsible",
        "type",
        "technology",
        "external",
        "rto",
        "rpo",
        "security_need_a",
        "databases",
        "logical_servers",
        "activities",
        "entity_resp_id",
        "application_block_id",
        "editor",
    ),
    "entities": ("name", "description", "entity_type", "is_external"),
    "fluxes": (
        "name",
        "application_source_id",
        "application_dest_id",
        "database_source_id",
        "database_dest_id",
        "bidirectional",
        "description",
    ),
    "activities": (
        "name",
        "description",
        "recovery_time_objective",
        "maximum_tolerable_downtime",
        "recovery_point_objective",
        "applications",
    ),
    "application-blocks": ("name", "description"),
}
_ENTITY_KINDS = (
    ("hébergeur", "cloud"),
    ("hosting", "cloud"),
    ("cloud", "cloud"),
    ("éditeur", "software"),
    ("editor", "software"),
    ("saas", "saas"),
    ("télécom", "telecom"),
    ("telecom", "telecom"),
    ("opérateur", "telecom"),
    ("énergie", "energy"),
    ("energy", "energy"),
)


def _minutes(value: int) -> str:
    """Whole minutes as a duration text (``90`` -> ``1h30min``, ``0`` -> ``0min``)."""
    days, rest = divmod(value, 1440)
    hours, minutes = divmod(rest, 60)
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes}min" if minutes else "",
    ]
    return "".join(parts) or "0min"


class _Mercator:
    def __init__(self, recs: dict[str, list[Record]], imp: Importer) -> None:
        self.imp = imp
        self.by_id: dict[str, dict[int, Record]] = {}
        self.ids: dict[tuple[str, int], str] = {}
        self.taken: set[str] = set()
        for kind, rows in recs.items():
            table: dict[int, Record] = {}
            for rec in rows:
                imp.note_unmapped(rec, _MAPPED.get(kind, ()), _IGNORED)
                ident = imp.get(rec, "id", int, required=True, what="the object's number")
                if ident is not None:
                    if ident in table:
                        imp.problem(rec, "duplicate-object", f"{kind} id {ident} appears twice")
                    table[ident] = rec
            self.by_id[kind] = table

    def name(self, kind: str, i: int) -> str:
        rec = self.by_id[kind][i]
        return self.imp.get(rec, "name", str, required=True) or f"{kind}-{i}"

    def id_of(self, kind: str, i: int) -> str:
        """The model id of object ``i`` of ``kind`` (unique across kinds)."""
        key = (kind, i)
        if key not in self.ids:
            ident = make_id(self.name(kind, i))
            if ident in self.taken:
                ident = make_id(f"{ident}-{kind.rstrip('s').split('-')[-1]}")
            n = 1
            base = ident
            while ident in self.taken:
                n += 1
                ident = f"{base}-{n}"
            self.taken.add(ident)
            self.ids[key] = ident
        return self.ids[key]

    def ref(self, rec: Record, key: str, kind: str) -> int | None:
        """``rec[key]``: the number of an object of ``kind``; located problems."""
        value = self.imp.get(rec, key, int)
        if value is None:
            return None
        if value not in self.by_id.get(kind, {}):
            self.imp.problem(
                rec,
                "unknown-reference",
                f"{rec.kind} '{rec.data.get('name')}' refers to {kind} {value}, which is not "
                "in the export",
                key,
                suggestion=f"export {kind} too, or fix the number",
            )
            return None
        return int(value)

    def refs(self, rec: Record, key: str, kind: str) -> list[int]:
        """``rec[key]``: a list of numbers of objects of ``kind`` (or of ``{id: N}``)."""
        value = self.imp.get(rec, key, list)
        out = []
        for j, item in enumerate(value or []):
            n = item.get("id") if isinstance(item, dict) else item
            if not isinstance(n, int) or isinstance(n, bool):
                self.imp.problem(
                    Record(rec.kind, rec.data, rec.source, (*rec.path, key)),
                    "wrong-type",
                    f"'{key}' lists {kind} numbers, not {item!r}",
                    j,
                    suggestion="write the object's id, e.g. 12",
                )
                continue
            if n not in self.by_id.get(kind, {}):
                self.imp.problem(
                    Record(rec.kind, rec.data, rec.source, (*rec.path, key)),
                    "unknown-reference",
                    f"{rec.kind} '{rec.data.get('name')}' refers to {kind} {n}, which is not "
                    "in the export",
                    j,
                    suggestion=f"export {kind} too, or fix the number",
                )
                continue
            out.append(n)
        return out


def _links(m: _Mercator, a: str, key_a: str, b: str, key_b: str) -> dict[int, set[int]]:
    """Object of ``a`` -> objects of ``b``, from both sides' id lists."""
    out: dict[int, set[int]] = defaultdict(set)
    for i, rec in m.by_id[a].items():
        out[i].update(m.refs(rec, key_a, b))
    for j, rec in m.by_id[b].items():
        for i in m.refs(rec, key_b, a):
            out[i].add(j)
    return out


def _req(items: list[str]) -> list[Any]:
    uniq = sorted(set(items))
    return uniq if len(uniq) <= 1 else [{"any_of": uniq}]


def import_mercator(path: Path) -> ImportResult:
    """Read a Mercator export (file or directory) into a model document; a
    :class:`~blackstart.errors.ModelError` with every located problem if it cannot."""
    imp = Importer("mercator")
    m = _Mercator(endpoint_records(Path(path), ALIASES, imp), imp)
    imp.fail_if_problems()
    doc: dict[str, Any] = {"providers": {}, "sites": {}, "components": {}, "functions": {}}
    providers: dict[int, str] = {}
    for i, rec in sorted(m.by_id["entities"].items()):
        if rec.data.get("is_external") in (1, True, "1"):
            pid = make_id(m.name("entities", i))
            etype = str(rec.data.get("entity_type") or "").lower()
            kind = next((k for w, k in _ENTITY_KINDS if w in etype), "service")
            doc["providers"][pid] = {"kind": kind, "name": m.name("entities", i)}
            providers[i] = pid
    sites: dict[int, str] = {}
    for i, rec in sorted(m.by_id["sites"].items()):
        sites[i] = make_id(m.name("sites", i))
        doc["sites"][sites[i]] = {"kind": "other", "name": m.name("sites", i)}
        if rec.data.get("description"):
            doc["sites"][sites[i]]["description"] = rec.data["description"]
    building_site: dict[int, int] = {}
    for i, rec in m.by_id["buildings"].items():
        s = m.ref(rec, "site_id", "sites")
        if s is not None:
            building_site[i] = s
    comps: dict[str, dict[str, Any]] = doc["components"]
    for i, rec in sorted(m.by_id["physical-servers"].items()):
        entry: dict[str, Any] = {"kind": "compute", "name": m.name("physical-servers", i)}
        s = m.ref(rec, "site_id", "sites")
        b = m.ref(rec, "building_id", "buildings")
        if s is None and b is not None:
            s = building_site.get(b)
        if s is not None:
            entry["site"] = sites[s]
        comps[m.id_of("physical-servers", i)] = entry
    ls_ps = _links(m, "logical-servers", "physical_servers", "physical-servers", "logical_servers")
    for i, rec in sorted(m.by_id["logical-servers"].items()):
        if rec.data.get("active") in (0, False):
            imp.notes.append(
                f"logical server '{m.name('logical-servers', i)}' is inactive: skipped"
            )
            continue
        entry = {"kind": "vm", "name": m.name("logical-servers", i)}
        hosts = [m.id_of("physical-servers", p) for p in ls_ps.get(i, ())]
        if hosts:
            entry["requires"] = _req(hosts)
        site_ids = {comps[h].get("site") for h in hosts} - {None}
        if len(site_ids) == 1:
            entry["site"] = site_ids.pop()
        if env := rec.data.get("environment"):
            entry["tags"] = [f"environment:{env}"]
        comps[m.id_of("logical-servers", i)] = entry
    active_ls = {i for i in m.by_id["logical-servers"] if m.id_of("logical-servers", i) in comps}
    db_ls = _links(m, "databases", "logical_servers", "logical-servers", "databases")
    for i, rec in sorted(m.by_id["databases"].items()):
        entry = {"kind": "database", "name": m.name("databases", i)}
        servers = [m.id_of("logical-servers", j) for j in db_ls.get(i, ()) if j in active_ls]
        if servers:
            entry["requires"] = _req(servers)
        e = m.ref(rec, "entity_resp_id", "entities")
        if e is not None and e in providers:
            entry["provider"] = providers[e]
        comps[m.id_of("databases", i)] = entry
    app_db = _links(m, "applications", "databases", "databases", "applications")
    app_ls = _links(m, "applications", "logical_servers", "logical-servers", "applications")
    for i, rec in sorted(m.by_id["applications"].items()):
        entry = {"kind": "application", "name": m.name("applications", i)}
        if "saas" in str(rec.data.get("external") or "").lower():
            entry["kind"] = "saas"
        needs: list[Any] = sorted(m.id_of("databases", d) for d in app_db.get(i, ()))
        needs += _req([m.id_of("logical-servers", j) for j in app_ls.get(i, ()) if j in active_ls])
        if needs:
            entry["requires"] = needs
        e = m.ref(rec, "entity_resp_id", "entities")
        if e is not None and e in providers:
            entry["provider"] = providers[e]
        if rec.data.get("description"):
            entry["description"] = str(rec.data["description"]).strip()
        comps[m.id_of("applications", i)] = entry
    _flows(m, imp, comps)
    _functions(m, imp, doc)
    imp.fail_if_problems()
    return ImportResult("mercator", sorted_sections(doc), imp.warnings(), dict(imp.counts))


def _reaches(comps: dict[str, dict[str, Any]], start: str, goal: str) -> bool:
    seen, stack = set(), [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node in seen:
            continue
        seen.add(node)
        for item in comps.get(node, {}).get("requires", []):
            stack += item["any_of"] if isinstance(item, dict) else [item]
    return False


def _flows(m: _Mercator, imp: Importer, comps: dict[str, dict[str, Any]]) -> None:
    """The destination of a flow needs its source, unless that closes a cycle."""
    for _, rec in sorted(m.by_id["fluxes"].items()):
        src = next(
            (
                m.id_of(k, n)
                for key, k in (
                    ("application_source_id", "applications"),
                    ("database_source_id", "databases"),
                )
                if (n := m.ref(rec, key, k)) is not None
            ),
            None,
        )
        dst = next(
            (
                m.id_of(k, n)
                for key, k in (
                    ("application_dest_id", "applications"),
                    ("database_dest_id", "databases"),
                )
                if (n := m.ref(rec, key, k)) is not None
            ),
            None,
        )
        label = rec.data.get("name") or rec.data.get("id")
        if src is None or dst is None or src == dst:
            imp.notes.append(f"flow '{label}': not between two applications or databases: skipped")
            continue
        if rec.data.get("bidirectional") in (1, True):
            imp.notes.append(
                f"flow '{label}' ({src} <-> {dst}) is bidirectional: no "
                "requirement (say who needs whom in the overlay)"
            )
            continue
        if _reaches(comps, src, dst):
            imp.notes.append(
                f"flow '{label}' ({src} -> {dst}) would make a dependency cycle: skipped"
            )
            continue
        reqs = comps[dst].setdefault("requires", [])
        if src not in reqs:
            reqs.append(src)


def _functions(m: _Mercator, imp: Importer, doc: dict[str, Any]) -> None:
    """Activities (and applications with an RTO or RPO but no activity) -> functions."""
    act_app = _links(m, "activities", "applications", "applications", "activities")
    need_a = {i: r.data.get("security_need_a") for i, r in m.by_id["applications"].items()}

    def tier(apps: set[int]) -> str:
        level = max((v for a in apps if isinstance(v := need_a.get(a), int)), default=0)
        return "vital" if level >= 4 else "care" if level == 3 else "administrative"

    def durations(rec: Record, keys: tuple[tuple[str, str], ...]) -> dict[str, str]:
        out = {}
        for field, key in keys:
            v = m.imp.get(rec, key, int, what="whole minutes")
            if v is not None:
                out[field] = _minutes(v)
        return out

    covered: set[int] = set()
    for i, rec in sorted(m.by_id["activities"].items()):
        apps = act_app.get(i, set())
        covered |= apps
        fn: dict[str, Any] = {"tier": tier(apps), "name": m.name("activities", i)}
        if apps:
            fn["requires"] = sorted(m.id_of("applications", a) for a in apps)
        fn |= durations(
            rec,
            (
                ("rto", "recovery_time_objective"),
                ("mtpd", "maximum_tolerable_downtime"),
                ("rpo", "recovery_point_objective"),
            ),
        )
        if rec.data.get("description"):
            fn["description"] = str(rec.data["description"]).strip()
        doc["functions"][m.id_of("activities", i)] = fn
    for i, rec in sorted(m.by_id["applications"].items()):
        if i in covered or (rec.data.get("rto") is None and rec.data.get("rpo") is None):
            continue
        app = m.id_of("applications", i)
        fn = {
            "tier": tier({i}),
            "name": f"Use of {m.name('applications', i)}",
            "requires": [app],
        } | durations(rec, (("rto", "rto"), ("rpo", "rpo")))
        doc["functions"][make_id(f"{app}-use")] = fn
    if doc["functions"]:
        imp.notes.append(
            "function tiers come from the applications' availability need "
            "(security_need_a 4: vital, 3: care, else administrative): check them"
        )
