"""Property tests of the BDD analyses against brute force over all 2^n states.

Random small fault trees (at most 8 events, gates and/or/atleast/cardinality and, for
non-coherent trees, not/xor/nand/nor/iff/imply) are checked against plain
enumeration written here: the exact probability, the minimal cut sets (coherent) or
prime implicants (non-coherent), counts and order distributions, the rare-event sum,
MCUB, and every importance measure by its definition.
"""

from __future__ import annotations

import itertools
import math
import os
from collections import Counter
from collections.abc import Callable
from unittest import mock

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blackstart.engine import bdd, families, zbdd
from blackstart.engine.bdd import build_bdd, probability
from blackstart.engine.cutsets import minimal_cut_sets, prime_implicants
from blackstart.engine.faulttree import FaultTree, Gate
from blackstart.engine.importance import ImportanceResult, importance, modular_importance
from blackstart.engine.modular import compile_modules

SETTINGS = settings(
    max_examples=int(os.environ.get("BLACKSTART_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
COHERENT = ("and", "or", "atleast", "null")
NON_COHERENT = (*COHERENT, "cardinality", "not", "xor", "nand", "nor", "iff", "imply")


@st.composite
def trees(draw: st.DrawFn, ops: tuple[str, ...]) -> FaultTree:
    """A random fault tree: each gate takes earlier gates and events as arguments."""
    n = draw(st.integers(1, 8))
    probs = draw(
        st.lists(
            st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.7, 0.9, 1.0, 0.03]), min_size=n, max_size=n
        )
    )
    gates: list[Gate] = []
    for gi in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(ops))
        refs = list(range(n)) + [-g - 1 for g in range(gi)]
        arity = {"not": 1, "null": 1, "iff": 2, "imply": 2}.get(op)
        size = arity or draw(st.integers(2, 4))
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


def gate_value(g: Gate, a: list[bool]) -> bool:
    """One gate by its definition (Open-PSA MEF 2.0d, §5.2)."""
    s = sum(a)
    if g.op in ("true", "false"):
        return g.op == "true"
    if g.op in ("and", "nand"):
        return all(a) == (g.op == "and")
    if g.op in ("or", "nor"):
        return any(a) == (g.op == "or")
    if g.op == "atleast":
        return s >= g.k
    if g.op == "cardinality":
        return g.k <= s <= g.k_max
    if g.op in ("not", "null"):
        return a[0] == (g.op == "null")
    if g.op == "xor":
        return s % 2 == 1
    if g.op == "iff":
        return a[0] == a[1]
    assert g.op == "imply"
    return (not a[0]) or a[1]


def evaluator(tree: FaultTree, top: int) -> Callable[[tuple[bool, ...]], bool]:
    """The top as a plain function of the event states, straight from the definitions."""

    def value(state: tuple[bool, ...]) -> bool:
        vals: list[bool] = []
        for g in tree.gates[: top + 1]:
            vals.append(gate_value(g, [state[r] if r >= 0 else vals[-r - 1] for r in g.args]))
        return vals[top]

    return value


def states(n: int) -> list[tuple[bool, ...]]:
    return list(itertools.product((False, True), repeat=n))


def brute_probability(tree: FaultTree, top: int, probs: np.ndarray | None = None) -> float:
    p = tree.probabilities if probs is None else probs
    f = evaluator(tree, top)
    total = 0.0
    for s in states(len(tree.events)):
        if f(s):
            total += math.prod(p[i] if x else 1.0 - p[i] for i, x in enumerate(s))
    return total


def brute_prime_implicants(tree: FaultTree, top: int) -> set[tuple[int, ...]]:
    """Prime implicants as sorted tuples of signed literals (``-(i+1)``: event i works)."""
    n = len(tree.events)
    f = evaluator(tree, top)
    truth = np.array([f(s) for s in states(n)], dtype=bool).reshape((2,) * n)

    def implies(term: dict[int, bool]) -> bool:
        return bool(
            truth[tuple(int(term[i]) if i in term else slice(None) for i in range(n))].all()
        )

    implicants = []
    for assignment in itertools.product((None, False, True), repeat=n):
        term = {i: b for i, b in enumerate(assignment) if b is not None}
        if implies(term):
            implicants.append(term)
    primes = set()
    for t in implicants:
        if not any(len(u) < len(t) and u.items() <= t.items() for u in implicants):
            primes.add(tuple(sorted(i if b else -i - 1 for i, b in t.items())))
    return primes


