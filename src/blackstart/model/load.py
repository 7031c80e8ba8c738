"""Load a model: files -> located plain data -> validated entities -> :class:`Model`.

Owns the named stages of loading (after SCRAM's parse → register → resolve → validate →
freeze): collect files (a file, a directory, ``include:``), register every entity with
its location, check each entity's shape with the pydantic schema, then hand over to
:mod:`blackstart.model.validate` for references and cycles. Every problem of every stage
is collected; a :class:`~blackstart.errors.ModelError` carries them all.
"""

from __future__ import annotations

import glob
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from blackstart.errors import ModelError, Problem, did_you_mean
from blackstart.io.source import PathKey, SourceFile, read_source
from blackstart.model.model import Model
from blackstart.model.overlay import apply_overlays
from blackstart.model.schema import (
    SECTIONS,
    TOP_LEVEL_SCALARS,
    Organisation,
    Strict,
    _check_timezone,
)

MODEL_SUFFIXES = (".yaml", ".yml", ".json")
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


# --------------------------------------------------------------------------- collect


def _label(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


def _model_files(directory: Path) -> list[Path]:
    return sorted(
        p
        for p in directory.rglob("*")
        if p.is_file()
        and p.suffix.lower() in MODEL_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(directory).parts)
    )


def collect(path: Path) -> tuple[list[SourceFile], list[Problem]]:
    """Read a model file or directory and every file it includes, each once."""
    problems: list[Problem] = []
    path = Path(path)
    if not path.exists():
        hint = (
            did_you_mean(path.name, [p.name for p in path.parent.glob("*")])
            if (path.parent.is_dir())
            else None
        )
        raise ModelError(
            [
                Problem(
                    "not-found",
                    f"no such file or directory: {path}",
                    file=str(path),
                    suggestion=hint,
                )
            ]
        )
    base = path if path.is_dir() else path.parent
    queue = _model_files(path) if path.is_dir() else [path]
    if path.is_dir() and not queue:
        raise ModelError(
            [Problem("empty-model", f"no .yaml, .yml or .json file in {path}", file=str(path))]
        )
    seen: set[Path] = set()
    sources: list[SourceFile] = []
    while queue:
        file = queue.pop(0)
        real = file.resolve()
        if real in seen:
            continue
        seen.add(real)
        source, found = read_source(file, _label(file, base))
        problems.extend(found)
        if source is None:
            continue
        sources.append(source)
        data = source.data
        if isinstance(data, dict) and "include" in data:
            includes = data["include"]
            if isinstance(includes, str):
                includes = [includes]
            if not isinstance(includes, list):
                problems.append(
                    source.problem("bad-include", "include must be a list of paths", ("include",))
                )
                continue
            for i, inc in enumerate(includes):
                if not isinstance(inc, str):
                    problems.append(
                        source.problem("bad-include", "an include is a path", ("include", i))
                    )
                    continue
                pattern = str(file.parent / inc)
                matches = sorted(Path(m) for m in glob.glob(pattern, recursive=True))
                matches = [m for m in matches if m.is_file()] + [
                    f for m in matches if m.is_dir() for f in _model_files(m)
                ]
                if not matches:
                    near = did_you_mean(Path(inc).name, [p.name for p in file.parent.glob("*")])
                    problems.append(
                        source.problem(
                            "bad-include",
                            f"include '{inc}' matches no file",
                            ("include", i),
                            suggestion=near,
                        )
                    )
                queue.extend(matches)
    return sources, problems


# --------------------------------------------------------------------------- register


def register(sources: Iterable[SourceFile], problems: list[Problem]) -> Registry:
    """Index every entity by section and id; report shape errors of the files."""
    reg = Registry(list(sources), {}, {s: {} for s in SECTIONS}, problems)
    allowed = (*TOP_LEVEL_SCALARS, *SECTIONS, "overlay")
    for src in reg.sources:
        data = src.data
        if data is None:
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


# --------------------------------------------------------------------------- shape


