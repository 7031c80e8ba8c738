"""The explorer's default views: a node's labelled neighbourhood and its dependency cone.

Owns the small, readable views the explorer opens on (the whole graph stays in
:mod:`blackstart.web.explorer`): the nodes within ``depth`` hops of a centre node, in a
chosen direction, each with its signed distance (``+k``: the centre requires it through
``k`` edges, *upstream*; ``-k``: it requires the centre, *downstream*), their positions
in a layout layered by that distance, and the same nodes listed by site and kind.

- ``upstream``: what the centre needs (breadth-first along ``requires``);
- ``downstream``: what needs the centre (breadth-first against ``requires``);
- ``both``: the union of the two (no path turns around: a node two hops away is two
  requirements away in one direction), as Backstage's catalog graph shows both
  relations of an entity.

The dependency cone is the upstream neighbourhood without a depth limit. Distances are
shortest-path lengths (breadth-first search), O(nodes + edges) per view.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from blackstart.errors import UsageError
from blackstart.web.explorer import ViewGraph, check_node

Direction = Literal["upstream", "downstream", "both"]
DIRECTIONS: tuple[Direction, ...] = ("upstream", "downstream", "both")
MAX_DEPTH = 6
"""Deepest neighbourhood offered (the cone has no limit)."""
COLUMN_SEP = 210.0
SUB_SEP = 170.0
ROW_SEP = 26.0
FRAME = (950.0, 540.0)
"""The graph's box at 1366×768 (beside the details panel): columns fold so that the
drawing has about this shape, which keeps it as large (its labels as readable) as it
can be once fitted."""
ROWS = range(6, 41)
NO_SITE = ""


def _adjacency(vg: ViewGraph, forward: bool) -> tuple[npt.NDArray[np.int64], list[int]]:
    """Compressed rows: the neighbours of ``u`` are ``targets[ptr[u]:ptr[u + 1]]``
    (sorting in NumPy, so a view costs the ball it visits, not a Python pass per edge)."""
    a, b = (vg.src, vg.dst) if forward else (vg.dst, vg.src)
    order = np.argsort(a, kind="stable")
    ptr = np.searchsorted(a[order], np.arange(vg.n + 1)).tolist()
    return b[order], ptr


def distances(vg: ViewGraph, v: int, *, depth: int | None, direction: Direction) -> dict[int, int]:
    """Signed hop distance of every node within ``depth`` (``None``: no limit) of ``v``
    in ``direction``; ``v`` itself at 0."""
    out = {v: 0}
    sides = {"upstream": (True,), "downstream": (False,), "both": (True, False)}[direction]
    for forward in sides:
        targets, ptr = _adjacency(vg, forward)
        sign = 1 if forward else -1
        seen = {v}
        queue = deque([(v, 0)])
        while queue:
            u, d = queue.popleft()
            if depth is not None and d >= depth:
                continue
            for w in targets[ptr[u] : ptr[u + 1]].tolist():
                if w not in seen:
                    seen.add(w)
                    out.setdefault(w, sign * (d + 1))
                    queue.append((w, d + 1))
    return out


def site_of(vg: ViewGraph, v: int) -> str:
    """The site a node stands at: a component's site, a site itself, else ``""``."""
    if vg.kind[v] == "site":
        return vg.ids[v].partition(":")[2]
    return str(vg.detail[v].get("site") or NO_SITE)


def kind_of(vg: ViewGraph, v: int) -> str:
    """A component's own kind (``power``, ``application``…), else the node's kind."""
    return str(vg.detail[v].get("component_kind") or vg.kind[v])


def grouped(vg: ViewGraph, nodes: list[int]) -> list[dict[str, Any]]:
    """``nodes`` by site (sites by name, then what stands at no site), then by kind."""
    by_site: dict[str, dict[str, list[str]]] = {}
    for v in nodes:
        by_site.setdefault(site_of(vg, v), {}).setdefault(kind_of(vg, v), []).append(vg.ids[v])
    order = sorted(by_site, key=lambda s: (s == NO_SITE, s))
    return [
        {
            "site": s or None,
            "count": sum(len(ids) for ids in by_site[s].values()),
            "kinds": [{"kind": k, "nodes": sorted(by_site[s][k])} for k in sorted(by_site[s])],
        }
        for s in order
    ]


def _rows(sizes: list[int]) -> int:
    """Rows per column that fit columns of ``sizes`` nodes best into :data:`FRAME`."""

    def scale(rows: int) -> float:
        folds = [math.ceil(n / rows) for n in sizes]
        w = (len(sizes) - 1) * COLUMN_SEP + (sum(folds) - len(folds)) * SUB_SEP + SUB_SEP
        h = min(rows, max(sizes)) * ROW_SEP
        return max(w / FRAME[0], h / FRAME[1])

    return min(ROWS, key=lambda r: (scale(r), r))


