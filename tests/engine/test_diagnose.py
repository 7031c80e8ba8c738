"""Diagnosis against a brute-force posterior oracle, and the restricted sub-graph against
the whole graph.

The oracle enumerates every set of at most K failable elements (relevant or not) of a
small random model, evaluates each with the plain recursive evaluator of
``test_properties`` (the model's up-space semantics, not the compiled graph), and
computes prior odds × noisy-observation likelihood. The engine's posterior must equal the
oracle's conditioned on "no irrelevant element failed", and no irrelevant element may
raise a hypothesis' likelihood (the pruning claim).
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blackstart.engine.checks import information_gain, next_checks
from blackstart.engine.cone import below, cone, restrict
from blackstart.engine.diagnose import diagnose
from blackstart.engine.graph import CompiledGraph
from blackstart.engine.propagate import pack_scenarios, propagate

from ._models import build
from .test_places import Reference as PlaceReference
from .test_places import models as place_models
from .test_properties import SETTINGS, failable, models, reference_down

ALPHA, BETA, K = 0.05, 0.15, 2


def _priors(data: dict[str, Any], rng: random.Random) -> dict[str, float]:
    out = {}
    for label in failable(data):
        kind, _, name = label.partition(":")
        section = {"provider": "providers", "site": "sites", "component": "components"}[kind]
        p = rng.choice([0.001, 0.01, 0.05, 0.2])
        data[section][name]["failure"] = {"probability": p}
        out[label] = p
    return out


def _loglik(down: set[str], seen_down: set[str], seen_up: set[str]) -> float:
    ll = 0.0
    for v in seen_down:
        ll += math.log(1 - BETA) if v in down else math.log(ALPHA)
    for v in seen_up:
        ll += math.log(BETA) if v in down else math.log(1 - ALPHA)
    return ll


@SETTINGS
@given(data=models(), seed=st.integers(0, 2**16))
def test_posterior_matches_brute_force(data: dict[str, Any], seed: int) -> None:
    rng = random.Random(seed)
    priors = _priors(data, rng)
    _model, graph = build(data)
    _check_posterior(graph, priors, lambda h: reference_down(data, h), rng)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=place_models(), seed=st.integers(0, 2**16))
def test_posterior_with_places_matches_brute_force(data: dict[str, Any], seed: int) -> None:
    """The same oracle on models whose functions are delivered at places, observed as a
    whole and at each place (``function:F@P``), evaluated by the per-place reference of
    ``test_places`` (recursion over the model's data, no compiled graph)."""
    rng = random.Random(seed)
    priors = _priors(data, rng)
    model, graph = build(data)

    def down(failed: set[str]) -> set[str]:
        ref = PlaceReference(model, failed)
        out = {f"provider:{p}" for p in model.providers if f"provider:{p}" in failed}
        out |= {f"site:{s}" for s in model.sites if ref.site_down(s)}
        out |= {f"component:{c}" for c in model.components if ref.down(c)}
        for fid in model.functions:
            if ref.down(fid):
                out.add(f"function:{fid}")
            out |= {f"function:{fid}@{p}" for p in model.places.get(fid, ()) if ref.down(fid, p)}
        return out

    _check_posterior(graph, priors, down, rng)


def _check_posterior(
    graph: CompiledGraph,
    priors: dict[str, float],
    reference: Callable[[set[str]], set[str]],
    rng: random.Random,
) -> None:
    """Draw a truth and noisy observations of any named node (functions at places too),
    then compare the engine's posterior with the brute-force one."""
    labels = [graph.names[v] for v in range(graph.n) if "#" not in graph.names[v]]
    cands = list(priors)
    truth = set(rng.sample(cands, min(len(cands), rng.randint(1, 2))))
    really_down = reference(truth)
    seen = rng.sample(labels, min(len(labels), rng.randint(1, 6)))
    seen_down = {v for v in seen if (v in really_down) != (rng.random() < 0.1)}
    seen_up = set(seen) - seen_down
    if not seen_down:
        return
    ids = [graph.index[c] for c in cands]
    res = diagnose(graph, ids, [priors[c] for c in cands], down=[graph.index[v] for v in seen_down],
                   up=[graph.index[v] for v in seen_up], false_alarm=ALPHA, missed=BETA,
                   max_failures=K, top=10_000)  # fmt: skip
    assert res.exhaustive

    relevant = {graph.names[v] for v in np.flatnonzero(below(graph, [graph.index[v] for v in
                                                                     seen_down]))}  # fmt: skip
    oracle: dict[frozenset[str], float] = {}
    for k in range(K + 1):
        for h in itertools.combinations(cands, k):
            odds = sum(math.log(priors[c] / (1 - priors[c])) for c in h)
            oracle[frozenset(h)] = odds + _loglik(reference(set(h)), seen_down, seen_up)
    # pruning: an irrelevant element never raises the likelihood
    for h, score in oracle.items():
        for c in h - relevant:
            rest = h - {c}
            odds_c = math.log(priors[c] / (1 - priors[c]))
            assert score <= oracle[rest] + odds_c + 1e-9
    kept = {h: s for h, s in oracle.items() if h <= relevant}
    norm = math.log(sum(math.exp(s) for s in kept.values()))
    got = {frozenset(graph.names[v] for v in h.failed): h.probability for h in res.hypotheses}
    assert res.evaluated == len(kept) == len(got)
    for h, s in kept.items():
        assert got[h] == pytest.approx(math.exp(s - norm), rel=1e-9, abs=1e-300)
    # explains / unexplained / contradicts agree with the oracle's down set
    for h in res.hypotheses[:5]:
        down = reference({graph.names[v] for v in h.failed})
        assert {graph.names[v] for v in h.explains} == seen_down & down
        assert {graph.names[v] for v in h.unexplained} == seen_down - down
        assert {graph.names[v] for v in h.contradicts} == seen_up & down


@SETTINGS
@given(data=models(), seed=st.integers(0, 2**16))
def test_restricted_graph_agrees_with_whole_graph(data: dict[str, Any], seed: int) -> None:
    """On the sub-graph of the cones of some candidates, every kept node's state under any
    failure of those candidates is its state on the whole graph."""
    _model, graph = build(data)
    rng = random.Random(seed)
    cands = [graph.index[c] for c in failable(data)]
    roots = rng.sample(cands, min(len(cands), 3))
    keep = cone(graph, roots) & below(graph, rng.sample(range(graph.n), min(graph.n, 4)))
    sub, old = restrict(graph, keep)
    new_of = {int(o): i for i, o in enumerate(old.tolist()) if o >= 0}
    scenarios = [s for k in range(len(roots) + 1) for s in itertools.combinations(roots, k)]
    whole = propagate(graph, pack_scenarios(graph, scenarios))
    # a root outside the kept nodes cannot reach any of them (kept nodes are below the
    # observed ones, so everything they depend on is too)
    sub_scen = [[new_of[v] for v in s if v in new_of] for s in scenarios]
    part = propagate(sub, pack_scenarios(sub, sub_scen))
    for v, i in new_of.items():
        assert np.array_equal(whole[v], part[i])


def test_information_gain_closed_form() -> None:
    assert information_gain(0.5, 0.0) == pytest.approx(1.0)
    assert information_gain(0.0, 0.1) == pytest.approx(0.0)
    assert information_gain(1.0, 0.0) == pytest.approx(0.0)
    # q = 0.25, noiseless: H_b(0.25)
    assert information_gain(0.25, 0.0) == pytest.approx(0.8112781244591328)


def test_checks_separate_the_leading_hypotheses() -> None:
    """Two equally likely causes of one function down: a site (hosting the database) or
    the network. The first check asks about the site (the database answers the same
    question, so it is counted, not offered again), at even odds."""
    _m, graph = build(
        {
            "sites": {"s1": {"kind": "other"}},
            "components": {
                "db": {"kind": "other", "site": "s1"},
                "net": {"kind": "other"},
                "app": {"kind": "other", "requires": ["db", "net"]},
            },
            "functions": {"f": {"tier": "care", "requires": ["app"]}},
        }
    )
    g = graph.index
    res = diagnose(graph, [g["site:s1"], g["component:net"]], [0.1, 0.1],
                   down=[g["function:f"]], max_failures=2)  # fmt: skip
    assert {graph.names[v] for v in res.hypotheses[0].failed} in ({"site:s1"}, {"component:net"})
    assert res.hypotheses[0].probability == pytest.approx(res.hypotheses[1].probability)
    askable = [g["site:s1"], g["component:db"], g["component:net"]]
    checks = next_checks(graph, res.hypotheses, askable)
    assert graph.names[checks[0].node] == "site:s1"
    assert checks[0].same_answer == 1
    assert checks[0].p_down == pytest.approx(0.5, abs=0.05)
    assert checks[0].gain == pytest.approx(information_gain(checks[0].p_down, 0.02))


def test_bad_input_is_refused() -> None:
    _m, graph = build({"components": {"x": {"kind": "other"}},
                       "functions": {"f": {"tier": "care", "requires": ["x"]}}})  # fmt: skip
    g = graph.index
    with pytest.raises(ValueError, match="both down and up"):
        diagnose(graph, [g["component:x"]], [0.1], down=[g["function:f"]], up=[g["function:f"]])
    with pytest.raises(ValueError, match="rates"):
        diagnose(graph, [g["component:x"]], [0.1], down=[g["function:f"]], false_alarm=1.2)
    with pytest.raises(ValueError, match="below 1"):
        diagnose(graph, [g["component:x"]], [0.1], down=[g["function:f"]], false_alarm=0.6,
                 missed=0.5)  # fmt: skip
    with pytest.raises(ValueError, match="prior"):
        diagnose(graph, [g["component:x"]], [0.1, 0.2], down=[g["function:f"]])
