"""GLPI objects by item type and id, and the references between them.

Owns how one GLPI object names another in the legacy REST API's answers
(``apirest.php``, GLPI 9.5–10; https://github.com/glpi-project/glpi/blob/main/apirest.md).
A foreign key ``<table>_id`` holds the target's id, or — with ``expand_dropdowns=true``,
which GLPI applies to *every* foreign key, not only dropdowns (``API::parseDropdowns``) —
the target's name (``completename`` for tree dropdowns such as locations). The id is then
still in the HATEOAS ``links`` GLPI adds by default (``{"rel": "Computer", "href":
".../Computer/12"}``). A polymorphic ``items_id`` names its type in ``itemtype``.

So a reference is resolved from the id when there is one, else from the ``links`` entry
of the target's type, else by name among the exported objects of that type; an unknown
or ambiguous name is a located problem naming the item type and id of the object that
refers. Does not know what the objects mean: that is :mod:`blackstart.io.glpi`.
"""

from __future__ import annotations

import re
from typing import Any

from blackstart.errors import did_you_mean
from blackstart.io.importing import Importer, Record, make_id

_EMPTY = {"", " ", "&nbsp;", "-----", "0"}
_HREF_ID = re.compile(r"/([A-Za-z_\\]+)/(\d+)/?$")


def label(rec: Record) -> str:
    """``Computer id 12`` — how every GLPI problem names its object."""
    return f"{rec.kind} id {rec.data.get('id')}"


def text(value: Any) -> str | None:
    """A GLPI text value, ``None`` when empty (GLPI writes ``&nbsp;`` for nothing)."""
    if value is None or isinstance(value, bool):
        return None
    out = str(value).strip()
    return None if out in _EMPTY else out


def flag(value: Any) -> bool:
    """GLPI's tinyint booleans (0/1, sometimes as text)."""
    return str(value).strip() in ("1", "true", "True")


