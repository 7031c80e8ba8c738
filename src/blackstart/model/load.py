"""Load a model: files -> located plain data -> validated entities -> :class:`Model`.

Owns collecting the files (a file, a directory, ``include:``) and running the named
stages in one direction (after SCRAM's parse → register → resolve → validate → freeze):
:mod:`~blackstart.model.register` → :mod:`~blackstart.model.overlay` →
:mod:`~blackstart.model.shape` → :mod:`~blackstart.model.validate` (references) →
:mod:`~blackstart.model.cycles`. Every problem of every stage is collected; a
:class:`~blackstart.errors.ModelError` carries them all.
"""

from __future__ import annotations

import glob
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from blackstart.errors import ModelError, Problem, did_you_mean
from blackstart.io.source import SourceFile, read_source
from blackstart.model.model import Model
from blackstart.model.overlay import apply_overlays
from blackstart.model.register import Entry, Registry, register
from blackstart.model.shape import check_shapes
from blackstart.model.validate import resolve

__all__ = ["Entry", "Registry", "build", "collect", "load_data", "load_document", "load_model"]

MODEL_SUFFIXES = (".yaml", ".yml", ".json")


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


Listing = tuple[str, str, list[str]]
"""How a file set was found: ``("dir", directory, files)`` or ``("glob", pattern,
files)``, so that the compiled-model cache can tell when a new file would join."""

Progress = Callable[[str, int, int], None]
"""``on_progress(what, done, total)``: bytes of model files read so far, of the total
known so far (includes add to it)."""


def list_directory(directory: Path) -> list[Path]:
    """The model files of a directory, recursively, hidden files and folders excluded."""
    return _model_files(directory)


def expand_include(pattern: str) -> list[Path]:
    """The files an ``include:`` pattern (relative paths already joined) names."""
    matches = sorted(Path(m) for m in glob.glob(pattern, recursive=True))
    return [m for m in matches if m.is_file()] + [
        f for m in matches if m.is_dir() for f in _model_files(m)
    ]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def collect(
    path: Path, *, trace: list[Listing] | None = None, on_progress: Progress | None = None
) -> tuple[list[SourceFile], list[Problem]]:
    """Read a model file or directory and every file it includes, each once.

    ``trace`` receives every directory listing and include expansion made;
    ``on_progress`` is called after each file read."""
    problems: list[Problem] = []
    listings: list[Listing] = trace if trace is not None else []
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
    if path.is_dir():
        listings.append(("dir", str(path.resolve()), [str(p.resolve()) for p in queue]))
    if path.is_dir() and not queue:
        raise ModelError(
            [Problem("empty-model", f"no .yaml, .yml or .json file in {path}", file=str(path))]
        )
    total = sum(_size(f) for f in queue)
    done = 0
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
        done += _size(file)
        if on_progress is not None:
            on_progress(file.name, done, max(total, done))
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
                matches = expand_include(pattern)
                listings.append(("glob", pattern, [str(m.resolve()) for m in matches]))
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
                total += sum(_size(m) for m in matches if m.resolve() not in seen)
                queue.extend(matches)
    return sources, problems


# --------------------------------------------------------------------------- public


def canonical_hash(reg: Registry) -> str:
    """sha256 of the model's content in canonical JSON (ids sorted, layout ignored)."""
    # an empty costs section leaves the hash as it was before the section existed
    sections = {s: t for s, t in reg.entries.items() if t or s != "costs"}
    content = {
        "scalars": {k: v for k, (v, _) in sorted(reg.scalars.items())},
        **{s: {i: t[i].raw for i in sorted(t)} for s, t in sections.items()},
    }
    text = json.dumps(content, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _build(sources: list[SourceFile], problems: list[Problem]) -> tuple[Model, Registry]:
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
