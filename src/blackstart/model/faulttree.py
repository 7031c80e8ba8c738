"""A YAML model as a fault tree: one top event per function.

Owns the translation of a compiled model into the :class:`~blackstart.engine.faulttree.
FaultTree` the BDD analyses read. An IT dependency model *is* a fault tree: a component is
down when its own failure occurs OR its site, provider or requirement fails; all-of is an
OR gate, any-of an AND gate, at-least-k-of-n a voting gate (Vesely et al., *Fault Tree
Handbook*, NUREG-0492, 1981). Basic events are each provider's, site's and component's own
failure, named as references (``site:dc-north``, ``component:san-1``).

Probabilities: a component's ``failure.probability`` when given, else its steady-state
unavailability ``MTTR / (MTBF + MTTR)`` (Barlow & Proschan, *Statistical Theory of
Reliability and Life Testing*, 1975); elements without data get 0 and are listed.
"""

from __future__ import annotations

import numpy as np

from blackstart.engine.faulttree import FaultTree, Gate, gate_ref
from blackstart.engine.graph import AT_PLACE, FUNCTION, GATE, CompiledGraph
from blackstart.model.model import Model


def unavailability(model: Model, ref: str) -> float | None:
    """Probability that an element is failed, from its failure data; None if unknown."""
    kind, _, name = ref.partition(":")
    if kind != "component":
        return None
    failure = model.components[name].failure
    if failure is None:
        return None
    if failure.probability is not None:
        return failure.probability
    if failure.mtbf is not None and failure.mttr is not None:
        return failure.mttr / (failure.mtbf + failure.mttr)
    return None


def model_fault_tree(model: Model, graph: CompiledGraph) -> tuple[FaultTree, list[str]]:
    """The model's fault tree (tops: every function, in model order) and the elements
    whose failure probability is unknown (taken as 0)."""
    events: list[str] = []
    probs: list[float] = []
    unknown: list[str] = []
    event_of: dict[int, int] = {}
    for v in range(graph.n):
        if graph.kind[v] in (GATE, FUNCTION, AT_PLACE):
            continue
        label = graph.names[v]
        p = unavailability(model, label)
        if p is None:
            unknown.append(label)
            p = 0.0
        event_of[v] = len(events)
        events.append(label)
        probs.append(p)
    gates: list[Gate] = []
    gate_of: dict[int, int] = {}
    ptr, idx = graph.child_ptr, graph.child_idx
    for v in range(graph.n):  # node ids are topological: children first
        kids = [gate_ref(gate_of[c]) if c in gate_of else event_of[c]
                for c in idx[ptr[v] : ptr[v + 1]].tolist()]  # fmt: skip
        t = int(graph.threshold[v])
        if graph.kind[v] in (GATE, FUNCTION, AT_PLACE):
            op, k = _op(t, len(kids)) if kids else ("false", 0)  # requires nothing
            gates.append(Gate(graph.names[v], op, tuple(kids), k=k))
        elif kids:
            # own failure OR whatever it needs (its children form an OR: threshold 1)
            gates.append(Gate(graph.names[v], "or", (event_of[v], *kids)))
        else:
            continue  # a leaf element is its own basic event
        gate_of[v] = len(gates) - 1
    tops = tuple(gate_of[graph.index[f"function:{f}"]] for f in model.functions)
    tree = FaultTree(tuple(events), np.asarray(probs, np.float64), tuple(gates), tops, model.name)
    return tree, unknown


def _op(threshold: int, n: int) -> tuple[str, int]:
    if n == 1:
        return "null", 0
    if threshold <= 1:
        return "or", 0
    if threshold >= n:
        return "and", 0
    return "atleast", threshold
