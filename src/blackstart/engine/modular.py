"""Exact probability and minimal cut sets of a fault-tree top, module by module.

Owns :func:`compile_modules` (one BDD per module of
:func:`blackstart.engine.preprocess.decompose`, children first, each module standing
for one variable in its parent) and :func:`modular_cut_sets`. Independent modules
multiply nothing out: a parent's BDD sees a child module as one variable whose
probability is the child's exact probability (Shannon decomposition is exact for a
variable independent of the others), and its minimal cut sets are those of the
parent with each module variable replaced by the module's own (Rauzy 1993; Dutuit &
Rauzy 1996: the products of disjoint minimal cut sets are minimal).

Counts stay path sums: each module has a polynomial in the order (coefficient ``j``:
its number of products of order ``j``, truncated at the order limit), and a parent's
polynomial is the sum over its ZBDD's paths of the product of its leaves'
polynomials (a basic event is ``x``). The rare-event sum is the same sum with weights
``p·x``, and the MCUB series ``Σ_m S_m / m`` uses ``p^m·x``. No cut set is enumerated
unless asked for (:meth:`CutSetsResult.sets`), then they are expanded module by module.

With ``probability_only``, a module whose BDD is out of reach gets its exact
probability from a Sentential Decision Diagram instead (:mod:`blackstart.engine.sdd`:
das9701 of the Aralia set, where no BDD order finishes); such a module has no BDD,
hence no cut sets.

Prime implicants of non-coherent trees are not decomposed (a module's negation would
need the implicants of its complement):
:func:`blackstart.engine.cutsets.prime_implicants` keeps the whole-tree BDD for them.

References:
    Y. Dutuit, A. Rauzy, "A linear-time algorithm to find modules of fault trees",
    IEEE Transactions on Reliability 45(3), 1996.
    A. Rauzy, "New algorithms for fault trees analysis", Reliability Engineering and
    System Safety 40(3), 1993.

Example:
    >>> import numpy as np
    >>> from blackstart.engine.faulttree import FaultTree, Gate
    >>> t = FaultTree(events=("a", "b", "c"), probabilities=np.full(3, 0.1),
    ...               gates=(Gate("g", "and", (1, 2)), Gate("top", "or", (0, -1))), tops=(1,))
    >>> m = compile_modules(t, 1)
    >>> round(m.probability, 6), modular_cut_sets(m).order_distribution
    (0.109, (0, 1, 1))
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from blackstart.engine.bdd import (
    SMALL_STORE_EVENTS,
    NodeBudgetExceeded,
    PartialBdd,
    TopBdd,
    build_bdd,
)
from blackstart.engine.bdd import probability as bdd_probability
from blackstart.engine.families import family
from blackstart.engine.faulttree import FaultTree
from blackstart.engine.ordering import rank_heuristics
from blackstart.engine.preprocess import Decomposition, Module, decompose
from blackstart.engine.products import CutSetsResult, mcub
from blackstart.engine.sdd import SddBudgetExceeded, sdd_probability
from blackstart.engine.smallbdd import SmallBddBudgetExceeded
from blackstart.engine.zbdd import Zbdd

__all__ = ["ModularBdd", "compile_modules", "modular_cut_sets"]

EXACT_FLOAT = float(2**53)
NODE_BUDGETS = (1 << 17, 1 << 20)
"""Node budgets of the successive rounds of ordering heuristics (see :func:`_build`)."""
ROUND_2_TRIES = 2
"""Heuristics tried again in the second round (those whose orders got furthest)."""
SDD_AFTER_SLOW_ROUND = 5.0
"""CPU seconds (this process's, not the wall clock's: on a loaded machine cea9601's
first round took over 5 s of wall time and its module went to an SDD it cannot finish):
with ``probability_only``, a module whose first round of BDD budgets gave
no BDD and took longer than this is compiled into an SDD before the second round. A
slow first round means single operations on diagrams under 2^17 nodes are already
costly: on the Aralia set only das9701's module is there (13 s; its SDD then takes
about 30 s, its second BDD round 30-40 s without a result), while the modules that need
the second round and get a BDD there take 0.6-1.5 s (cea9601, edf9204, edfpa14b,
edfpa14o, whose SDDs are slower than their BDDs or, for cea9601, do not finish in a
minute)."""


@dataclass(frozen=True, eq=False)
class ModularBdd:
    """The BDD of every module of one top, and the modules' exact probabilities."""

    tree: FaultTree
    top: int
    decomposition: Decomposition
    bdds: tuple[TopBdd | None, ...]
    """Each module's BDD; ``None`` for a module whose probability came from an SDD
    (``compile_modules(..., probability_only=True)``)."""
    probabilities: tuple[float, ...]
    """Exact probability of each module (the last is the top's)."""

    @property
    def probability(self) -> float:
        """Exact probability of the top."""
        if self.decomposition.constant is not None:
            return 1.0 if self.decomposition.constant else 0.0
        return self.probabilities[-1]

    @property
    def nodes(self) -> int:
        """BDD nodes over all modules."""
        return sum(b.nodes for b in self.bdds if b is not None)


