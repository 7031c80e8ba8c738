"""Export a model's dependency graph as GraphML (yEd, Gephi, networkx) or DOT (Graphviz).

Owns the graph view of a model: one node per provider, site, component and function,
and one per requirement gate that is not a plain "all of" (so redundancy survives the
export: an ``any_of`` or ``at_least`` gate node, attribute ``op`` and ``k``). Edges go
from what needs to what is needed: ``requires`` (entity or gate -> what it needs),
``hosted_at`` (component -> site), ``operated_by`` (site -> provider) and
``depends_on_provider`` (component -> provider). Node ids are typed references
(``component:lab-app``; gates ``gate:<owner>/<n>``). Does not lay the graph out.

GraphML: http://graphml.graphdrawing.org/specification.html (keys declared for every
attribute, directed graph). DOT: https://graphviz.org/doc/info/lang.html.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from blackstart.model.model import Model
from blackstart.model.requirements import Gate, Ref, Requirement


@dataclass
class GraphView:
    """Nodes (id -> attributes) and edges (source, target, attributes), in model order."""

    name: str
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)


def model_graph(model: Model) -> GraphView:
    """The graph of ``model`` as described in the module docstring."""
    g = GraphView(model.name)
    for pid, p in model.providers.items():
        g.nodes[f"provider:{pid}"] = {"type": "provider", "kind": p.kind, "name": p.name or pid}
    for sid, s in model.sites.items():
        g.nodes[f"site:{sid}"] = {"type": "site", "kind": s.kind, "name": s.name or sid}
        if s.provider:
            g.edges.append((f"site:{sid}", f"provider:{s.provider}", {"relation": "operated_by"}))
    for cid, c in model.components.items():
        g.nodes[f"component:{cid}"] = {"type": "component", "kind": c.kind, "name": c.name or cid}
        if c.site:
            g.edges.append((f"component:{cid}", f"site:{c.site}", {"relation": "hosted_at"}))
        if c.provider:
            g.edges.append(
                (f"component:{cid}", f"provider:{c.provider}", {"relation": "depends_on_provider"})
            )
    for fid, f in model.functions.items():
        g.nodes[f"function:{fid}"] = {"type": "function", "tier": f.tier, "name": f.name or fid}
    counter: dict[str, int] = {}

    def node_of(name: str) -> str:
        return f"function:{name}" if name in model.functions else f"component:{name}"

    def link(owner: str, source: str, req: Requirement, top: bool) -> None:
        if isinstance(req, Ref):
            g.edges.append((source, node_of(req.name), {"relation": "requires"}))
            return
        if req.op == "all_of" and top:
            for item in req.items:
                link(owner, source, item, top)
            return
        counter[owner] = counter.get(owner, 0) + 1
        gate = f"gate:{owner}/{counter[owner]}"
        g.nodes[gate] = {"type": "gate", "op": req.op, "k": req.k, "name": _gate_label(req)}
        g.edges.append((source, gate, {"relation": "requires"}))
        for item in req.items:
            link(owner, gate, item, False)

    for ident, req in model.requirements.items():
        if req is not None:
            owner = node_of(ident)
            link(ident, owner, req, True)
    return g


def _gate_label(gate: Gate) -> str:
    if gate.op == "any_of":
        return "any of"
    if gate.op == "all_of":
        return "all of"
    return f"at least {gate.k} of {len(gate.items)}"


_NODE_KEYS = ("type", "kind", "tier", "name", "op", "k")


def to_graphml(view: GraphView) -> str:
    """GraphML text of ``view`` (directed; every attribute a declared ``key``)."""
    ns = "http://graphml.graphdrawing.org/xmlns"
    root = ET.Element("graphml", xmlns=ns)
    for key in _NODE_KEYS:
        kind = "int" if key == "k" else "string"
        ET.SubElement(
            root, "key", id=key, attrib={"for": "node", "attr.name": key, "attr.type": kind}
        )
    ET.SubElement(
        root,
        "key",
        id="relation",
        attrib={"for": "edge", "attr.name": "relation", "attr.type": "string"},
    )
    graph = ET.SubElement(root, "graph", id=view.name, edgedefault="directed")
    for nid, attrs in view.nodes.items():
        node = ET.SubElement(graph, "node", id=nid)
        for key in _NODE_KEYS:
            if attrs.get(key) is not None:
                ET.SubElement(node, "data", key=key).text = str(attrs[key])
    for i, (a, b, attrs) in enumerate(view.edges):
        edge = ET.SubElement(graph, "edge", id=f"e{i}", source=a, target=b)
        ET.SubElement(edge, "data", key="relation").text = str(attrs["relation"])
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


_SHAPES = {
    "provider": "hexagon",
    "site": "house",
    "component": "box",
    "function": "ellipse",
    "gate": "diamond",
}


def _q(text: object) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(view: GraphView) -> str:
    """Graphviz DOT text of ``view``."""
    lines = [f"digraph {_q(view.name)} {{", "  rankdir=LR;", "  node [fontname=Helvetica];"]
    for nid, attrs in view.nodes.items():
        label = attrs.get("name") or nid
        extra = f" ({attrs['tier']})" if attrs.get("tier") else ""
        lines.append(
            f"  {_q(nid)} [label={_q(str(label) + extra)}, shape={_SHAPES[attrs['type']]}];"
        )
    for a, b, attrs in view.edges:
        style = "" if attrs["relation"] == "requires" else ", style=dashed"
        lines.append(f"  {_q(a)} -> {_q(b)} [label={_q(attrs['relation'])}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
