"""Impact analysis: what is down for a set of failures, and why.

Owns the explanation of one scenario: the down set (by :func:`propagate_one`), the
root causes of every down node among the failed nodes, and one shortest causal chain
from the node back to a failed node.

- *Causes* of a down node are the failed nodes in its down cone: the failed nodes
  reachable from it through down children. They are propagated as bit masks in the
  same level order as the failure itself (one bit per failed node).
- The *chain* is a shortest path, in the graph restricted to down nodes, from a failed
  node up to the node, counting the named elements on it (anonymous requirement gates,
  and a function at one of its places of delivery, weigh nothing and are not shown: the
  places where a function is down are reported apart): one Dijkstra search (Dijkstra
  1959) from a virtual source joined to all failed nodes
  (``scipy.sparse.csgraph.dijkstra``).

Complexity: O((nodes + edges) · ⌈failed/64⌉) for causes, O(edges · log nodes) for chains.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from blackstart.engine.graph import AT_PLACE, GATE, CompiledGraph
from blackstart.engine.propagate import propagate_one

_EPS = 1e-9
"""Weight of a step through an anonymous gate (named steps weigh 1)."""


@dataclass(frozen=True, eq=False)
class ImpactResult:
    """Down set, causes and chains of one scenario, by node id."""

    failed: tuple[int, ...]
    """Directly failed nodes, in the order given."""
    down: npt.NDArray[np.bool_]
    cause_bits: npt.NDArray[np.uint64]
    """``(n, words)``: bit ``i`` set when ``failed[i]`` is a cause of the node."""
    predecessor: npt.NDArray[np.int32]
    """Next node on the chain towards a failed node; -1 at a failed node or if up."""

    def down_nodes(self, kind: int, graph: CompiledGraph) -> npt.NDArray[np.int64]:
        """Ids of the down nodes of one kind."""
        return np.flatnonzero(self.down & (graph.kind == kind))

    def causes(self, v: int) -> list[int]:
        """Failed node ids that are causes of ``v`` (empty when ``v`` is up)."""
        out = []
        for w, word in enumerate(self.cause_bits[v].tolist()):
            while word:
                low = word & -word
                out.append(self.failed[w * 64 + low.bit_length() - 1])
                word ^= low
        return out

    def chain(self, v: int, graph: CompiledGraph) -> list[int]:
        """Shortest causal chain from ``v`` down to a failed node, gates skipped."""
        if not self.down[v]:
            return []
        out = [v]
        while self.predecessor[out[-1]] >= 0:
            out.append(int(self.predecessor[out[-1]]))
        return [u for u in out if graph.kind[u] not in (GATE, AT_PLACE)]


def impact(graph: CompiledGraph, failed: Sequence[int]) -> ImpactResult:
    """Explain one scenario: down set, causes and shortest causal chains.

    ``failed`` are node ids (providers, sites or components). Duplicates are ignored.
    """
    failed = tuple(dict.fromkeys(int(f) for f in failed))
    down = propagate_one(graph, failed)
    return ImpactResult(
        failed=failed,
        down=down,
        cause_bits=_causes(graph, failed, down),
        predecessor=_chains(graph, failed, down),
    )


def _causes(
    graph: CompiledGraph, failed: tuple[int, ...], down: npt.NDArray[np.bool_]
) -> npt.NDArray[np.uint64]:
    words = max(1, -(-len(failed) // 64))
    bits = np.zeros((graph.n, words), dtype=np.uint64)
    for i, v in enumerate(failed):
        bits[v, i // 64] |= np.uint64(1) << np.uint64(i % 64)
    ptr, idx = graph.child_ptr, graph.child_idx
    for start, end, _op in graph.groups:
        e0, e1 = int(ptr[start]), int(ptr[end])
        if e0 == e1:
            continue
        rows = bits[idx[e0:e1]]
        bits[start:end] |= np.bitwise_or.reduceat(rows, ptr[start:end] - e0, axis=0)
        bits[start:end][~down[start:end]] = 0
    return bits


def _chains(
    graph: CompiledGraph, failed: tuple[int, ...], down: npt.NDArray[np.bool_]
) -> npt.NDArray[np.int32]:
    n = graph.n
    pred = np.full(n, -1, dtype=np.int32)
    if not failed:
        return pred
    child, parent = graph.child_idx, graph.edge_parent
    keep = down[child] & down[parent]
    src = np.concatenate([child[keep], np.full(len(failed), n, dtype=np.int32)])
    dst = np.concatenate([parent[keep], np.asarray(failed, dtype=np.int32)])
    # one edge per (child, parent): a requirement naming the same element twice must not
    # add up its weight (csr_matrix sums duplicate entries)
    pairs = np.unique(src.astype(np.int64) * (n + 1) + dst)
    src, dst = (pairs // (n + 1)).astype(np.int32), (pairs % (n + 1)).astype(np.int32)
    virtual = src == n
    # a step up to a named element costs 1, to an anonymous gate almost nothing: the
    # chain is shortest in the elements a reader sees (0-1 weights, up to ties)
    anonymous = (graph.kind[dst] == GATE) | (graph.kind[dst] == AT_PLACE)
    weight = np.where(virtual, _EPS, np.where(anonymous, _EPS, 1.0))
    adjacency = csr_matrix((weight, (src, dst)), shape=(n + 1, n + 1))
    _, predecessors = dijkstra(adjacency, directed=True, indices=n, return_predecessors=True)
    pred[:] = predecessors[:n]
    pred[pred == n] = -1
    pred[pred < 0] = -1
    return pred
