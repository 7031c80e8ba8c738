"""Known-answer tests of impact explanations (:mod:`blackstart.engine.impact`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from blackstart.engine.graph import COMPONENT, FUNCTION, CompiledGraph
from blackstart.engine.impact import ImpactResult, impact
from blackstart.engine.propagate import propagate_one

from ._models import build, comp, func, ids


def explain(
    graph: CompiledGraph, failed: list[str]
) -> tuple[ImpactResult, dict[str, set[str]], dict[str, list[str]]]:
    """Impact of ``failed`` with causes and chains of every down node, by label."""
    res = impact(graph, ids(graph, *failed))
    causes, chains = {}, {}
    for v in np.flatnonzero(res.down).tolist():
        causes[graph.names[v]] = {graph.names[c] for c in res.causes(v)}
        chains[graph.names[v]] = [graph.names[u] for u in res.chain(v, graph)]
    return res, causes, chains


def paths_model() -> dict[str, Any]:
    """``f`` reaches ``base`` in two hops (via ``short``) and in four (via ``m3, m2, m1``)."""
    return {
        "components": {
            "base": comp(),
            "m1": comp(requires="base"),
            "m2": comp(requires="m1"),
            "m3": comp(requires="m2"),
            "short": comp(requires="base"),
        },
        "functions": {"f": func(requires=["m3", "short"]), "g": func(requires=["short", "m3"])},
    }


def test_chain_is_the_shortest_path() -> None:
    _, causes, chains = explain(build(paths_model())[1], ["component:base"])
    assert chains["function:f"] == ["function:f", "component:short", "component:base"]
    assert chains["function:g"] == ["function:g", "component:short", "component:base"]
    assert chains["component:m3"] == [
        "component:m3", "component:m2", "component:m1", "component:base",
    ]  # fmt: skip
    assert chains["component:base"] == ["component:base"]
    assert all(c == {"component:base"} for c in causes.values())
    assert set(causes) == {f"component:{c}" for c in ("base", "m1", "m2", "m3", "short")} | {
        "function:f",
        "function:g",
    }


def test_a_requirement_named_several_times_is_still_one_step() -> None:
    """``top`` names ``base`` directly three times and through ``mid`` once: its chain is
    the direct step (found by hypothesis: repeated edges used to add up their weights)."""
    model = {
        "components": {
            "base": comp(),
            "mid": comp(requires="base"),
            "top": comp(requires=["mid", "base", "base", "base"]),
        },
        "functions": {},
    }
    _, _, chains = explain(build(model)[1], ["component:base"])
    assert chains["component:top"] == ["component:top", "component:base"]


def test_chain_from_the_nearest_of_several_failures() -> None:
    """With ``m2`` failed too, ``m3``'s chain stops there; ``f`` has two shortest chains."""
    _, causes, chains = explain(build(paths_model())[1], ["component:base", "component:m2"])
    assert chains["component:m3"] == ["component:m3", "component:m2"]
    assert causes["component:m3"] == {"component:base", "component:m2"}
    assert causes["component:m2"] == {"component:base", "component:m2"}
    assert causes["component:short"] == {"component:base"}
    # two chains of two named steps each: either is a shortest one
    assert chains["function:f"] in (
        ["function:f", "component:short", "component:base"],
        ["function:f", "component:m3", "component:m2"],
    )


def redundancy_model() -> dict[str, Any]:
    return {
        "providers": {"op": {"kind": "colocation"}},
        "sites": {"colo": {"kind": "colocation", "provider": "op"}},
        "components": {
            "a": comp(),
            "b": comp(),
            "c": comp(),
            "hosted": comp(site="colo"),
            "pair": comp(requires={"any_of": ["a", "b"]}),
            "vote": comp(requires={"at_least": 2, "of": ["a", "b", "c"]}),
        },
        "functions": {
            "f": func(requires={"any_of": ["a", "b"]}),
            "g": func(requires=["a", "c"]),
            "h": func(requires="hosted"),
        },
    }


