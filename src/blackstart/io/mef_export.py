"""Write a fault tree as Open-PSA MEF XML, so a model can be cross-checked in another
tool (SCRAM, XFTA, …).

Owns the XML serialisation only: one ``define-fault-tree`` with a ``define-gate`` per
gate, and ``model-data`` with a ``define-basic-event`` (``float`` probability) per basic
event. MEF names cannot contain ``:`` or ``.`` (the dot separates scopes), so
``component:lab-app`` is written ``component__lab-app`` and a dot as ``_dot_``; the
mapping is one-to-one for our ids. A component's own failure keeps its name (so cut sets
read naturally); the gate "it is down" is ``component__lab-app__down``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from blackstart.engine.faulttree import FaultTree


def mef_name(name: str) -> str:
    """A MEF-safe name for one of our labels (a function at a place, ``F@P``, becomes
    ``F__at__P``)."""
    return name.replace(":", "__").replace(".", "_dot_").replace("#", "__").replace("@", "__at__")


def gate_names(tree: FaultTree) -> list[str]:
    """MEF names of the gates. MEF has one namespace for gates and events, so a gate named
    like a basic event (a component's "down" gate beside its own failure) gets ``__down``."""
    events = {mef_name(e) for e in tree.events}
    names = [mef_name(g.name) for g in tree.gates]
    return [n + "__down" if n in events else n for n in names]


def to_mef(tree: FaultTree) -> ET.ElementTree:
    """The MEF document of ``tree``."""
    gates = gate_names(tree)

    def ref(r: int) -> ET.Element:
        if r >= 0:
            return ET.Element("basic-event", name=mef_name(tree.events[r]))
        return ET.Element("gate", name=gates[-r - 1])

    root = ET.Element("opsa-mef")
    ft = ET.SubElement(root, "define-fault-tree", name=mef_name(tree.name or "model"))
    for gate, name in zip(tree.gates, gates, strict=True):
        node = ET.SubElement(ft, "define-gate", name=name)
        if gate.op == "null":
            node.append(ref(gate.args[0]))
            continue
        if gate.op in ("true", "false"):
            ET.SubElement(node, "constant", value=gate.op)
            continue
        attrs = {"min": str(gate.k)} if gate.op == "atleast" else {}
        if gate.op == "cardinality":
            attrs = {"min": str(gate.k), "max": str(gate.k_max)}
        formula = ET.SubElement(node, gate.op, attrs)
        for r in gate.args:
            formula.append(ref(r))
    data = ET.SubElement(root, "model-data")
    for name, p in zip(tree.events, [float(x) for x in tree.probabilities], strict=True):
        event = ET.SubElement(data, "define-basic-event", name=mef_name(name))
        ET.SubElement(event, "float", value=repr(float(p)))
    ET.indent(root)
    return ET.ElementTree(root)


def write_mef(tree: FaultTree, path: Path) -> None:
    """Write ``tree`` to ``path`` as MEF XML (UTF-8)."""
    to_mef(tree).write(path, encoding="utf-8", xml_declaration=True)