def compile_modules(
    tree: FaultTree, top: int, *, coherent_only: bool = True, probability_only: bool = False
) -> ModularBdd:
    """Decompose ``top`` into modules and build each module's BDD, children first.

    ``coherent_only`` (for cut sets): only coherent modules become variables of their
    parents; probabilities alone may use ``False`` (every module decomposed).
    ``probability_only``: a module whose first round of BDD budgets is slow and fails
    (:data:`SDD_AFTER_SLOW_ROUND`) is compiled into an SDD
    (:func:`~blackstart.engine.sdd.sdd_probability`, within its budgets) before the BDD
    rounds go on; its entry in :attr:`ModularBdd.bdds` is then ``None`` and
    :func:`modular_cut_sets` refuses the result.
    """
    d = decompose(tree, top, coherent_only=coherent_only)
    bdds: list[TopBdd | None] = []
    probs: list[float] = []
    for m in d.modules:
        p = tuple(float(tree.probabilities[e]) if e >= 0 else probs[-e - 1] for e in m.leaves)
        local = FaultTree(m.tree.events, p, m.tree.gates, m.tree.tops, m.tree.name)
        b = _build(local, sdd=probability_only)
        if isinstance(b, float):
            bdds.append(None)
            probs.append(b)
            continue
        bdds.append(b)
        probs.append(bdd_probability(local, local.tops[0], compiled=b))
    return ModularBdd(tree, top, d, tuple(bdds), tuple(probs))


def _build(tree: FaultTree, *, sdd: bool = False) -> TopBdd | float:
    """The BDD of ``tree``'s top under the first ordering heuristic that keeps every
    gate within the node budget.

    Heuristics are tried in order of their orders' total span
    (:func:`~blackstart.engine.ordering.rank_heuristics`). Small modules are first
    built in the pure-Python store (:func:`build_bdd`'s ``"small"``: the same diagram
    CUDD would give for that order). Then CUDD, with the budget checked after each
    binary operation, so a bad order is abandoned early: every heuristic under
    2^17 nodes; then the :data:`ROUND_2_TRIES` that got furthest (the fraction of gates
    built before exceeding the budget) under 2^20; then the one that got furthest,
    unbounded. Trying the smallest of all the heuristics instead was slower (one bad
    order can cost a minute inside a single CUDD operation). A heuristic tried again
    goes on from the gate that stopped it (:class:`~blackstart.engine.bdd.PartialBdd`),
    so no gate is built twice under one order (cea9601: 10.8 -> 7.8 s). With ``sdd``, a
    first round slower than :data:`SDD_AFTER_SLOW_ROUND` is followed by an SDD, and
    the module's exact probability is returned instead of a BDD when it fits its
    budgets."""
    top = tree.tops[0]
    if len(tree.events) <= 2:
        return build_bdd(tree, top)
    ranked = rank_heuristics(tree, top)
    if len(tree.events) <= SMALL_STORE_EVENTS:
        try:
            return build_bdd(tree, top, heuristic=ranked[0], store="small")
        except SmallBddBudgetExceeded:
            pass
    partial: dict[str, PartialBdd] = {}
    started = time.process_time()
    for round_, budget in enumerate(NODE_BUDGETS):
        progress: dict[str, float] = {}
        for heuristic in ranked:
            try:
                if heuristic in partial:
                    return partial[heuristic].resume(budget)
                return build_bdd(tree, top, heuristic=heuristic, node_budget=budget, store="cudd")
            except NodeBudgetExceeded as exc:
                progress[heuristic] = exc.progress
                if exc.partial is not None:
                    partial[heuristic] = exc.partial
        ranked = sorted(ranked, key=lambda h: -progress[h])  # stable: ties keep the rank
        if round_ == 0:
            ranked = ranked[:ROUND_2_TRIES]
        partial = {h: partial[h] for h in ranked if h in partial}  # free the others
        if round_ == 0 and sdd and time.process_time() - started > SDD_AFTER_SLOW_ROUND:
            try:
                return sdd_probability(tree, top, tree.probabilities)
            except SddBudgetExceeded:
                pass  # the BDD rounds go on from where they stopped
    if ranked[0] in partial:
        return partial[ranked[0]].resume()
    return build_bdd(tree, top, heuristic=ranked[0], store="cudd")


