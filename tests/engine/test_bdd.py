"""Known answers of the BDD analyses: the two-train system of SCRAM's tests.

TOP = AND(OR(ValveOne, PumpOne), OR(ValveTwo, PumpTwo)), valves 0.5, pumps 0.7:
exact P = 0.85² = 0.7225 with 4 minimal cut sets (``TwoTrain/two_train.xml``).
"""

from __future__ import annotations

import math
from unittest import mock

import numpy as np
import pytest

from blackstart.engine import bdd
from blackstart.engine.bdd import NodeBudgetExceeded, build_bdd, dfs_order, probability
from blackstart.engine.cutsets import minimal_cut_sets
from blackstart.engine.faulttree import FaultTree, Gate
from blackstart.engine.importance import importance
from blackstart.engine.ordering import HEURISTICS, event_order, rank_heuristics, total_span


@pytest.fixture
def two_train() -> FaultTree:
    return FaultTree(
        events=("ValveOne", "ValveTwo", "PumpOne", "PumpTwo"),
        probabilities=np.array([0.5, 0.5, 0.7, 0.7]),
        gates=(
            Gate("TrainOne", "or", (0, 2)),
            Gate("TrainTwo", "or", (1, 3)),
            Gate("TopEvent", "and", (-1, -2)),
        ),
        tops=(2,),
        name="TwoTrain",
    )


def test_two_train_probability(two_train: FaultTree) -> None:
    assert math.isclose(probability(two_train, 2), 0.7225, rel_tol=1e-12)
    assert math.isclose(probability(two_train, "TopEvent"), 0.7225, rel_tol=1e-12)


def test_two_train_cut_sets(two_train: FaultTree) -> None:
    r = minimal_cut_sets(two_train, 2)
    assert r.count == 4
    assert r.order_distribution == (0, 0, 4)
    names = [tuple(two_train.events[i] for i in s) for s in r.sets()]
    assert names == [
        ("PumpOne", "PumpTwo"),
        ("PumpOne", "ValveTwo"),
        ("PumpTwo", "ValveOne"),
        ("ValveOne", "ValveTwo"),
    ]
    assert math.isclose(r.rare_event, 0.49 + 0.35 + 0.35 + 0.25)
    assert r.mcub is not None
    assert math.isclose(r.mcub, 1 - 0.51 * 0.65 * 0.65 * 0.75)
    assert minimal_cut_sets(two_train, 2, max_order=1).count == 0


def test_variable_order_is_dfs_first_appearance(two_train: FaultTree) -> None:
    events, cone = dfs_order(two_train, 2)
    assert events == [0, 2, 1, 3]
    assert cone == [0, 1, 2]
    b = build_bdd(two_train, 2)
    assert b.order == [0, 2, 1, 3]
    assert math.isclose(probability(two_train, 2, compiled=b), 0.7225)
    assert math.isclose(probability(two_train, 2, reorder=True), 0.7225)


def test_two_train_importance(two_train: FaultTree) -> None:
    r = importance(two_train, 2)
    # P(top | ValveOne) = 0.85, P(top | not ValveOne) = 0.7·0.85
    assert math.isclose(r.birnbaum[0], 0.85 - 0.595)
    assert math.isclose(r.raw[0], 0.85 / 0.7225)
    assert math.isclose(r.rrw[0], 0.7225 / 0.595)
    assert math.isclose(r.fussell_vesely[0], (0.7225 - 0.595) / 0.7225)
    assert math.isclose(r.criticality[0], (0.85 - 0.595) * 0.5 / 0.7225)


def test_constants_and_non_coherent_gates() -> None:
    tree = FaultTree(
        events=("a", "b"),
        probabilities=np.array([0.2, 0.6]),
        gates=(
            Gate("t", "true", ()),
            Gate("x", "xor", (0, 1)),
            Gate("top", "and", (-1, -2)),
            Gate("n", "nor", (0, 1)),
            Gate("f", "false", ()),
        ),
        tops=(2, 3, 4),
    )
    assert math.isclose(probability(tree, 2), 0.2 * 0.4 + 0.8 * 0.6)
    pi = minimal_cut_sets(tree, 2, prime_implicants=True)
    assert sorted(pi.sets()) == sorted([(0, -2), (-1, 1)])
    assert math.isclose(pi.rare_event, 0.2 * 0.4 + 0.8 * 0.6)
    ms = minimal_cut_sets(tree, 2, prime_implicants=False)
    assert sorted(ms.sets()) == [(0,), (1,)]
    assert math.isclose(probability(tree, 3), 0.8 * 0.4)
    assert probability(tree, 4) == 0.0
    assert minimal_cut_sets(tree, 4).count == 0


