"""Known-answer tests of failure propagation (:mod:`blackstart.engine.propagate`)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from blackstart.engine.graph import AND, ATLEAST, GATE, OR
from blackstart.engine.propagate import pack_scenarios, propagate, propagate_one, scenario_bits

from ._models import build, comp, down_labels, func, ids

LEAVES = ("a", "b", "c", "x")


def gate_model(requires: Any) -> dict[str, Any]:
    """Four leaf components and one function ``f`` with the given requirement."""
    return {
        "components": {name: comp() for name in LEAVES},
        "functions": {"f": func(requires=requires)},
    }


# requirement, failed leaves, is f down?
GATES = [
    # all_of: an OR gate in failure space
    (["a", "b"], [], False),
    (["a", "b"], ["a"], True),
    (["a", "b"], ["b"], True),
    (["a", "b"], ["c"], False),
    ({"all_of": ["a", "b"]}, ["b"], True),
    ("a", ["a"], True),
    # any_of: an AND gate
    ({"any_of": ["a", "b"]}, ["a"], False),
    ({"any_of": ["a", "b"]}, ["b"], False),
    ({"any_of": ["a", "b"]}, ["a", "b"], True),
    ({"any_of": ["a", "b", "c"]}, ["a", "b"], False),
    # at least 2 of 3 up = at least 2 of 3 down in failure space
    ({"at_least": 2, "of": ["a", "b", "c"]}, [], False),
    ({"at_least": 2, "of": ["a", "b", "c"]}, ["a"], False),
    ({"at_least": 2, "of": ["a", "b", "c"]}, ["c"], False),
    ({"at_least": 2, "of": ["a", "b", "c"]}, ["a", "b"], True),
    ({"at_least": 2, "of": ["a", "b", "c"]}, ["b", "c"], True),
    ({"at_least": 2, "of": ["a", "b", "c"]}, ["a", "b", "c"], True),
    ({"at_least": 2, "of": ["a", "b", "c"]}, ["x"], False),
    # at least 3 of 3 is all_of, at least 1 of 3 is any_of
    ({"at_least": 3, "of": ["a", "b", "c"]}, ["c"], True),
    ({"at_least": 1, "of": ["a", "b", "c"]}, ["a", "b"], False),
    ({"at_least": 1, "of": ["a", "b", "c"]}, ["a", "b", "c"], True),
    # nested any_of inside all_of
    (["x", {"any_of": ["a", "b"]}], ["x"], True),
    (["x", {"any_of": ["a", "b"]}], ["a"], False),
    (["x", {"any_of": ["a", "b"]}], ["b"], False),
    (["x", {"any_of": ["a", "b"]}], ["a", "b"], True),
    # nested all_of inside any_of
    ({"any_of": [["a", "b"], "c"]}, ["a"], False),
    ({"any_of": [["a", "b"], "c"]}, ["a", "c"], True),
    ({"any_of": [["a", "b"], "c"]}, ["b", "c"], True),
    ({"any_of": [["a", "b"], "c"]}, ["c"], False),
    # at_least over nested gates; counting repeated items
    ({"at_least": 2, "of": [{"any_of": ["a", "b"]}, "c", "x"]}, ["a", "c"], False),
    ({"at_least": 2, "of": [{"any_of": ["a", "b"]}, "c", "x"]}, ["a", "b", "c"], True),
    ({"at_least": 2, "of": ["a", "a", "b"]}, ["a"], True),
    ({"at_least": 2, "of": ["a", "a", "b"]}, ["b"], False),
    # nested gates of the same operator are merged, keeping the meaning
    ({"any_of": ["a", {"any_of": ["b", "c"]}]}, ["a", "b"], False),
    ({"any_of": ["a", {"any_of": ["b", "c"]}]}, ["a", "b", "c"], True),
    ([["a", ["b"]], "c"], ["b"], True),
]


@pytest.mark.parametrize(("requires", "failed", "down"), GATES)
def test_gate(requires: Any, failed: list[str], down: bool) -> None:
    _, graph = build(gate_model(requires))
    failed_ids = ids(graph, *(f"component:{c}" for c in failed))
    one = propagate_one(graph, failed_ids)
    assert bool(one[graph.index["function:f"]]) is down
    packed = propagate(graph, pack_scenarios(graph, [failed_ids]))
    assert bool(scenario_bits(packed, 0)[graph.index["function:f"]]) is down


def test_gate_operators_and_thresholds() -> None:
    """any_of compiles to an AND gate, at_least k of n to ``n-k+1`` down of n."""
    _, graph = build(gate_model({"at_least": 2, "of": [{"any_of": ["a", "b"]}, "c", "x"]}))
    ops = {graph.names[v]: op for s, e, op in graph.groups for v in range(s, e)}
    gates = {name: op for name, op in ops.items() if graph.kind[graph.index[name]] == GATE}
    assert sorted(gates.values()) == [AND, ATLEAST]
    (vote,) = [n for n, op in gates.items() if op == ATLEAST]
    assert graph.threshold[graph.index[vote]] == 2
    assert ops["function:f"] == OR


def common_cause_model() -> dict[str, Any]:
    return {
        "providers": {
            "op": {"kind": "colocation"},
            "saas-co": {"kind": "saas"},
            "tenant": {"kind": "cloud"},
        },
        "sites": {
            "colo": {"kind": "colocation", "provider": "op", "shared_with": ["tenant"]},
            "dc": {"kind": "datacenter"},
        },
        "components": {
            "db-1": comp(site="colo"),
            "db-2": comp(site="dc"),
            "app": comp(site="dc", requires={"any_of": ["db-1", "db-2"]}),
            "web-1": comp(site="colo"),
            "web-2": comp(site="colo"),
            "mail": comp(provider="saas-co"),
            "portal": comp(requires=["app", {"any_of": ["web-1", "web-2"]}]),
        },
        "functions": {
            "records": func(requires="portal"),
            "email": func(requires="mail"),
            "always": func(),
        },
    }


# failed refs, expected down set (gates excluded)
COMMON_CAUSES = [
    ([], set()),
    # redundancy across sites survives one database
    (["component:db-1"], {"component:db-1"}),
    # the colocation site takes down both web servers at once
    (
        ["site:colo"],
        {"site:colo", "component:db-1", "component:web-1", "component:web-2",
         "component:portal", "function:records"},
    ),
    # failing the operating provider fails its site and everything hosted there
    (
        ["provider:op"],
        {"provider:op", "site:colo", "component:db-1", "component:web-1",
         "component:web-2", "component:portal", "function:records"},
    ),
    # a tenant of the site is not its operator
    (["provider:tenant"], {"provider:tenant"}),
    # a provider a component depends on directly
    (["provider:saas-co"], {"provider:saas-co", "component:mail", "function:email"}),
    # one web server, then both
    (["component:web-1"], {"component:web-1"}),
    (
        ["component:web-1", "component:web-2"],
        {"component:web-1", "component:web-2", "component:portal", "function:records"},
    ),
    # the hosting site of app
    (
        ["site:dc"],
        {"site:dc", "component:db-2", "component:app", "component:portal",
         "function:records"},
    ),
    (
        ["component:db-1", "component:db-2"],
        {"component:db-1", "component:db-2", "component:app", "component:portal",
         "function:records"},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("failed", "expected"), COMMON_CAUSES)
def test_common_causes(failed: list[str], expected: set[str]) -> None:
    _, graph = build(common_cause_model())
    down = propagate_one(graph, ids(graph, *failed))
    assert down_labels(graph, down) == expected


def test_packed_agrees_with_one_by_one() -> None:
    """All subsets of up to 3 failable refs: 130 scenarios, three words."""
    model, graph = build(common_cause_model())
    failable = [f"provider:{p}" for p in model.providers]
    failable += [f"site:{s}" for s in model.sites]
    failable += [f"component:{c}" for c in model.components]
    scenarios = [
        ids(graph, *combo) for r in range(4) for combo in itertools.combinations(failable, r)
    ][:130]
    assert len(scenarios) == 130
    packed = propagate(graph, pack_scenarios(graph, scenarios))
    assert packed.shape == (graph.n, 3)
    for s, failed in enumerate(scenarios):
        np.testing.assert_array_equal(scenario_bits(packed, s), propagate_one(graph, failed))


def test_known_answers_in_one_batch() -> None:
    """The common-cause table as one packed batch gives the same answers."""
    _, graph = build(common_cause_model())
    scenarios = [ids(graph, *failed) for failed, _ in COMMON_CAUSES]
    packed = propagate(graph, pack_scenarios(graph, scenarios))
    for s, (_, expected) in enumerate(COMMON_CAUSES):
        assert down_labels(graph, scenario_bits(packed, s)) == expected


def test_failed_nodes_are_down_and_nothing_else_without_failures() -> None:
    _, graph = build(common_cause_model())
    assert not propagate_one(graph, []).any()
    assert not propagate(graph, pack_scenarios(graph, [[]])).any()
    everything = list(range(graph.n))
    assert propagate_one(graph, everything).all()


def test_propagate_checks_the_shape() -> None:
    _, graph = build(common_cause_model())
    with pytest.raises(ValueError):
        propagate(graph, np.zeros((graph.n + 1, 1), dtype=np.uint64))


def test_topological_order() -> None:
    """Children come before parents, and each group is one (level, operator) range."""
    _, graph = build(common_cause_model())
    for v in range(graph.n):
        for c in graph.children(v).tolist():
            assert c < v
            assert graph.level[c] < graph.level[v]
    for start, end, _op in graph.groups:
        assert len(set(graph.level[start:end].tolist())) == 1
