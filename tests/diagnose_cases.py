"""Simulated incidents for diagnosis tests and the accuracy figure: random root failures
observed through noisy alerts and every function's state.

A case draws one or two root failures among the sites, providers and components whose
failure takes at least one function down (a double only when each takes down a function,
or a function at a place, the other does not: otherwise the pair cannot be told from the
single, by anyone). The
alerts are a random share of the components down plus a few false ones on components
that are up; every function is reported down or up as it is, at each of its places of
delivery when it has some (a ward reports its own hospital: ``function:F@P``), else as a
whole.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import numpy as np

from blackstart import diagnose as dg
from blackstart.engine.graph import AT_PLACE, COMPONENT, FUNCTION, PROVIDER, SITE, CompiledGraph
from blackstart.engine.propagate import propagate_one
from blackstart.model.model import Model


@dataclass(frozen=True)
class Case:
    truth: frozenset[str]
    down: list[str]
    up: list[str]


def reported(graph: CompiledGraph) -> np.ndarray:
    """Node ids of what people report on: each function at each of its places of
    delivery, and the functions without places as a whole."""
    with_places = {graph.index[f"function:{f}"] for f in graph.places}
    whole = [v for v in np.flatnonzero(graph.kind == FUNCTION).tolist() if v not in with_places]
    return np.array(sorted([*whole, *np.flatnonzero(graph.kind == AT_PLACE).tolist()]), np.int64)


def _reported_down(graph: CompiledGraph, failed: list[int], funcs: np.ndarray) -> frozenset[int]:
    down = propagate_one(graph, failed)
    return frozenset(funcs[down[funcs]].tolist())


def draw_cases(
    graph: CompiledGraph,
    rng: random.Random,
    n: int,
    *,
    failures: int,
    alert_share: float = 0.3,
    false_alerts: int = 2,
    max_alerts: int = 10**9,
) -> list[Case]:
    roots = np.flatnonzero(np.isin(graph.kind, (PROVIDER, SITE, COMPONENT))).tolist()
    funcs = reported(graph)
    effect: dict[int, frozenset[int]] = {}
    pool = [v for v in rng.sample(roots, min(len(roots), 400))
            if (effect.setdefault(v, _reported_down(graph, [v], funcs)))]  # fmt: skip
    comps = np.flatnonzero(graph.kind == COMPONENT)
    out: list[Case] = []
    while len(out) < n:
        truth = rng.sample(pool, failures)
        if failures == 2 and (effect[truth[0]] <= effect[truth[1]]
                              or effect[truth[1]] <= effect[truth[0]]):  # fmt: skip
            continue
        down = propagate_one(graph, truth)
        c_down = [graph.names[v] for v in comps.tolist() if down[v]]
        c_up = [graph.names[v] for v in comps.tolist() if not down[v]]
        alerts = rng.sample(c_down, min(max_alerts, max(1, round(alert_share * len(c_down)))))
        alerts += rng.sample(c_up, min(false_alerts, len(c_up)))
        f_down = [graph.names[v] for v in funcs.tolist() if down[v]]
        f_up = [graph.names[v] for v in funcs.tolist() if not down[v]]
        out.append(Case(frozenset(graph.names[v] for v in truth), alerts + f_down, f_up))
    return out


def rank_of_truth(report: dg.DiagnosisReport, truth: frozenset[str]) -> int | None:
    """1 + the number of hypotheses strictly more probable than the true one (equally
    probable hypotheses share a rank); ``None`` if it is not among those returned."""
    hyps = report.to_dict()["hypotheses"]
    for h in hyps:
        if frozenset(h["failed"]) == truth:
            p = h["probability"]
            return 1 + sum(1 for o in hyps if o["probability"] > p * (1 + 1e-9))
    return None


def top_reproduces(report: dg.DiagnosisReport) -> bool:
    """Whether the top hypothesis, or one as probable, has nothing unexplained and
    contradicts nothing."""
    hyps = report.to_dict()["hypotheses"]
    best = hyps[0]["probability"]
    return any(
        not h["unexplained"] and not h["contradicts"]
        for h in hyps
        if h["probability"] >= best * (1 - 1e-9)
    )


def run(
    model: Model, graph: CompiledGraph, cases: list[Case], **options: Any
) -> list[dg.DiagnosisReport]:
    return [dg.diagnose(model, down=c.down, up=c.up, graph=graph, top=64, **options)
            for c in cases]  # fmt: skip
