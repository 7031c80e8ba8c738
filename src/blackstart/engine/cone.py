"""Dependency cones and the sub-graph a diagnosis needs.

Owns the structural (gate-blind) reachability of the compiled graph and its restriction
to the nodes that matter for a set of observations:

- the *cone* of a node is everything that depends on it, directly or not (its ancestors
  in the DAG: the parents' closure); a failure can only bring down nodes in its cone;
- a candidate root failure is *relevant* to observations when its cone holds a node
  seen down, i.e. it lies in the children's closure of the nodes seen down;
- :func:`restrict` keeps only the nodes that can go down (the cones of the relevant
  candidates) *and* whose state reaches an observed node (the children's closure of the
  observed nodes). Every other child is replaced by one constant "never down" leaf, so
  thresholds keep their meaning. The kept nodes keep their relative order, so the
  (level, operator) groups stay contiguous and :func:`~blackstart.engine.propagate.
  propagate` runs on the sub-graph unchanged.

Complexity: O(nodes + edges) per closure (vectorised frontier expansion), O(kept nodes +
their edges) for the restriction.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt

from blackstart.engine.graph import GATE, LEAF, CompiledGraph, IntArray

BoolArray = npt.NDArray[np.bool_]


def parents_csr(graph: CompiledGraph) -> tuple[IntArray, npt.NDArray[np.int32]]:
    """Transposed adjacency ``(parent_ptr, parent_idx)``, cached on the graph."""
    cached = graph._cache.get("parents_csr")
    if cached is None:
        order = np.argsort(graph.child_idx, kind="stable")
        parent_idx = graph.edge_parent[order].astype(np.int32)
        counts = np.bincount(graph.child_idx, minlength=graph.n)
        ptr = np.zeros(graph.n + 1, dtype=np.int64)
        np.cumsum(counts, out=ptr[1:])
        cached = graph._cache["parents_csr"] = (ptr, parent_idx)
    return cached  # type: ignore[return-value]


def closure(ptr: IntArray, idx: npt.NDArray[np.int32], n: int, sources: npt.ArrayLike) -> BoolArray:
    """Nodes reachable from ``sources`` (included) along the CSR adjacency ``ptr/idx``."""
    seen = np.zeros(n, dtype=np.bool_)
    frontier = np.unique(np.asarray(sources, dtype=np.int64))
    seen[frontier] = True
    fresh = np.zeros(n, dtype=np.bool_)
    while frontier.size:
        starts = ptr[frontier]
        counts = ptr[frontier + 1] - starts
        total = int(counts.sum())
        if total == 0:
            break
        first = np.cumsum(counts) - counts
        offsets = np.repeat(starts - first, counts) + np.arange(total)
        fresh[idx[offsets]] = True  # a mask, not a sort: duplicates collapse for free
        fresh &= ~seen
        frontier = np.flatnonzero(fresh)
        seen |= fresh
        fresh[frontier] = False
    return seen


def below(graph: CompiledGraph, sources: npt.ArrayLike) -> BoolArray:
    """Everything the ``sources`` depend on, directly or not (sources included)."""
    return closure(graph.child_ptr, graph.child_idx, graph.n, sources)


def cone(graph: CompiledGraph, sources: npt.ArrayLike) -> BoolArray:
    """Everything that depends on the ``sources`` (sources included): their cones."""
    ptr, idx = parents_csr(graph)
    return closure(ptr, idx, graph.n, sources)


def node_ops(graph: CompiledGraph) -> npt.NDArray[np.int8]:
    """Gate operator of every node (``LEAF`` for leaves), from the groups."""
    op = np.full(graph.n, LEAF, dtype=np.int8)
    for start, end, g in graph.groups:
        op[start:end] = g
    return op


def restrict(graph: CompiledGraph, keep: BoolArray) -> tuple[CompiledGraph, IntArray]:
    """The sub-graph of the ``keep`` nodes, and the original id of each of its nodes.

    Node 0 of the sub-graph is a new leaf that is never failed (original id -1); every
    child outside ``keep`` points to it. Sub-graph node ``i > 0`` is original node
    ``old[i]``; kept nodes are in their original (topological) order.
    """
    kept = np.flatnonzero(keep)
    old = np.concatenate([[-1], kept]).astype(np.int64)
    new_of = np.zeros(graph.n, dtype=np.int64)  # 0: the never-down leaf
    new_of[kept] = np.arange(1, len(kept) + 1)
    counts = np.diff(graph.child_ptr)[kept]
    ptr = np.zeros(len(old) + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[2:])
    starts = graph.child_ptr[kept]
    first = np.cumsum(counts) - counts
    total = int(counts.sum())
    offsets = np.repeat(starts - first, counts) + np.arange(total)
    idx = new_of[graph.child_idx[offsets]].astype(np.int32)
    op = np.concatenate([[LEAF], node_ops(graph)[kept]]).astype(np.int8)
    level = np.concatenate([[0], graph.level[kept]]).astype(np.int32)
    cuts = np.flatnonzero((np.diff(level) != 0) | (np.diff(op) != 0)) + 1
    bounds = [0, *cuts.tolist(), len(old)]
    groups = tuple((s, e, int(op[s])) for s, e in itertools.pairwise(bounds) if op[s] != LEAF)
    names = ("#never-down", *(graph.names[v] for v in kept.tolist()))
    sub = CompiledGraph(
        names=names,
        kind=np.concatenate([[GATE], graph.kind[kept]]).astype(np.uint8),
        threshold=np.concatenate([[0], graph.threshold[kept]]).astype(np.int32),
        child_ptr=ptr,
        child_idx=idx,
        level=level,
        groups=groups,
        model_hash=graph.model_hash,
    )
    return sub, old
