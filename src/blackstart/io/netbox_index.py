"""The objects of a NetBox export, indexed: by kind and number, nested references
resolved with located problems, and unique component ids claimed per object.

Used by :mod:`blackstart.io.netbox` (what each object becomes) and
:mod:`blackstart.io.netbox_chain` (how connections become requirements); imports
neither.
"""

from __future__ import annotations

from blackstart.errors import did_you_mean
from blackstart.io.importing import Importer, Record, make_id


class NetBox:
    """The export's objects by kind and number, and the component ids given to them."""

    def __init__(
        self,
        recs: dict[str, list[Record]],
        imp: Importer,
        mapped: dict[str, tuple[str, ...]],
        ignored: tuple[str, ...],
    ) -> None:
        self.imp = imp
        self.recs = recs
        self.by_id: dict[str, dict[int, Record]] = {}
        for kind, rows in recs.items():
            table: dict[int, Record] = {}
            for rec in rows:
                imp.note_unmapped(rec, mapped.get(kind, ()), ignored)
                ident = imp.get(rec, "id", int, required=True, what="the object's number")
                if ident is None:
                    continue
                if ident in table:
                    imp.problem(rec, "duplicate-object", f"{kind} id {ident} appears twice", "id")
                table[ident] = rec
            self.by_id[kind] = table
        self.ids: dict[tuple[str, int], str] = {}
        self.taken: set[str] = set()

    def ref(self, rec: Record, key: str, kind: str, *, required: bool = False) -> Record | None:
        """The object a nested reference ``{id: N, ...}`` names; located problems."""
        value = self.imp.get(rec, key, dict, required=required)
        if value is None:
            return None
        sub = Record(rec.kind, value, rec.source, (*rec.path, key))
        ident = self.imp.get(sub, "id", int, required=True)
        if ident is None:
            return None
        target = self.by_id.get(kind, {}).get(ident)
        if target is None:
            known = self.by_id.get(kind, {})
            name = value.get("name") or value.get("display")
            names = {str(r.data.get("name")): i for i, r in known.items()}
            hint = did_you_mean(str(name), list(names)) if name else None
            self.imp.problem(
                rec,
                "unknown-reference",
                f"{rec.kind} refers to {kind} id {ident}"
                + (f" ('{name}')" if name else "")
                + ", which is not in the export",
                key,
                suggestion=(hint + " (its id is " + str(names[hint.split("'")[1]]) + ")")
                if hint
                else f"export {kind.split('.')[1]}s too, or fix the id",
            )
        return target

    def unique(self, wanted: str) -> str:
        """A component id not used yet, from ``wanted``."""
        ident, n = make_id(wanted), 1
        while ident in self.taken:
            n += 1
            ident = make_id(f"{wanted}-{n}")
        self.taken.add(ident)
        return ident

    def claim(self, kind: str, rec: Record, wanted: str) -> str:
        """A unique component id for an object (suffixed when two objects share a name)."""
        key = (kind, int(rec.data["id"]))
        if key in self.ids:
            return self.ids[key]
        ident = make_id(wanted)
        if ident in self.taken:
            ident = make_id(f"{wanted}-{kind.split('.')[1]}-{rec.data['id']}")
            self.imp.notes.append(
                f"{rec.source.label}: {kind} '{wanted}' shares its name "
                f"with another object: id '{ident}'"
            )
        self.taken.add(ident)
        self.ids[key] = ident
        return ident