def _positions(vg: ViewGraph, dist: dict[int, int]) -> dict[int, tuple[float, float]]:
    """Columns by signed distance (requirers left, what they require right), each sorted
    by site, kind and name and folded to fit :data:`FRAME`; the centre column at x=0."""
    columns: dict[int, list[int]] = {}
    for v, d in dist.items():
        columns.setdefault(d, []).append(v)
    rows = _rows([len(columns[d]) for d in sorted(columns)])
    width = {d: math.ceil(len(vs) / rows) for d, vs in columns.items()}
    out: dict[int, tuple[float, float]] = {}
    x_of: dict[int, float] = {0: 0.0}
    for d in sorted(c for c in columns if c > 0):
        prev = d - 1
        x_of[d] = x_of[prev] + (width.get(prev, 1) - 1) * SUB_SEP + COLUMN_SEP
    for d in sorted((c for c in columns if c < 0), reverse=True):
        x_of[d] = x_of[d + 1] - (width[d] - 1) * SUB_SEP - COLUMN_SEP
    for d, vs in columns.items():
        vs.sort(
            key=lambda v: (site_of(vg, v) == NO_SITE, site_of(vg, v), kind_of(vg, v), vg.ids[v])
        )
        per = math.ceil(len(vs) / width[d])
        for i, v in enumerate(vs):
            fold, row = divmod(i, per)
            out[v] = (x_of[d] + fold * SUB_SEP, (row - (per - 1) / 2) * ROW_SEP)
    return out


def check_depth(depth: int) -> int:
    if not 1 <= depth <= MAX_DEPTH:
        raise UsageError(
            f"depth {depth} is out of range",
            suggestion=f"give 1 to {MAX_DEPTH} hops (the dependency cone has no limit)",
        )
    return depth


def neighbourhood_payload(
    vg: ViewGraph, ref: str, *, depth: int | None = 1, direction: Direction = "both"
) -> dict[str, Any]:
    """The view around ``ref``: nodes with distance and position, the edges between them,
    and the nodes (the centre excluded) grouped by site and kind. ``depth=None`` with
    ``upstream`` is the dependency cone."""
    if direction not in DIRECTIONS:
        raise UsageError(f"no direction '{direction}'", suggestion="upstream, downstream or both")
    if depth is not None:
        check_depth(depth)
    v = check_node(vg, ref)
    dist = distances(vg, v, depth=depth, direction=direction)
    pos = _positions(vg, dist)
    inside = np.zeros(vg.n, bool)
    inside[list(dist)] = True
    keep = np.flatnonzero(inside[vg.src] & inside[vg.dst]).tolist()
    nodes = [
        {
            "id": vg.ids[u],
            "label": vg.ids[u].partition(":")[2],
            "kind": vg.kind[u],
            **vg.detail[u],
            "distance": d,
            "position": {"x": round(pos[u][0], 1), "y": round(pos[u][1], 1)},
        }
        for u, d in sorted(dist.items(), key=lambda t: (abs(t[1]), -t[1], vg.ids[t[0]]))
    ]
    others = [u for u in dist if u != v]
    return {
        "view": "cone" if depth is None else "neighbourhood",
        "center": vg.ids[v],
        "depth": depth,
        "direction": direction,
        "total_nodes": vg.n,
        "nodes": nodes,
        "edges": [
            {
                "id": f"e{i}",
                "source": vg.ids[int(vg.src[i])],
                "target": vg.ids[int(vg.dst[i])],
                "via": vg.via[i],
            }
            for i in keep
        ],
        "by_site": grouped(vg, others),
    }


def cone_payload(vg: ViewGraph, ref: str) -> dict[str, Any]:
    """Everything ``ref`` depends on, layered by distance and grouped by site and kind."""
    return neighbourhood_payload(vg, ref, depth=None, direction="upstream")


def default_node(vg: ViewGraph) -> str:
    """The node the explorer opens on: the first vital function by name (else care, else
    any function, else the first node)."""
    functions = sorted(
        (vg.ids[i], str(d.get("tier"))) for i, d in enumerate(vg.detail) if vg.kind[i] == "function"
    )
    for tier in ("vital", "care"):
        for ref, t in functions:
            if t == tier:
                return ref
    if functions:
        return functions[0][0]
    return vg.ids[0] if vg.ids else ""