class Glpi:
    """The objects of one export, indexed by item type, id and name."""

    def __init__(self, recs: dict[str, list[Record]], imp: Importer) -> None:
        self.imp = imp
        self.by_id: dict[str, dict[int, Record]] = {}
        self.by_name: dict[str, dict[str, list[int]]] = {}
        for kind, rows in recs.items():
            table: dict[int, Record] = {}
            names: dict[str, list[int]] = {}
            for rec in rows:
                ident = imp.get(rec, "id", int, required=True, what="the object's number")
                if ident is None:
                    continue
                if ident in table:
                    imp.problem(rec, "duplicate-object", f"{label(rec)} appears twice", "id")
                    continue
                table[ident] = rec
                for key in ("name", "completename"):
                    if (n := text(rec.data.get(key))) is not None:
                        names.setdefault(n, [])
                        if ident not in names[n]:
                            names[n].append(ident)
            self.by_id[kind] = table
            self.by_name[kind] = names
        self.taken: set[str] = set()
        self.ids: dict[tuple[str, int], str] = {}
        self.skipped: set[tuple[str, int]] = set()

    def live(self, kind: str) -> list[tuple[int, Record]]:
        """The objects of ``kind`` that are neither in the trash nor templates, by id."""
        out = []
        for i, rec in sorted(self.by_id.get(kind, {}).items()):
            if flag(rec.data.get("is_deleted")) or flag(rec.data.get("is_template")):
                if (kind, i) not in self.skipped:
                    self.skipped.add((kind, i))
                    self.imp.notes.append(f"{label(rec)}: in the trash or a template; skipped")
                continue
            out.append((i, rec))
        return out

    def ref(
        self, rec: Record, key: str, kind: str | None = None, *, required: bool = False
    ) -> Record | None:
        """The object ``rec[key]`` names (of type ``kind``, or of ``rec['itemtype']`` for
        ``items_id``); ``None`` when empty; a located problem when it cannot be found."""
        if kind is None:
            kind = text(rec.data.get("itemtype"))
            if kind is None:
                if required:
                    self.imp.problem(
                        rec, "missing-field", f"{label(rec)} has no 'itemtype'", "itemtype"
                    )
                return None
        value = rec.data.get(key)
        if isinstance(value, bool) or (value is not None and not isinstance(value, (int, str))):
            self.imp.problem(
                rec,
                "wrong-type",
                f"'{key}' of {label(rec)} must be an id or a name, not {type(value).__name__}",
                key,
                suggestion="save GLPI's answer as it is",
            )
            return None
        if value is None or value == 0 or (isinstance(value, str) and text(value) is None):
            if required:
                self.imp.problem(
                    rec,
                    "missing-field",
                    f"{label(rec)} has no '{key}' ({kind})",
                    key,
                    suggestion=f"set the {kind} of this {rec.kind} in GLPI",
                )
            return None
        table = self.by_id.get(kind)
        if table is None:
            self.imp.notes.append(
                f"{label(rec)}: '{key}' names a {kind}, an item type not imported; ignored"
            )
            return None
        if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
            ident = int(value)
            if ident in table:
                return table[ident]
            return self._unknown(rec, key, kind, f"id {ident}", None)
        name = str(value).strip()
        linked = self._linked(rec, kind)
        candidates = [i for i in linked if i in table] if linked else []
        if len(candidates) > 1:
            candidates = [i for i in candidates if name in _names(table[i])]
        if len(candidates) == 1:
            return table[candidates[0]]
        if linked and not candidates:
            return self._unknown(rec, key, kind, f"'{name}' (id {linked[0]})", name)
        found = self.by_name.get(kind, {}).get(name, [])
        if len(found) == 1:
            return table[found[0]]
        if not found:
            return self._unknown(rec, key, kind, f"'{name}'", name)
        self.imp.problem(
            rec,
            "ambiguous-reference",
            f"{label(rec)}: '{key}' names {kind} '{name}', and {len(found)} {kind} objects "
            f"have that name (ids {', '.join(map(str, found[:5]))})",
            key,
            suggestion="save the answers with their HATEOAS 'links' (get_hateoas=true, the "
            "default) or without expand_dropdowns, so that ids are kept",
        )
        return None

    def _linked(self, rec: Record, kind: str) -> list[int]:
        out = []
        for link in rec.data.get("links") or []:
            if isinstance(link, dict) and link.get("rel") == kind:
                m = _HREF_ID.search(str(link.get("href", "")))
                if m:
                    out.append(int(m.group(2)))
        return out

    def _unknown(
        self, rec: Record, key: str, kind: str, what: str, name: str | None
    ) -> Record | None:
        hint = did_you_mean(name, list(self.by_name.get(kind, {}))) if name else None
        self.imp.problem(
            rec,
            "unknown-reference",
            f"{label(rec)}: '{key}' refers to {kind} {what}, which is not in the export",
            key,
            suggestion=hint or f"export {kind}.json too, or fix the reference in GLPI",
        )
        return None

    def claim(self, rec: Record, wanted: str) -> str:
        """A unique model id for an object (suffixed with its type and id when two objects
        share a name); the same object always gets the same id."""
        key = (rec.kind, int(rec.data["id"]))
        if key in self.ids:
            return self.ids[key]
        ident = make_id(wanted)
        if ident in self.taken:
            ident = make_id(f"{wanted}-{rec.kind}-{rec.data['id']}")
            self.imp.notes.append(f"{label(rec)} shares its name '{wanted}': id '{ident}'")
        self.taken.add(ident)
        self.ids[key] = ident
        return ident

    def unique(self, wanted: str) -> str:
        """A model id not taken yet, from ``wanted``."""
        ident, n = make_id(wanted), 1
        while ident in self.taken:
            n += 1
            ident = make_id(f"{wanted}-{n}")
        self.taken.add(ident)
        return ident


def _names(rec: Record) -> set[str]:
    return {n for k in ("name", "completename") if (n := text(rec.data.get(k))) is not None}