def brute_minimal_cut_sets(tree: FaultTree, top: int) -> set[tuple[int, ...]]:
    n = len(tree.events)
    f = evaluator(tree, top)
    cuts = [frozenset(i for i in range(n) if s[i]) for s in states(n) if f(s)]
    return {tuple(sorted(c)) for c in cuts if not any(d < c for d in cuts)}


def literal_probability(tree: FaultTree, product: tuple[int, ...]) -> float:
    p = tree.probabilities
    return math.prod(p[i] if i >= 0 else 1.0 - p[-i - 1] for i in product)


@SETTINGS
@given(trees(NON_COHERENT))
def test_probability_equals_enumeration(tree: FaultTree) -> None:
    top = tree.tops[0]
    assert math.isclose(probability(tree, top), brute_probability(tree, top), abs_tol=1e-12)


@SETTINGS
@given(trees(COHERENT), st.sampled_from([None, 1, 2, 3]))
def test_minimal_cut_sets_equal_brute_force(tree: FaultTree, max_order: int | None) -> None:
    top = tree.tops[0]
    expected = brute_minimal_cut_sets(tree, top)
    if max_order is not None:
        expected = {c for c in expected if len(c) <= max_order}
    r = minimal_cut_sets(tree, top, max_order=max_order)
    got = [tuple(sorted(s)) for s in r.sets()]
    assert len(got) == len(set(got))
    assert set(got) == expected
    assert r.count == len(expected)
    dist = Counter(len(c) for c in expected)
    assert r.order_distribution[: max(dist, default=0) + 1] == tuple(
        dist.get(o, 0) for o in range(max(dist, default=0) + 1)
    )
    assert sum(r.order_distribution) == r.count
    # sorted by order, then by names
    keys = [(len(s), [tree.events[i] for i in s]) for s in r.sets()]
    assert keys == sorted(keys)
    assert list(r.sets(3)) == list(r.sets())[:3]
    with mock.patch.object(families, "TRUNCATE_AFTER", 1):  # truncate after, not during
        after = minimal_cut_sets(tree, top, max_order=max_order)
    assert list(after.sets()) == list(r.sets())
    assert after.order_distribution == r.order_distribution
    probs = [literal_probability(tree, c) for c in expected]
    assert math.isclose(r.rare_event, sum(probs), rel_tol=1e-9, abs_tol=1e-15)
    assert r.mcub is not None
    assert math.isclose(r.mcub, 1 - math.prod(1 - q for q in probs), rel_tol=1e-9, abs_tol=1e-15)


@SETTINGS
@given(trees(NON_COHERENT), st.sampled_from([None, 1, 2, 3]))
def test_prime_implicants_equal_brute_force(tree: FaultTree, max_order: int | None) -> None:
    top = tree.tops[0]
    expected = brute_prime_implicants(tree, top)
    if max_order is not None:
        expected = {c for c in expected if len(c) <= max_order}
    r = minimal_cut_sets(tree, top, max_order=max_order, prime_implicants=True)
    got = {tuple(sorted(s)) for s in r.sets()}
    assert got == expected
    assert r.count == len(expected)
    assert sum(r.order_distribution) == r.count
    dist = Counter(len(c) for c in expected)
    assert all(r.order_distribution[o] == dist.get(o, 0) for o in range(len(r.order_distribution)))
    # the budgeted route of ``cutsets --prime-implicants`` counts the same family
    budgeted = prime_implicants(tree, top, max_order=max_order)
    assert budgeted.order_distribution == r.order_distribution


@SETTINGS
@given(trees(NON_COHERENT))
def test_importance_equals_definitions(tree: FaultTree) -> None:
    """On the whole top's BDD, and on its modules' BDDs (what ``importance`` runs)."""
    top = tree.tops[0]
    p = brute_probability(tree, top)
    whole = importance(tree, top)
    modular = modular_importance(compile_modules(tree, top, probability_only=True))
    assert modular.in_support.tolist() == whole.in_support.tolist()
    for r in (whole, modular):
        _check_importance(tree, top, p, r)