@dataclass(frozen=True, eq=False)
class _Family:
    module: Module
    z: Zbdd
    root: int
    leaf: list[int]
    """ZBDD variable code -> leaf (event index, or ``-(module + 1)``)."""


def modular_cut_sets(
    compiled: ModularBdd, *, max_order: int | None = None, mcub_enumeration_limit: int = 10_000
) -> CutSetsResult:
    """Minimal cut sets (minimal solutions for a non-coherent tree) of a compiled top.

    Equal to :func:`blackstart.engine.cutsets.minimal_cut_sets` with
    ``prime_implicants=False``. Complexity: the per-module ZBDD constructions, then
    O(ZBDD nodes · order limit²) for the counts and sums.
    """
    tree = compiled.tree
    d = compiled.decomposition
    n_events = len(tree.events)
    width = (n_events if max_order is None else min(max_order, n_events)) + 1
    fams: list[_Family] = []
    for m, b in zip(d.modules, compiled.bdds, strict=True):
        if b is None:
            raise ValueError(
                f"module {m.tree.name!r} was compiled into an SDD (probability only): "
                "compile without probability_only for its cut sets"
            )
        n_levels = len(b.order)
        budget = min(width - 1, n_levels)
        z, root = family(b, budget, prime=False)
        order = b.order
        leaf = [m.leaves[order[c >> 1]] if c % 2 == 0 else 0 for c in range(2 * n_levels)]
        fams.append(_Family(m, z, root, leaf))
    if d.constant is not None:
        c = int(d.constant)  # true: the empty product alone; false: no product
        return _result(compiled, max_order, [c], float(c), lambda: float(c), c, fams, [])
    dists = _order_dists(fams, tree, width)
    dist = list(dists[-1])
    while len(dist) > 1 and dist[-1] == 0:
        dist.pop()
    count = sum(dist)
    rare = math.fsum(_polys(fams, tree, width, 1, exact=False)[-1])

    def mcub_of_top() -> float | None:
        p = tree.probabilities

        def products() -> Iterator[float]:
            memo: dict[tuple[int, int], list[tuple[int, ...]]] = {}
            for o in range(len(dists[-1])):
                for s in _expand(fams, dists, len(fams) - 1, o, memo):
                    yield math.prod(float(p[e]) for e in s)

        return mcub(
            count,
            mcub_enumeration_limit,
            _max_product(fams, tree),
            rare,
            products,
            lambda m: math.fsum(_polys(fams, tree, width, m, exact=False)[-1]),
        )

    return _result(compiled, max_order, dist, rare, mcub_of_top, count, fams, dists)


