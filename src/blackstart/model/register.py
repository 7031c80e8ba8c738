"""The *register* stage of loading: every entity of every file indexed by section and id,
with the file it was written in; top-level keys and sections checked for shape.

Owns :class:`Entry`, :class:`Registry` (what later stages read and complete) and
:func:`register`. First of the stages (register → overlay → shape → resolve → cycles,
:mod:`blackstart.model.load` runs them); imports none of the later ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from blackstart.errors import Problem, did_you_mean
from blackstart.io.source import PathKey, SourceFile
from blackstart.model.schema import SECTIONS, TOP_LEVEL_SCALARS, Strict

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


@dataclass
class Entry:
    """One registered entity: its raw data, validated object and where it was written."""

    section: str
    id: str
    raw: Any
    source: SourceFile
    obj: Strict | None = None

    @property
    def path(self) -> PathKey:
        return (self.section, self.id)


@dataclass
class Registry:
    """Everything read so far, before validation completes."""

    sources: list[SourceFile]
    scalars: dict[str, tuple[Any, SourceFile]]
    entries: dict[str, dict[str, Entry]]
    problems: list[Problem]
    overlays: list[tuple[SourceFile, Any]] = field(default_factory=list)
    """``overlay:`` blocks in file order, applied by :func:`apply_overlays`."""


# --------------------------------------------------------------------------- register


def register(sources: Iterable[SourceFile], problems: list[Problem]) -> Registry:
    """Index every entity by section and id; report shape errors of the files."""
    reg = Registry(list(sources), {}, {s: {} for s in SECTIONS}, problems)
    allowed = (*TOP_LEVEL_SCALARS, *SECTIONS, "overlay")
    for src in reg.sources:
        data = src.data
        if data is None:
            problems.append(
                src.problem(
                    "empty-file",
                    f"{src.label} is empty: a model file holds at least one section",
                    (),
                    suggestion="add e.g. 'components:' with one entry, or remove the file",
                )
            )
            continue
        if not isinstance(data, dict):
            problems.append(
                src.problem(
                    "bad-file",
                    "a model file is a mapping of sections (providers, sites, "
                    f"components, functions, teams, scenarios), not a {type(data).__name__}",
                    (),
                )
            )
            continue
        for key, value in data.items():
            if key not in allowed:
                problems.append(
                    src.problem(
                        "unknown-key",
                        f"unknown top-level key '{key}'",
                        (key,),
                        key=True,
                        suggestion=did_you_mean(key, allowed)
                        or "top-level keys are " + ", ".join(allowed),
                    )
                )
                continue
            if key in SECTIONS:
                _register_section(reg, src, key, value)
            elif key == "overlay":
                reg.overlays.append((src, value))
            elif key != "include":
                if key in reg.scalars and reg.scalars[key][0] != value:
                    other = reg.scalars[key][1]
                    line, _ = other.locate((key,))
                    problems.append(
                        src.problem(
                            "conflict",
                            f"'{key}' is set differently in {other.label}"
                            + (f":{line}" if line else ""),
                            (key,),
                            suggestion="set it in one file only",
                        )
                    )
                else:
                    reg.scalars.setdefault(key, (value, src))
    return reg


def _register_section(reg: Registry, src: SourceFile, section: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        reg.problems.append(
            src.problem(
                "bad-section",
                f"'{section}' must map ids to entries, not be a {type(value).__name__}",
                (section,),
                suggestion=f"write '{section}:' then one 'id: {{...}}' per line",
            )
        )
        return
    table = reg.entries[section]
    for ident, raw in value.items():
        if not _ID.match(ident) or len(ident) > 200:
            reg.problems.append(
                src.problem(
                    "bad-id",
                    f"'{ident}' is not a valid id: use letters, digits, '-', '_' "
                    "and '.', starting with a letter or digit (no ':' or spaces)",
                    (section, ident),
                    key=True,
                )
            )
            continue
        if ident in table:
            first = table[ident]
            if first.raw == ({} if raw is None else raw):
                continue  # the same definition from two sources is no conflict
            line, _ = first.source.locate(first.path, key=True)
            reg.problems.append(
                src.problem(
                    "duplicate-id",
                    f"{section[:-1]} '{ident}' is already defined (differently) in "
                    f"{first.source.label}" + (f":{line}" if line else ""),
                    (section, ident),
                    key=True,
                    element=f"{section[:-1]}:{ident}",
                    suggestion="rename one of them, or remove the duplicate",
                )
            )
            continue
        table[ident] = Entry(section, ident, {} if raw is None else raw, src)
