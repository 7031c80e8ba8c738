"""Property tests of the compiled propagation and of impact explanations.

Random valid models are built as plain dicts (acyclic by construction: requirements
only name earlier components or functions) and checked against a plain recursive
evaluator written here directly on the model's up-space requirement semantics.
"""

from __future__ import annotations

import itertools
import os
import random
from collections import deque
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blackstart.engine.graph import GATE, CompiledGraph
from blackstart.engine.impact import impact
from blackstart.engine.propagate import pack_scenarios, propagate, propagate_one, scenario_bits

from ._models import build, down_labels, ids

SETTINGS = settings(
    # a deeper search: BLACKSTART_EXAMPLES=5000 pytest tests/engine/test_properties.py
    max_examples=int(os.environ.get("BLACKSTART_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --------------------------------------------------------------------------- strategy


def _extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    items = st.lists(inner, min_size=1, max_size=4)
    return st.one_of(
        items,
        items.map(lambda xs: {"all_of": xs}),
        items.map(lambda xs: {"any_of": xs}),
        items.flatmap(lambda xs: st.integers(1, len(xs)).map(lambda k: {"at_least": k, "of": xs})),
    )


SHAPES = st.recursive(st.integers(0, 63), _extend, max_leaves=8)
"""Requirements over placeholder integers, named later (one strategy, built once)."""


def _name(shape: Any, pool: list[str]) -> Any:
    """Replace the placeholders of a requirement shape by names from ``pool``."""
    if isinstance(shape, int):
        return pool[-1 - shape % len(pool)]  # shrinks towards the latest entity
    if isinstance(shape, list):
        return [_name(x, pool) for x in shape]
    return {k: v if k == "at_least" else _name(v, pool) for k, v in shape.items()}


@st.composite
def models(draw: st.DrawFn) -> dict[str, Any]:
    """A random valid model as plain data."""
    providers = {f"p{i}": {"kind": "other"} for i in range(draw(st.integers(0, 3)))}
    pnames = list(providers)
    sites: dict[str, Any] = {}
    for i in range(draw(st.integers(0, 3))):
        site: dict[str, Any] = {"kind": "other"}
        if pnames and draw(st.booleans()):
            site["provider"] = draw(st.sampled_from(pnames))
        sites[f"s{i}"] = site
    snames = list(sites)
    components: dict[str, Any] = {}
    functions: dict[str, Any] = {}
    pool: list[str] = []
    for i in range(draw(st.integers(1, 14))):
        is_function = bool(pool) and draw(st.integers(0, 3)) == 0
        entry: dict[str, Any] = {"tier": "care"} if is_function else {"kind": "other"}
        if not is_function:
            if snames and draw(st.integers(0, 2)) > 0:
                entry["site"] = draw(st.sampled_from(snames))
            if pnames and draw(st.integers(0, 3)) == 0:
                entry["provider"] = draw(st.sampled_from(pnames))
        if pool and draw(st.integers(0, 4)) > 0:
            entry["requires"] = _name(draw(SHAPES), pool)
        name = f"f{i}" if is_function else f"c{i}"
        (functions if is_function else components)[name] = entry
        pool.append(name)
    return {"providers": providers, "sites": sites, "components": components,
            "functions": functions}  # fmt: skip


def failable(data: dict[str, Any]) -> list[str]:
    """Labels of everything that can fail directly."""
    return (
        [f"provider:{p}" for p in data["providers"]]
        + [f"site:{s}" for s in data["sites"]]
        + [f"component:{c}" for c in data["components"]]
    )


@st.composite
def model_and_failures(draw: st.DrawFn) -> tuple[dict[str, Any], list[str]]:
    data = draw(models())
    failed = draw(st.lists(st.sampled_from(failable(data)), max_size=5))
    return data, failed


# --------------------------------------------------------------------------- reference


def reference_down(data: dict[str, Any], failed: set[str]) -> set[str]:
    """Down labels by the model's semantics, evaluated recursively in up space."""
    sites, comps, fns = data["sites"], data["components"], data["functions"]
    memo: dict[str, bool] = {}

    def provider_up(p: str) -> bool:
        return f"provider:{p}" not in failed

    def site_up(s: str) -> bool:
        op = sites[s].get("provider")
        return f"site:{s}" not in failed and (op is None or provider_up(op))

    def req_up(r: Any) -> bool:
        if isinstance(r, str):
            return up(r)
        if isinstance(r, list):
            return all(req_up(x) for x in r)
        if "all_of" in r:
            return all(req_up(x) for x in r["all_of"])
        if "any_of" in r:
            return any(req_up(x) for x in r["any_of"])
        return sum(req_up(x) for x in r["of"]) >= r["at_least"]

    def up(name: str) -> bool:
        if name not in memo:
            if name in comps:
                c = comps[name]
                memo[name] = (
                    f"component:{name}" not in failed
                    and (c.get("site") is None or site_up(c["site"]))
                    and (c.get("provider") is None or provider_up(c["provider"]))
                    and ("requires" not in c or req_up(c["requires"]))
                )
            else:
                memo[name] = "requires" not in fns[name] or req_up(fns[name]["requires"])
        return memo[name]

    out = {f"provider:{p}" for p in data["providers"] if not provider_up(p)}
    out |= {f"site:{s}" for s in sites if not site_up(s)}
    out |= {f"component:{c}" for c in comps if not up(c)}
    out |= {f"function:{f}" for f in fns if not up(f)}
    return out


def direct_deps(data: dict[str, Any], label: str) -> set[str]:
    """Labels a node depends on directly (its site, providers, named requirements)."""
    kind, _, name = label.partition(":")
    if kind == "site":
        op = data["sites"][name].get("provider")
        return set() if op is None else {f"provider:{op}"}
    if kind not in ("component", "function"):
        return set()
    entry = data[f"{kind}s"][name]
    out = set()
    if entry.get("site") is not None:
        out.add(f"site:{entry['site']}")
    if entry.get("provider") is not None:
        out.add(f"provider:{entry['provider']}")

    def leaves(r: Any) -> None:
        if isinstance(r, str):
            out.add(f"component:{r}" if r in data["components"] else f"function:{r}")
        elif isinstance(r, list):
            for x in r:
                leaves(x)
        else:
            for x in r.get("all_of", r.get("any_of", r.get("of", []))):
                leaves(x)

    leaves(entry.get("requires", []))
    return out


# --------------------------------------------------------------------------- properties


@SETTINGS
@given(model_and_failures())
def test_propagate_one_agrees_with_reference(case: tuple[dict[str, Any], list[str]]) -> None:
    data, failed = case
    _, graph = build(data)
    down = propagate_one(graph, ids(graph, *failed))
    assert down_labels(graph, down) == reference_down(data, set(failed))


@SETTINGS
@given(models(), st.integers(1, 130), st.integers(0, 2**32 - 1))
def test_packed_agrees_with_reference(data: dict[str, Any], n: int, seed: int) -> None:
    _, graph = build(data)
    rng = random.Random(seed)
    pool = failable(data)
    scenarios = [rng.sample(pool, rng.randint(0, min(4, len(pool)))) for _ in range(n)]
    packed = propagate(graph, pack_scenarios(graph, [ids(graph, *s) for s in scenarios]))
    assert packed.shape == (graph.n, -(-n // 64))
    for s, failed in enumerate(scenarios):
        bits = scenario_bits(packed, s)
        assert down_labels(graph, bits) == reference_down(data, set(failed))
        np.testing.assert_array_equal(bits, propagate_one(graph, ids(graph, *failed)))


@SETTINGS
@given(models(), st.data())
def test_monotone(data: dict[str, Any], draw: st.DataObject) -> None:
    """Failing more never brings anything up."""
    _, graph = build(data)
    pool = failable(data)
    small = draw.draw(st.lists(st.sampled_from(pool), max_size=4))
    more = draw.draw(st.lists(st.sampled_from(pool), max_size=4))
    a = propagate_one(graph, ids(graph, *small))
    b = propagate_one(graph, ids(graph, *small, *more))
    assert not (a & ~b).any()


def _components_and_functions(graph: CompiledGraph, down: np.ndarray) -> set[str]:
    return {x for x in down_labels(graph, down) if x.startswith(("component:", "function:"))}


@SETTINGS
@given(models(), st.data())
def test_site_failure_is_failing_what_it_hosts(data: dict[str, Any], draw: st.DataObject) -> None:
    """A site failure downs the same components and functions as failing every
    component it hosts; a provider failure, as failing the sites it operates and the
    components that depend on it directly. (Other failures may come on top.)"""
    model, graph = build(data)
    base = draw.draw(st.lists(st.sampled_from(failable(data)), max_size=3))
    hosted = model.hosted()
    for s in data["sites"]:
        as_site = propagate_one(graph, ids(graph, *base, f"site:{s}"))
        as_comps = propagate_one(graph, ids(graph, *base, *(f"component:{c}" for c in hosted[s])))
        assert _components_and_functions(graph, as_site) == _components_and_functions(
            graph, as_comps
        )
    for p in data["providers"]:
        operated = [f"site:{s}" for s, e in data["sites"].items() if e.get("provider") == p]
        direct = [f"component:{c}" for c, e in data["components"].items() if e.get("provider") == p]
        as_provider = propagate_one(graph, ids(graph, *base, f"provider:{p}"))
        as_parts = propagate_one(graph, ids(graph, *base, *operated, *direct))
        assert _components_and_functions(graph, as_provider) == _components_and_functions(
            graph, as_parts
        )


def _reference_causes(graph: CompiledGraph, down: np.ndarray, failed: set[int], v: int) -> set[int]:
    """Failed nodes reachable from ``v`` through down nodes of the compiled graph."""
    seen, stack = {v}, [v]
    while stack:
        u = stack.pop()
        for c in graph.children(u).tolist():
            if down[c] and c not in seen:
                seen.add(c)
                stack.append(c)
    return seen & failed


def _distance(graph: CompiledGraph, down: np.ndarray, failed: set[int], v: int) -> int:
    """Named elements (gates excluded) below ``v`` on a path down to a failed node, through
    down nodes, minimised (0-1 breadth-first search)."""
    dist, queue = {v: 0}, deque([v])
    while queue:
        u = queue.popleft()
        if u in failed:
            return dist[u]
        for c in graph.children(u).tolist():
            step = 0 if graph.kind[c] == GATE else 1
            if down[c] and (c not in dist or dist[u] + step < dist[c]):
                dist[c] = dist[u] + step
                if step:
                    queue.append(c)
                else:
                    queue.appendleft(c)
    raise AssertionError(f"{graph.names[v]} is down with no failed node below it")


@SETTINGS
@given(model_and_failures())
def test_impact_causes_and_chains(case: tuple[dict[str, Any], list[str]]) -> None:
    data, failed_labels = case
    _, graph = build(data)
    failed = ids(graph, *failed_labels)
    res = impact(graph, failed)
    np.testing.assert_array_equal(res.down, propagate_one(graph, failed))
    failed_set = set(failed)
    for v in range(graph.n):
        causes = res.causes(v)
        chain = res.chain(v, graph)
        if not res.down[v]:
            assert causes == [] and chain == []
            continue
        assert causes, graph.names[v]
        assert set(causes) <= failed_set
        assert set(causes) == _reference_causes(graph, res.down, failed_set, v)
        # the predecessor path is a shortest one in named elements (gates weigh nothing)
        hops, u = 0, v
        while res.predecessor[u] >= 0:
            assert int(res.predecessor[u]) in graph.children(u).tolist()
            u = int(res.predecessor[u])
            hops += 0 if graph.kind[u] == GATE else 1
        assert u in failed_set
        assert hops == _distance(graph, res.down, failed_set, v)
        if graph.kind[v] == GATE:
            continue
        assert chain[0] == v
        assert chain[-1] in failed_set
        assert all(res.down[u] for u in chain)
        assert all(graph.kind[u] != GATE for u in chain)
        labels = [graph.names[u] for u in chain]
        for parent, child in itertools.pairwise(labels):
            assert child in direct_deps(data, parent), (labels, parent, child)
