"""What every importer shares: reading API exports with positions, located problems,
the unmapped-field summary, ids, and writing the model file deterministically.

Owns the plumbing between a source tool's data and a model document (plain data in the
model format of docs/model-format.md). Does not know any source tool's vocabulary: that
is one module per tool (``io/backstage.py``, ``io/netbox.py``, ``io/mercator.py``,
``io/csv_import.py``).

A written file is a pure function of the source data (ids sorted, no time stamp), so
re-importing unchanged data rewrites the same bytes, and a hand-written overlay that
refers to ids keeps working after a refresh (see :mod:`blackstart.model.overlay`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from blackstart.errors import ModelError, Problem, did_you_mean
from blackstart.io.source import PathKey, SourceFile, dotted, read_source

_NOT_ID = re.compile(r"[^a-z0-9_.\-]+")


def make_id(text: str) -> str:
    """A model id from a source name: accents dropped, lower case, runs of other
    characters become ``-``.

    >>> make_id("Global Switch Paris 2 (GS-P2)")
    'global-switch-paris-2-gs-p2'
    >>> make_id("Téléphonie IPBX")
    'telephonie-ipbx'
    """
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    out = _NOT_ID.sub("-", plain.strip().lower()).strip("-._")
    return out or "unnamed"


@dataclass
class Record:
    """One object of a source, with where it was read (for located problems)."""

    kind: str
    """The source's name for its type, e.g. ``dcim.device`` or ``Component``."""
    data: dict[str, Any]
    source: SourceFile
    path: PathKey


@dataclass
class Importer:
    """Problems and the unmapped-field tally of one import run."""

    tool: str
    problems: list[Problem] = field(default_factory=list)
    unmapped: Counter[tuple[str, str]] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def problem(
        self,
        rec: Record,
        code: str,
        message: str,
        key: str | int | None = None,
        *,
        suggestion: str | None = None,
    ) -> None:
        """Record a problem located at ``rec``'s ``key`` (or at the record)."""
        path = (*rec.path, key) if key is not None else rec.path
        self.problems.append(
            rec.source.problem(code, message, path, key=isinstance(key, str), suggestion=suggestion)
        )

    def get(
        self,
        rec: Record,
        key: str,
        types: type | tuple[type, ...],
        *,
        required: bool = False,
        what: str = "",
    ) -> Any:
        """``rec.data[key]`` checked against ``types``; a located problem if missing or of
        the wrong type (then ``None``)."""
        value = rec.data.get(key)
        if value is None:
            if required:
                self.problems.append(
                    rec.source.problem(
                        "missing-field",
                        f"{rec.kind} has no '{key}'" + (f" ({what})" if what else ""),
                        (*rec.path, key),
                        suggestion=f"add '{key}' to this {rec.kind}"
                        + (
                            "; " + hint
                            if (hint := did_you_mean(key, [str(k) for k in rec.data]))
                            else ""
                        ),
                    )
                )
            return None
        expected = types if isinstance(types, tuple) else (types,)
        if not isinstance(value, expected) or (isinstance(value, bool) and bool not in expected):
            names = " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in expected)
            got = _TYPE_NAMES.get(type(value), type(value).__name__)
            self.problem(
                rec,
                "wrong-type",
                f"'{key}' of {rec.kind} must be {names}, not {got} {_short(value)}",
                key,
                suggestion=f"write '{key}' as {names}" + (f" ({what})" if what else ""),
            )
            return None
        return value

    def note_unmapped(
        self,
        rec: Record,
        mapped: Iterable[str],
        ignored: Iterable[str] = (),
        *,
        count: bool = True,
    ) -> None:
        """Tally the fields of ``rec`` that carry a value and that no rule maps (and count
        ``rec`` as one object read, unless ``count`` is false: a nested part)."""
        known = {*mapped, *ignored}
        if count:
            self.counts[rec.kind] += 1
        for key, value in rec.data.items():
            if key not in known and value not in (None, "", [], {}):
                self.unmapped[(rec.kind, str(key))] += 1

    def fail_if_problems(self) -> None:
        """Raise :class:`ModelError` with every problem recorded so far."""
        if self.problems:
            raise ModelError(list(dict.fromkeys(self.problems)))  # each problem once

    def warnings(self) -> list[str]:
        """The unmapped-field summary, then other notes: nothing is silently dropped."""
        out = [
            f"{kind}.{key}: not mapped ({n} object{'s' if n != 1 else ''})"
            for (kind, key), n in sorted(self.unmapped.items())
        ]
        return out + self.notes


_TYPE_NAMES = {
    str: "text",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    dict: "an object",
    list: "a list",
    type(None): "null",
}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass
class ImportResult:
    """A model document made from a source, and what could not be mapped."""

    tool: str
    document: dict[str, Any]
    warnings: list[str]
    counts: dict[str, int]
    """Objects read, by source type."""

    def summary(self) -> str:
        """One line: what was read and what was written."""
        read = ", ".join(f"{n} {k}" for k, n in sorted(self.counts.items()))
        made = ", ".join(
            f"{len(v)} {k}" for k, v in self.document.items() if isinstance(v, dict) and v
        )
        return f"read {read or 'nothing'}; wrote {made or 'nothing'}"


# --------------------------------------------------------------------------- reading


