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
    bits = np.unpackbits(down.reshape(-1, 1).view(np.uint8), axis=1, bitorder="little")
    q_all = bits[:, : len(leading)].astype(np.float64) @ weights
    groups: dict[int, list[int]] = {}
    for i, pattern in enumerate(down.tolist()):
        groups.setdefault(pattern, []).append(i)
    offered = []
    for members in groups.values():
        q = float(q_all[members[0]])
        gain = information_gain(q, error)
        if gain <= 1e-12:
            continue
        rep = min(
            members,
            key=lambda i: (
                _KIND_RANK.get(int(graph.kind[nodes[i]]), 3),
                int(graph.level[nodes[i]]),
                graph.names[nodes[i]],
            ),
        )
        offered.append(Check(int(nodes[rep]), gain, q, len(members) - 1))
    offered.sort(key=lambda c: (-round(c.gain, 12), _KIND_RANK.get(int(graph.kind[c.node]), 3),
                                graph.names[c.node]))  # fmt: skip
    return _greedy(offered, bits[:, : len(leading)], nodes, weights, limit)


def _partition_entropy(labels: npt.NDArray[np.int64], weights: npt.NDArray[np.float64]) -> float:
    mass = np.bincount(np.unique(labels, return_inverse=True)[1], weights=weights)
    mass = mass[mass > 0]
    return float(-(mass * np.log2(mass)).sum())


def _greedy(
    offered: list[Check],
    bits: npt.NDArray[np.uint8],
    nodes: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    limit: int,
) -> tuple[Check, ...]:
    """Pick checks one by one, each the one whose answer (taken as right) splits the
    leading hypotheses most beyond the answers of those already picked: two checks with
    the same answer under nearly every hypothesis are not both offered."""
    row_of = {int(v): i for i, v in enumerate(nodes.tolist())}
    labels = np.zeros(bits.shape[1], dtype=np.int64)
    current = 0.0
    chosen: list[Check] = []
    pool = offered[: max(limit * 50, 200)]
    while pool and len(chosen) < limit:
        best, best_h, best_labels = -1, current, labels
        for k, c in enumerate(pool):
            refined = labels * 2 + bits[row_of[c.node]]
            h = _partition_entropy(refined, weights)
            if h > best_h + 1e-9:
                best, best_h, best_labels = k, h, refined
        if best < 0:
            break
        chosen.append(pool.pop(best))
        labels, current = best_labels, best_h
    return tuple(chosen)