def _model_class_at(cls: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The schema class of the mapping at ``loc`` inside ``cls`` (for key suggestions)."""
    current: type[BaseModel] = cls
    for step in loc:
        if not isinstance(step, str) or step not in current.model_fields:
            return current if isinstance(step, int) else None
        ann = current.model_fields[step].annotation
        nested = [
            a
            for a in getattr(ann, "__args__", (ann,))
            if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        if not nested:
            return None
        current = nested[0]
    return current


def _shape_problems(entry: Entry, cls: type[Strict], exc: ValidationError) -> list[Problem]:
    out = []
    element = f"{entry.section[:-1]}:{entry.id}"
    for err in exc.errors(include_url=False):
        loc = tuple(x for x in err["loc"] if not (isinstance(x, str) and x.startswith("function-")))
        path: PathKey = (*entry.path, *loc)
        kind = err["type"]
        suggestion = None
        as_key = False
        if kind == "extra_forbidden":
            name = str(loc[-1])
            parent = _model_class_at(cls, loc[:-1])
            fields = list(parent.model_fields) if parent else []
            msg = f"unknown key '{name}'"
            suggestion = did_you_mean(name, fields) or (
                "allowed keys: " + ", ".join(fields) if fields else None
            )
            code, as_key = "unknown-key", True
        elif kind == "missing":
            msg = f"missing required key '{loc[-1]}'"
            suggestion = f"add '{loc[-1]}:' to {entry.section[:-1]} '{entry.id}'"
            code = "missing-key"
        elif kind == "literal_error":
            expected = re.findall(r"'([^']*)'", err.get("ctx", {}).get("expected", ""))
            msg = f"{err['input']!r} is not a valid {loc[-1]}; expected one of: " + ", ".join(
                expected
            )
            suggestion = did_you_mean(str(err["input"]), expected)
            code = "bad-value"
        elif kind == "value_error":
            msg = str(err["msg"]).removeprefix("Value error, ")
            code = "bad-value"
        else:
            msg = f"{loc[-1] if loc else entry.id}: {err['msg']}"
            if "input" in err and not isinstance(err["input"], dict | list):
                msg += f" (got {err['input']!r})"
            code = "bad-value"
        out.append(
            entry.source.problem(
                code, msg, path, key=as_key, element=element, suggestion=suggestion
            )
        )
    return out


def check_shapes(reg: Registry) -> None:
    """Validate every entity against its schema class, keeping all problems."""
    for section, table in reg.entries.items():
        cls = SECTIONS[section]
        for entry in table.values():
            if not isinstance(entry.raw, dict):
                reg.problems.append(
                    entry.source.problem(
                        "bad-entry",
                        f"{section[:-1]} '{entry.id}' must be a mapping of keys, not {entry.raw!r}",
                        entry.path,
                        suggestion="write e.g. {kind: ...}",
                        element=f"{section[:-1]}:{entry.id}",
                    )
                )
                continue
            try:
                entry.obj = cls.model_validate(entry.raw)
            except ValidationError as exc:
                reg.problems.extend(_shape_problems(entry, cls, exc))
    for key, (value, src) in reg.scalars.items():
        if key in ("name", "description") and not isinstance(value, str):
            reg.problems.append(src.problem("bad-value", f"'{key}' must be text", (key,)))
        if key == "timezone":
            try:
                _check_timezone(value)
            except ValueError as exc:
                reg.problems.append(src.problem("bad-value", str(exc), (key,)))
        if key == "organisation":
            try:
                Organisation.model_validate(value)
            except ValidationError as exc:
                for err in exc.errors():
                    where = (key, *(str(x) for x in err.get("loc", ())))
                    reg.problems.append(src.problem("bad-value", str(err["msg"]), where))


# --------------------------------------------------------------------------- public


def canonical_hash(reg: Registry) -> str:
    """sha256 of the model's content in canonical JSON (ids sorted, layout ignored)."""
    content = {
        "scalars": {k: v for k, (v, _) in sorted(reg.scalars.items())},
        **{s: {i: t[i].raw for i in sorted(t)} for s, t in reg.entries.items()},
    }
    text = json.dumps(content, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _build(sources: list[SourceFile], problems: list[Problem]) -> tuple[Model, Registry]:
    from blackstart.model.validate import resolve

    reg = register(sources, problems)
    apply_overlays(reg)
    check_shapes(reg)
    return resolve(reg, canonical_hash), reg


def build(sources: list[SourceFile], problems: list[Problem]) -> Model:
    """Run register, overlay, shape and reference validation; freeze into a :class:`Model`."""
    return _build(sources, problems)[0]


def load_document(path: str | Path) -> tuple[Model, dict[str, Any]]:
    """Load a model, and its content as ONE plain model document: includes followed,
    overlays applied (what ``blackstart export --format json`` writes)."""
    model, reg = _build(*collect(Path(path)))
    doc: dict[str, Any] = {k: v for k, (v, _) in reg.scalars.items() if k != "include"}
    for section, table in reg.entries.items():
        if table:
            doc[section] = {i: e.raw for i, e in table.items()}
    return model, doc


def load_model(path: str | Path) -> Model:
    """Load and validate a model file or directory.

    Raises :class:`~blackstart.errors.ModelError` with every problem found.
    """
    sources, problems = collect(Path(path))
    return build(sources, problems)


def load_data(data: dict[str, Any], *, label: str = "<memory>") -> Model:
    """Validate a model given as plain data (as it would be written in YAML)."""
    return build([SourceFile(None, data, label)], [])
