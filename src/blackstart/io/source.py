"""Read YAML and JSON model files into plain data, and locate keys in them.

Owns file reading, YAML/JSON syntax errors and positions (file, line, column). Does not
know what a model is. YAML is parsed by libyaml (PyYAML's C composer) with YAML 1.2
core-schema scalars: only ``true``/``false`` are booleans, so ``jurisdiction: NO``
stays the string ``"NO"`` and ``08:00`` is not a sexagesimal number. Duplicate keys are
reported, never silently overwritten.

Positions are not kept while loading (a 10^6-component model would double its memory);
:meth:`SourceFile.locate` re-composes the file once, on the first problem to locate.
JSON files are plain JSON and are located through the same YAML composer (JSON is
YAML).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from blackstart.errors import Problem

try:  # libyaml is part of PyYAML's wheels; fall back to the pure loader if absent
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

PathKey = tuple[str | int, ...]

_INT = re.compile(r"[-+]?[0-9]+$")
_INT_OCT = re.compile(r"0o[0-7]+$")
_INT_HEX = re.compile(r"0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _plain_scalar(text: str) -> Any:
    """Resolve an unquoted scalar with the YAML 1.2 core schema."""
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if _INT.match(text):
        return int(text)
    if _INT_OCT.match(text):
        return int(text[2:], 8)
    if _INT_HEX.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    low = text.lower()
    if low in (".inf", "+.inf"):
        return float("inf")
    if low == "-.inf":
        return float("-inf")
    if low == ".nan":
        return float("nan")
    return text


@dataclass
class SourceFile:
    """One parsed file: its path, its plain data, and lazy positions."""

    path: Path | None
    """``None`` for a model built in memory."""
    data: Any
    label: str
    """How the file is named in messages (relative to where the model was opened)."""
    digest: str = field(default="", repr=False, compare=False)
    """sha256 of the file's bytes as read (empty for a model built in memory)."""
    _root: yaml.Node | None = field(default=None, repr=False)
    _composed: bool = field(default=False, repr=False)

    def _node(self) -> yaml.Node | None:
        if not self._composed:
            self._composed = True
            if self.path is not None:
                try:
                    self._root = yaml.compose(self.path.read_text("utf-8"), Loader=_Loader)
                except (yaml.YAMLError, OSError, UnicodeDecodeError):
                    self._root = None
        return self._root

    def locate(self, path: PathKey, *, key: bool = False) -> tuple[int | None, int | None]:
        """1-based (line, column) of the value at ``path`` (of its key with ``key=True``).

        When the path does not exist (a missing key), the deepest existing node is used.
        """
        node = self._node()
        if node is None:
            return None, None
        mark = node.start_mark
        for i, step in enumerate(path):
            last = i == len(path) - 1
            if isinstance(node, yaml.MappingNode) and isinstance(step, str):
                for k_node, v_node in _pairs(node):
                    if isinstance(k_node, yaml.ScalarNode) and k_node.value == step:
                        mark = k_node.start_mark if (key and last) else v_node.start_mark
                        node = v_node
                        break
                else:
                    break
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
                if 0 <= step < len(node.value):
                    node = node.value[step]
                    mark = node.start_mark
                else:
                    break
            else:
                break
        return mark.line + 1, mark.column + 1

    def problem(
        self, code: str, message: str, path: PathKey, *, key: bool = False, **extra: Any
    ) -> Problem:
        """A :class:`Problem` located at ``path`` in this file."""
        line, column = self.locate(path, key=key)
        return Problem(
            code=code,
            message=message,
            file=self.label,
            line=line,
            column=column,
            key=dotted(path) or None,
            **extra,
        )


