"""Preprocessing and modular decomposition against brute force on random small trees.

The decomposition (:func:`blackstart.engine.preprocess.decompose`) must keep the top's
Boolean function (each module evaluated on its leaves, children first, equals the
original top on every one of the 2^n states), find exactly the modules of the
definition (no node below a module reached from outside it), and the modular analyses
(:mod:`blackstart.engine.modular`) must give the enumerated probability, minimal cut
sets / minimal solutions, order distribution and rare-event sum.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from blackstart.engine.faulttree import FaultTree, Gate
from blackstart.engine.modular import compile_modules, modular_cut_sets
from blackstart.engine.preprocess import coalesce, decompose, find_modules, simplify

from .test_cutsets_properties import (
    COHERENT,
    NON_COHERENT,
    SETTINGS,
    brute_minimal_cut_sets,
    brute_probability,
    evaluator,
    literal_probability,
    states,
)

WITH_CONSTANTS = (*NON_COHERENT, "true", "false")


@st.composite
def trees(draw: st.DrawFn, ops: tuple[str, ...]) -> FaultTree:
    """A random tree of up to 9 events and 9 gates (constants included when in ``ops``),
    gates sharing arguments often enough for modules to be non-trivial."""
    n = draw(st.integers(1, 9))
    probs = draw(st.lists(st.sampled_from([0.0, 0.1, 0.3, 0.5, 0.9, 1.0]), min_size=n, max_size=n))
    gates: list[Gate] = []
    for gi in range(draw(st.integers(1, 9))):
        op = draw(st.sampled_from(ops))
        refs = list(range(n)) + [-g - 1 for g in range(gi)]
        arity = {"not": 1, "null": 1, "iff": 2, "imply": 2, "true": 0, "false": 0}.get(op)
        size = arity if arity is not None else draw(st.integers(2, 4))
        args = tuple(draw(st.lists(st.sampled_from(refs), min_size=size, max_size=size)))
        k = draw(st.integers(1, len(args))) if op in ("atleast", "cardinality") else 0
        k_max = draw(st.integers(k, len(args))) if op == "cardinality" else 0
        gates.append(Gate(f"g{gi}", op, args, k, k_max))
    return FaultTree(
        events=tuple(f"e{i}" for i in range(n)),
        probabilities=np.asarray(probs, dtype=np.float64),
        gates=tuple(gates),
        tops=(len(gates) - 1,),
    )


def modular_value(tree: FaultTree, top: int, state: tuple[bool, ...], coherent_only: bool) -> bool:
    d = decompose(tree, top, coherent_only=coherent_only)
    if d.constant is not None:
        return d.constant
    values: list[bool] = []
    for m in d.modules:
        local = tuple(state[x] if x >= 0 else values[-x - 1] for x in m.leaves)
        values.append(evaluator(m.tree, m.tree.tops[0])(local))
    return values[-1]


@SETTINGS
@given(trees(WITH_CONSTANTS), st.booleans())
def test_decomposition_keeps_the_function(tree: FaultTree, coherent_only: bool) -> None:
    top = tree.tops[0]
    f = evaluator(tree, top)
    for s in states(len(tree.events)):
        assert modular_value(tree, top, s, coherent_only) == f(s)


@SETTINGS
@given(trees(WITH_CONSTANTS))
def test_each_event_and_module_has_one_place(tree: FaultTree) -> None:
    d = decompose(tree, tree.tops[0], coherent_only=False)
    leaves = [x for m in d.modules for x in m.leaves]
    assert len(leaves) == len(set(leaves))  # modules share no event and no sub-module
    proxies = sorted(-x - 1 for x in leaves if x < 0)
    assert proxies == list(range(len(d.modules) - 1))  # every module but the top is used


def _descendants(graph: dict, g: int) -> set[int]:  # type: ignore[type-arg]
    out: set[int] = set()
    stack = [g]
    while stack:
        for a in graph[stack.pop()].args:
            key = ("e", a) if a >= 0 else ("g", -a - 1)
            if a >= -(1 << 40) and key not in out:
                out.add(key)  # type: ignore[arg-type]
                if a < 0:
                    stack.append(-a - 1)
    return out


@SETTINGS
@given(trees(NON_COHERENT))
def test_modules_match_the_definition(tree: FaultTree) -> None:
    """A gate is a module iff no node below it is an argument of a gate outside it."""
    graph, root = simplify(tree, tree.tops[0])
    if root >= 0 or root < -(1 << 39):
        return
    coalesce(graph, root)
    reach = {-root - 1} | {k[1] for k in _descendants(graph, -root - 1) if k[0] == "g"}
    expected = set()
    for g in reach:
        below = _descendants(graph, g)
        outside = reach - {g} - {k[1] for k in below if k[0] == "g"}
        used_outside = set()
        for h in outside:
            for a in graph[h].args:
                used_outside.add(("e", a) if a >= 0 else ("g", -a - 1))
        if not below & used_outside:
            expected.add(g)
    assert find_modules(graph, root) == expected | {-root - 1}


@SETTINGS
@given(trees(WITH_CONSTANTS), st.booleans())
def test_modular_probability_equals_enumeration(tree: FaultTree, coherent_only: bool) -> None:
    top = tree.tops[0]
    got = compile_modules(tree, top, coherent_only=coherent_only).probability
    assert math.isclose(got, brute_probability(tree, top), abs_tol=1e-12)


@SETTINGS
@given(trees(COHERENT), st.sampled_from([None, 1, 2, 3]))
def test_modular_cut_sets_equal_brute_force(tree: FaultTree, max_order: int | None) -> None:
    top = tree.tops[0]
    expected = {c for c in brute_minimal_cut_sets(tree, top) if len(c) <= (max_order or 99)}
    r = modular_cut_sets(compile_modules(tree, top), max_order=max_order)
    got = [tuple(sorted(s)) for s in r.sets()]
    assert len(got) == len(set(got)) and set(got) == expected
    dist = Counter(len(c) for c in expected)
    assert r.count == len(expected)
    assert list(r.order_distribution) == [dist.get(o, 0) for o in range(len(r.order_distribution))]
    probs = [literal_probability(tree, c) for c in expected]
    assert math.isclose(r.rare_event, sum(probs), rel_tol=1e-9, abs_tol=1e-15)
    assert r.mcub is not None
    assert math.isclose(r.mcub, 1 - math.prod(1 - q for q in probs), rel_tol=1e-9, abs_tol=1e-15)


@SETTINGS
@given(trees(WITH_CONSTANTS), st.sampled_from([None, 2]))
def test_modular_minimal_solutions_equal_brute_force(
    tree: FaultTree, max_order: int | None
) -> None:
    top = tree.tops[0]
    expected = {c for c in brute_minimal_cut_sets(tree, top) if len(c) <= (max_order or 99)}
    r = modular_cut_sets(compile_modules(tree, top), max_order=max_order)
    assert {tuple(sorted(s)) for s in r.sets()} == expected
    assert r.count == len(expected) == sum(r.order_distribution)


def test_a_shared_event_prevents_a_module() -> None:
    """top = or(and(a, b), and(b, c), d): neither 'and' is a module (b is shared)."""
    tree = FaultTree(
        events=("a", "b", "c", "d"),
        probabilities=np.full(4, 0.1),
        gates=(
            Gate("g1", "and", (0, 1)),
            Gate("g2", "and", (1, 2)),
            Gate("top", "or", (-1, -2, 3)),
        ),
        tops=(2,),
    )
    d = decompose(tree, 2)
    assert len(d.modules) == 1
    # P = 1 - (1 - P(ab or bc)) (1 - 0.1), P(ab or bc) = 0.1 * (1 - 0.9 * 0.9)
    assert math.isclose(compile_modules(tree, 2).probability, 1 - (1 - 0.1 * 0.19) * 0.9)