def json_files(path: Path) -> list[Path]:
    """``path`` itself, or the ``*.json`` files of a directory (sorted)."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*.json") if p.is_file())
    return [path]


def read_json_sources(paths: Iterable[Path], base: Path) -> list[SourceFile]:
    """Parse JSON (or YAML) files with positions; a :class:`ModelError` on bad syntax."""
    sources: list[SourceFile] = []
    problems: list[Problem] = []
    for p in paths:
        label = str(p.relative_to(base)) if p.is_relative_to(base) else str(p)
        src, found = read_source(p, label)
        problems.extend(found)
        if src is not None:
            sources.append(src)
    if problems:
        raise ModelError(problems)
    return sources


def not_found(path: Path, what: str) -> ModelError:
    """The error for a missing input path, with a close name when there is one."""
    near = (
        did_you_mean(path.name, [p.name for p in path.parent.iterdir()])
        if path.parent.is_dir()
        else None
    )
    return ModelError(
        [
            Problem(
                "not-found",
                f"no such file or directory: {path}",
                file=str(path),
                suggestion=near or f"give {what}",
            )
        ]
    )


def endpoint_records(
    path: Path,
    aliases: Mapping[str, str],
    imp: Importer,
) -> dict[str, list[Record]]:
    """Objects of a REST API export, by endpoint.

    ``path`` is one JSON file mapping endpoint names to lists (or to paginated
    responses ``{"count", "next", "previous", "results": [...]}``), or a directory of
    files named after endpoints (``sites.json``), each a list or a paginated response.
    ``aliases`` maps every accepted spelling of an endpoint (``dcim/sites``, ``sites``)
    to the record kind used in messages (``dcim.site``).
    """
    if not path.exists():
        raise not_found(path, "an export .json file or a directory of them")
    base = path if path.is_dir() else path.parent
    files = json_files(path)
    if not files:
        raise ModelError([Problem("empty-export", f"no .json file in {path}", file=str(path))])
    out: dict[str, list[Record]] = {kind: [] for kind in dict.fromkeys(aliases.values())}
    for src in read_json_sources(files, base):
        if path.is_dir():
            _take(src, (), _norm(Path(src.label).stem), aliases, out, imp)
            continue
        if not isinstance(src.data, dict):
            imp.problems.append(
                src.problem(
                    "bad-export",
                    "an export file is an object mapping endpoint names to lists of objects",
                    (),
                    suggestion='write {"dcim/sites": [...], ...}',
                )
            )
            continue
        for name in src.data:
            _take(src, (name,), _norm(str(name)), aliases, out, imp)
    return out


def _norm(name: str) -> str:
    return name.strip().strip("/").lower().replace("_", "-").removeprefix("api/")


def _take(
    src: SourceFile,
    at: PathKey,
    name: str,
    aliases: Mapping[str, str],
    out: dict[str, list[Record]],
    imp: Importer,
) -> None:
    value: Any = src.data
    for step in at:
        value = value[step]
    kind = aliases.get(name)
    if kind is None:
        count = len(value) if isinstance(value, list) else "?"
        imp.notes.append(f"{src.label}: endpoint '{name}' ignored ({count} objects)")
        return
    if isinstance(value, dict) and "results" in value:
        at, value = (*at, "results"), value["results"]
    if not isinstance(value, list):
        imp.problems.append(
            src.problem(
                "bad-export",
                f"'{name}' must be a list of objects or a paginated response with 'results'",
                at,
                suggestion="save the API's JSON response as it is",
            )
        )
        return
    for i, obj in enumerate(value):
        if not isinstance(obj, dict):
            imp.problems.append(
                src.problem("bad-export", f"item {i} of '{name}' is not an object", (*at, i))
            )
            continue
        out[kind].append(Record(kind, obj, src, (*at, i)))


# --------------------------------------------------------------------------- writing


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str)


def render_document(result: ImportResult, source: str) -> str:
    """The model file's text: a header naming the source, then the document."""
    header = [
        f"# Generated by `blackstart import {result.tool}` from {source}.",
        "# Do not edit: re-importing rewrites this file. Put changes in an overlay",
        "# (see docs/import.md): they survive a refresh of the source data.",
    ]
    if result.warnings:
        header.append("# Source fields not mapped (see `blackstart import` output):")
        header += [f"#   {w}" for w in result.warnings[:50]]
        if len(result.warnings) > 50:
            header.append(f"#   ... and {len(result.warnings) - 50} more")
    body = yaml.dump(
        result.document,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    return "\n".join(header) + "\n" + body


def write_document(result: ImportResult, out: Path, source: str) -> tuple[Path, bool]:
    """Write the model file to ``out`` (a file, or ``<tool>.yaml`` inside a directory);
    return its path and whether its content changed."""
    target = out / f"{result.tool}.yaml" if out.is_dir() else out
    target.parent.mkdir(parents=True, exist_ok=True)
    text = render_document(result, source)
    if target.exists() and target.read_text("utf-8") == text:
        return target, False
    target.write_text(text, "utf-8")
    return target, True


def sorted_sections(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The document with each section's ids sorted and empty sections dropped."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if isinstance(value, dict):
            if value:
                out[key] = {k: value[k] for k in sorted(value)}
        elif value not in (None, [], ""):
            out[key] = value
    return out


def where(rec: Record, key: str | None = None) -> str:
    """``file:line [key]`` of a record (for notes)."""
    path = (*rec.path, key) if key else rec.path
    line, _ = rec.source.locate(path)
    return f"{rec.source.label}" + (f":{line}" if line else "") + f" [{dotted(path)}]"