def dotted(path: PathKey) -> str:
    """``('components', 'x', 'requires', 1)`` -> ``components.x.requires[1]``."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += ("." if out else "") + step
    return out


def _pairs(node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
    pairs: list[tuple[yaml.Node, yaml.Node]] = node.value
    return pairs


class _Converter:
    """Node tree -> plain data, collecting duplicate-key and key-type problems."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.problems: list[Problem] = []

    def _where(self, node: yaml.Node) -> dict[str, Any]:
        return {
            "file": self.label,
            "line": node.start_mark.line + 1,
            "column": node.start_mark.column + 1,
        }

    def convert(self, node: yaml.Node, path: PathKey = ()) -> Any:
        if isinstance(node, yaml.ScalarNode):
            if not node.style and not node.tag.startswith("!"):
                if node.tag == "tag:yaml.org,2002:str" and not node.value[:1].isdigit():
                    return node.value
                return _plain_scalar(node.value)
            return node.value
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(child, (*path, i)) for i, child in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            seen: dict[str, yaml.Node] = {}
            merged: dict[str, Any] = {}
            for k_node, v_node in _pairs(node):
                if k_node.tag == _MERGE_TAG:
                    sources = v_node.value if isinstance(v_node, yaml.SequenceNode) else [v_node]
                    for src in sources:
                        value = self.convert(src, path)
                        if isinstance(value, dict):
                            for mk, mv in value.items():
                                merged.setdefault(mk, mv)
                    continue
                if not isinstance(k_node, yaml.ScalarNode):
                    self.problems.append(
                        Problem(
                            "bad-key",
                            "a key must be a plain name, not a list or mapping",
                            key=dotted(path),
                            **self._where(k_node),
                        )
                    )
                    continue
                name = str(k_node.value)
                if name in seen:
                    first = seen[name].start_mark.line + 1
                    self.problems.append(
                        Problem(
                            "duplicate-key",
                            f"key '{name}' appears twice in the same mapping "
                            f"(first at line {first}); the second would silently win",
                            key=dotted((*path, name)),
                            suggestion="remove or rename one of them",
                            **self._where(k_node),
                        )
                    )
                    continue
                seen[name] = k_node
                out[name] = self.convert(v_node, (*path, name))
            for mk, mv in merged.items():
                out.setdefault(mk, mv)
            return out
        return None  # pragma: no cover - libyaml produces only the three node kinds


def _syntax_problem(label: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    what = " ".join(x for x in (exc.context, exc.problem) if x) or "invalid YAML"
    return Problem(
        "yaml-syntax",
        f"YAML syntax error: {what}",
        file=label,
        line=mark.line + 1 if mark else None,
        column=mark.column + 1 if mark else None,
        suggestion="check indentation and quoting around this line",
    )


def read_source(path: Path, label: str) -> tuple[SourceFile | None, list[Problem]]:
    """Parse one ``.yaml``/``.yml``/``.json`` file; return it and the problems found."""
    try:
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        text = raw.decode("utf-8")
        if "\r" in text:  # as text mode would read it
            text = text.replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        return None, [
            Problem(
                "encoding",
                f"not UTF-8 text (byte {exc.start})",
                file=label,
                line=exc.object.count(b"\n", 0, exc.start) + 1,
                suggestion="save the file as UTF-8",
            )
        ]
    except OSError as exc:
        return None, [Problem("unreadable", f"cannot read file: {exc.strerror}", file=label)]
    if path.suffix.lower() == ".json":
        source, found = _read_json(path, label, text)
    else:
        source, found = _read_yaml(path, label, text)
    if source is not None:
        source.digest = digest
    return source, found


def _read_yaml(path: Path, label: str, text: str) -> tuple[SourceFile | None, list[Problem]]:
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(label, exc)]
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        return None, [Problem("yaml-syntax", f"YAML error: {exc}", file=label)]
    if root is None:
        return SourceFile(path, None, label, _composed=True), []
    conv = _Converter(label)
    data = conv.convert(root)
    return SourceFile(path, data, label), conv.problems


def _read_json(path: Path, label: str, text: str) -> tuple[SourceFile | None, list[Problem]]:
    duplicates: list[str] = []

    def pairs_hook(pairs: Sequence[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(pairs)
        if len(out) != len(pairs):
            seen: set[str] = set()
            duplicates.extend(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        return out

    try:
        data = json.loads(text, object_pairs_hook=pairs_hook)
    except json.JSONDecodeError as exc:
        return None, [
            Problem(
                "json-syntax",
                f"JSON syntax error: {exc.msg}",
                file=label,
                line=exc.lineno,
                column=exc.colno,
            )
        ]
    source = SourceFile(path, data, label)
    problems = [
        Problem(
            "duplicate-key",
            f"key '{k}' appears twice in the same object; the second would silently win",
            file=label,
            suggestion="remove or rename one of them",
        )
        for k in duplicates
    ]
    return source, problems
