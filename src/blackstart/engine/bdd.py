"""Binary decision diagrams of fault-tree tops, and the exact top-event probability.

Owns the compilation of one top of a :class:`~blackstart.engine.faulttree.FaultTree`
into a reduced ordered BDD (Bryant 1986) held by CUDD through the ``dd`` package
(``dd.cudd``, complement edges), a flat array copy of that BDD for the numeric passes,
and :func:`probability`. Minimal cut sets and prime implicants live in
:mod:`blackstart.engine.cutsets`, importance measures in
:mod:`blackstart.engine.importance`; both start from a :class:`TopBdd`.

- *Variable order*: basic events in depth-first order of first appearance from the
  top, arguments left to right, as in Aralia and SCRAM (Rauzy 1993). CUDD's dynamic
  reordering is off unless ``reorder=True``.
- *Gates* are built bottom-up with CUDD's ``ite``-based operators; ``atleast`` and
  ``cardinality`` use the threshold recurrence ``T_j <- T_j | (x & T_{j-1})``
  (O(n·k) operations).
- *Probability*: Shannon decomposition ``P(f) = p·P(f1) + (1 - p)·P(f0)`` over the
  BDD nodes, each node visited once (memoised by construction, vectorised level by
  level). Complement edges are followed without subtracting: every node carries both
  ``P`` and ``Q = 1 - P``, computed by the same positive sums, so tiny top
  probabilities (1e-13) keep full relative precision.

Complexity: building is worst-case exponential in the number of events (good orders
keep it small); each numeric pass is O(BDD nodes).

References:
    R. E. Bryant, "Graph-based algorithms for Boolean function manipulation",
    IEEE Trans. Computers C-35(8), 1986.
    A. Rauzy, "New algorithms for fault trees analysis", Reliability Engineering and
    System Safety 40(3), 1993.
    K. S. Brace, R. L. Rudell, R. E. Bryant, "Efficient implementation of a BDD
    package", DAC 1990 (complement edges).

Example:
    >>> import numpy as np
    >>> from blackstart.engine.faulttree import FaultTree, Gate
    >>> t = FaultTree(events=("a", "b"), probabilities=np.array([0.1, 0.2]),
    ...               gates=(Gate("top", "or", (0, 1)),), tops=(0,))
    >>> round(probability(t, 0), 6)
    0.28
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from blackstart.engine.faulttree import FaultTree, Gate

__all__ = ["TopBdd", "build_bdd", "probability", "resolve_top"]


def _import_cudd() -> Any:
    """``dd.cudd``, without the networkx import ``dd`` makes for its optional graph
    export (0.2-0.4 s of start-up, unused here): ``import networkx`` fails inside ``dd``
    only (a ``None`` entry in ``sys.modules``), and works again afterwards."""
    blocked = "networkx" not in sys.modules
    if blocked:
        sys.modules["networkx"] = None  # type: ignore[assignment]
    try:
        import dd.cudd  # type: ignore[import-not-found, import-untyped, unused-ignore]
    finally:
        if blocked:
            del sys.modules["networkx"]
    return dd.cudd


_cudd = _import_cudd()

Function = Any
"""A ``dd.cudd.Function`` (``dd`` ships no type stubs)."""


@dataclass(frozen=True, eq=False)
class TopBdd:
    """The BDD of one top, in CUDD and as flat arrays (node 0 is the ``True`` leaf).

    A *reference* to a node is ``2 * node + c``: ``c = 1`` for a complemented edge.
    Children always have smaller node numbers and deeper levels than their parents.
    """

    tree: FaultTree
    top: int
    """Gate index of the top."""
    manager: Any
    """The ``dd.cudd.BDD`` manager that owns :attr:`root`."""
    root: Function
    order: npt.NDArray[np.int64]
    """Basic event index at each BDD level."""
    level: npt.NDArray[np.int64]
    """Level of each node (``len(order)`` for the leaf)."""
    high: npt.NDArray[np.int64]
    """Reference of the then-child of each node (meaningless for the leaf)."""
    low: npt.NDArray[np.int64]
    """Reference of the else-child of each node."""
    root_ref: int

    @property
    def nodes(self) -> int:
        """Number of BDD nodes, leaf included."""
        return int(self.level.size)

    @property
    def coherent(self) -> bool:
        """True when every gate in the tree is coherent (the top is monotone)."""
        return self.tree.coherent

    def event_probabilities(self) -> npt.NDArray[np.float64]:
        """Probability of the event at each level."""
        return np.asarray(self.tree.probabilities, dtype=np.float64)[self.order]

    def node_probabilities(
        self, p_level: npt.NDArray[np.float64] | None = None
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """``(P, Q)`` of every node for the level probabilities ``p_level`` (``Q = 1 - P``)."""
        p = self.event_probabilities() if p_level is None else p_level
        n = self.nodes
        big_p = np.empty(n)
        big_q = np.empty(n)
        big_p[0], big_q[0] = 1.0, 0.0
        for nodes in self.nodes_by_level(bottom_up=True):
            ph, qh = _edge_values(self.high[nodes], big_p, big_q)
            pl, ql = _edge_values(self.low[nodes], big_p, big_q)
            px = p[self.level[nodes]]
            big_p[nodes] = px * ph + (1.0 - px) * pl
            big_q[nodes] = px * qh + (1.0 - px) * ql
        return big_p, big_q

    def nodes_by_level(self, *, bottom_up: bool) -> list[npt.NDArray[np.int64]]:
        """Internal nodes grouped by level, deepest level first when ``bottom_up``."""
        internal = np.arange(1, self.nodes)
        lv = self.level[1:]
        idx = np.argsort(lv, kind="stable")
        bounds = np.flatnonzero(np.diff(lv[idx])) + 1
        groups = [internal[g] for g in np.split(idx, bounds) if g.size]
        return groups[::-1] if bottom_up else groups

    def value(self, big_p: npt.NDArray[np.float64], big_q: npt.NDArray[np.float64]) -> float:
        """The probability of the root from node values ``(P, Q)``."""
        node, neg = divmod(self.root_ref, 2)
        return float(big_q[node] if neg else big_p[node])


def _edge_values(
    refs: npt.NDArray[np.int64], big_p: npt.NDArray[np.float64], big_q: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    node = refs >> 1
    neg = (refs & 1).astype(bool)
    return np.where(neg, big_q[node], big_p[node]), np.where(neg, big_p[node], big_q[node])


def resolve_top(tree: FaultTree, top: int | str) -> int:
    """The gate index of ``top`` (a gate index or a gate name)."""
    if isinstance(top, str):
        return tree.gate_index()[top]
    if not 0 <= top < len(tree.gates):
        raise IndexError(f"no gate {top} in a tree of {len(tree.gates)} gates")
    return top


def dfs_order(tree: FaultTree, top: int) -> tuple[list[int], list[int]]:
    """Events in depth-first order of first appearance from ``top``, and the gates of its cone
    (the ``dfs`` heuristic of :func:`blackstart.engine.ordering.event_order`).

    Complexity: O(gates + arguments).
    """
    from blackstart.engine.ordering import event_order

    return event_order(tree, top, "dfs")


SMALL_MANAGER_EVENTS = 64
"""Trees of at most this many events get a CUDD manager with a small memory estimate:
CUDD sizes its tables from the estimate, and a default manager costs ~8 ms to create,
which matters for the hundreds of modules of a large tree."""


class NodeBudgetExceeded(Exception):
    """A gate's BDD grew beyond the ``node_budget`` given to :func:`build_bdd`."""


