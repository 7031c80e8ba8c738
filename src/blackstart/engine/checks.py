"""What to check next: the unobserved states that best separate the leading hypotheses.

Owns the expected information gain of asking about one node's state. Under each leading
hypothesis ``h`` (posterior ``w_h``, renormalised over the leading set) a node is down or
up. The answer to "is it down?" is wrong with probability ``ε``. Its expected
information gain about which hypothesis holds is the mutual information between the
hypothesis and the answer (Lindley, "On a measure of the information provided by an
experiment", *Ann. Math. Statist.* 27, 1956; MacKay, *Information Theory, Inference and
Learning Algorithms*, 2003, ch. 2), in bits::

    IG = H_b(q·(1 − ε) + (1 − q)·ε) − H_b(ε),   q = Σ_{h: node down} w_h

Nodes with the same state under every leading hypothesis answer the same question; each
such group is offered once, through one representative (sites first, then providers,
then the component closest to the root), with the size of its group. Checks are then
picked greedily, each the one that best refines the split of the leading hypotheses made
by the answers already picked (the entropy of the partition), so that near-duplicate
questions are not offered twice.

Complexity: one propagation of the whole graph for up to 64 leading hypotheses (one
machine word), then O(askable nodes).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from blackstart.engine.diagnose import Hypothesis
from blackstart.engine.graph import COMPONENT, PROVIDER, SITE, CompiledGraph
from blackstart.engine.propagate import pack_scenarios, propagate

_KIND_RANK = {SITE: 0, PROVIDER: 1, COMPONENT: 2}


@dataclass(frozen=True)
class Check:
    """One question worth asking."""

    node: int
    gain: float
    """Expected information gain, bits."""
    p_down: float
    """Probability, over the leading hypotheses, that the node is down."""
    same_answer: int
    """Other askable nodes whose state would answer the same question."""


def binary_entropy(p: float) -> float:
    """H_b(p) in bits."""
    if p <= 0.0 or p >= 1.0:
        return 0.0
    return -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


def information_gain(q: float, error: float) -> float:
    """Expected information gain (bits) of a yes/no answer wrong with rate ``error`` about
    a node down with probability ``q``."""
    return binary_entropy(q * (1 - error) + (1 - q) * error) - binary_entropy(error)


def next_checks(
    graph: CompiledGraph,
    hypotheses: Sequence[Hypothesis],
    askable: npt.ArrayLike,
    *,
    error: float = 0.02,
    limit: int = 5,
) -> tuple[Check, ...]:
    """The ``limit`` askable nodes (not observed yet) whose state best separates the
    leading ``hypotheses`` (at most 64 are used), by expected information gain."""
    leading = list(hypotheses)[:64]
    nodes = np.asarray(askable, dtype=np.int64).ravel()
    if len(leading) < 2 or nodes.size == 0:
        return ()
    weights = np.asarray([h.probability for h in leading], dtype=np.float64)
    weights = weights / weights.sum()
    down = propagate(graph, pack_scenarios(graph, [h.failed for h in leading]))[nodes, 0]
    # a node up (or down) under every leading hypothesis tells nothing: drop it first
    full = np.uint64((1 << len(leading)) - 1) if len(leading) < 64 else ~np.uint64(0)
    live = (down != 0) & (down != full)
    nodes, down = nodes[live], down[live]
    if nodes.size == 0:
        return ()
    patterns, group, sizes = np.unique(down, return_inverse=True, return_counts=True)
    # representative of a group: sites, then providers, then the lowest node id (ids
    # are in level order: the component closest to the root)
    rank = np.full(graph.n, 3, dtype=np.int64)
    for kind, r in _KIND_RANK.items():
        rank[graph.kind == kind] = r
    key = rank[nodes] * graph.n + nodes
    order = np.lexsort((key, group))
    first = np.searchsorted(group[order], np.arange(len(patterns)))
    reps = nodes[order[first]]
    bits = np.unpackbits(patterns.reshape(-1, 1).view(np.uint8), axis=1, bitorder="little")
    bits = bits[:, : len(leading)]
    q_all = bits.astype(np.float64) @ weights
    offered = []
    for g, node in enumerate(reps.tolist()):
        gain = information_gain(float(q_all[g]), error)
        if gain > 1e-12:
            offered.append((Check(int(node), gain, float(q_all[g]), int(sizes[g]) - 1), g))
    offered.sort(key=lambda cg: (-round(cg[0].gain, 12), int(rank[cg[0].node]),
                                 graph.names[cg[0].node]))  # fmt: skip
    return _greedy(offered, bits, weights, limit)


def _partition_entropy(labels: npt.NDArray[np.int64], weights: npt.NDArray[np.float64]) -> float:
    mass = np.bincount(np.unique(labels, return_inverse=True)[1], weights=weights)
    mass = mass[mass > 0]
    return float(-(mass * np.log2(mass)).sum())


def _greedy(
    offered: list[tuple[Check, int]],
    bits: npt.NDArray[np.uint8],
    weights: npt.NDArray[np.float64],
    limit: int,
) -> tuple[Check, ...]:
    """Pick checks one by one, each the one whose answer (taken as right) splits the
    leading hypotheses most beyond the answers of those already picked: two checks with
    the same answer under nearly every hypothesis are not both offered."""
    labels = np.zeros(bits.shape[1], dtype=np.int64)
    current = 0.0
    chosen: list[Check] = []
    pool = offered[: max(limit * 50, 200)]
    while pool and len(chosen) < limit:
        best, best_h, best_labels = -1, current, labels
        for k, (_c, row) in enumerate(pool):
            refined = labels * 2 + bits[row]
            h = _partition_entropy(refined, weights)
            if h > best_h + 1e-9:
                best, best_h, best_labels = k, h, refined
        if best < 0:
            break
        chosen.append(pool.pop(best)[0])
        labels, current = np.unique(best_labels, return_inverse=True)[1], best_h
    return tuple(chosen)