def test_total_span_by_hand(two_train: FaultTree) -> None:
    # order ValveOne, PumpOne, ValveTwo, PumpTwo (dfs): TrainOne spans levels 0-1 (1),
    # TrainTwo 2-3 (1), the top 0-3 (3): 5
    events, gates = dfs_order(two_train, 2)
    assert total_span(two_train, 2, events, gates) == 5
    # interleaved order ValveOne, ValveTwo, PumpOne, PumpTwo: 2 + 2 + 3
    assert total_span(two_train, 2, [0, 1, 2, 3], gates) == 7
    # every heuristic gives a span of 5 here: no clear winner, the default order
    spans = [total_span(two_train, 2, *event_order(two_train, 2, h)) for h in HEURISTICS]
    assert spans == [5, 5, 5, 5]
    assert rank_heuristics(two_train, 2) == list(HEURISTICS)


def test_a_clearly_smaller_span_goes_first() -> None:
    # TOP = AND(OR(a, x), OR(b, c, d), OR(e, x)), x shared. Spans (last - first level of
    # each gate's events), by hand:
    #   fan-out first: x a b c d e -> 1 + 2 + 5 + top 5 = 13
    #   small first:   a x e b c d -> 1 + 1 + 2 + 5 = 9 (12 vs 13 as written: a x b c d e)
    tree = FaultTree(
        events=("a", "b", "c", "d", "e", "x"),
        probabilities=(0.1,) * 6,
        gates=(
            Gate("g1", "or", (0, 5)),
            Gate("g2", "or", (1, 2, 3)),
            Gate("g3", "or", (4, 5)),
            Gate("top", "and", (-1, -2, -3)),
        ),
        tops=(3,),
    )
    assert event_order(tree, 3, "fanout-first")[0] == [5, 0, 1, 2, 3, 4]
    assert event_order(tree, 3, "small-first")[0] == [0, 5, 4, 1, 2, 3]
    assert total_span(tree, 3, *event_order(tree, 3, "fanout-first")) == 13
    assert total_span(tree, 3, *event_order(tree, 3, "small-first")) == 9
    assert total_span(tree, 3, *event_order(tree, 3, "dfs")) == 12
    ranked = rank_heuristics(tree, 3)  # 9 is more than 8 % below 13: small-first first
    assert ranked[0] == "small-first"
    assert sorted(ranked) == sorted(HEURISTICS)


def test_a_budget_overrun_says_how_far_the_order_got(two_train: FaultTree) -> None:
    # a budget of 1 node, checked on every gate (events threshold lowered to 0)
    with (
        mock.patch.object(bdd, "BUDGET_CHECK_EVENTS", 0),
        pytest.raises(NodeBudgetExceeded) as err,
    ):
        build_bdd(two_train, 2, node_budget=1, store="cudd")
    assert 0.0 <= err.value.progress < 1.0


def test_a_budget_overrun_resumes_where_it_stopped() -> None:
    # top = (e0 or e1) and at-least-3-of-10: the or fits a 4-node budget, the
    # at-least does not; resuming without a budget finishes the same diagram
    n = 10
    p = [0.05 + 0.03 * i for i in range(n)]
    tree = FaultTree(
        events=tuple(f"e{i}" for i in range(n)),
        probabilities=tuple(p),
        gates=(
            Gate("pair", "or", (0, 1)),
            Gate("three", "atleast", tuple(range(n)), k=3),
            Gate("top", "and", (-1, -2)),
        ),
        tops=(2,),
    )
    with mock.patch.object(bdd, "BUDGET_CHECK_EVENTS", 0):
        with pytest.raises(NodeBudgetExceeded) as err:
            build_bdd(tree, 2, heuristic="dfs", node_budget=4, store="cudd")
        partial = err.value.partial
        assert partial is not None
        assert err.value.progress == pytest.approx(1 / 3)  # the or gate was kept
        with pytest.raises(NodeBudgetExceeded):  # still too small: stops at the same gate
            partial.resume(4)
        assert partial.progress == pytest.approx(1 / 3)
        resumed = partial.resume()
    direct = build_bdd(tree, 2, heuristic="dfs", store="cudd")
    assert (resumed.order, resumed.level, resumed.high, resumed.low, resumed.root_ref) == (
        direct.order,
        direct.level,
        direct.high,
        direct.low,
        direct.root_ref,
    )
    brute = 0.0  # every state of the 10 events
    for state in range(1 << n):
        failed = [state >> i & 1 for i in range(n)]
        if (failed[0] or failed[1]) and sum(failed) >= 3:
            brute += math.prod(p[i] if failed[i] else 1 - p[i] for i in range(n))
    assert math.isclose(probability(tree, 2, compiled=resumed), brute, rel_tol=1e-12)
