"""Import a Backstage software catalogue (descriptor files, ``catalog-info.yaml``).

Owns the mapping from Backstage entities (Descriptor Format of Catalog Entities,
https://backstage.io/docs/features/software-catalog/descriptor-format/) to a model
document. Reads one file or every ``*.yaml``/``*.yml`` of a directory; a file may hold
several entities (multi-document YAML).

=========================  ==========================================================
Backstage                  blackstart
=========================  ==========================================================
Component, Resource        component (kind from ``spec.type``, or ``blackstart.io/kind``)
``spec.dependsOn``         ``requires`` (redundancy groups become ``any_of``)
``spec.dependencyOf``      the other entity ``requires`` this one
``spec.consumesApis``      ``requires`` the components that provide the API
``spec.subcomponentOf``    the parent ``requires`` this one
System                     function requiring the system's entry points (members no
                           other member depends on); ``blackstart.io/tier``, ``rto``…
Group                      team (``spec.members`` or Users' ``memberOf`` = head-count)
``spec.owner``             component ``team``; function ``owner``
Domain                     ``domain:NAME`` tag on the components of its systems
``metadata.title``/...     ``name``, ``description``, ``tags``
=========================  ==========================================================

Annotations ``blackstart.io/...`` carry what Backstage has no field for; see
docs/import.md for the full list. Everything else is listed as unmapped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

from blackstart.errors import ModelError, did_you_mean
from blackstart.io.backstage_catalog import Catalog, Entity, read_entities
from blackstart.io.importing import (
    Importer,
    ImportResult,
    Record,
    make_id,
    sorted_sections,
)
from blackstart.model.schema import TIERS, ComponentKind
from blackstart.units import parse_distribution, parse_seconds

PREFIX = "blackstart.io/"
KINDS = frozenset(get_args(ComponentKind))

#: ``spec.type`` of a Component or Resource -> component kind (first matching word).
TYPE_KINDS: tuple[tuple[str, str], ...] = tuple(
    (word, kind)
    for kind, words in (
        ("database", "database db postgres mysql oracle"),
        ("storage", "bucket storage san nas"),
        ("backup", "backup"),
        ("cluster", "kubernetes cluster"),
        ("vm", "vm virtual-machine"),
        ("compute", "server host"),
        ("middleware", "queue broker kafka middleware integration"),
        ("directory", "directory ldap identity"),
        ("dns", "dns"),
        ("network", "load-balancer network vpn"),
        ("firewall", "firewall"),
        ("saas", "saas"),
        ("messaging", "mail messaging"),
        ("pbx", "pbx"),
        ("telephony", "telephony"),
        ("application", "service website application"),
    )
    for word in words.split()
)

_META = ("name", "namespace", "title", "description", "tags", "annotations", "uid", "etag")
_SPEC = {
    "Component": (
        "type",
        "lifecycle",
        "owner",
        "system",
        "subcomponentOf",
        "providesApis",
        "consumesApis",
        "dependsOn",
        "dependencyOf",
    ),
    "Resource": ("type", "owner", "system", "dependsOn", "dependencyOf"),
    "System": ("owner", "domain", "type"),
    "Domain": ("owner", "subdomainOf", "type"),
    "Group": ("type", "profile", "parent", "children", "members"),
    "User": ("memberOf", "profile"),
    "API": ("type", "lifecycle", "owner", "system", "definition"),
}
_COMPONENT_ANN = (
    "kind",
    "site",
    "provider",
    "team",
    "requires",
    "requires-any",
    "redundancy-group",
    "redundancy-min",
    "boot",
    "restart",
    "data-check",
    "restore",
    "verify",
    "restart-fails",
    "skill",
    "mtbf",
    "mttr",
)
_SYSTEM_ANN = (
    "tier",
    "rto",
    "mtpd",
    "rpo",
    "patient-safety",
    "degraded-mode",
    "degraded-holds-for",
)
_GROUP_ANN = ("skills", "weekday-hours", "weekday-people", "weekend-on-call", "night-on-call")


def _duration(imp: Importer, ent: Entity, name: str, *, dist: bool = False) -> Any:
    value = ent.ann.get(PREFIX + name)
    if value is None:
        return None
    try:
        (parse_distribution if dist else parse_seconds)(value)
    except (ValueError, TypeError) as exc:
        rec = Record(ent.rec.kind, ent.ann, ent.rec.source, ("metadata", "annotations"))
        imp.problem(
            rec,
            "bad-value",
            f"annotation {PREFIX}{name}: {exc}",
            PREFIX + name,
            suggestion="write a duration with a unit, e.g. 4h, 45min, 1h..4h",
        )
        return None
    return str(value)


def _ann_rec(ent: Entity) -> Record:
    return Record(ent.rec.kind, ent.ann, ent.rec.source, ("metadata", "annotations"))


def import_backstage(path: Path) -> ImportResult:
    """Read a Backstage catalogue (a descriptor file or a directory) into a model
    document; :class:`ModelError` with every located problem if it cannot."""
    imp = Importer("backstage")
    records = read_entities(Path(path), imp)
    cat = Catalog(records, imp)
    imp.fail_if_problems()
    doc: dict[str, Any] = {"components": {}, "functions": {}, "teams": {}}
    members: dict[str, int] = {}
    for ent in cat.entities:
        if ent.kind == "user":
            for g in cat.refs(ent, "memberOf", ("group",)):
                members[g.id] = members.get(g.id, 0) + 1
    deps: dict[str, list[str]] = {}  # component id -> ids it requires (before grouping)
    comps = [e for e in cat.entities if e.kind in ("component", "resource")]
    api_providers: dict[str, list[str]] = {}
    for ent in comps:
        for api in cat.refs(ent, "providesApis", ("api",)):
            api_providers.setdefault(api.id, []).append(ent.id)
    system_domain = {
        e.id: d.id
        for e in cat.entities
        if e.kind == "system"
        for d in cat.refs(e, "domain", ("domain",))
    }
    groups = {e.id: e for e in cat.entities if e.kind == "group"}
    skipped: set[str] = set()
    for ent in comps:
        _note(imp, ent, _COMPONENT_ANN)
        kind = _component_kind(imp, ent)
        if kind is None:
            skipped.add(ent.id)
            continue
        entry: dict[str, Any] = {"kind": kind}
        if title := ent.meta.get("title"):
            entry["name"] = str(title)
        for key in ("site", "provider"):
            if v := ent.ann.get(PREFIX + key):
                entry[key] = make_id(v)
        owners = cat.refs(ent, "owner", ("group", "user"))
        team = ent.ann.get(PREFIX + "team") or next(
            (o.id for o in owners if o.kind == "group"), None
        )
        if team:
            entry["team"] = make_id(team)
        recovery = {
            k.replace("-", "_"): v
            for k in ("boot", "restart", "data-check", "restore", "verify")
            if (v := _duration(imp, ent, k, dist=True)) is not None
        }
        if recovery:
            rf = ent.ann.get(PREFIX + "restart-fails")
            if rf is not None:
                recovery["restart_fails"] = _number(imp, ent, "restart-fails", rf)
            skill = ent.ann.get(PREFIX + "skill")
            if skill is None and team in groups:
                skill = _skills(groups[team])[0]
            if skill:
                recovery["skill"] = skill
            entry["recovery"] = recovery
        failure = {k: v for k in ("mtbf", "mttr") if (v := _duration(imp, ent, k)) is not None}
        if failure:
            entry["failure"] = failure
        tags = [str(t) for t in ent.meta.get("tags") or []]
        if lc := ent.spec.get("lifecycle"):
            tags.append(f"lifecycle:{lc}")
        for system in cat.refs(ent, "system", ("system",)):
            tags.append(f"system:{system.id}")
            if system.id in system_domain:
                tags.append(f"domain:{system_domain[system.id]}")
        if tags:
            entry["tags"] = tags
        if desc := ent.meta.get("description"):
            entry["description"] = str(desc).strip()
        doc["components"][ent.id] = entry
        d = deps.setdefault(ent.id, [])
        d += [t.id for t in cat.refs(ent, "dependsOn", ("component", "resource"))]
        for api in cat.refs(ent, "consumesApis", ("api",)):
            d += api_providers.get(api.id, [])
            if api.id not in api_providers:
                imp.notes.append(
                    f"{ent.rec.source.label}: API '{api.id}' consumed by "
                    f"'{ent.id}' has no provider in the catalog"
                )
        for other in cat.refs(ent, "dependencyOf", ("component", "resource")):
            deps.setdefault(other.id, []).append(ent.id)
        for parent in cat.refs(ent, "subcomponentOf", ("component",)):
            deps.setdefault(parent.id, []).append(ent.id)
    groups_of = {e.id: e.ann.get(PREFIX + "redundancy-group") for e in comps}
    min_of = {
        e.ann[PREFIX + "redundancy-group"]: e
        for e in comps
        if PREFIX + "redundancy-min" in e.ann and PREFIX + "redundancy-group" in e.ann
    }
    for cid, entry in doc["components"].items():
        ent = cat.by_key.get(("component", cid)) or cat.by_key[("resource", cid)]
        req = _grouped([d for d in deps.get(cid, []) if d not in skipped], groups_of, min_of, imp)
        extra = _id_list(ent.ann.get(PREFIX + "requires"))
        any_extra = _id_list(ent.ann.get(PREFIX + "requires-any"))
        req += extra + ([{"any_of": any_extra}] if any_extra else [])
        if req:
            entry["requires"] = req
    for ent in cat.entities:
        if ent.kind in ("component", "resource"):
            continue
        if ent.kind == "system":
            _function(imp, cat, ent, doc, deps, groups_of, min_of, skipped)
        elif ent.kind == "group":
            _team(imp, ent, doc, members.get(ent.id, 0))
        elif ent.kind in ("domain", "api", "user"):
            imp.note_unmapped(ent.rec, ("apiVersion", "kind", "metadata", "spec", "relations"))
            _note_meta(imp, ent)
        else:
            imp.counts[ent.rec.kind] += 1
            imp.notes.append(
                f"{ent.rec.source.label}: {ent.rec.kind} '{ent.id}' ignored (no blackstart concept)"
            )
    for cid in sorted(skipped):
        imp.notes.append(
            f"component '{cid}' skipped: spec.type library/documentation is not "
            "deployed (set blackstart.io/kind to keep it)"
        )
    clash = set(doc["components"]) & set(doc["functions"])
    for ident in sorted(clash):
        ent = cat.by_key[("system", ident)]
        imp.problem(
            ent.rec,
            "id-clash",
            f"System '{ident}' has the name of a Component or "
            "Resource; functions and components share one namespace",
            "metadata",
            suggestion="rename one, or give the System another namespace",
        )
    imp.fail_if_problems()
    return ImportResult("backstage", sorted_sections(doc), imp.warnings(), dict(imp.counts))


def _note(imp: Importer, ent: Entity, anns: tuple[str, ...]) -> None:
    imp.note_unmapped(ent.rec, ("apiVersion", "kind", "metadata", "spec", "relations"))
    srec = Record(ent.rec.kind, ent.spec, ent.rec.source, ("spec",))
    imp.note_unmapped(srec, _SPEC.get(ent.rec.kind, ()), count=False)
    _note_meta(imp, ent, anns)


def _note_meta(imp: Importer, ent: Entity, anns: tuple[str, ...] = ()) -> None:
    mrec = Record(f"{ent.rec.kind}.metadata", ent.meta, ent.rec.source, ("metadata",))
    imp.note_unmapped(mrec, _META, count=False)
    known = {PREFIX + a for a in anns}
    for key in ent.ann:
        if key not in known:
            imp.unmapped[(f"{ent.rec.kind}.metadata.annotations", key)] += 1


def _component_kind(imp: Importer, ent: Entity) -> str | None:
    explicit = ent.ann.get(PREFIX + "kind")
    if explicit is not None:
        if explicit not in KINDS:
            imp.problem(
                _ann_rec(ent),
                "bad-value",
                f"{explicit!r} is not a component kind",
                PREFIX + "kind",
                suggestion=did_you_mean(explicit, sorted(KINDS))
                or "kinds: " + ", ".join(sorted(KINDS)),
            )
        return explicit
    srec = Record(ent.rec.kind, ent.spec, ent.rec.source, ("spec",))
    typ = (imp.get(srec, "type", str, required=True) or "").lower()
    if typ in ("library", "documentation", "template"):
        return None
    for word, kind in TYPE_KINDS:
        if word in typ.replace("_", "-").split("-") or typ == word:
            return kind
    fallback = "application" if ent.kind == "component" else "other"
    imp.notes.append(
        f"{ent.rec.source.label}: {ent.rec.kind} '{ent.id}' spec.type '{typ}' "
        f"has no kind rule: kind {fallback} (set blackstart.io/kind)"
    )
    return fallback


def _number(imp: Importer, ent: Entity, name: str, value: str) -> float | None:
    try:
        p = float(value)
    except ValueError:
        p = -1.0
    if not 0.0 <= p <= 1.0:
        imp.problem(
            _ann_rec(ent),
            "bad-value",
            f"annotation {PREFIX}{name} must be a probability between 0 and 1, not {value!r}",
            PREFIX + name,
        )
        return None
    return p


def _id_list(text: str | None) -> list[str]:
    return [make_id(t) for t in (text or "").split(",") if t.strip()]


def _grouped(
    ids: list[str],
    groups_of: dict[str, str | None],
    min_of: dict[str, Entity],
    imp: Importer,
) -> list[Any]:
    """Requirements from dependency ids: members of one redundancy group become one
    ``any_of`` (or ``at_least``) item; the rest stay plain references."""
    plain: list[str] = []
    grouped: dict[str, list[str]] = {}
    for d in dict.fromkeys(ids):
        g = groups_of.get(d)
        (grouped.setdefault(g, []) if g else plain).append(d)
    out: list[Any] = sorted(plain)
    for g in sorted(grouped):
        items = sorted(grouped[g])
        k = 1
        if g in min_of:
            ent = min_of[g]
            raw = ent.ann[PREFIX + "redundancy-min"]
            k = int(raw) if str(raw).isdigit() else 0
            if not 1 <= k <= len(items):
                imp.problem(
                    _ann_rec(ent),
                    "bad-value",
                    f"{PREFIX}redundancy-min {raw!r} must "
                    f"be a whole number from 1 to {len(items)} (the group's members "
                    "required together)",
                    PREFIX + "redundancy-min",
                )
                k = 1
        if len(items) == 1:
            out.append(items[0])
        else:
            out.append({"any_of": items} if k == 1 else {"at_least": k, "of": items})
    return out


def _skills(group: Entity) -> list[str]:
    text = group.ann.get(PREFIX + "skills")
    return [s.strip() for s in text.split(",") if s.strip()] if text else [group.id]


def _team(imp: Importer, ent: Entity, doc: dict[str, Any], users: int) -> None:
    _note(imp, ent, _GROUP_ANN)
    profile = ent.spec.get("profile") if isinstance(ent.spec.get("profile"), dict) else {}
    people = len(ent.spec.get("members") or []) or users or 1
    raw_people = ent.ann.get(PREFIX + "weekday-people")
    if raw_people is not None:
        if not str(raw_people).isdigit():
            imp.problem(
                _ann_rec(ent),
                "bad-value",
                f"{PREFIX}weekday-people must be a whole number, not {raw_people!r}",
                PREFIX + "weekday-people",
            )
        else:
            people = int(raw_people)
    team: dict[str, Any] = {}
    if name := (profile or {}).get("displayName") or ent.meta.get("title"):
        team["name"] = str(name)
    team["skills"] = _skills(ent)
    team["weekday"] = {
        "hours": ent.ann.get(PREFIX + "weekday-hours", "08:00-18:00"),
        "people": people,
    }
    for key in ("weekend", "night"):
        raw = ent.ann.get(f"{PREFIX}{key}-on-call")
        if raw is not None and str(raw).isdigit():
            team[key] = {"on_call": int(raw)}
    if email := (profile or {}).get("email"):
        team["contact"] = str(email)
    doc["teams"][ent.id] = team


def _function(
    imp: Importer,
    cat: Catalog,
    ent: Entity,
    doc: dict[str, Any],
    deps: dict[str, list[str]],
    groups_of: dict[str, str | None],
    min_of: dict[str, Entity],
    skipped: set[str],
) -> None:
    _note(imp, ent, _SYSTEM_ANN)
    fn: dict[str, Any] = {}
    tier = ent.ann.get(PREFIX + "tier")
    if tier is None:
        tier = "administrative"
        imp.notes.append(
            f"{ent.rec.source.label}: System '{ent.id}' has no {PREFIX}tier: "
            "tier administrative (set it in the overlay)"
        )
    elif tier not in TIERS:
        imp.problem(
            _ann_rec(ent),
            "bad-value",
            f"{tier!r} is not a tier",
            PREFIX + "tier",
            suggestion=did_you_mean(tier, TIERS) or "tiers: " + ", ".join(TIERS),
        )
    fn["tier"] = tier
    if title := ent.meta.get("title"):
        fn["name"] = str(title)
    members = [
        e.id
        for e in cat.entities
        if e.kind in ("component", "resource")
        and e.id not in skipped
        and any(s.id == ent.id for s in cat.refs(e, "system", ("system",)))
    ]
    used = {d for m in members for d in deps.get(m, [])}
    roots = [m for m in members if m not in used]
    if roots:
        fn["requires"] = _grouped(roots, groups_of, min_of, imp)
    else:
        imp.notes.append(
            f"{ent.rec.source.label}: System '{ent.id}' has no Component or "
            "Resource: its function requires nothing"
        )
    for key in ("rto", "mtpd", "rpo"):
        if (v := _duration(imp, ent, key)) is not None:
            fn[key] = v
    ps = ent.ann.get(PREFIX + "patient-safety")
    if ps is not None:
        if str(ps).lower() not in ("true", "false"):
            imp.problem(
                _ann_rec(ent),
                "bad-value",
                f'{PREFIX}patient-safety must be "true" or "false", not {ps!r}',
                PREFIX + "patient-safety",
            )
        fn["patient_safety"] = str(ps).lower() == "true"
    procedure = ent.ann.get(PREFIX + "degraded-mode")
    holds = _duration(imp, ent, "degraded-holds-for")
    if procedure and holds:
        fn["degraded_mode"] = {"procedure": procedure, "holds_for": holds}
    elif procedure or holds:
        imp.problem(
            _ann_rec(ent),
            "missing-field",
            f"a degraded mode needs both {PREFIX}degraded-mode and {PREFIX}degraded-holds-for",
            PREFIX + ("degraded-holds-for" if procedure else "degraded-mode"),
        )
    owners = cat.refs(ent, "owner", ("group", "user"))
    if owners:
        fn["owner"] = owners[0].id
    if desc := ent.meta.get("description"):
        fn["description"] = str(desc).strip()
    doc["functions"][ent.id] = fn


__all__ = ["ModelError", "import_backstage"]
