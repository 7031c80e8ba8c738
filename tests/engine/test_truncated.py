"""The bottom-up, order-truncated ZBDD cut sets (``engine/truncated.py``) and the ZBDD
set operations it is built on, against brute force written here.

- union, product with an order limit and minimisation against Python sets of
  frozensets;
- on random coherent trees, the minimal cut sets of at most ``k`` events against the
  minimal true points found by enumerating all 2^n states;
- the errors (non-coherent tree, order limit, node budget) and the ``auto`` method's
  fall-back to the BDD when the budget is exceeded.
"""

from __future__ import annotations

import math
from collections import Counter
from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from blackstart.engine import cutsets
from blackstart.engine.cutsets import minimal_cut_sets
from blackstart.engine.faulttree import FaultTree, Gate
from blackstart.engine.truncated import ZbddBudgetExceeded, truncated_cut_sets
from blackstart.engine.zbdd import BASE, EMPTY, Zbdd

from .test_cutsets_properties import (
    COHERENT,
    SETTINGS,
    brute_minimal_cut_sets,
    literal_probability,
    trees,
)

Family = set[frozenset[int]]
families = st.sets(st.frozensets(st.integers(0, 5), max_size=4), max_size=8)


def build(z: Zbdd, fam: Family) -> int:
    """The ZBDD of a family, by unions of single products."""
    root = EMPTY
    for product in fam:
        f = BASE
        for v in sorted(product, reverse=True):
            f = z.node(v, f, EMPTY)
        root = z.union(root, f)
    return root


def read(z: Zbdd, f: int) -> Family:
    return {frozenset(p) for p in z.enumerate(f, None)}


def minimal(fam: Family) -> Family:
    return {a for a in fam if not any(b < a for b in fam)}


@SETTINGS
@given(families, families, st.integers(0, 6))
def test_set_operations_equal_python_sets(a: Family, b: Family, k: int) -> None:
    z = Zbdd()
    fa, fb = build(z, a), build(z, b)
    assert read(z, fa) == a
    assert read(z, z.union(fa, fb)) == a | b
    assert read(z, z.product(fa, fb, k)) == {x | y for x in a for y in b if len(x | y) <= k}
    assert read(z, z.upto(fa, k)) == {x for x in a if len(x) <= k}
    assert read(z, z.minimal(z.union(fa, fb))) == minimal(a | b)
    assert read(z, z.without(fa, fb)) == {x for x in a if not any(y <= x for y in b)}


@SETTINGS
@given(trees(COHERENT), st.integers(1, 4))
def test_truncated_cut_sets_equal_brute_force(tree: FaultTree, k: int) -> None:
    top = tree.tops[0]
    expected = {c for c in brute_minimal_cut_sets(tree, top) if len(c) <= k}
    r = truncated_cut_sets(tree, top, k)
    assert r.method == "zbdd"
    got = [tuple(sorted(s)) for s in r.sets()]
    assert len(got) == len(set(got))
    assert set(got) == expected
    assert r.count == len(expected)
    dist = Counter(len(c) for c in expected)
    assert all(r.order_distribution[o] == dist.get(o, 0) for o in range(len(r.order_distribution)))
    probs = [literal_probability(tree, c) for c in expected]
    assert math.isclose(r.rare_event, sum(probs), rel_tol=1e-9, abs_tol=1e-15)
    assert r.mcub is not None
    assert math.isclose(r.mcub, 1 - math.prod(1 - q for q in probs), rel_tol=1e-9, abs_tol=1e-15)


@SETTINGS
@given(trees(COHERENT), st.integers(1, 4))
def test_both_methods_give_the_same_cut_sets(tree: FaultTree, k: int) -> None:
    top = tree.tops[0]
    by_bdd = minimal_cut_sets(tree, top, max_order=k, method="bdd")
    by_zbdd = minimal_cut_sets(tree, top, max_order=k, method="zbdd")
    assert (by_bdd.method, by_zbdd.method) == ("bdd", "zbdd")
    assert list(by_bdd.sets()) == list(by_zbdd.sets())
    assert by_bdd.order_distribution == by_zbdd.order_distribution


def _deep_and() -> FaultTree:
    # top = e0 and (e1 or e2 or e3) and atleast-2-of(e4..e7): every cut set has 4 events
    return FaultTree(
        events=tuple(f"e{i}" for i in range(8)),
        probabilities=np.full(8, 0.1),
        gates=(
            Gate("any", "or", (1, 2, 3)),
            Gate("two", "atleast", (4, 5, 6, 7), k=2),
            Gate("top", "and", (0, -1, -2)),
        ),
        tops=(2,),
    )


def test_order_budgets_prune_gates_that_cannot_fit() -> None:
    tree = _deep_and()
    assert truncated_cut_sets(tree, 2, 3).count == 0  # 1 + 1 + 2 events at least
    r = truncated_cut_sets(tree, 2, 4)
    assert r.count == 3 * 6 and r.order_distribution == (0, 0, 0, 0, 18)


def test_errors_and_the_auto_fallback() -> None:
    tree = _deep_and()
    with pytest.raises(ValueError, match="order limit"):
        truncated_cut_sets(tree, 2, 0)
    with pytest.raises(ZbddBudgetExceeded, match="over 4 ZBDD nodes"):
        truncated_cut_sets(tree, 2, 4, node_budget=4)
    with pytest.raises(ValueError, match="order limit"):
        minimal_cut_sets(tree, 2, method="zbdd")
    with pytest.raises(ValueError, match="unknown cut-set method"):
        minimal_cut_sets(tree, 2, method="mocus")
    negated = FaultTree(
        events=("a", "b"),
        probabilities=(0.1, 0.2),
        gates=(Gate("na", "not", (0,)), Gate("top", "and", (-1, 1))),
        tops=(1,),
    )
    with pytest.raises(ValueError, match="coherent"):
        truncated_cut_sets(negated, 1, 2)
    assert minimal_cut_sets(tree, 2, max_order=4).method == "zbdd"
    assert minimal_cut_sets(tree, 2, max_order=5).method == "bdd"  # above the auto limit
    with mock.patch.object(cutsets, "AUTO_ZBDD_NODES", 4):
        fallback = minimal_cut_sets(tree, 2, max_order=3)
    assert fallback.method == "bdd" and fallback.count == 0
