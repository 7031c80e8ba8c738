"""The shared BDD store agrees with one BDD per top: probabilities of a tree and of its
variants (a redundant peer added), and the weighted Birnbaum importance."""

from __future__ import annotations

import numpy as np
import pytest

from blackstart.advice_tree import add_peer
from blackstart.engine.bdd import build_bdd, probability
from blackstart.engine.importance import importance
from blackstart.engine.shared_bdd import SharedBdd
from blackstart.generate import generate_model
from blackstart.model.compile import compile_model
from blackstart.model.faulttree import model_fault_tree
from blackstart.model.load import load_data


@pytest.mark.parametrize("seed", [4, 5])
def test_shared_store_agrees_with_one_bdd_per_top(seed: int) -> None:
    model = load_data(generate_model(500, seed=seed, establishments=2))
    tree, _ = model_fault_tree(model, compile_model(model))
    tops = [i for n, i in tree.gate_index().items() if n.startswith("function:")]
    store = SharedBdd(tree, tops)
    assert store.probabilities(tree, tops) == pytest.approx(
        [probability(tree, t) for t in tops], abs=1e-12
    )
    weights = [1.0 / (1 + i % 3) for i in range(len(tops))]
    grad = store.weighted_birnbaum(tree, tops, weights)
    assert grad is not None
    expect = np.zeros(len(tree.events))
    for t, w in zip(tops, weights, strict=True):
        expect += w * importance(tree, t, compiled=build_bdd(tree, t)).birnbaum
    assert [grad[e] for e in range(len(tree.events))] == pytest.approx(expect, abs=1e-9)
    # a variant: a redundant peer of a component, built in the same store
    gates = tree.gate_index()
    comp = next(n for n in gates if n.startswith("component:") and n in tree.event_index())
    g = gates[comp]
    variant = add_peer(tree, g, drop=set(), add=())
    moved = [t + 2 if t > g else t for t in tops]
    assert store.probabilities(variant, moved) == pytest.approx(
        [probability(variant, t) for t in moved], abs=1e-12
    )
