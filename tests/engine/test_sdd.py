"""The SDD probability (engine/sdd.py) against brute force and against the BDDs.

Random small fault trees with every gate operator are checked against plain
enumeration over all 2^n states (the evaluator of ``test_cutsets_properties``, written
from the gate definitions); Aralia trees (p = 0.01), module by module, against the
BDD's exact probability; and the SDD fallback of ``compile_modules`` (reached by
shrinking the BDD node budgets) against brute force.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from blackstart.engine import bdd, modular
from blackstart.engine.faulttree import FaultTree, Gate
from blackstart.engine.modular import compile_modules, modular_cut_sets
from blackstart.engine.preprocess import decompose
from blackstart.engine.sdd import SddBudgetExceeded, sdd_probability

from .test_cutsets_properties import NON_COHERENT, SETTINGS, brute_probability, trees

REPO = Path(__file__).resolve().parents[2]
OPENPSA = Path(os.environ.get("BLACKSTART_VALIDATION", REPO / ".." / "shared" / "validation"))
ARALIA = OPENPSA / "openpsa" / "Aralia"


@SETTINGS
@given(trees(NON_COHERENT))
def test_sdd_probability_equals_enumeration(tree: FaultTree) -> None:
    top = tree.tops[0]
    assert sdd_probability(tree, top, tree.probabilities) == pytest.approx(
        brute_probability(tree, top), abs=1e-12
    )


@SETTINGS
@given(trees(NON_COHERENT), st.data())
def test_sdd_probability_of_an_inner_gate(tree: FaultTree, data: st.DataObject) -> None:
    """Any gate, not only the last, and events outside its cone are ignored."""
    top = data.draw(st.integers(0, len(tree.gates) - 1))
    assert sdd_probability(tree, top, tree.probabilities) == pytest.approx(
        brute_probability(tree, top), abs=1e-12
    )


def test_cardinality_and_atleast_by_hand() -> None:
    """2-of-3 at p = 0.1: 3·0.01·0.9 + 0.001 = 0.028; exactly one of three (cardinality
    1..1): 3·0.1·0.81 = 0.243."""
    events = ("a", "b", "c")
    p = (0.1, 0.1, 0.1)
    two = FaultTree(events, p, (Gate("top", "atleast", (0, 1, 2), k=2),), (0,))
    one = FaultTree(events, p, (Gate("top", "cardinality", (0, 1, 2), k=1, k_max=1),), (0,))
    assert sdd_probability(two, 0, p) == pytest.approx(0.028, abs=1e-15)
    assert sdd_probability(one, 0, p) == pytest.approx(0.243, abs=1e-15)


def test_node_and_time_budgets_are_enforced() -> None:
    t = FaultTree(("a", "b", "c"), (0.5, 0.5, 0.5),
                  (Gate("g", "xor", (0, 1, 2)), Gate("top", "or", (-1, 0))), (1,))  # fmt: skip
    with pytest.raises(SddBudgetExceeded, match=r"'g'.*over 0"):
        sdd_probability(t, 1, t.probabilities, node_budget=0)
    with pytest.raises(SddBudgetExceeded, match="'g': over the SDD's time budget"):
        sdd_probability(t, 1, t.probabilities, time_budget=0.0)
    # P(a) + P(¬a)·P(b ⊕ c) = 0.5 + 0.5·0.5
    assert sdd_probability(
        t, 1, t.probabilities, node_budget=None, time_budget=None
    ) == pytest.approx(0.75)


def _no_bdd_fits(mp: pytest.MonkeyPatch) -> None:
    """Budgets no BDD of a gate over at least one event can meet, checked at every gate,
    and no pure-Python store: every module of three or more events leaves the BDD."""
    mp.setattr(modular, "NODE_BUDGETS", (1, 1))
    mp.setattr(modular, "SMALL_STORE_EVENTS", 0)
    mp.setattr(modular, "SDD_AFTER_SLOW_ROUND", 0.0)  # any first round is "slow"
    mp.setattr(bdd, "BUDGET_CHECK_EVENTS", 0)


@SETTINGS
@given(trees(NON_COHERENT))
def test_compile_modules_falls_back_to_the_sdd(tree: FaultTree) -> None:
    """The top's probability is exact whichever modules went to the SDD, and cut sets
    are refused when one did."""
    top = tree.tops[0]
    with pytest.MonkeyPatch.context() as mp:
        _no_bdd_fits(mp)
        compiled = compile_modules(tree, top, coherent_only=False, probability_only=True)
    assert compiled.probability == pytest.approx(brute_probability(tree, top), abs=1e-12)
    if any(b is None for b in compiled.bdds):
        with pytest.raises(ValueError, match="compiled into an SDD"):
            modular_cut_sets(compiled)


def test_compile_modules_fallback_by_hand() -> None:
    """(a ∨ b) ∧ ¬(b ∧ c) at p = 0.1, 0.2, 0.3: by cases on b, 0.2·0.7 + 0.8·0.1 = 0.22;
    one module of three events, so the SDD; without ``probability_only`` the BDD."""
    t = FaultTree(("a", "b", "c"), (0.1, 0.2, 0.3),
                  (Gate("ab", "or", (0, 1)), Gate("bc", "nand", (1, 2)),
                   Gate("top", "and", (-1, -2))), (2,))  # fmt: skip
    with pytest.MonkeyPatch.context() as mp:
        _no_bdd_fits(mp)
        sdd = compile_modules(t, 2, probability_only=True)
        whole = compile_modules(t, 2)
    assert sdd.bdds == (None,)
    assert whole.bdds[0] is not None
    assert sdd.probability == pytest.approx(0.22, abs=1e-15)
    assert whole.probability == pytest.approx(0.22, abs=1e-15)


def test_a_quick_first_round_keeps_to_the_bdd() -> None:
    """The SDD is tried only after a slow first round: with the default threshold a
    three-event module whose BDD rounds fail at once still gets its (unbounded) BDD."""
    t = FaultTree(("a", "b", "c"), (0.1, 0.2, 0.3),
                  (Gate("ab", "or", (0, 1)), Gate("bc", "nand", (1, 2)),
                   Gate("top", "and", (-1, -2))), (2,))  # fmt: skip
    with pytest.MonkeyPatch.context() as mp:
        _no_bdd_fits(mp)
        mp.setattr(modular, "SDD_AFTER_SLOW_ROUND", 60.0)
        compiled = compile_modules(t, 2, probability_only=True)
    assert compiled.bdds[0] is not None
    assert compiled.probability == pytest.approx(0.22, abs=1e-15)


def test_compile_modules_keeps_bdds_when_they_fit() -> None:
    t = FaultTree(("a", "b", "c", "d"), np.full(4, 0.1),
                  (Gate("g", "atleast", (0, 1, 2, 3), k=2),), (0,))  # fmt: skip
    compiled = compile_modules(t, 0, probability_only=True)
    assert all(b is not None for b in compiled.bdds)
    # 1 - P(none) - P(exactly one) = 1 - 0.9^4 - 4·0.1·0.9^3
    assert compiled.probability == pytest.approx(1 - 0.9**4 - 4 * 0.1 * 0.9**3, abs=1e-15)


@pytest.mark.usefixtures("openpsa")  # skipped without the data, failed under CI
@pytest.mark.parametrize("name", ["baobab1", "chinese", "das9203", "isp9603"])
def test_sdd_agrees_with_the_bdd_on_aralia_modules(name: str) -> None:
    from blackstart.io.mef import read_mef

    tree = read_mef([ARALIA / f"{name}.xml"])
    top = tree.tops[0]
    bdd = compile_modules(tree, top, coherent_only=False)
    d = decompose(tree, top, coherent_only=False)
    assert len(d.modules) == len(bdd.probabilities)
    for m, expected in zip(d.modules, bdd.probabilities, strict=True):
        # each module with its children's BDD probabilities, as compile_modules does
        p = [float(tree.probabilities[e]) if e >= 0 else bdd.probabilities[-e - 1]
             for e in m.leaves]  # fmt: skip
        assert sdd_probability(m.tree, m.tree.tops[0], p) == pytest.approx(expected, rel=1e-12)
