"""Exact top probability through a Sentential Decision Diagram (SDD), when no BDD fits.

Owns :func:`sdd_probability`: the gates of a fault-tree top compiled bottom-up into an
SDD (Darwiche 2011) with PySDD (the SDD library 2.0 of the UCLA Automated Reasoning
Group), then the probability as the SDD's weighted model count with literal weights
``p`` and ``1 - p``. An SDD is a BDD whose decisions are on *sets* of variables (a
vtree, a binary tree over the events) rather than one variable per level; it can be
exponentially smaller than every OBDD, and the library minimises it during the build
by rotations and swaps of the vtree (Choi & Darwiche 2013), as CUDD sifts a BDD.

:func:`blackstart.engine.modular.compile_modules` uses it, for the probability only,
on a module whose first round of BDD budgets is slow and fails
(:data:`~blackstart.engine.modular.SDD_AFTER_SLOW_ROUND`): on the Aralia benchmark
das9701 (267 events, 992 negations) no BDD order finishes in a minute, while the SDD
is under 50,000 nodes. The SDD gives no minimal cut sets or prime implicants.

Settings (measured on the Aralia set; ``docs/sdd-exploration.md``): a balanced vtree
over the events in :func:`~blackstart.engine.ordering.event_order`'s
``fanout-first`` order, automatic garbage collection and minimisation on. A
right-linear vtree without minimisation is an OBDD, and no better than CUDD's.

References:
    A. Darwiche, "SDD: a new canonical representation of propositional knowledge
    bases", IJCAI 2011.
    A. Choi, A. Darwiche, "Dynamic minimization of sentential decision diagrams",
    AAAI 2013.

Example:
    >>> from blackstart.engine.faulttree import FaultTree, Gate
    >>> t = FaultTree(events=("a", "b", "c"), probabilities=(0.1, 0.2, 0.3),
    ...               gates=(Gate("g", "and", (1, 2)), Gate("top", "or", (0, -1))), tops=(1,))
    >>> round(sdd_probability(t, t.tops[0], t.probabilities), 12)  # 0.1 + 0.9 * 0.06
    0.154
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from blackstart.engine.faulttree import FaultTree, Gate, Probabilities
from blackstart.engine.ordering import event_order

__all__ = ["SDD_NODE_BUDGET", "SDD_TIME_BUDGET", "SddBudgetExceeded", "sdd_probability"]

SDD_NODE_BUDGET = 1 << 21
"""Live SDD nodes (the library's ``live_size``: elements of decompositions) beyond which
:func:`sdd_probability` gives up by default (about 200 MB)."""
SDD_TIME_BUDGET = 45.0
"""Seconds after which :func:`sdd_probability` gives up by default (das9701's module
takes about 30 s here; cea9601's, whose BDD CUDD builds in seconds, does not finish in
minutes)."""
VTREE_HEURISTIC = "fanout-first"
"""The event order of the initial vtree's leaves."""


class SddBudgetExceeded(Exception):
    """The SDD grew beyond the ``node_budget`` given to :func:`sdd_probability`."""


def sdd_probability(
    tree: FaultTree,
    top: int,
    probabilities: Probabilities,
    *,
    node_budget: int | None = SDD_NODE_BUDGET,
    time_budget: float | None = SDD_TIME_BUDGET,
) -> float:
    """Exact probability of gate ``top`` of ``tree`` with independent events of
    ``probabilities`` (one per event of ``tree``).

    Raises :class:`SddBudgetExceeded` after a gate whose construction leaves more than
    ``node_budget`` live nodes, or after the first operation that ends more than
    ``time_budget`` seconds after the start (``None``: no limit; else the library's
    vtree search is limited to fractions of it). The time budget is checked between
    operations, so one long apply can pass it (cea9601's module: by 25 s).
    Complexity: each apply is polynomial in its operands' sizes; the sizes depend on
    the vtree, which the library's minimisation searches.
    """
    from pysdd.sdd import SddManager, Vtree, WmcManager

    events, cone = event_order(tree, top, VTREE_HEURISTIC)
    n = max(1, len(tree.events))
    seen = set(events)
    order = [e + 1 for e in events] + [e + 1 for e in range(n) if e not in seen]
    mgr: Any = SddManager.from_vtree(Vtree(var_count=n, var_order=order, vtree_type="balanced"))
    mgr.auto_gc_and_minimize_on()
    if time_budget is not None:
        # the library's CPU-time limits of one vtree search and of its parts (defaults
        # 180, 60, 30, 10 s): cea9601's module passed the budget by 140 s with the
        # defaults, by 25 s with these
        mgr.set_vtree_search_time_limit(max(1, int(time_budget / 4)))
        mgr.set_vtree_fragment_time_limit(max(1, int(time_budget / 8)))
        mgr.set_vtree_operation_time_limit(max(1, int(time_budget / 16)))
        mgr.set_vtree_apply_time_limit(max(1, int(time_budget / 16)))
    ops = _Ops(mgr, None if time_budget is None else time.monotonic() + time_budget)
    parents: dict[int, int] = {}
    for g in cone:
        for a in tree.gates[g].args:
            if a < 0:
                parents[-a - 1] = parents.get(-a - 1, 0) + 1
    built: dict[int, Any] = {}
    for g in cone:
        gate = tree.gates[g]
        args = [mgr.literal(a + 1) if a >= 0 else built[-a - 1] for a in gate.args]
        ops.gate = gate.name
        built[g] = ops.of(gate, args)
        for a in gate.args:
            if a < 0:
                parents[-a - 1] -= 1
                if parents[-a - 1] == 0:
                    built.pop(-a - 1).deref()
        if node_budget is not None and mgr.live_size() > node_budget:
            raise SddBudgetExceeded(
                f"gate {gate.name!r}: {mgr.live_size()} live SDD nodes, over {node_budget}"
            )
    wmc: Any = WmcManager(built[top], log_mode=False)
    for e in range(len(tree.events)):
        p = float(probabilities[e])
        wmc.set_literal_weight(e + 1, p)
        wmc.set_literal_weight(-(e + 1), 1.0 - p)
    return float(wmc.propagate())


class _Ops:
    """The gate operators on SDDs of one manager, every result referenced (kept through
    garbage collection and minimisation until dereferenced: with automatic garbage
    collection on, any apply may free the unreferenced nodes, intermediate ones too)."""

    def __init__(self, mgr: Any, deadline: float | None) -> None:
        self.mgr = mgr
        self.deadline = deadline
        self.gate = ""
        """The gate being built (for the budget's message)."""

    def _kept(self, node: Any) -> Any:
        node.ref()
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise SddBudgetExceeded(f"gate {self.gate!r}: over the SDD's time budget")
        return node

    def and_(self, a: Any, b: Any) -> Any:
        return self._kept(a.conjoin(b))

    def or_(self, a: Any, b: Any) -> Any:
        return self._kept(a.disjoin(b))

    def not_(self, a: Any) -> Any:
        return self._kept(a.negate())

    def xor(self, a: Any, b: Any) -> Any:
        not_a, not_b = self.not_(a), self.not_(b)
        left, right = self.and_(a, not_b), self.and_(not_a, b)
        node = self.or_(left, right)
        for x in (not_a, not_b, left, right):
            x.deref()
        return node

    def fold(self, nodes: Sequence[Any], op: Callable[[Any, Any], Any]) -> Any:
        """``op`` over ``nodes`` from the left."""
        acc = nodes[0]
        acc.ref()
        for x in nodes[1:]:
            nxt = op(acc, x)
            acc.deref()
            acc = nxt
        return acc

    def negated(self, node: Any) -> Any:
        """The negation of a referenced ``node``, which is released."""
        neg = self.not_(node)
        node.deref()
        return neg

    def of(self, gate: Gate, args: Sequence[Any]) -> Any:
        """The SDD of one gate over its arguments' SDDs."""
        op = gate.op
        if op in ("and", "nand"):
            node = self.fold(args, self.and_)
            return self.negated(node) if op == "nand" else node
        if op in ("or", "nor"):
            node = self.fold(args, self.or_)
            return self.negated(node) if op == "nor" else node
        if op in ("xor", "iff"):
            node = self.fold(args, self.xor)
            return self.negated(node) if op == "iff" else node
        if op == "not":
            return self.not_(args[0])
        if op == "null":
            args[0].ref()
            return args[0]
        if op == "imply":
            not_a = self.not_(args[0])
            node = self.or_(not_a, args[1])
            not_a.deref()
            return node
        if op in ("true", "false"):
            return self._kept(self.mgr.true() if op == "true" else self.mgr.false())
        if op in ("atleast", "cardinality"):
            return self.count(args, gate.k, gate.k_max if op == "cardinality" else len(args))
        raise ValueError(f"gate {gate.name!r}: unknown operator {op!r}")

    def count(self, args: Sequence[Any], lo: int, hi: int) -> Any:
        """Between ``lo`` and ``hi`` of ``args`` true: ``exact[j]`` is "exactly ``j`` of
        the arguments so far" for ``j <= hi`` and ``exact[hi + 1]`` "more than ``hi``"
        (O(n · hi) applies)."""
        exact = [self.mgr.true()] + [self.mgr.false()] * (hi + 1)
        for node in exact:
            node.ref()
        for x in args:
            not_x = self.not_(x)
            step = [self.and_(exact[0], not_x)]
            for j in range(1, hi + 2):
                # stays at j when x is false; reaches j from j - 1 (or stays above hi)
                # when x is true
                came = self.and_(exact[j - 1], x) if j <= hi else self.or_(exact[j - 1], exact[j])
                if j > hi:
                    came_x = self.and_(came, x)
                    came.deref()
                    came = came_x
                stay = self.and_(exact[j], not_x)
                step.append(self.or_(stay, came))
                stay.deref()
                came.deref()
            not_x.deref()
            for node in exact:
                node.deref()
            exact = step
        result = self.fold([self.mgr.false(), *exact[lo : hi + 1]], self.or_)
        for node in exact:
            node.deref()
        return result
