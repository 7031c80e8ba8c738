"""Safe XML reading for the Open-PSA MEF importer, with positions.

Owns parsing an MEF file with :mod:`defusedxml` (entity declarations — the "billion
laughs" — and external entities are refused with a located ``xml-forbidden`` problem)
into :class:`~blackstart.io.mef_expr.Node` trees that carry file, line and column, and
splicing in local ``xi:include`` files. Knows nothing of gates or events.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # for ParseError only; parsing is defusedxml's
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import XMLParser

from blackstart.errors import Problem
from blackstart.io.mef_expr import Node

_XI = "{http://www.w3.org/2001/XInclude}include"


class _Builder:
    """An ElementTree parser target that builds :class:`Node` with expat's positions."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.expat: Any = None
        self.stack: list[Node] = []
        self.root: Node | None = None

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        node = Node(
            "xi:include" if tag == _XI else tag,
            dict(attrib),
            self.label,
            self.expat.CurrentLineNumber,
            self.expat.CurrentColumnNumber + 1,
        )
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)

    def end(self, tag: str) -> None:
        self.stack.pop()

    def data(self, text: str) -> None:
        pass

    def close(self) -> Node | None:
        return self.root


def _parse(path: Path, label: str) -> tuple[Node | None, list[Problem]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem("unreadable", f"cannot read file: {exc.strerror}", file=label)]
    builder = _Builder(label)
    parser = XMLParser(target=builder)  # entities and external references forbidden
    builder.expat = parser.parser
    try:
        parser.feed(data)
        parser.close()
    except ET.ParseError as exc:
        line, column = exc.position
        message = str(exc).split(": line ")[0]
        return None, [
            Problem(
                "xml-syntax",
                f"XML syntax error: {message}",
                file=label,
                line=line,
                column=column + 1,
            )
        ]
    except DefusedXmlException as exc:
        name = getattr(exc, "name", None)
        external = getattr(exc, "system_id", None) or getattr(exc, "sysid", None)
        what = f"entity '{name}'" if name else "external reference"
        if external:
            what += f" to '{external}'"
        return None, [
            Problem(
                "xml-forbidden",
                f"refused {what}: MEF files must not declare entities nor load external "
                "content (entity expansion and external entities are attack vectors)",
                file=label,
                line=parser.parser.CurrentLineNumber,
                column=parser.parser.CurrentColumnNumber + 1,
                suggestion="remove the <!DOCTYPE …> declarations",
            )
        ]
    if builder.root is None:
        return None, [Problem("xml-syntax", "empty XML document", file=label)]
    return builder.root, []


def load_xml(path: Path, label: str, seen: tuple[Path, ...]) -> tuple[Node | None, list[Problem]]:
    """Parse ``path`` and splice in the files it ``xi:include``s (local files only)."""
    root, problems = _parse(path, label)
    if root is None:
        return None, problems
    spliced: list[Node] = []
    for child in root.children:
        if child.tag != "xi:include":
            spliced.append(child)
            continue
        href = child.attrib.get("href", "")
        pointer = child.attrib.get("xpointer", "xpointer(/opsa-mef/*)").replace(" ", "")
        target = (path.parent / href).resolve()
        if not href or "://" in href or pointer != "xpointer(/opsa-mef/*)":
            problems.append(
                child.problem("unsupported", f"xi:include of '{href}' ({pointer}) is not supported")
            )
        elif target in seen:
            problems.append(child.problem("cycle", f"'{href}' includes itself"))
        else:
            sub, sub_problems = load_xml(target, str(Path(label).parent / href), (*seen, target))
            problems += sub_problems
            if sub is not None:
                spliced += sub.children
    root.children = spliced
    return root, problems
