"""Overlays: hand-written changes applied by id on top of entities defined elsewhere.

Owns the ``overlay:`` top-level key of a model file. A model made of imported files (the
source of truth, regenerated at will) and a small hand-written file adds what the sources
lack (redundancy logic, tiers, recovery data) without editing the imported files::

    include: [imported/backstage.yaml, imported/netbox.yaml]
    overlay:
      components:
        ehr-db: {requires: {any_of: [vm-ehr-db-a, vm-ehr-db-b]}}
      functions:
        patient-record: {rto: 2h, degraded_mode: {procedure: paper, holds_for: 24h}}

Merge rule: mappings merge key by key (recursively), any other value replaces the
source's, and ``null`` removes the key. An overlay may only change an entity defined in
a section of some file (to add an entity, define it in a section). Two overlays giving
the same key different values is a conflict reported at both places. Problems about an
overlaid key are located in the overlay file, not in the imported one. Does not check
shapes or references: :mod:`~blackstart.model.shape` and
:mod:`~blackstart.model.validate` do, after the merge.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from blackstart.errors import Problem, did_you_mean
from blackstart.io.source import PathKey, SourceFile
from blackstart.model.register import Registry
from blackstart.model.schema import SECTIONS

_DELETE = object()


@dataclass
class OverlaidSource(SourceFile):
    """The file an entity was defined in, except for the keys an overlay changed: those
    are located in the overlay file (at ``overlay.<section>.<id>.<key>``)."""

    base: SourceFile | None = field(default=None, repr=False)
    overrides: dict[str, SourceFile] = field(default_factory=dict, repr=False)

    def _target(self, path: PathKey) -> tuple[SourceFile, PathKey]:
        assert self.base is not None
        if len(path) >= 3 and isinstance(path[2], str) and path[2] in self.overrides:
            return self.overrides[path[2]], ("overlay", *path)
        return self.base, path

    def locate(self, path: PathKey, *, key: bool = False) -> tuple[int | None, int | None]:
        src, where = self._target(path)
        return src.locate(where, key=key)

    def problem(
        self, code: str, message: str, path: PathKey, *, key: bool = False, **extra: Any
    ) -> Problem:
        src, where = self._target(path)
        return src.problem(code, message, where, key=key, **extra)


def _overlaid(entry_source: SourceFile) -> OverlaidSource:
    if isinstance(entry_source, OverlaidSource):
        return entry_source
    return OverlaidSource(
        entry_source.path, entry_source.data, entry_source.label, base=entry_source
    )


def _merge(
    base: dict[str, Any],
    patch: dict[str, Any],
    path: PathKey,
    src: SourceFile,
    seen: dict[PathKey, tuple[Any, SourceFile]],
    problems: list[Problem],
) -> dict[str, Any]:
    out = dict(base)
    for key, value in patch.items():
        here = (*path, key)
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value, here, src, seen, problems)
            continue
        if here in seen and seen[here][0] != value:
            other = seen[here][1]
            line, _ = other.locate(("overlay", *here))
            problems.append(
                src.problem(
                    "conflict",
                    f"overlays disagree on '{key}': {other.label}"
                    + (f":{line}" if line else "")
                    + f" sets {seen[here][0]!r}, this one {value!r}",
                    ("overlay", *here),
                    suggestion="keep one of the two overlays for this key",
                )
            )
            continue
        seen[here] = (value, src)
        if value is None:
            out.pop(key, None)
        else:
            out[key] = copy.deepcopy(value)
    return out


def apply_overlays(reg: Registry) -> None:
    """Merge every ``overlay:`` block of ``reg`` into the entities it names, in place."""
    seen: dict[PathKey, tuple[Any, SourceFile]] = {}
    for src, block in reg.overlays:
        if block is None:
            continue
        if not isinstance(block, dict):
            reg.problems.append(
                src.problem(
                    "bad-overlay",
                    "'overlay' maps sections to ids to the keys to change",
                    ("overlay",),
                    suggestion="write e.g. overlay: {components: {ehr-db: {team: infra}}}",
                )
            )
            continue
        for section, table in block.items():
            if section not in SECTIONS:
                reg.problems.append(
                    src.problem(
                        "unknown-key",
                        f"unknown section '{section}' in overlay",
                        ("overlay", section),
                        key=True,
                        suggestion=did_you_mean(section, SECTIONS)
                        or "sections are " + ", ".join(SECTIONS),
                    )
                )
                continue
            if table is None:
                continue
            if not isinstance(table, dict):
                reg.problems.append(
                    src.problem(
                        "bad-overlay",
                        f"overlay '{section}' must map ids to the keys to change",
                        ("overlay", section),
                    )
                )
                continue
            entries = reg.entries[section]
            for ident, patch in table.items():
                where: PathKey = ("overlay", section, ident)
                if ident not in entries:
                    reg.problems.append(
                        src.problem(
                            "unknown-overlay-target",
                            f"overlay changes {section[:-1]} '{ident}', which no file defines",
                            where,
                            key=True,
                            element=f"{section[:-1]}:{ident}",
                            suggestion=did_you_mean(ident, list(entries))
                            or f"to add a new {section[:-1]}, define it under '{section}:'",
                        )
                    )
                    continue
                if not isinstance(patch, dict):
                    reg.problems.append(
                        src.problem(
                            "bad-overlay",
                            f"overlay of {section[:-1]} '{ident}' must be a mapping of keys",
                            where,
                            suggestion="write e.g. {team: infra}",
                        )
                    )
                    continue
                entry = entries[ident]
                if not isinstance(entry.raw, dict):
                    continue  # reported by the shape check
                entry.raw = _merge(entry.raw, patch, (section, ident), src, seen, reg.problems)
                overlaid = _overlaid(entry.source)
                for key in patch:
                    overlaid.overrides[str(key)] = src
                entry.source = overlaid
