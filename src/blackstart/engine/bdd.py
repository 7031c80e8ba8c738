"""Binary decision diagrams of fault-tree tops, and the exact top-event probability.

Owns the compilation of one top of a :class:`~blackstart.engine.faulttree.FaultTree`
into a reduced ordered BDD (Bryant 1986) held by CUDD through the ``dd`` package
(``dd.cudd``, complement edges) or, for small trees, by the pure-Python
:class:`~blackstart.engine.smallbdd.SmallBdd` (same conventions, no CUDD or numpy to
load), a flat copy of that BDD for the numeric passes, and :func:`probability`.
Minimal cut sets and prime implicants live in :mod:`blackstart.engine.cutsets`,
importance measures in :mod:`blackstart.engine.importance`; both start from a
:class:`TopBdd`.

- *Variable order*: basic events in depth-first order of first appearance from the
  top, arguments left to right, as in Aralia and SCRAM (Rauzy 1993). CUDD's dynamic
  reordering is off unless ``reorder=True``.
- *Gates* are built bottom-up with the store's ``ite``-based operators; ``atleast``
  and ``cardinality`` use the threshold recurrence ``T_j <- T_j | (x & T_{j-1})``
  (O(n·k) operations).
- *Probability*: Shannon decomposition ``P(f) = p·P(f1) + (1 - p)·P(f0)`` over the
  BDD nodes, each node visited once, children first (a plain Python pass; numpy,
  vectorised level by level, for diagrams beyond :data:`PYTHON_PASS_NODES`).
  Complement edges are followed without subtracting: every node carries both ``P``
  and ``Q = 1 - P``, computed by the same positive sums, so tiny top probabilities
  (1e-13) keep full relative precision.

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
from functools import cached_property
from typing import TYPE_CHECKING, Any

from blackstart.engine.faulttree import FaultTree, Gate
from blackstart.engine.smallbdd import SmallBdd, SmallBddBudgetExceeded, recursion_for

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["BddArrays", "TopBdd", "build_bdd", "probability", "resolve_top"]

_CUDD: Any = None


def _cudd() -> Any:
    """``dd.cudd``, imported on first use and without the networkx import ``dd`` makes
    for its optional graph export (0.2-0.4 s of start-up, unused here): ``import
    networkx`` fails inside ``dd`` only (a ``None`` entry in ``sys.modules``), and works
    again afterwards."""
    global _CUDD
    if _CUDD is None:
        blocked = "networkx" not in sys.modules
        if blocked:
            sys.modules["networkx"] = None  # type: ignore[assignment]
        try:
            import dd.cudd  # type: ignore[import-not-found, import-untyped, unused-ignore]
        finally:
            if blocked:
                del sys.modules["networkx"]
        _CUDD = dd.cudd
    return _CUDD


Function = Any
"""A ``dd.cudd.Function`` (``dd`` ships no type stubs)."""

PYTHON_PASS_NODES = 1 << 18
"""BDDs of at most this many nodes get their probability by a plain Python pass over
the nodes; larger ones by numpy, level by level (numpy costs ~0.12 s to import)."""


@dataclass(frozen=True, eq=False)
class BddArrays:
    """The flat BDD of a :class:`TopBdd` as numpy arrays, for vectorised passes."""

    order: npt.NDArray[np.int64]
    level: npt.NDArray[np.int64]
    high: npt.NDArray[np.int64]
    low: npt.NDArray[np.int64]

    def nodes_by_level(self, *, bottom_up: bool) -> list[npt.NDArray[np.int64]]:
        """Internal nodes grouped by level, deepest level first when ``bottom_up``."""
        import numpy as np

        internal = np.arange(1, self.level.size)
        lv = self.level[1:]
        idx = np.argsort(lv, kind="stable")
        bounds = np.flatnonzero(np.diff(lv[idx])) + 1
        groups = [internal[g] for g in np.split(idx, bounds) if g.size]
        return groups[::-1] if bottom_up else groups


@dataclass(frozen=True, eq=False)
class TopBdd:
    """The BDD of one top as flat lists (node 0 is the ``True`` leaf), and in CUDD when
    CUDD built it.

    A *reference* to a node is ``2 * node + c``: ``c = 1`` for a complemented edge.
    Children always have smaller node numbers and deeper levels than their parents.
    """

    tree: FaultTree
    top: int
    """Gate index of the top."""
    manager: Any
    """The ``dd.cudd.BDD`` manager that owns :attr:`root`; ``None`` when the tree was
    small enough for :class:`~blackstart.engine.smallbdd.SmallBdd`."""
    root: Function
    order: list[int]
    """Basic event index at each BDD level."""
    level: list[int]
    """Level of each node (``len(order)`` for the leaf)."""
    high: list[int]
    """Reference of the then-child of each node (meaningless for the leaf)."""
    low: list[int]
    """Reference of the else-child of each node."""
    root_ref: int

    @property
    def nodes(self) -> int:
        """Number of BDD nodes, leaf included."""
        return len(self.level)

    @property
    def coherent(self) -> bool:
        """True when every gate in the tree is coherent (the top is monotone)."""
        return self.tree.coherent

    @cached_property
    def arrays(self) -> BddArrays:
        """The same BDD as numpy arrays (imports numpy)."""
        import numpy as np

        return BddArrays(
            order=np.asarray(self.order, dtype=np.int64),
            level=np.asarray(self.level, dtype=np.int64),
            high=np.asarray(self.high, dtype=np.int64),
            low=np.asarray(self.low, dtype=np.int64),
        )

    def event_probabilities(self) -> list[float]:
        """Probability of the event at each level."""
        p = self.tree.probabilities
        return [float(p[e]) for e in self.order]

    def node_probabilities(
        self, p_level: Sequence[float] | None = None
    ) -> tuple[list[float], list[float]]:
        """``(P, Q)`` of every node for the level probabilities ``p_level`` (``Q = 1 - P``),
        one Python pass over the nodes, children first."""
        p = self.event_probabilities() if p_level is None else p_level
        big_p = [1.0]
        big_q = [0.0]
        for lvl, h, lo in zip(self.level[1:], self.high[1:], self.low[1:], strict=True):
            x = p[lvl]
            if h & 1:
                ph, qh = big_q[h >> 1], big_p[h >> 1]
            else:
                ph, qh = big_p[h >> 1], big_q[h >> 1]
            if lo & 1:
                pl, ql = big_q[lo >> 1], big_p[lo >> 1]
            else:
                pl, ql = big_p[lo >> 1], big_q[lo >> 1]
            big_p.append(x * ph + (1.0 - x) * pl)
            big_q.append(x * qh + (1.0 - x) * ql)
        return big_p, big_q

    def node_probability_arrays(
        self, p_level: npt.NDArray[np.float64] | None = None
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """:meth:`node_probabilities` as numpy arrays, vectorised level by level."""
        import numpy as np

        a = self.arrays
        p = np.asarray(self.event_probabilities()) if p_level is None else p_level
        big_p = np.empty(self.nodes)
        big_q = np.empty(self.nodes)
        big_p[0], big_q[0] = 1.0, 0.0
        for nodes in a.nodes_by_level(bottom_up=True):
            ph, qh = _edge_values(a.high[nodes], big_p, big_q)
            pl, ql = _edge_values(a.low[nodes], big_p, big_q)
            px = p[a.level[nodes]]
            big_p[nodes] = px * ph + (1.0 - px) * pl
            big_q[nodes] = px * qh + (1.0 - px) * ql
        return big_p, big_q

    def value(self, big_p: Sequence[float] | Any, big_q: Sequence[float] | Any) -> float:
        """The probability of the root from node values ``(P, Q)`` (lists or arrays)."""
        node, neg = divmod(self.root_ref, 2)
        return float(big_q[node] if neg else big_p[node])

    def top_probability(self) -> float:
        """Exact probability of the root, clipped to [0, 1]."""
        if self.nodes <= PYTHON_PASS_NODES:
            v = self.value(*self.node_probabilities())
        else:
            v = self.value(*self.node_probability_arrays())
        return min(1.0, max(0.0, v))


def _edge_values(
    refs: npt.NDArray[np.int64], big_p: npt.NDArray[np.float64], big_q: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    import numpy as np

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

SMALL_STORE_EVENTS = 400
"""Trees of at most this many events are first built in the pure-Python
:class:`~blackstart.engine.smallbdd.SmallBdd` (no CUDD to load)..."""
SMALL_STORE_NODES = 1 << 15
"""... as long as it creates at most this many nodes (50-90 ms, about the cost of loading
CUDD) while CUDD is not loaded; beyond, CUDD builds them."""
SMALL_STORE_NODES_CUDD_LOADED = 1 << 11
"""The small store's budget once CUDD is loaded (it is then faster for all but tiny
trees)."""


class NodeBudgetExceeded(Exception):
    """A gate's BDD grew beyond the ``node_budget`` given to :func:`build_bdd`."""

    progress: float = 0.0
    """The fraction of the top's gates built before the budget was exceeded (how far
    the variable order got)."""
    partial: PartialBdd | None = None
    """The build so far: :meth:`PartialBdd.resume` goes on from the gate that exceeded
    the budget."""


