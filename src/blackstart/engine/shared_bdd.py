"""Exact probabilities of many tops of a fault tree, and of its variants, from one
shared BDD store.

Owns :class:`SharedBdd`: one :class:`~blackstart.engine.smallbdd.SmallBdd` under one
variable order (depth-first from a virtual OR of the tops of interest, then the other
events), in which a tree and any variant of it — a gate's arguments changed, a gate or
an event added — are built. Building is hash-consed and memoised (Bryant 1986), so a
variant costs only the apply operations of the gates its change reaches: the gates it
leaves alone find their diagrams in the computed tables. Node probabilities follow the
Shannon decomposition ``P(f) = p·P(f|x) + (1-p)·P(f|¬x)`` in one pass over the nodes
created since the last call (children are created before their parents).

A variant's new event is a copy of an existing one (a redundant peer, a copy of a shared
supply), named after it: ``NAME#peer`` or ``NAME#K``; it gets a spare level right below
the original's, and the original's probability. That is how
:mod:`blackstart.advice` weighs a change in one pass over the nodes it adds.

When the store outgrows its node budget, every later call falls back to one BDD per top
(:func:`blackstart.engine.bdd.probability`).

Complexity: per variant, the apply operations of the changed cone plus O(gates · args)
table look-ups, then O(new nodes).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace

from blackstart.engine.bdd import _gate, _SmallOps, probability
from blackstart.engine.faulttree import FaultTree, Gate, gate_ref
from blackstart.engine.ordering import event_order
from blackstart.engine.smallbdd import SmallBdd, SmallBddBudgetExceeded, recursion_for

STRIDE = 4
"""Levels per event: the event's own, then three spare levels for its copies."""
NODE_BUDGET = 1 << 21