BUDGET_CHECK_EVENTS = 8
"""Gates with fewer events below them are not measured against the node budget."""


def build_bdd(
    tree: FaultTree,
    top: int | str,
    *,
    reorder: bool = False,
    heuristic: str = "dfs",
    node_budget: int | None = None,
) -> TopBdd:
    """Compile the top ``top`` (gate index or name) of ``tree`` into a :class:`TopBdd`.

    Variables are declared in depth-first order of first appearance, each gate's
    arguments sorted by ``heuristic`` (:mod:`blackstart.engine.ordering`); CUDD's
    dynamic reordering runs only when ``reorder`` is true (it is switched off again
    after the build, so later operations keep the order). With ``node_budget``, raises
    :class:`NodeBudgetExceeded` as soon as a gate's BDD has more nodes.
    """
    from blackstart.engine.ordering import event_order

    top = resolve_top(tree, top)
    events, cone = event_order(tree, top, heuristic)
    check = set()
    if node_budget is not None:
        sizes = _sizes(tree, cone)
        check = {g for g in cone if sizes[g] >= BUDGET_CHECK_EVENTS}
    small = len(events) <= SMALL_MANAGER_EVENTS
    mgr = _cudd.BDD(memory_estimate=1 << 26, initial_cache_size=1 << 12) if small else _cudd.BDD()
    mgr.configure(reordering=reorder)
    names = [f"e{e}" for e in events]
    if names:
        mgr.declare(*names)
    var = {e: mgr.var(f"e{e}") for e in events}
    built: dict[int, Function] = {}
    for g in cone:
        args = [var[r] if r >= 0 else built[-r - 1] for r in tree.gates[g].args]
        if g in check and small:  # small trees: one check per gate, not per operation
            built[g] = _within(_gate(mgr, tree.gates[g], args), node_budget, tree.gates[g])
        else:
            built[g] = _gate(mgr, tree.gates[g], args, node_budget if g in check else None)
    root = built[top]
    built.clear()
    var.clear()
    if reorder:
        mgr.configure(reordering=False)
    order = [int(mgr.var_at_level(i)[1:]) for i in range(len(events))]
    level, high, low, root_ref = _export(mgr, root, len(events))
    return TopBdd(
        tree=tree,
        top=top,
        manager=mgr,
        root=root,
        order=np.asarray(order, dtype=np.int64),
        level=level,
        high=high,
        low=low,
        root_ref=root_ref,
    )