BUDGET_CHECK_EVENTS = 8
"""Gates with fewer events below them are not measured against the node budget."""


def build_bdd(
    tree: FaultTree,
    top: int | str,
    *,
    reorder: bool = False,
    heuristic: str = "dfs",
    node_budget: int | None = None,
    store: str = "auto",
) -> TopBdd:
    """Compile the top ``top`` (gate index or name) of ``tree`` into a :class:`TopBdd`.

    Variables are declared in depth-first order of first appearance, each gate's
    arguments sorted by ``heuristic`` (:mod:`blackstart.engine.ordering`); CUDD's
    dynamic reordering runs only when ``reorder`` is true (it is switched off again
    after the build, so later operations keep the order). With ``node_budget``, raises
    :class:`NodeBudgetExceeded` as soon as a gate's BDD has more nodes.

    ``store``: ``"cudd"`` always builds in CUDD (needed for prime implicants, which
    operate on :attr:`TopBdd.manager`); ``"small"`` in the pure-Python
    :class:`~blackstart.engine.smallbdd.SmallBdd` (raises its budget exception when it
    creates more than :func:`small_store_budget` nodes; ``reorder`` ignored); ``"auto"``
    tries ``"small"`` for trees of few events, then CUDD. Both stores give the same
    diagram for one order (they are canonical, with the same conventions).
    """
    from blackstart.engine.ordering import event_order

    top = resolve_top(tree, top)
    events, cone = event_order(tree, top, heuristic)
    if store not in ("auto", "cudd", "small"):
        raise ValueError(f"unknown BDD store {store!r}; use 'auto', 'cudd' or 'small'")
    if store == "small" or (store == "auto" and not reorder and len(events) <= SMALL_STORE_EVENTS):
        try:
            return _build_small(tree, top, events, cone)
        except SmallBddBudgetExceeded:
            if store == "small":
                raise
    return PartialBdd(tree, top, events, cone, reorder=reorder).resume(node_budget)


