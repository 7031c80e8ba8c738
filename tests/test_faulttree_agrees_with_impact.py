"""The YAML model's fault tree and the impact propagation are the same logic: for every
single and every double failure of the example's basic events (providers, sites,
components), a function's top event is true exactly when impact says it is down."""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt

from blackstart import api
from blackstart.engine.faulttree import FaultTree
from blackstart.engine.graph import FUNCTION
from blackstart.engine.propagate import pack_scenarios, propagate, scenario_bits
from blackstart.model.compile import compile_model
from blackstart.model.faulttree import model_fault_tree


def evaluate(tree: FaultTree, failed: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Gate values ``(gates, scenarios)`` for event states ``(events, scenarios)``, written
    directly from the gate definitions (independent of the BDD code)."""
    values: list[npt.NDArray[np.bool_]] = []

    def arg(r: int) -> npt.NDArray[np.bool_]:
        return failed[r] if r >= 0 else values[-r - 1]

    for g in tree.gates:
        args = [arg(r) for r in g.args]
        width = failed.shape[1]
        if g.op in ("or", "null"):
            v = np.logical_or.reduce(args) if args else np.zeros(width, bool)
        elif g.op == "and":
            v = np.logical_and.reduce(args)
        elif g.op == "atleast":
            v = np.sum(args, axis=0) >= g.k
        elif g.op == "false":
            v = np.zeros(width, bool)
        else:  # the YAML compilation is coherent: nothing else may appear
            raise AssertionError(f"unexpected gate {g.op}")
        values.append(np.asarray(v))
    return np.array(values)


def test_single_and_double_failures_agree() -> None:
    model = api.load(api.example_path())
    graph = compile_model(model)
    tree, _ = model_fault_tree(model, graph)
    assert tree.coherent
    n = len(tree.events)
    scenarios = [(i,) for i in range(n)] + list(itertools.combinations(range(n), 2))
    failed = np.zeros((n, len(scenarios)), bool)
    for s, events in enumerate(scenarios):
        failed[list(events), s] = True
    tops = evaluate(tree, failed)[list(tree.tops)]  # (functions, scenarios)

    node_of = [graph.index[e] for e in tree.events]
    functions = [graph.index[f"function:{f}"] for f in model.functions]
    bits = propagate(graph, pack_scenarios(graph, [[node_of[e] for e in s] for s in scenarios]))
    for s in range(len(scenarios)):
        down = scenario_bits(bits, s)
        np.testing.assert_array_equal(tops[:, s], down[functions], err_msg=str(scenarios[s]))
    # and the check is not vacuous: plenty of functions go down, not all of them
    assert 0 < tops.mean() < 1
    assert graph.nodes_of_kind(FUNCTION).size == len(model.functions)