def test_and_gate_has_both_failed_refs_as_causes() -> None:
    res, causes, chains = explain(build(redundancy_model())[1], ["component:a", "component:b"])
    assert causes["function:f"] == {"component:a", "component:b"}
    assert causes["component:pair"] == {"component:a", "component:b"}
    # the gate is skipped in the chain: one of the two redundant refs
    assert chains["function:f"] in (
        ["function:f", "component:a"],
        ["function:f", "component:b"],
    )
    # 2 of 3 down leaves at most 1 of 3 up: vote is down, caused by both
    assert causes["component:vote"] == {"component:a", "component:b"}
    assert causes["function:g"] == {"component:a"}
    assert chains["function:g"] == ["function:g", "component:a"]
    assert res.failed == tuple(ids(build(redundancy_model())[1], "component:a", "component:b"))


def test_up_nodes_have_no_causes_and_no_chain() -> None:
    graph = build(redundancy_model())[1]
    res = impact(graph, ids(graph, "component:a"))
    for label in ("function:f", "component:pair", "component:vote", "component:b"):
        v = graph.index[label]
        assert not res.down[v]
        assert res.causes(v) == []
        assert res.chain(v, graph) == []


def test_an_up_gate_does_not_pass_causes_through() -> None:
    """``c`` fails ``g`` (all_of); ``a`` also failed, but ``pair`` is up: not a cause of it."""
    _, causes, _ = explain(build(redundancy_model())[1], ["component:a", "component:c"])
    assert "component:pair" not in causes
    assert causes["function:g"] == {"component:a", "component:c"}
    assert causes["component:vote"] == {"component:a", "component:c"}


def test_chain_through_site_and_provider() -> None:
    _, causes, chains = explain(build(redundancy_model())[1], ["provider:op"])
    assert chains["function:h"] == [
        "function:h", "component:hosted", "site:colo", "provider:op",
    ]  # fmt: skip
    assert causes["function:h"] == {"provider:op"}
    assert set(causes) == {"provider:op", "site:colo", "component:hosted", "function:h"}


def test_duplicate_failures_are_ignored() -> None:
    graph = build(redundancy_model())[1]
    res = impact(graph, ids(graph, "component:a", "component:a", "component:b"))
    assert res.failed == tuple(ids(graph, "component:a", "component:b"))
    assert tuple(res.causes(graph.index["function:f"])) == res.failed


def test_down_set_matches_propagation_and_kinds() -> None:
    graph = build(redundancy_model())[1]
    failed = ids(graph, "component:a", "component:b", "site:colo")
    res = impact(graph, failed)
    np.testing.assert_array_equal(res.down, propagate_one(graph, failed))
    fns = {graph.names[v] for v in res.down_nodes(FUNCTION, graph).tolist()}
    assert fns == {"function:f", "function:g", "function:h"}
    comps = {graph.names[v] for v in res.down_nodes(COMPONENT, graph).tolist()}
    assert comps == {f"component:{c}" for c in ("a", "b", "hosted", "pair", "vote")}


def test_more_than_64_failures() -> None:
    """Cause bits span several words when more than 64 nodes fail."""
    n = 150
    data = {
        "components": {f"c{i}": comp() for i in range(n)},
        "functions": {
            "all": func(requires={"any_of": [f"c{i}" for i in range(n)]}),
            "last": func(requires=f"c{n - 1}"),
        },
    }
    graph = build(data)[1]
    res = impact(graph, ids(graph, *(f"component:c{i}" for i in range(n))))
    assert res.cause_bits.shape[1] == 3
    assert sorted(res.causes(graph.index["function:all"])) == sorted(res.failed)
    assert res.causes(graph.index["function:last"]) == [graph.index[f"component:c{n - 1}"]]
    assert res.chain(graph.index["function:last"], graph) == ids(
        graph, "function:last", f"component:c{n - 1}"
    )


def test_no_failures() -> None:
    graph = build(redundancy_model())[1]
    res = impact(graph, [])
    assert not res.down.any()
    assert (res.predecessor == -1).all()