class PartialBdd:
    """A BDD being built in CUDD, gate by gate: what :class:`NodeBudgetExceeded` carries,
    so that a larger budget can go on from the gate that exceeded the smaller one
    instead of building every gate again.

    Holds the manager and the BDDs of the gates built so far (their nodes stay alive
    until this object is dropped).
    """

    def __init__(
        self, tree: FaultTree, top: int, events: list[int], cone: list[int], *, reorder: bool
    ) -> None:
        self.tree, self.top, self.events, self.cone, self.reorder = tree, top, events, cone, reorder
        sizes = _sizes(tree, cone)
        self._measured = {g for g in cone if sizes[g] >= BUDGET_CHECK_EVENTS}
        self._small = len(events) <= SMALL_MANAGER_EVENTS
        cudd = _cudd()
        self.manager = (
            cudd.BDD(memory_estimate=1 << 26, initial_cache_size=1 << 12)
            if self._small
            else cudd.BDD()
        )
        self.manager.configure(reordering=reorder)
        names = [f"e{e}" for e in events]
        if names:
            self.manager.declare(*names)
        self._var = {e: self.manager.var(f"e{e}") for e in events}
        self._ops = _CuddOps(self.manager)
        self._built: dict[int, Function] = {}
        self._next = 0
        """Position in ``cone`` of the next gate to build."""

    @property
    def progress(self) -> float:
        """The fraction of the top's gates built so far."""
        return self._next / len(self.cone)

    def resume(self, node_budget: int | None = None) -> TopBdd:
        """Build the remaining gates, then the :class:`TopBdd`. With ``node_budget``,
        raises :class:`NodeBudgetExceeded` (carrying this object) as soon as a gate's
        BDD has more nodes; the gates built until then are kept."""
        tree, cone, var, built, ops = self.tree, self.cone, self._var, self._built, self._ops
        for i in range(self._next, len(cone)):
            g = cone[i]
            gate = tree.gates[g]
            args = [var[r] if r >= 0 else built[-r - 1] for r in gate.args]
            limit = node_budget if g in self._measured else None
            try:
                if limit is not None and self._small:  # one check per gate, not per operation
                    built[g] = _within(_gate(ops, gate, args), limit, gate)
                else:
                    built[g] = _gate(ops, gate, args, limit)
            except NodeBudgetExceeded as exc:
                self._next = i
                exc.progress = self.progress
                exc.partial = self
                raise
        self._next = len(cone)
        return self._finish()

    def _finish(self) -> TopBdd:
        mgr = self.manager
        root = self._built[self.top]
        self._built.clear()
        self._var.clear()
        if self.reorder:
            mgr.configure(reordering=False)
        n = len(self.events)
        order = [int(mgr.var_at_level(i)[1:]) for i in range(n)]
        level, high, low, root_ref = _export(mgr, root, n)
        return TopBdd(self.tree, self.top, mgr, root, order, level, high, low, root_ref)