def _result(
    compiled: ModularBdd,
    max_order: int | None,
    dist: list[int],
    rare: float,
    mcub: Callable[[], float | None],
    count: int,
    fams: list[_Family],
    order_dists: list[list[int]],
) -> CutSetsResult:
    tree = compiled.tree

    def products(order: int) -> Iterator[tuple[int, ...]]:
        if compiled.decomposition.constant is not None:
            if compiled.decomposition.constant and order == 0:
                yield ()
            return
        yield from _expand(fams, order_dists, len(fams) - 1, order)

    return CutSetsResult(
        top=compiled.top,
        coherent=tree.coherent,
        prime_implicants=False,
        max_order=max_order,
        count=count,
        order_distribution=tuple(dist),
        rare_event=rare,
        zbdd_nodes=sum(f.z.size(f.root) for f in fams),
        events=tree.events,
        _products=products,
        _mcub=mcub,
        probability=compiled.probability,
    )


def _order_dists(fams: list[_Family], tree: FaultTree, width: int) -> list[list[int]]:
    """Each module's number of products by order (exact integers)."""
    return [[int(x) for x in row] for row in _polys(fams, tree, width, None, exact=True)]


def _polys(
    fams: list[_Family], tree: FaultTree, width: int, power: int | None, *, exact: bool
) -> list[list[Any]]:
    """Each module's polynomial: counts by order (``power`` None) or ``Σ P(c)^power``.

    Counts (``exact``) are computed in floats first and again in Python integers when
    a value reached 2^53."""
    for kind in (float, int) if exact else (float,):
        out: list[list[Any]] = []
        big = 0.0
        zero = kind(0)
        for f in fams:
            polys = [[zero] * width for _ in f.leaf]
            for code, leaf in enumerate(f.leaf):
                if code % 2:
                    continue
                if leaf >= 0:
                    polys[code][1] = (
                        kind(1) if power is None else float(tree.probabilities[leaf]) ** power
                    )
                else:
                    polys[code] = [kind(x) for x in out[-leaf - 1]]
            row, top = f.z.poly_sum(f.root, polys)
            big = max(big, top)
            out.append(row)
        if kind is int or big < EXACT_FLOAT:
            return out
    raise AssertionError("unreachable")  # pragma: no cover


def _expand(
    fams: list[_Family],
    dists: list[list[int]],
    i: int,
    order: int,
    memo: dict[tuple[int, int], list[tuple[int, ...]]] | None = None,
) -> Iterator[tuple[int, ...]]:
    """The products of module ``i`` with exactly ``order`` events (sub-modules' products
    are listed once per order and kept in ``memo``)."""
    if order >= len(dists[i]) or dists[i][order] == 0:
        return
    memo = {} if memo is None else memo
    f = fams[i]
    for s in f.z.enumerate(f.root, None):
        leaves = [f.leaf[c] for c in s]
        events = tuple(x for x in leaves if x >= 0)
        subs = [-x - 1 for x in leaves if x < 0]
        need = order - len(events)
        if need < len(subs):
            continue
        if not subs:
            if need == 0:
                yield events
            continue
        for parts in _splits(need, subs, dists):
            lists = []
            for c, k in zip(subs, parts, strict=True):
                if (c, k) not in memo:
                    memo[(c, k)] = list(_expand(fams, dists, c, k, memo))
                lists.append(memo[(c, k)])
            for rest in itertools.product(*lists):
                yield events + tuple(e for r in rest for e in r)


def _splits(total: int, subs: list[int], dists: list[list[int]]) -> Iterator[tuple[int, ...]]:
    """Orders ``k_i >= 1`` summing to ``total`` with products of order ``k_i`` in ``subs[i]``."""
    if len(subs) == 1:
        d = dists[subs[0]]
        if total < len(d) and d[total]:
            yield (total,)
        return
    d = dists[subs[0]]
    for k in range(1, min(total - len(subs) + 1, len(d) - 1) + 1):
        if d[k]:
            for rest in _splits(total - k, subs[1:], dists):
                yield (k, *rest)


def _max_product(fams: list[_Family], tree: FaultTree) -> float:
    """Largest product probability (over the untruncated expansion: an upper bound)."""
    best: list[float] = []
    for f in fams:
        weight = [0.0] * len(f.leaf)
        for code, leaf in enumerate(f.leaf):
            if code % 2 == 0:
                weight[code] = tree.probabilities[leaf] if leaf >= 0 else best[-leaf - 1]
        best.append(f.z.max_product(f.root, weight))
    return best[-1]