def _check_importance(tree: FaultTree, top: int, p: float, r: ImportanceResult) -> None:
    assert math.isclose(r.p_top, p, abs_tol=1e-12)
    for e in range(len(tree.events)):
        on, off = tree.probabilities.copy(), tree.probabilities.copy()
        on[e], off[e] = 1.0, 0.0
        p1, p0 = brute_probability(tree, top, on), brute_probability(tree, top, off)
        m = r.event(e)
        assert math.isclose(r.p_failed[e], p1, abs_tol=1e-12)
        assert math.isclose(r.p_working[e], p0, abs_tol=1e-12)
        assert math.isclose(m.birnbaum, p1 - p0, abs_tol=1e-12)
        if p > 1e-9:
            assert math.isclose(m.fussell_vesely, (p - p0) / p, rel_tol=1e-6, abs_tol=1e-9)
            assert math.isclose(
                m.criticality, (p1 - p0) * tree.probabilities[e] / p, rel_tol=1e-6, abs_tol=1e-9
            )
            assert math.isclose(m.raw, p1 / p, rel_tol=1e-6)
        if p0 == 0.0:
            assert m.rrw == math.inf
        elif p0 > 1e-9:
            assert math.isclose(m.rrw, p / p0, rel_tol=1e-6)
        assert m.rrw != 0.0 or p == 0.0


def test_single_point_of_failure_has_infinite_rrw() -> None:
    tree = FaultTree(
        events=("spof", "a", "b"),
        probabilities=np.array([0.01, 0.3, 0.4]),
        gates=(Gate("redundant", "or", (1, 2)), Gate("top", "and", (0, -1))),
        tops=(1,),
    )
    r = importance(tree, 1, compiled=build_bdd(tree, 1))
    assert r.rrw[0] == math.inf
    assert r.p_working[0] == 0.0
    assert math.isfinite(r.rrw[1]) and r.rrw[1] > 1.0


def brute_minimal_solutions(tree: FaultTree, top: int) -> set[tuple[int, ...]]:
    """Minimal sets of failed events making the top true with every other event working."""
    return brute_minimal_cut_sets(tree, top)


@SETTINGS
@given(trees(NON_COHERENT), st.sampled_from([None, 2]))
def test_minimal_solutions_equal_brute_force(tree: FaultTree, max_order: int | None) -> None:
    top = tree.tops[0]
    expected = brute_minimal_solutions(tree, top)
    if max_order is not None:
        expected = {c for c in expected if len(c) <= max_order}
    r = minimal_cut_sets(tree, top, max_order=max_order, prime_implicants=False)
    assert {tuple(sorted(s)) for s in r.sets()} == expected
    with mock.patch.object(families, "TRUNCATE_AFTER", 1):
        after = minimal_cut_sets(tree, top, max_order=max_order, prime_implicants=False)
    assert list(after.sets()) == list(r.sets())
    assert r.count == len(expected) == sum(r.order_distribution)


@SETTINGS
@given(trees(NON_COHERENT), st.sampled_from(["dfs", "fanout-first"]))
def test_small_store_and_cudd_build_the_same_diagram(tree: FaultTree, heuristic: str) -> None:
    """Both stores are canonical with the same conventions (then-edges regular, node 0
    the true leaf): one order, one diagram, node for node."""
    top = tree.tops[0]
    small = build_bdd(tree, top, heuristic=heuristic, store="small")
    cudd = build_bdd(tree, top, heuristic=heuristic, store="cudd")
    assert small.manager is None and cudd.manager is not None
    assert small.order == cudd.order
    assert (small.level, small.high, small.low, small.root_ref) == (
        cudd.level,
        cudd.high,
        cudd.low,
        cudd.root_ref,
    )


@SETTINGS
@given(trees(COHERENT), st.sampled_from([None, 2]))
def test_numpy_passes_equal_brute_force(tree: FaultTree, max_order: int | None) -> None:
    """The vectorised passes that large diagrams take (forced here on small ones) give
    the brute-force probability, counts and sums too."""
    top = tree.tops[0]
    expected = brute_minimal_cut_sets(tree, top)
    if max_order is not None:
        expected = {c for c in expected if len(c) <= max_order}
    with (
        mock.patch.object(bdd, "PYTHON_PASS_NODES", 0),
        mock.patch.object(zbdd, "PYTHON_PASS_NODES", 0),
    ):
        p = probability(tree, top)
        r = minimal_cut_sets(tree, top, max_order=max_order, mcub_enumeration_limit=0)
    assert math.isclose(p, brute_probability(tree, top), abs_tol=1e-12)
    assert r.count == len(expected)
    dist = Counter(len(c) for c in expected)
    assert all(r.order_distribution[o] == dist.get(o, 0) for o in range(len(r.order_distribution)))
    probs = [literal_probability(tree, c) for c in expected]
    assert math.isclose(r.rare_event, sum(probs), rel_tol=1e-9, abs_tol=1e-15)
    if r.mcub is not None:  # the series (no enumeration): None when a product is near 1
        assert math.isclose(
            r.mcub, 1 - math.prod(1 - q for q in probs), rel_tol=1e-9, abs_tol=1e-15
        )
