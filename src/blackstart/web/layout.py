"""A layered (Sugiyama-style) layout computed on the server for big explorer views.

Owns node positions only. In the browser, dagre lays out the explorer's graph when it is
small; measured in Debian's Chromium, dagre 0.8.5 needs about 3 s for the example's 274
nodes and 460 s for 2,000 nodes (see docs/dashboard.md), so beyond
:data:`DAGRE_MAX` visible nodes the page draws these positions instead (Cytoscape's
``preset`` layout). Same idea as dagre's: a node's rank is its dependency depth
(longest path to a leaf, requirers on the left), then a few barycentre sweeps order each
rank to reduce crossings (Sugiyama, Tagawa and Toda, *Methods for visual understanding of
hierarchical system structures*, IEEE SMC 11(2), 1981). Ranks taller than a square
layout would allow are folded into several sub-columns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

DAGRE_MAX = 400
"""Most visible nodes the browser lays out with dagre."""
RANK_SEP = 260.0
SUB_SEP = 150.0
NODE_SEP = 22.0
SWEEPS = 4


def layered(
    ids: Sequence[str], depth: Sequence[int], edges: Sequence[tuple[int, int]]
) -> list[tuple[float, float]]:
    """``(x, y)`` of each node: ``depth[v]`` is its dependency depth (0: needs nothing),
    ``edges`` are ``(requirer, required)`` index pairs. O(sweeps × (nodes + edges) + sort)."""
    n = len(ids)
    if n == 0:
        return []
    ranks_used = sorted(set(depth))
    rank_of = {d: i for i, d in enumerate(sorted(ranks_used, reverse=True))}
    rank = [rank_of[d] for d in depth]
    columns: list[list[int]] = [[] for _ in ranks_used]
    for v in sorted(range(n), key=lambda v: ids[v]):
        columns[rank[v]].append(v)
    neighbours: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        if a != b:
            neighbours[a].append(b)
            neighbours[b].append(a)
    pos = [0.0] * n
    for col in columns:
        for i, v in enumerate(col):
            pos[v] = i / max(len(col), 1)
    for sweep in range(SWEEPS):
        order = range(len(columns)) if sweep % 2 == 0 else range(len(columns) - 1, -1, -1)
        for r in order:
            col = columns[r]

            def key(v: int) -> tuple[float, str]:
                ns = neighbours[v]
                return (sum(pos[u] for u in ns) / len(ns) if ns else pos[v], ids[v])

            col.sort(key=key)
            for i, v in enumerate(col):
                pos[v] = i / max(len(col), 1)
    # fold tall ranks so that the drawing is roughly as wide as it is high
    side = max(8, int(math.sqrt(n) * 2))
    out = [(0.0, 0.0)] * n
    x = 0.0
    for col in columns:
        folds = max(1, math.ceil(len(col) / side))
        per = math.ceil(len(col) / folds)
        for i, v in enumerate(col):
            fold, row = divmod(i, per)
            out[v] = (x + fold * SUB_SEP, (row - per / 2) * NODE_SEP)
        x += (folds - 1) * SUB_SEP + RANK_SEP
    return out
