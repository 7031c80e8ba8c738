"""Diagnosis: which root failures explain what is seen down and up, and how likely each is.

Owns the backwards use of the failure logic. Given observations (node ids seen down,
node ids seen up), a prior probability per candidate root failure and the rates at which
observations lie, it ranks *hypotheses*: sets of up to ``K`` candidates failed at once.

Model (a noisy-observation Bayesian network over the deterministic failure logic, as in
model-based diagnosis: de Kleer & Williams, "Diagnosing multiple faults", *Artificial
Intelligence* 32, 1987; Pearl, *Probabilistic Reasoning in Intelligent Systems*, 1988):

- candidates fail independently, candidate ``c`` with probability ``p_c``; a hypothesis
  ``H`` has prior ``Π_{c∈H} p_c · Π_{c∉H} (1 − p_c)``, i.e. proportional to the product
  of the odds ``p_c / (1 − p_c)`` of its members;
- ``H`` determines every node's state (:func:`~blackstart.engine.propagate.propagate`);
  an observation of node ``v`` is then right or wrong independently: a node that is up is
  seen down with the *false-alarm* rate ``α_v``, a node that is down is seen up with the
  *missed* rate ``β_v``. Nodes nobody observed contribute nothing;
- the posterior of ``H`` is prior × likelihood, **normalised over the hypotheses
  evaluated**: every subset of at most ``K`` relevant candidates when there are at most
  ``exhaustive_limit`` of them, else the beam described below (the empty hypothesis,
  "every alert is false", always included). Candidates whose cone holds no node seen
  down are left out (:mod:`~blackstart.engine.cone`): adding one to a hypothesis cannot
  explain anything, only contradict nodes seen up, so its posterior is at most its odds
  times that of the hypothesis without it.

Evaluation is bulk: 64 hypotheses per machine word, propagated together on the
sub-graph restricted to the relevant cones. When the exhaustive enumeration is too large,
a beam search: every single candidate, then for ``k = 2..K`` the ``beam`` best
hypotheses of size ``k − 1`` are each extended by the ``beam`` best single candidates
whose cone reaches one of the nodes seen down that the hypothesis leaves unexplained.

Complexity: one propagation of the sub-graph per 64 hypotheses; at most
``C + (K − 1)·beam²`` hypotheses in the beam, ``Σ_{k≤K} C(C, k)`` exhaustively, for
``C`` relevant candidates.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from blackstart.engine.cone import below, cone, restrict
from blackstart.engine.graph import OR, CompiledGraph, IntArray
from blackstart.engine.propagate import propagate

FloatArray = npt.NDArray[np.float64]
Bits8 = npt.NDArray[np.uint8]
BATCH = 64 * 64
"""Hypotheses propagated together (64 words of 64)."""
ROWS = 1024
"""Observed rows unpacked at a time when scoring."""


@dataclass(frozen=True)
class Hypothesis:
    """A set of root failures with its posterior and what it says about the observations."""

    failed: tuple[int, ...]
    """Node ids of the root failures (empty: nothing failed, every alert is false)."""
    log_score: float
    """log(prior odds × likelihood), up to a constant shared by all hypotheses."""
    probability: float
    """Posterior, normalised over the hypotheses evaluated."""
    explains: tuple[int, ...]
    """Nodes seen down that the hypothesis brings down."""
    unexplained: tuple[int, ...]
    """Nodes seen down that stay up under the hypothesis (false alarms if it holds)."""
    contradicts: tuple[int, ...]
    """Nodes seen up that the hypothesis brings down (missed or wrong reports if it holds)."""


@dataclass(frozen=True)
class Diagnosis:
    """Ranked hypotheses and what the search covered."""

    hypotheses: tuple[Hypothesis, ...]
    """The most probable first (ties: fewer failures first, then by node id)."""
    evaluated: int
    """Hypotheses whose posterior was computed (the normalisation set)."""
    candidates: int
    """Relevant candidates: their cone holds a node seen down."""
    exhaustive: bool
    """Whether every subset of at most ``max_failures`` relevant candidates was evaluated."""
    subgraph_nodes: int
    """Nodes of the restricted graph the hypotheses were propagated on."""


def _rates(value: float | Sequence[float] | FloatArray, size: int, what: str) -> FloatArray:
    arr = np.broadcast_to(np.asarray(value, dtype=np.float64), (size,)).astype(np.float64)
    if size and (np.any(arr <= 0.0) or np.any(arr >= 1.0)):
        raise ValueError(f"{what} rates must lie strictly between 0 and 1")
    return arr


class _Evaluator:
    """Scores of hypotheses (tuples of candidate positions) on the restricted graph."""

    def __init__(
        self, sub: CompiledGraph, cand: IntArray, rows: IntArray, delta: FloatArray, lo: FloatArray
    ) -> None:
        self.sub, self.cand, self.rows, self.delta, self.lo = sub, cand, rows, delta, lo

    def words(
        self, hyps: Sequence[tuple[int, ...]], graph: CompiledGraph | None = None
    ) -> npt.NDArray[np.uint64]:
        """``(observed rows, words)``: each observed node's down bits, one per hypothesis."""
        g = graph or self.sub
        words = max(1, -(-len(hyps) // 64))
        failed = np.zeros((g.n, words), dtype=np.uint64)
        if hyps:
            scen = np.fromiter((s for s, h in enumerate(hyps) for _ in h), dtype=np.int64)
            if scen.size:
                nodes = self.cand[np.fromiter((j for h in hyps for j in h), dtype=np.int64)]
                bit = np.left_shift(np.uint64(1), (scen % 64).astype(np.uint64))
                np.bitwise_or.at(failed, (nodes, scen // 64), bit)
        return propagate(g, failed)[self.rows]

    def states(self, hyps: Sequence[tuple[int, ...]], graph: CompiledGraph | None = None) -> Bits8:
        """``(observed rows, len(hyps))`` 0/1: each observed node's state per hypothesis."""
        down = self.words(hyps, graph)
        bits = np.unpackbits(down.view(np.uint8), axis=1, bitorder="little")
        return bits[:, : len(hyps)]

    def scores(self, hyps: Sequence[tuple[int, ...]]) -> FloatArray:
        out = np.empty(len(hyps), dtype=np.float64)
        for b in range(0, len(hyps), BATCH):
            chunk = hyps[b : b + BATCH]
            down = self.words(chunk)
            loglik = np.zeros(down.shape[1] * 64, dtype=np.float64)
            # only rows down under some hypothesis count (delta applies when down), in
            # slices: unpacked bits of 10^5 observed rows would take gigabytes
            live = np.flatnonzero(down.any(axis=1))
            down, delta = down[live], self.delta[live]
            for r in range(0, len(down), ROWS):
                bits = np.unpackbits(down[r : r + ROWS].view(np.uint8), axis=1, bitorder="little")
                loglik += delta[r : r + ROWS] @ bits.astype(np.float64)
            prior = np.fromiter((self.lo[list(h)].sum() for h in chunk), dtype=np.float64)
            out[b : b + len(chunk)] = loglik[: len(chunk)] + prior
        return out


def diagnose(
    graph: CompiledGraph,
    candidates: npt.ArrayLike,
    prior: npt.ArrayLike,
    *,
    down: npt.ArrayLike,
    up: npt.ArrayLike = (),
    false_alarm: float | Sequence[float] | FloatArray = 0.02,
    missed: float | Sequence[float] | FloatArray = 0.1,
    max_failures: int = 3,
    top: int = 64,
    exhaustive_limit: int = 50_000,
    beam: int = 48,
) -> Diagnosis:
    """Rank the hypotheses of at most ``max_failures`` root failures among ``candidates``
    (node ids, with their ``prior`` failure probabilities) that explain the nodes seen
    ``down`` and ``up``. ``false_alarm`` and ``missed`` are one rate, or one per
    observation (``down`` first, then ``up``). Returns the ``top`` most probable.
    """
    down_ids = np.asarray(down, dtype=np.int64).ravel()
    up_ids = np.asarray(up, dtype=np.int64).ravel()
    both = np.intersect1d(down_ids, up_ids)
    if both.size:
        raise ValueError(f"nodes seen both down and up: {graph.names[int(both[0])]}")
    if max_failures < 1:
        raise ValueError("max_failures must be at least 1")
    obs = np.concatenate([down_ids, up_ids])
    md = len(down_ids)
    alpha = _rates(false_alarm, len(obs), "false-alarm")
    beta = _rates(missed, len(obs), "missed-alert")
    if np.any(alpha + beta >= 1.0):
        raise ValueError("false-alarm + missed-alert rates must stay below 1 (else a report "
                         "would say more about the opposite state)")  # fmt: skip
    seen_down = np.arange(len(obs)) < md
    base = np.where(seen_down, np.log(alpha), np.log1p(-alpha))
    delta = np.where(seen_down, np.log1p(-beta) - np.log(alpha), np.log(beta) - np.log1p(-alpha))
    cand_all = np.asarray(candidates, dtype=np.int64).ravel()
    p = np.clip(np.asarray(prior, dtype=np.float64).ravel(), 1e-15, 1 - 1e-9)
    if p.shape != cand_all.shape:
        raise ValueError("one prior probability per candidate")
    odds = np.full(graph.n, -np.inf)
    odds[cand_all] = np.log(p) - np.log1p(-p)

    is_cand = np.zeros(graph.n, dtype=np.bool_)
    is_cand[cand_all] = True
    relevant = np.flatnonzero(below(graph, down_ids) & is_cand) if md else np.zeros(0, np.int64)
    reachable = cone(graph, relevant)
    # observed nodes outside every relevant cone are up under every hypothesis: constant
    keep = reachable & below(graph, obs[reachable[obs]])
    sub, old = restrict(graph, keep)
    new_of = np.full(graph.n, -1, dtype=np.int64)
    new_of[old[1:]] = np.arange(1, len(old))
    obs_sub = new_of[obs]
    inside = obs_sub >= 0
    lo = odds[relevant]
    ev = _Evaluator(sub, new_of[relevant], obs_sub[inside], delta[inside], lo)
    const = float(base.sum())

    n_cand = len(relevant)
    total = sum(math.comb(n_cand, k) for k in range(max_failures + 1))
    exhaustive = total <= exhaustive_limit
    if exhaustive:
        hyps: list[tuple[int, ...]] = [
            h for k in range(max_failures + 1) for h in itertools.combinations(range(n_cand), k)
        ]
        scores = ev.scores(hyps)
    else:
        hyps, scores = _beam(ev, n_cand, seen_down[inside], max_failures, beam)
    scores = scores + const
    log_norm = float(np.logaddexp.reduce(scores)) if len(scores) else 0.0

    best = np.argsort(-scores, kind="stable")[: max(top * 4, top + 64)]
    ranked = sorted(
        best.tolist(),
        key=lambda i: (-round(float(scores[i]), 9), len(hyps[i]), sorted(relevant[list(hyps[i])])),
    )[:top]
    chosen = [hyps[i] for i in ranked]
    full_rows = (
        _Evaluator(graph, relevant, obs, delta, lo).states(chosen, graph) if chosen else None
    )
    out = []
    for r, (i, h) in enumerate(zip(ranked, chosen, strict=True)):
        state = full_rows[:, r].astype(bool) if full_rows is not None else np.zeros(len(obs), bool)
        out.append(
            Hypothesis(
                failed=tuple(sorted(int(v) for v in relevant[list(h)])),
                log_score=float(scores[i]),
                probability=float(math.exp(scores[i] - log_norm)),
                explains=tuple(int(v) for v in obs[seen_down & state]),
                unexplained=tuple(int(v) for v in obs[seen_down & ~state]),
                contradicts=tuple(int(v) for v in obs[~seen_down & state]),
            )
        )
    return Diagnosis(tuple(out), len(hyps), n_cand, exhaustive, sub.n)


def _beam(
    ev: _Evaluator, n_cand: int, seen_down: npt.NDArray[np.bool_], k_max: int, beam: int
) -> tuple[list[tuple[int, ...]], FloatArray]:
    """Singles, then each level's ``beam`` best extended by candidates reaching what they
    leave unexplained (see the module docstring)."""
    singles: list[tuple[int, ...]] = [(), *((j,) for j in range(n_cand))]
    single_scores = ev.scores(singles)
    rank_of = np.empty(n_cand, dtype=np.int64)
    rank_of[np.argsort(-single_scores[1:], kind="stable")] = np.arange(n_cand)
    # structural reach: which observed-down rows each candidate's cone holds (OR logic)
    or_graph = dataclasses.replace(ev.sub, groups=tuple((s, e, OR) for s, e, _ in ev.sub.groups))
    or_graph = dataclasses.replace(or_graph, _cache={})
    reach = np.concatenate(
        [
            ev.states([(j,) for j in range(b, min(b + BATCH, n_cand))], or_graph)[seen_down]
            for b in range(0, n_cand, BATCH)
        ],
        axis=1,
    ).astype(bool)
    hyps = list(singles)
    scores = [single_scores]
    seen: set[tuple[int, ...]] = set(hyps)
    level = singles[1:]
    level_scores = single_scores[1:]
    for _k in range(2, k_max + 1):
        seeds = [level[i] for i in np.argsort(-level_scores, kind="stable")[:beam].tolist()]
        unexplained = ev.states(seeds)[seen_down] == 0
        new: list[tuple[int, ...]] = []
        for s, seed in enumerate(seeds):
            useful = np.flatnonzero(reach[unexplained[:, s]].any(axis=0))
            useful = useful[np.argsort(rank_of[useful], kind="stable")]
            added = 0
            for c in useful.tolist():
                if c in seed:
                    continue
                h = tuple(sorted((*seed, c)))
                if h not in seen:
                    seen.add(h)
                    new.append(h)
                added += 1
                if added >= beam:
                    break
        if not new:
            break
        level, level_scores = new, ev.scores(new)
        hyps.extend(new)
        scores.append(level_scores)
    return hyps, np.concatenate(scores)
