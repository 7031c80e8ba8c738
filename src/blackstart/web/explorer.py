"""The dependency explorer's payloads: the model as a drawable graph, collapsed when big.

Owns the *view graph*: the compiled graph with its anonymous requirement gates contracted
into labelled edges (``A requires B`` is an edge ``A → B``, its ``via`` saying whether B
is one of an all-of, any-of or at-least requirement), and the aggregation of that graph
into at most :data:`LIMIT` visible nodes. Does not draw anything (the page does, with
Cytoscape.js and dagre) and computes no impact.

Collapse modes, the UX the page offers:

- ``none``: every provider, site, component and function is a node;
- ``site``: each site becomes one aggregate node holding the site and the components it
  hosts; components without a site are grouped by kind; providers and functions stay;
- ``kind``: components are grouped by kind and functions by tier; providers and sites
  stay;
- ``auto`` (the default): ``none`` up to :data:`LIMIT` nodes, else ``site``, else ``kind``.

``expand`` opens chosen aggregates: their members are drawn inside them (compound nodes).
An aggregate's edges are the union of its members' edges, with a count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from blackstart.api import display
from blackstart.engine.graph import AND, AT_PLACE, ATLEAST, GATE, KIND_NAMES, CompiledGraph
from blackstart.errors import UsageError, did_you_mean
from blackstart.model.model import Model
from blackstart.web.layout import DAGRE_MAX, layered

LIMIT = 2000
"""Most nodes the explorer draws before it collapses (Cytoscape + dagre stay usable)."""

Collapse = Literal["auto", "none", "site", "kind"]
Layout = Literal["auto", "dagre", "layered"]
VIA = {AND: "any_of", ATLEAST: "at_least"}  # failure-space op of a gate → up-space name


@dataclass(frozen=True)
class ViewGraph:
    """The non-gate nodes of a compiled graph and their contracted requirement edges."""

    ids: tuple[str, ...]
    """``kind:name`` of each view node."""
    kind: tuple[str, ...]
    src: npt.NDArray[np.int64]
    dst: npt.NDArray[np.int64]
    via: tuple[str, ...]
    index: dict[str, int]
    group_site: tuple[str, ...]
    """Aggregate of each node in ``site`` mode (``""``: the node stays itself)."""
    group_kind: tuple[str, ...]
    """Aggregate of each node in ``kind`` mode."""
    detail: tuple[dict[str, Any], ...]
    depth: tuple[int, ...]
    """Dependency depth: 0 for what needs nothing, else 1 + the deepest requirement."""

    @property
    def n(self) -> int:
        return len(self.ids)

    def requires(self, v: int) -> list[int]:
        return [int(w) for w in self.dst[self.src == v]]

    def required_by(self, v: int) -> list[int]:
        return [int(w) for w in self.src[self.dst == v]]

    def cone(self, v: int) -> list[int]:
        """Everything ``v`` depends on, directly or not (``v`` excluded), by breadth."""
        order = np.argsort(self.src, kind="stable")
        ptr = np.searchsorted(self.src[order], np.arange(self.n + 1))
        targets = self.dst[order]
        seen = {v}
        frontier = [v]
        out: list[int] = []
        while frontier:
            nxt = []
            for u in frontier:
                for w in targets[ptr[u] : ptr[u + 1]].tolist():
                    if w not in seen:
                        seen.add(w)
                        out.append(w)
                        nxt.append(w)
            frontier = nxt
        return out


def view_graph(model: Model, graph: CompiledGraph) -> ViewGraph:
    """Contract the gates of ``graph``: O(nodes + edges)."""
    # a function at one of its places of delivery is contracted like a gate: the
    # explorer shows the function once, requiring what it needs at every place
    anonymous = (graph.kind == GATE) | (graph.kind == AT_PLACE)
    keep = np.flatnonzero(~anonymous)
    ids = tuple(graph.names[v] for v in keep.tolist())
    index = {name: i for i, name in enumerate(ids)}
    of_node = {int(v): i for i, v in enumerate(keep.tolist())}
    op = np.zeros(graph.n, np.int64)
    for start, end, gop in graph.groups:
        op[start:end] = gop
    src: list[int] = []
    dst: list[int] = []
    via: list[str] = []
    for v in keep.tolist():
        seen: set[int] = set()
        stack = [(int(c), "all_of") for c in graph.children(v).tolist()]
        while stack:
            c, how = stack.pop()
            if anonymous[c]:
                inner = VIA.get(int(op[c]), "all_of")
                stack.extend(
                    (int(x), inner if inner != "all_of" else how)
                    for x in graph.children(c).tolist()
                )
            elif c not in seen:
                seen.add(c)
                src.append(of_node[v])
                dst.append(of_node[c])
                via.append(how)
    kinds = tuple(KIND_NAMES[int(graph.kind[v])] for v in keep.tolist())
    group_site: list[str] = []
    group_kind: list[str] = []
    detail: list[dict[str, Any]] = []
    for name, kind in zip(ids, kinds, strict=True):
        bare = name.partition(":")[2]
        if kind == "component":
            comp = model.components[bare]
            group_site.append(f"group:site:{comp.site}" if comp.site else f"group:kind:{comp.kind}")
            group_kind.append(f"group:kind:{comp.kind}")
            detail.append({"component_kind": comp.kind, "site": comp.site})
        elif kind == "site":
            group_site.append(f"group:site:{bare}")
            group_kind.append("")
            detail.append({"site_kind": model.sites[bare].kind})
        elif kind == "function":
            fn = model.functions[bare]
            group_site.append("")
            group_kind.append(f"group:tier:{fn.tier}")
            detail.append({"tier": fn.tier, "patient_safety": fn.patient_safety})
        else:
            group_site.append("")
            group_kind.append("")
            detail.append({})
    # view nodes keep the compiled order, children before parents: one pass gives depths
    depth = [0] * len(ids)
    for s, d in sorted(zip(src, dst, strict=True)):
        depth[s] = max(depth[s], depth[d] + 1)
    return ViewGraph(
        ids,
        kinds,
        np.array(src, np.int64),
        np.array(dst, np.int64),
        tuple(via),
        index,
        tuple(group_site),
        tuple(group_kind),
        tuple(detail),
        tuple(depth),
    )


def _groups(vg: ViewGraph, mode: str) -> tuple[str, ...]:
    if mode == "site":
        return vg.group_site
    if mode == "kind":
        return vg.group_kind
    return ("",) * vg.n


def _count_visible(vg: ViewGraph, mode: str) -> int:
    groups = _groups(vg, mode)
    return sum(1 for g in groups if not g) + len({g for g in groups if g})


def choose_mode(vg: ViewGraph, collapse: Collapse, limit: int = LIMIT) -> str:
    """The collapse mode ``auto`` resolves to (the others are themselves)."""
    if collapse != "auto":
        return collapse
    for mode in ("none", "site", "kind"):
        if _count_visible(vg, mode) <= limit:
            return mode
    return "kind"


def check_node(vg: ViewGraph, ref: str) -> int:
    """The view node of ``kind:name`` (a bare name is tried as every kind)."""
    if ref in vg.index:
        return vg.index[ref]
    for kind in ("function", "component", "site", "provider"):
        if f"{kind}:{ref}" in vg.index:
            return vg.index[f"{kind}:{ref}"]
    raise UsageError(
        f"no node '{ref}' in the model",
        suggestion=did_you_mean(ref, list(vg.index))
        or "write kind:name, e.g. function:lab-results",
    )


def graph_payload(
    vg: ViewGraph,
    *,
    collapse: Collapse = "auto",
    expand: list[str] | None = None,
    limit: int = LIMIT,
    layout: Layout = "auto",
) -> dict[str, Any]:
    """Nodes and edges to draw (``auto`` collapse resolved against ``limit``). With the
    ``layered`` layout (``auto``: beyond :data:`~blackstart.web.layout.DAGRE_MAX` visible
    nodes) each node carries its ``position``; with ``dagre`` the browser lays it out."""
    mode = choose_mode(vg, collapse, limit)
    groups = _groups(vg, mode)
    known = {g for g in groups if g}
    opened = set()
    for g in expand or []:
        if g not in known:
            raise UsageError(
                f"no aggregate '{g}' in '{mode}' mode",
                suggestion=did_you_mean(g, sorted(known))
                or "aggregates are named group:site:NAME, group:kind:KIND or group:tier:TIER",
            )
        opened.add(g)
    members: dict[str, list[int]] = {}
    for v, g in enumerate(groups):
        if g:
            members.setdefault(g, []).append(v)
    # what each view node is drawn as
    shown = [groups[v] if groups[v] and groups[v] not in opened else vg.ids[v] for v in range(vg.n)]
    nodes: list[dict[str, Any]] = []
    for g in sorted(members):
        kind, _, name = g.removeprefix("group:").partition(":")
        nodes.append(
            {
                "id": g,
                "label": name,
                "kind": "group",
                "group_by": kind,
                "members": len(members[g]),
                "expanded": g in opened,
            }
        )
    for v in range(vg.n):
        if shown[v] != vg.ids[v]:
            continue
        node = {"id": vg.ids[v], "label": display(vg.ids[v]), "kind": vg.kind[v], **vg.detail[v]}
        if groups[v] in opened:
            node["parent"] = groups[v]
        nodes.append(node)
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    for s, d, how in zip(vg.src.tolist(), vg.dst.tolist(), vg.via, strict=True):
        a, b = shown[s], shown[d]
        if a == b:
            continue
        e = edges.get((a, b))
        if e is None:
            edges[(a, b)] = {"source": a, "target": b, "via": how, "count": 1}
        else:
            e["count"] += 1
    visible = sum(1 for n in nodes if not (n["kind"] == "group" and n["expanded"]))
    if layout == "auto":
        layout = "dagre" if visible <= DAGRE_MAX else "layered"
    if layout == "layered":
        _place(vg, nodes, edges, shown)
    return {
        "collapse": mode,
        "layout": layout,
        "limit": limit,
        "total_nodes": vg.n,
        "visible_nodes": visible,
        "nodes": nodes,
        "edges": [{"id": f"e{i}", **e} for i, e in enumerate(edges.values())],
        "groups": {g: [vg.ids[v] for v in vs] for g, vs in sorted(members.items())},
    }


def _place(
    vg: ViewGraph,
    nodes: list[dict[str, Any]],
    edges: dict[tuple[str, str], dict[str, Any]],
    shown: list[str],
) -> None:
    """Give each drawn node (not the boxes of expanded aggregates) a ``position``."""
    placed = [n for n in nodes if not (n["kind"] == "group" and n["expanded"])]
    at = {n["id"]: i for i, n in enumerate(placed)}
    depth = [0] * len(placed)
    for v in range(vg.n):
        i = at.get(shown[v])
        if i is not None:
            depth[i] = max(depth[i], vg.depth[v])
    pairs = [(at[a], at[b]) for a, b in edges if a in at and b in at]
    for node, (x, y) in zip(placed, layered([n["id"] for n in placed], depth, pairs), strict=True):
        node["position"] = {"x": round(x, 1), "y": round(y, 1)}


def node_payload(vg: ViewGraph, ref: str) -> dict[str, Any]:
    """One node: what it requires, what requires it (direct), and its whole cone."""
    v = check_node(vg, ref)
    via = {}
    for i in np.flatnonzero(vg.src == v).tolist():
        via[vg.ids[int(vg.dst[i])]] = vg.via[i]
    return {
        "id": vg.ids[v],
        "kind": vg.kind[v],
        **vg.detail[v],
        "requires": [{"id": vg.ids[w], "via": via[vg.ids[w]]} for w in sorted(vg.requires(v))],
        "required_by": [vg.ids[w] for w in sorted(vg.required_by(v))],
        "cone": sorted(vg.ids[w] for w in vg.cone(v)),
        "groups": {"site": vg.group_site[v] or None, "kind": vg.group_kind[v] or None},
    }


def search(vg: ViewGraph, query: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """Nodes whose name contains ``query`` (case-insensitive), exact matches first."""
    q = query.strip().lower()
    if not q:
        raise UsageError("empty search", suggestion="type part of a name, e.g. lab")
    hits = [i for i, name in enumerate(vg.ids) if q in name.partition(":")[2].lower()]
    hits.sort(key=lambda i: (vg.ids[i].partition(":")[2].lower() != q, len(vg.ids[i]), vg.ids[i]))
    return [
        {
            "id": vg.ids[i],
            "kind": vg.kind[i],
            "groups": {"site": vg.group_site[i] or None, "kind": vg.group_kind[i] or None},
        }
        for i in hits[:limit]
    ]