def small_store_budget() -> int:
    """Nodes the pure-Python store may create before CUDD takes over: its point is to
    spare loading CUDD, so it gets less room once CUDD is loaded."""
    return SMALL_STORE_NODES_CUDD_LOADED if _CUDD is not None else SMALL_STORE_NODES


def _build_small(tree: FaultTree, top: int, events: list[int], cone: list[int]) -> TopBdd:
    """The BDD of ``top`` in a :class:`SmallBdd` (raises its budget exception)."""
    store = SmallBdd(len(events), node_budget=small_store_budget())
    var = {e: store.var(i) for i, e in enumerate(events)}
    ops = _SmallOps(store)
    built: dict[int, int] = {}
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(recursion_for(len(events)))
    try:
        for g in cone:
            args = [var[r] if r >= 0 else built[-r - 1] for r in tree.gates[g].args]
            built[g] = _gate(ops, tree.gates[g], args)
    finally:
        sys.setrecursionlimit(old)
    level, high, low, root_ref = store.export(built[top])
    return TopBdd(tree, top, None, None, list(events), level, high, low, root_ref)


class _CuddOps:
    """Gate operators on ``dd.cudd`` functions."""

    def __init__(self, mgr: Any) -> None:
        self.mgr = mgr
        self.true = mgr.true
        self.false = mgr.false

    def and_(self, f: Function, g: Function) -> Function:
        return f & g

    def or_(self, f: Function, g: Function) -> Function:
        return f | g

    def xor(self, f: Function, g: Function) -> Function:
        return self.mgr.apply("xor", f, g)

    def not_(self, f: Function) -> Function:
        return ~f

    @staticmethod
    def size(f: Function) -> int:
        return len(f)


class _SmallOps:
    """Gate operators on :class:`SmallBdd` references."""

    true = 0
    false = 1

    def __init__(self, store: SmallBdd) -> None:
        self.and_ = store.apply_and
        self.or_ = store.apply_or
        self.xor = store.apply_xor
        self.size = store.size

    @staticmethod
    def not_(f: int) -> int:
        return f ^ 1


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


