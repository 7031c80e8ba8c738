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

from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import yaml

from blackstart.errors import ModelError, Problem, did_you_mean
from blackstart.io.importing import (
    Importer,
    ImportResult,
    Record,
    make_id,
    not_found,
    sorted_sections,
)
from blackstart.io.source import SourceFile, _Converter, _syntax_problem
from blackstart.model.schema import TIERS, ComponentKind
from blackstart.units import parse_distribution, parse_seconds

try:  # libyaml is part of PyYAML's wheels; fall back to the pure loader if absent
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

PREFIX = "blackstart.io/"
KINDS = frozenset(get_args(ComponentKind))

#: ``spec.type`` of a Component or Resource -> component kind (first matching word).
TYPE_KINDS: tuple[tuple[str, str], ...] = (
    ("database", "database"),
    ("db", "database"),
    ("postgres", "database"),
    ("mysql", "database"),
    ("oracle", "database"),
    ("bucket", "storage"),
    ("storage", "storage"),
    ("san", "storage"),
    ("nas", "storage"),
    ("backup", "backup"),
    ("kubernetes", "cluster"),
    ("cluster", "cluster"),
    ("vm", "vm"),
    ("virtual-machine", "vm"),
    ("server", "compute"),
    ("host", "compute"),
    ("queue", "middleware"),
    ("broker", "middleware"),
    ("kafka", "middleware"),
    ("middleware", "middleware"),
    ("integration", "middleware"),
    ("directory", "directory"),
    ("ldap", "directory"),
    ("identity", "directory"),
    ("dns", "dns"),
    ("load-balancer", "network"),
    ("network", "network"),
    ("vpn", "network"),
    ("firewall", "firewall"),
    ("saas", "saas"),
    ("mail", "messaging"),
    ("messaging", "messaging"),
    ("pbx", "pbx"),
    ("telephony", "telephony"),
    ("service", "application"),
    ("website", "application"),
    ("application", "application"),
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
_DEFAULT_KIND = {
    "owner": "group",
    "system": "system",
    "domain": "domain",
    "memberOf": "group",
    "members": "user",
    "subcomponentOf": "component",
    "providesApis": "api",
    "consumesApis": "api",
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


class _Document(SourceFile):
    """One document of a multi-document YAML file (positions within that document)."""

    def __init__(self, path: Path, data: Any, label: str, node: yaml.Node) -> None:
        super().__init__(path, data, label, _root=node, _composed=True)


def read_entities(path: Path, imp: Importer) -> list[Record]:
    """Every entity of a descriptor file or of a directory of them, with positions."""
    if not path.exists():
        raise not_found(path, "a catalog-info.yaml file or a directory of them")
    files = (
        sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
        if path.is_dir()
        else [path]
    )
    base = path if path.is_dir() else path.parent
    out: list[Record] = []
    for file in files:
        label = str(file.relative_to(base)) if path.is_dir() else str(file)
        try:
            nodes = list(yaml.compose_all(file.read_text("utf-8"), Loader=_Loader))
        except yaml.MarkedYAMLError as exc:
            imp.problems.append(_syntax_problem(label, exc))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            imp.problems.append(Problem("unreadable", f"cannot read: {exc}", file=label))
            continue
        for node in nodes:
            if node is None:
                continue
            conv = _Converter(label)
            data = conv.convert(node)
            imp.problems.extend(conv.problems)
            doc = _Document(file, data, label, node)
            if not isinstance(data, dict):
                imp.problems.append(
                    doc.problem("bad-entity", "an entity is a mapping (apiVersion, kind…)", ())
                )
                continue
            out.append(Record(str(data.get("kind", "?")), data, doc, ()))
    return out


@dataclass
class _Entity:
    rec: Record
    kind: str  # lower-case Backstage kind
    id: str
    meta: dict[str, Any]
    spec: dict[str, Any]
    ann: dict[str, str]


def _parse_ref(text: str, default_kind: str | None) -> tuple[str | None, str]:
    """``[kind:][namespace/]name`` -> (kind, id); the id is ``name`` in the default
    namespace, ``namespace.name`` otherwise (Backstage's entity reference syntax)."""
    kind, sep, rest = text.partition(":")
    if not sep:
        kind, rest = default_kind or "", text
    ns, slash, name = rest.rpartition("/")
    ns = ns if slash else "default"
    ident = make_id(name) if ns.lower() == "default" else make_id(f"{ns}.{name}")
    return (kind.lower() or None), ident


class _Catalog:
    def __init__(self, records: list[Record], imp: Importer) -> None:
        self.imp = imp
        self.by_key: dict[tuple[str, str], _Entity] = {}
        self.entities: list[_Entity] = []
        self._refs: dict[tuple[int, str], list[_Entity]] = {}
        for rec in records:
            ent = self._entity(rec)
            if ent is None:
                continue
            key = (ent.kind, ent.id)
            if key in self.by_key:
                first = self.by_key[key].rec
                line, _ = first.source.locate(("metadata", "name"))
                imp.problem(
                    rec,
                    "duplicate-entity",
                    f"{rec.kind} '{ent.id}' is also defined in {first.source.label}"
                    + (f":{line}" if line else ""),
                    "metadata",
                    suggestion="remove one, or give them different names or namespaces",
                )
                continue
            self.by_key[key] = ent
            self.entities.append(ent)

    def _entity(self, rec: Record) -> _Entity | None:
        imp = self.imp
        kind = imp.get(rec, "kind", str, required=True, what="Component, Resource, System…")
        if imp.get(rec, "apiVersion", str, required=True, what="backstage.io/v1alpha1") is None:
            return None
        meta = imp.get(rec, "metadata", dict, required=True)
        spec = imp.get(rec, "spec", dict) or {}
        if kind is None or meta is None:
            return None
        mrec = Record(kind, meta, rec.source, ("metadata",))
        name = imp.get(mrec, "name", str, required=True, what="the entity's name")
        ns = imp.get(mrec, "namespace", str) or "default"
        ann = imp.get(mrec, "annotations", dict) or {}
        if name is None:
            return None
        ident = make_id(name) if ns == "default" else make_id(f"{ns}.{name}")
        return _Entity(rec, kind.lower(), ident, meta, spec, {str(k): v for k, v in ann.items()})

    def refs(self, ent: _Entity, key: str, kinds: tuple[str, ...]) -> list[_Entity]:
        """The entities named by ``spec[key]`` (a reference or a list of them); problems
        are reported once."""
        memo = (id(ent), key)
        if memo not in self._refs:
            self._refs[memo] = self._read_refs(ent, key, kinds)
        return self._refs[memo]

    def _read_refs(self, ent: _Entity, key: str, kinds: tuple[str, ...]) -> list[_Entity]:
        raw = ent.spec.get(key)
        if raw is None:
            return []
        many = key not in ("owner", "system", "domain", "subcomponentOf", "parent")
        srec = Record(ent.rec.kind, ent.spec, ent.rec.source, ("spec",))
        value = self.imp.get(srec, key, list if many else str)
        if value is None:
            return []
        out = []
        for i, text in enumerate(value if many else [value]):
            where = Record(ent.rec.kind, ent.spec, ent.rec.source, ("spec", key))
            if not isinstance(text, str):
                self.imp.problem(
                    where,
                    "wrong-type",
                    f"'{key}' items must be entity references (text), not {text!r}",
                    i,
                )
                continue
            target = self.resolve(text, _DEFAULT_KIND.get(key), kinds)
            if target is None and key in ("owner", "memberOf", "members"):
                # owners often live in another catalogue (LDAP sync): not an error
                self.imp.notes.append(
                    f"{ent.rec.source.label}: {ent.rec.kind} '{ent.id}' {key} '{text}' is not "
                    "in the catalog: no team set"
                )
                continue
            if target is None:
                pool = [e.id for e in self.entities if e.kind in kinds]
                name = _parse_ref(text, None)[1]
                self.imp.problems.append(
                    ent.rec.source.problem(
                        "unknown-reference",
                        f"{ent.rec.kind} '{ent.id}': {key} refers to '{text}', which is not "
                        "in the catalog" + (f" as a {' or '.join(kinds)}" if kinds else ""),
                        ("spec", key, i) if many else ("spec", key),
                        suggestion=did_you_mean(name, pool)
                        or "add that entity to the catalog, or use the "
                        "blackstart.io/requires annotation for ids from other sources",
                    )
                )
                continue
            out.append(target)
        return out

    def resolve(self, text: str, default: str | None, kinds: tuple[str, ...]) -> _Entity | None:
        kind, ident = _parse_ref(text, default)
        if kind is None or (":" not in text and len(kinds) > 1):
            found = [self.by_key[(k, ident)] for k in kinds if (k, ident) in self.by_key]
            return found[0] if len(found) == 1 else None
        if kinds and kind not in kinds:
            return None
        return self.by_key.get((kind, ident))


def _duration(imp: Importer, ent: _Entity, name: str, *, dist: bool = False) -> Any:
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


def _ann_rec(ent: _Entity) -> Record:
    return Record(ent.rec.kind, ent.ann, ent.rec.source, ("metadata", "annotations"))


def import_backstage(path: Path) -> ImportResult:
    """Read a Backstage catalogue (a descriptor file or a directory) into a model
    document; :class:`ModelError` with every located problem if it cannot."""
    imp = Importer("backstage")
    records = read_entities(Path(path), imp)
    cat = _Catalog(records, imp)
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


def _note(imp: Importer, ent: _Entity, anns: tuple[str, ...]) -> None:
    imp.note_unmapped(ent.rec, ("apiVersion", "kind", "metadata", "spec", "relations"))
    srec = Record(ent.rec.kind, ent.spec, ent.rec.source, ("spec",))
    imp.note_unmapped(srec, _SPEC.get(ent.rec.kind, ()), count=False)
    _note_meta(imp, ent, anns)


def _note_meta(imp: Importer, ent: _Entity, anns: tuple[str, ...] = ()) -> None:
    mrec = Record(f"{ent.rec.kind}.metadata", ent.meta, ent.rec.source, ("metadata",))
    imp.note_unmapped(mrec, _META, count=False)
    known = {PREFIX + a for a in anns}
    for key in ent.ann:
        if key not in known:
            imp.unmapped[(f"{ent.rec.kind}.metadata.annotations", key)] += 1


def _component_kind(imp: Importer, ent: _Entity) -> str | None:
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


def _number(imp: Importer, ent: _Entity, name: str, value: str) -> float | None:
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
    min_of: dict[str, _Entity],
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


def _skills(group: _Entity) -> list[str]:
    text = group.ann.get(PREFIX + "skills")
    return [s.strip() for s in text.split(",") if s.strip()] if text else [group.id]


def _team(imp: Importer, ent: _Entity, doc: dict[str, Any], users: int) -> None:
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
    cat: _Catalog,
    ent: _Entity,
    doc: dict[str, Any],
    deps: dict[str, list[str]],
    groups_of: dict[str, str | None],
    min_of: dict[str, _Entity],
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
