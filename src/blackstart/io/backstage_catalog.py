"""Read a Backstage catalogue: descriptor files into located entities, and entity
references resolved within the catalogue.

Owns the file side of the Backstage importer (:mod:`blackstart.io.backstage` owns the
mapping): multi-document YAML with positions per document, the entity envelope
(``apiVersion``, ``kind``, ``metadata``, ``spec``) and Backstage's entity reference
syntax ``[kind:][namespace/]name`` (https://backstage.io/docs/features/software-catalog/
references/). An entity outside the ``default`` namespace gets the id ``namespace.name``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from blackstart.errors import Problem, did_you_mean
from blackstart.io.importing import Importer, Record, make_id, not_found
from blackstart.io.source import SourceFile, _Converter, _syntax_problem

try:  # libyaml is part of PyYAML's wheels; fall back to the pure loader if absent
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

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
class Entity:
    rec: Record
    kind: str  # lower-case Backstage kind
    id: str
    meta: dict[str, Any]
    spec: dict[str, Any]
    ann: dict[str, str]


def parse_ref(text: str, default_kind: str | None) -> tuple[str | None, str]:
    """``[kind:][namespace/]name`` -> (kind, id); the id is ``name`` in the default
    namespace, ``namespace.name`` otherwise (Backstage's entity reference syntax)."""
    kind, sep, rest = text.partition(":")
    if not sep:
        kind, rest = default_kind or "", text
    ns, slash, name = rest.rpartition("/")
    ns = ns if slash else "default"
    ident = make_id(name) if ns.lower() == "default" else make_id(f"{ns}.{name}")
    return (kind.lower() or None), ident


class Catalog:
    def __init__(self, records: list[Record], imp: Importer) -> None:
        self.imp = imp
        self.by_key: dict[tuple[str, str], Entity] = {}
        self.entities: list[Entity] = []
        self._refs: dict[tuple[int, str], list[Entity]] = {}
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

    def _entity(self, rec: Record) -> Entity | None:
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
        return Entity(rec, kind.lower(), ident, meta, spec, {str(k): v for k, v in ann.items()})

    def refs(self, ent: Entity, key: str, kinds: tuple[str, ...]) -> list[Entity]:
        """The entities named by ``spec[key]`` (a reference or a list of them); problems
        are reported once."""
        memo = (id(ent), key)
        if memo not in self._refs:
            self._refs[memo] = self._read_refs(ent, key, kinds)
        return self._refs[memo]

    def _read_refs(self, ent: Entity, key: str, kinds: tuple[str, ...]) -> list[Entity]:
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
                name = parse_ref(text, None)[1]
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

    def resolve(self, text: str, default: str | None, kinds: tuple[str, ...]) -> Entity | None:
        kind, ident = parse_ref(text, default)
        if kind is None or (":" not in text and len(kinds) > 1):
            found = [self.by_key[(k, ident)] for k in kinds if (k, ident) in self.by_key]
            return found[0] if len(found) == 1 else None
        if kinds and kind not in kinds:
            return None
        return self.by_key.get((kind, ident))