def _gate(ops: Any, gate: Gate, args: Sequence[Function], limit: int | None = None) -> Function:
    """The BDD of one gate; with ``limit`` (CUDD only), checked after each binary
    operation.

    The arguments of ``and`` and ``or`` are combined smallest first: the result is the
    same canonical diagram, but each single variable combined with a large argument
    costs a pass over that argument's nodes above the variable's level (edf9202's
    module: 48 events or-ed one by one into a 28,000-node argument took 0.2 s, 4 ms
    when the events come first)."""
    op = gate.op
    if op in ("and", "nand", "or", "nor") and len(args) > 2:
        args = sorted(args, key=ops.size)
    if op in ("and", "nand"):
        f = ops.true
        for a in args:
            f = _within(ops.and_(f, a), limit, gate)
        return ops.not_(f) if op == "nand" else f
    if op in ("or", "nor"):
        f = ops.false
        for a in args:
            f = _within(ops.or_(f, a), limit, gate)
        return ops.not_(f) if op == "nor" else f
    if op == "atleast":
        return _within(_at_least(ops, args, gate.k), limit, gate)
    if op == "cardinality":
        return ops.and_(
            _at_least(ops, args, gate.k), ops.not_(_at_least(ops, args, gate.k_max + 1))
        )
    if op == "not":
        return ops.not_(args[0])
    if op == "null":
        return args[0]
    if op == "xor":
        f = ops.false
        for a in args:
            f = ops.xor(f, a)
        return f
    if op == "iff":
        return ops.not_(ops.xor(args[0], args[1]))
    if op == "imply":
        return ops.or_(ops.not_(args[0]), args[1])
    if op == "true":
        return ops.true
    if op == "false":
        return ops.false
    raise ValueError(f"gate {gate.name!r}: unknown operator {op!r}")


def _at_least(ops: Any, args: Sequence[Function], k: int) -> Function:
    """At least ``k`` of ``args`` true: ``T_j <- T_j | (x & T_{j-1})`` for j = k..1."""
    if k <= 0:
        return ops.true
    if k > len(args):
        return ops.false
    t = [ops.true] + [ops.false] * k
    for x in args:
        for j in range(k, 0, -1):
            t[j] = ops.or_(t[j], ops.and_(x, t[j - 1]))
    return t[k]


def _export(mgr: Any, root: Function, n_levels: int) -> tuple[list[int], list[int], list[int], int]:
    """Copy the BDD below ``root`` into lists, numbered in depth-first post-order (then
    child first), so children come before their parents and one diagram always gets
    one numbering (:meth:`~blackstart.engine.smallbdd.SmallBdd.export` is the same walk).

    One ``succ`` per node (``int`` of a ``dd`` function is its address, low bit =
    complement); no renumbering pass afterwards.
    """
    leaf = int(mgr.true)
    succ = mgr.succ
    ids = {leaf: 0}
    level = [n_levels]
    high = [0]
    low = [0]
    r = int(root)
    if r & ~1 != leaf:
        # (function, address) to expand; (address, level, then ref, else ref) to number
        stack: list[tuple[Any, ...]] = [(root, r & ~1)]
        while stack:
            e = stack.pop()
            if len(e) == 2:
                u, key = e
                if key in ids:
                    continue
                lvl, lo, hi = succ(u)
                ih, il = int(hi), int(lo)
                stack.append((key, lvl, ih, il))
                if il & ~1 not in ids:
                    stack.append((lo, il & ~1))
                if ih & ~1 not in ids:
                    stack.append((hi, ih & ~1))
                continue
            key, lvl, ih, il = e
            if key in ids:
                continue
            ids[key] = len(level)
            level.append(lvl)
            high.append(2 * ids[ih & ~1] + (ih & 1))
            low.append(2 * ids[il & ~1] + (il & 1))
    return level, high, low, 2 * ids[r & ~1] + (r & 1)


def probability(
    tree: FaultTree, top: int | str, *, reorder: bool = False, compiled: TopBdd | None = None
) -> float:
    """Exact probability of the top event ``top`` (gate index or name) by BDD.

    Basic events are independent with ``tree.probabilities``. Pass ``compiled`` (from
    :func:`build_bdd`) to reuse a BDD. Complexity: one pass over the BDD nodes.
    """
    b = compiled if compiled is not None else build_bdd(tree, top, reorder=reorder)
    return b.top_probability()