class SharedBdd:
    """One store for a tree and its variants; ``tops`` guide the variable order.

    >>> from blackstart.engine.faulttree import FaultTree, Gate
    >>> t = FaultTree(("a", "b"), (0.1, 0.2), (Gate("g", "or", (0, 1)),
    ...               Gate("h", "and", (0, 1))), (0, 1), "t")
    >>> [round(p, 6) for p in SharedBdd(t, [0, 1]).probabilities(t, [0, 1])]
    [0.28, 0.02]
    """

    def __init__(self, tree: FaultTree, tops: Sequence[int]) -> None:
        virtual = len(tree.gates)
        wide = replace(tree, gates=(*tree.gates, Gate("#tops", "or", tuple(map(gate_ref, tops)))))
        first, _ = event_order(wide, virtual) if tops else ([], [])
        seen = set(first)
        order = [*first, *(e for e in range(len(tree.events)) if e not in seen)]
        self._level = {tree.events[e]: STRIDE * i for i, e in enumerate(order)}
        self._store = SmallBdd(STRIDE * len(order), node_budget=NODE_BUDGET)
        self._p_level = [float(tree.probabilities[e]) for e in order for _ in range(STRIDE)]
        self._ops = _SmallOps(self._store)
        sizes: dict[int, int] = {}
        size = self._store.size

        def memo_size(f: int) -> int:  # sizes of shared diagrams, asked again per variant
            n = sizes.get(f)
            if n is None:
                n = sizes[f] = size(f)
            return n

        self._ops.size = memo_size
        self._var: dict[int, int] = {}
        self._big_p = [1.0]
        self._spent = False

    def level(self, name: str) -> int:
        """The level of an event: its own, or a spare one below the original of a copy."""
        found = self._level.get(name)
        if found is not None:
            return found
        base, _, copy = name.rpartition("#")
        k = 1 if copy == "peer" else int(copy) - 1 if copy.isdigit() else 0
        if base not in self._level or not 0 < k < STRIDE:
            raise KeyError(f"event {name!r} is neither in the tree nor a copy of one")
        return self._level[base] + k

    def probabilities(self, tree: FaultTree, tops: Sequence[int]) -> list[float]:
        """Exact probability of each gate in ``tops`` of ``tree`` (the tree given at
        construction or a variant of it)."""
        if self._spent:
            return [probability(tree, t) for t in tops]
        built = self._build(tree, tops)
        if built is None:
            return [probability(tree, t) for t in tops]
        big_p = self._node_probabilities()
        out = []
        for t in tops:
            ref = built[t]
            v = 1.0 - big_p[ref >> 1] if ref & 1 else big_p[ref >> 1]
            out.append(min(1.0, max(0.0, v)))
        return out

    def weighted_birnbaum(
        self, tree: FaultTree, tops: Sequence[int], weights: Sequence[float]
    ) -> dict[int, float] | None:
        """``Σ_t w_t · ∂P(top_t)/∂p_e`` for every event ``e`` of ``tree`` the tops depend
        on (the weighted Birnbaum importance, Birnbaum 1969), by one reverse pass over the
        store (reverse-mode differentiation of the Shannon decomposition); ``None`` when
        the store is full."""
        built = None if self._spent else self._build(tree, tops)
        if built is None:
            return None
        store, big_p = self._store, self._node_probabilities()
        adj = [0.0] * len(store.level)
        for t, w in zip(tops, weights, strict=True):
            ref = built[t]
            adj[ref >> 1] += -w if ref & 1 else w
        grad: dict[int, float] = {}
        p_level = self._p_level
        for n in range(len(adj) - 1, 0, -1):
            a = adj[n]
            if a == 0.0:
                continue
            h, lo, lvl = store.high[n], store.low[n], store.level[n]
            ph = 1.0 - big_p[h >> 1] if h & 1 else big_p[h >> 1]
            pl = 1.0 - big_p[lo >> 1] if lo & 1 else big_p[lo >> 1]
            grad[lvl] = grad.get(lvl, 0.0) + a * (ph - pl)
            x = p_level[lvl]
            adj[h >> 1] += -a * x if h & 1 else a * x
            adj[lo >> 1] += -a * (1.0 - x) if lo & 1 else a * (1.0 - x)
        return {e: grad.get(self.level(name), 0.0) for e, name in enumerate(tree.events)}

    def _build(self, tree: FaultTree, tops: Sequence[int]) -> dict[int, int] | None:
        """The store reference of every gate the tops depend on; ``None`` (and the store
        marked full) when the node budget is exceeded."""
        store = self._store
        var = self._var
        built: dict[int, int] = {}
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(recursion_for(store.n_levels))
        try:
            for g in sorted(_cone(tree, tops)):  # gate indices are topological
                args = []
                for r in tree.gates[g].args:
                    if r < 0:
                        args.append(built[-r - 1])
                        continue
                    lvl = self.level(tree.events[r])
                    if lvl not in var:
                        var[lvl] = store.var(lvl)
                    args.append(var[lvl])
                built[g] = _gate(self._ops, tree.gates[g], args)
        except SmallBddBudgetExceeded:
            self._spent = True  # the store is full: one BDD per top from now on
            return None
        finally:
            sys.setrecursionlimit(old)
        return built

    def _node_probabilities(self) -> list[float]:
        """P of every node of the store (uncomplemented), extended to the new nodes."""
        store, big_p, p_level = self._store, self._big_p, self._p_level
        for i in range(len(big_p), len(store.level)):
            h, lo = store.high[i], store.low[i]
            ph = 1.0 - big_p[h >> 1] if h & 1 else big_p[h >> 1]
            pl = 1.0 - big_p[lo >> 1] if lo & 1 else big_p[lo >> 1]
            x = p_level[store.level[i]]
            big_p.append(x * ph + (1.0 - x) * pl)
        return big_p


def _cone(tree: FaultTree, tops: Sequence[int]) -> set[int]:
    """Gate indices the tops depend on (themselves included)."""
    out = set(tops)
    stack = list(tops)
    while stack:
        for a in tree.gates[stack.pop()].args:
            if a < 0 and -a - 1 not in out:
                out.add(-a - 1)
                stack.append(-a - 1)
    return out