def _sizes(tree: FaultTree, cone: list[int]) -> dict[int, int]:
    """An upper bound of the number of events below each gate (argument sums, capped)."""
    out: dict[int, int] = {}
    for g in cone:
        out[g] = min(1 << 20, sum(1 if a >= 0 else out[-a - 1] for a in tree.gates[g].args))
    return out


def _within(f: Function, limit: int | None, gate: Gate) -> Function:
    if limit is not None and len(f) > limit:
        raise NodeBudgetExceeded(f"gate {gate.name!r}: over {limit} nodes")
    return f


def _gate(mgr: Any, gate: Gate, args: Sequence[Function], limit: int | None = None) -> Function:
    """The BDD of one gate; with ``limit``, checked after each binary operation."""
    op = gate.op
    if op in ("and", "nand"):
        f = mgr.true
        for a in args:
            f = _within(f & a, limit, gate)
        return ~f if op == "nand" else f
    if op in ("or", "nor"):
        f = mgr.false
        for a in args:
            f = _within(f | a, limit, gate)
        return ~f if op == "nor" else f
    if op == "atleast":
        return _within(_at_least(mgr, args, gate.k), limit, gate)
    if op == "cardinality":
        return _at_least(mgr, args, gate.k) & ~_at_least(mgr, args, gate.k_max + 1)
    if op == "not":
        return ~args[0]
    if op == "null":
        return args[0]
    if op == "xor":
        f = mgr.false
        for a in args:
            f = mgr.apply("xor", f, a)
        return f
    if op == "iff":
        return ~mgr.apply("xor", args[0], args[1])
    if op == "imply":
        return ~args[0] | args[1]
    if op == "true":
        return mgr.true
    if op == "false":
        return mgr.false
    raise ValueError(f"gate {gate.name!r}: unknown operator {op!r}")


def _at_least(mgr: Any, args: Sequence[Function], k: int) -> Function:
    """At least ``k`` of ``args`` true: ``T_j <- T_j | (x & T_{j-1})`` for j = k..1."""
    if k <= 0:
        return mgr.true
    if k > len(args):
        return mgr.false
    t = [mgr.true] + [mgr.false] * k
    for x in args:
        for j in range(k, 0, -1):
            t[j] = t[j] | (x & t[j - 1])
    return t[k]


def _export(
    mgr: Any, root: Function, n_levels: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], int]:
    """Copy the BDD below ``root`` into arrays, deepest levels numbered first.

    One visit per node (CUDD's ``succ``), then a vectorised renumbering of the node
    addresses (``int`` of a ``dd`` function: address, low bit = complement).
    """
    leaf = int(mgr.true)
    succ = mgr.succ
    keys: list[int] = []
    levels: list[int] = []
    his: list[int] = []
    los: list[int] = []
    seen = {leaf}
    stack = [root]
    r = int(root)
    if r & ~1 != leaf:
        seen.add(r & ~1)
    else:
        stack.clear()
    while stack:
        u = stack.pop()
        lvl, lo, hi = succ(u)
        ih, il = int(hi), int(lo)
        keys.append(int(u) & ~1)
        levels.append(lvl)
        his.append(ih)
        los.append(il)
        if ih & ~1 not in seen:
            seen.add(ih & ~1)
            stack.append(hi)
        if il & ~1 not in seen:
            seen.add(il & ~1)
            stack.append(lo)
    lv = np.asarray([n_levels, *levels], dtype=np.int64)
    key = np.asarray([leaf, *keys], dtype=np.uint64)
    rank = np.argsort(-lv, kind="stable")  # leaf first, then deepest level first
    new_id = np.empty(lv.size, dtype=np.int64)
    new_id[rank] = np.arange(lv.size)
    by_key = np.argsort(key)
    sorted_keys = key[by_key]

    def refs(ints: list[int]) -> npt.NDArray[np.int64]:
        a = np.asarray([leaf, *ints], dtype=np.uint64)
        pos = by_key[np.searchsorted(sorted_keys, a & ~np.uint64(1))]
        return 2 * new_id[pos] + (a & np.uint64(1)).astype(np.int64)

    high = refs(his)[rank]
    low = refs(los)[rank]
    root_ref = 2 * int(new_id[by_key[np.searchsorted(sorted_keys, np.uint64(r & ~1))]]) + (r & 1)
    return lv[rank], high, low, root_ref


def probability(
    tree: FaultTree, top: int | str, *, reorder: bool = False, compiled: TopBdd | None = None
) -> float:
    """Exact probability of the top event ``top`` (gate index or name) by BDD.

    Basic events are independent with ``tree.probabilities``. Pass ``compiled`` (from
    :func:`build_bdd`) to reuse a BDD. Complexity: one pass over the BDD nodes.
    """
    b = compiled if compiled is not None else build_bdd(tree, top, reorder=reorder)
    big_p, big_q = b.node_probabilities()
    return min(1.0, max(0.0, b.value(big_p, big_q)))
