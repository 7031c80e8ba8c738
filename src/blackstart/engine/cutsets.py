"""Minimal cut sets and prime implicants of a fault-tree top, as a ZBDD.

Owns :func:`minimal_cut_sets` and its :class:`CutSetsResult`. The BDD comes from
:mod:`blackstart.engine.bdd`; the result is a zero-suppressed BDD (Minato 1993) over
*literals* (code ``2·level`` for a failed event, ``2·level + 1`` for a working one),
held in a small pure-Python ZBDD store. Counts, the distribution by order and the
rare-event sum are path sums over that ZBDD: no cut set is enumerated for them, so
trees with 10^8 cut sets are counted in the time of their ZBDD.

- *Coherent trees* (Rauzy 1993): ``MCS(ite(x, f1, f0)) = MCS(f0) ∪ x·(MCS(f1) ∖ MCS(f0))``.
  Rauzy's ``without`` (drop the sets that contain a set of ``MCS(f0)``) reduces to
  plain set difference here: ``f0 ≤ f1``, so a minimal solution of ``f1`` containing
  one of ``f0`` is one of ``f0``.
- *Non-coherent trees* (Rauzy & Dutuit 1997): prime implicants,
  ``PI(f) = PI(f1·f0) ∪ x·(PI(f1) ∖ PI(f1·f0)) ∪ ¬x·(PI(f0) ∖ PI(f1·f0))``, the
  consensus ``f1·f0`` computed by CUDD.
- *Minimal solutions* of a non-coherent tree (``prime_implicants=False``, SCRAM's
  default): ``MS(f) = MS(f0) ∪ x·without(MS(f1), MS(f0))`` (Rauzy 1993), the minimal
  sets of failed events that make the top true when all other events work.
- *Order limit* (as SCRAM's ``limit-order``): products with more than ``max_order``
  literals are dropped during the recursion (a budget per call, capped by the number
  of remaining levels so that the untruncated case visits each BDD node once). For
  minimal cut sets with a limit of at least ``TRUNCATE_AFTER`` the family is computed
  untruncated and truncated afterwards: on the Aralia set this is 3-4x faster.
- *MCUB* ``1 - Π(1 - P(c))``: ``log Π = -Σ_m S_m / m`` with ``S_m = Σ_c P(c)^m``, each a
  path sum over the ZBDD with literal weights raised to the power ``m``; a series
  that converges geometrically when every product probability is below 1.

Literals are reported as signed event indices: ``i`` for event ``i`` failed, ``-(i + 1)``
for event ``i`` working (only in prime implicants).

References:
    A. Rauzy, "New algorithms for fault trees analysis", Reliability Engineering and
    System Safety 40(3), 1993.
    A. Rauzy, Y. Dutuit, "Exact and truncated computations of prime implicants of
    coherent and non-coherent fault trees within Aralia", Reliability Engineering and
    System Safety 58(2), 1997.
    S. Minato, "Zero-suppressed BDDs for set manipulation in combinatorial problems",
    DAC 1993.

Example:
    >>> import numpy as np
    >>> from blackstart.engine.faulttree import FaultTree, Gate
    >>> t = FaultTree(events=("a", "b", "c"), probabilities=np.full(3, 0.1),
    ...               gates=(Gate("g", "and", (1, 2)), Gate("top", "or", (0, -1))), tops=(1,))
    >>> r = minimal_cut_sets(t, 1)
    >>> r.count, r.order_distribution, list(r.sets())
    (2, (0, 1, 1), [(0,), (1, 2)])
"""

from __future__ import annotations

import heapq
import math
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from blackstart.engine.bdd import Function, TopBdd, build_bdd
from blackstart.engine.faulttree import FaultTree
from blackstart.engine.zbdd import BASE, EMPTY, Zbdd

__all__ = ["CutSetsResult", "minimal_cut_sets"]

METHODS = ("auto", "bdd", "zbdd")
"""How :func:`minimal_cut_sets` builds the family: ``bdd`` from the top's BDD (every
order, any tree); ``zbdd`` bottom-up in a ZBDD truncated at the order limit
(:mod:`blackstart.engine.truncated`: coherent trees, with ``max_order``); ``auto``
``zbdd`` for coherent trees and an order limit of at most :data:`AUTO_ZBDD_MAX_ORDER`
within :data:`AUTO_ZBDD_NODES` nodes, else ``bdd``."""
AUTO_ZBDD_MAX_ORDER = 4
"""Up to this order limit the bottom-up ZBDD is tried first. On the 39 coherent Aralia
trees (``benchmarks/bench_truncated.py``) it is faster than the BDD route on 32 at
order 3 (median 2.9×) and 27 at order 4 (1.6×), and it is the only way at all on trees
whose BDD is out of reach (nus9601: 0.04 s at order 3, 0.3 s at order 4); its cost
grows with the number of cut sets of each order, so at higher orders the BDD wins."""
AUTO_ZBDD_NODES = 1 << 20
"""Node budget of the bottom-up ZBDD under ``auto`` before the BDD takes over."""
TRUNCATE_AFTER = 10
"""From this order limit on, minimal cut sets are computed without the limit (one call
per BDD node instead of one per node and budget) and truncated afterwards."""
MCUB_SERIES_MAX_P = 0.95
"""The MCUB series is used only when every product probability is at most this."""
MCUB_FAST_SERIES_P = 0.5
"""Below this largest product probability the series converges in tens of terms (one
pass over the ZBDDs each) and is preferred to enumerating the products."""


@dataclass(frozen=True, eq=False)
class CutSetsResult:
    """Minimal cut sets (prime implicants for non-coherent trees) of one top."""

    top: int
    """Gate index of the top."""
    coherent: bool
    """True when the tree is coherent (no negation)."""
    prime_implicants: bool
    """True: prime implicants (literals may be negative); false: minimal cut sets
    (for a non-coherent tree, its minimal solutions: failed events only)."""
    max_order: int | None
    count: int
    """Number of products (exact, from the ZBDD, without enumeration)."""
    order_distribution: tuple[int, ...]
    """Number of products of each order (index = order)."""
    rare_event: float
    """Σ P(product): the rare-event approximation (an upper bound for coherent trees)."""
    zbdd_nodes: int
    events: tuple[str, ...] = field(repr=False)
    _products: Callable[[int], Iterator[tuple[int, ...]]] = field(repr=False)
    """The products of exactly a given order, as signed event indices, in any order."""
    _mcub: Callable[[], float | None] = field(repr=False)
    """Computes :attr:`mcub` (on first use: it costs up to tens of passes)."""
    method: str = "bdd"
    """How the family was built: ``bdd`` (from the top's BDD) or ``zbdd`` (bottom-up,
    truncated at the order limit)."""

    @cached_property
    def mcub(self) -> float | None:
        """``1 - Π(1 - P(product))``, or None when it could not be computed."""
        return self._mcub()

    def sets(self, limit: int | None = None) -> Iterator[tuple[int, ...]]:
        """Products as tuples of signed event indices, by order and then by names.

        Each order is enumerated in full to sort it (products of order ``o`` cost
        O(count of order o · log limit)); ``limit`` stops after that many products.
        """
        left = math.inf if limit is None else limit
        for order, n in enumerate(self.order_distribution):
            if left <= 0:
                return
            if n == 0:
                continue
            found = (self._named(s) for s in self._products(order))
            best = heapq.nsmallest(int(min(left, n)), found)
            for _, s in best:
                yield s
            left -= len(best)

    def _named(
        self, product: tuple[int, ...]
    ) -> tuple[tuple[tuple[str, bool], ...], tuple[int, ...]]:
        lits = sorted((self.events[lit if lit >= 0 else -lit - 1], lit < 0, lit) for lit in product)
        return tuple((name, neg) for name, neg, _ in lits), tuple(lit for *_, lit in lits)


@contextmanager
def recursion_at_least(depth: int) -> Iterator[None]:
    """Python's recursion limit raised to at least ``depth`` inside the block (the ZBDD
    recursions go one frame per variable), restored after it."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, depth))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def minimal_cut_sets(
    tree: FaultTree,
    top: int | str,
    *,
    max_order: int | None = None,
    prime_implicants: bool = True,
    mcub_enumeration_limit: int = 10_000,
    reorder: bool = False,
    compiled: TopBdd | None = None,
    method: str = "auto",
) -> CutSetsResult:
    """Minimal cut sets of ``top`` (prime implicants if the tree is not coherent).

    For a non-coherent tree, ``prime_implicants=False`` gives instead its minimal
    solutions: the minimal sets of failed events (positive literals only) that make
    the top true, the others working, as SCRAM reports by default.

    ``max_order`` drops products with more literals (SCRAM's order limit). MCUB is
    computed by its log series ``-Σ_m S_m / m`` (``S_m = Σ P(c)^m``, to machine
    precision) when every product probability is at most 0.5, else by enumeration up to
    ``mcub_enumeration_limit`` products, else by the series up to 0.95, else None.

    ``method`` (:data:`METHODS`): from the BDD, or bottom-up in a ZBDD truncated at
    ``max_order`` (coherent trees only; for trees whose BDD is out of reach), or
    ``auto``; :attr:`CutSetsResult.method` says which answered.

    Complexity: the ZBDD construction is O(BDD nodes · order budget) calls to the
    set difference, memoised; counts and sums are O(ZBDD nodes · order).
    """
    if method not in METHODS:
        raise ValueError(f"unknown cut-set method {method!r}; use one of {', '.join(METHODS)}")
    if method == "zbdd" or (
        method == "auto"
        and compiled is None
        and not reorder
        and tree.coherent
        and max_order is not None
        and max_order <= AUTO_ZBDD_MAX_ORDER
    ):
        from blackstart.engine.bdd import resolve_top
        from blackstart.engine.truncated import ZbddBudgetExceeded, truncated_cut_sets

        if max_order is None:
            raise ValueError("the bottom-up ZBDD needs an order limit (max_order)")
        try:
            return truncated_cut_sets(
                tree,
                resolve_top(tree, top),
                max_order,
                node_budget=AUTO_ZBDD_NODES if method == "auto" else None,
                mcub_enumeration_limit=mcub_enumeration_limit,
            )
        except ZbddBudgetExceeded:
            pass  # auto: the BDD's turn
    prime = prime_implicants and not tree.coherent
    if compiled is None and not reorder and not prime:
        from blackstart.engine.bdd import resolve_top
        from blackstart.engine.modular import compile_modules, modular_cut_sets

        return modular_cut_sets(
            compile_modules(tree, resolve_top(tree, top)),
            max_order=max_order,
            mcub_enumeration_limit=mcub_enumeration_limit,
        )
    store = "cudd" if prime else "auto"
    b = compiled if compiled is not None else build_bdd(tree, top, reorder=reorder, store=store)
    n_levels = len(b.order)
    budget = n_levels if max_order is None else min(max_order, n_levels)
    coherent = tree.coherent
    prime = prime_implicants and not coherent
    z, root = family(b, budget, prime=prime)
    return zbdd_result(
        tree,
        b.top,
        z,
        root,
        b.order,
        b.event_probabilities(),
        budget,
        prime=prime,
        max_order=max_order,
        mcub_enumeration_limit=mcub_enumeration_limit,
    )


def zbdd_result(
    tree: FaultTree,
    top: int,
    z: Zbdd,
    root: int,
    order: Sequence[int],
    p_level: Sequence[float],
    budget: int,
    *,
    prime: bool,
    max_order: int | None,
    mcub_enumeration_limit: int,
    method: str = "bdd",
) -> CutSetsResult:
    """The :class:`CutSetsResult` of the family ``root`` of ``z``, whose variable
    ``2·level`` is event ``order[level]`` failed (``2·level + 1`` working), ``p_level``
    the events' probabilities by level: counts by order, rare-event sum, MCUB on demand."""
    n_levels = len(order)
    literal = tuple(
        order[c >> 1] if c % 2 == 0 else -order[c >> 1] - 1 for c in range(2 * n_levels)
    )
    weight = [w for p in p_level for w in (p, 1.0 - p)]
    dist = z.order_counts(root, budget)
    while len(dist) > 1 and dist[-1] == 0:
        dist.pop()
    count = sum(dist)
    rare = z.weighted_sum(root, weight)
    return CutSetsResult(
        top=top,
        coherent=tree.coherent,
        prime_implicants=prime,
        max_order=max_order,
        count=count,
        order_distribution=tuple(dist),
        rare_event=rare,
        _mcub=lambda: mcub(
            count,
            mcub_enumeration_limit,
            z.max_product(root, weight),
            rare,
            lambda: (math.prod(weight[c] for c in s) for s in z.enumerate(root, None)),
            lambda m: z.weighted_sum(root, [w**m for w in weight]),
        ),
        zbdd_nodes=z.size(root),
        events=tree.events,
        _products=lambda o: (tuple(literal[c] for c in s) for s in z.enumerate(root, o)),
        method=method,
    )


def family(b: TopBdd, budget: int, *, prime: bool) -> tuple[Zbdd, int]:
    """The ZBDD of the minimal cut sets (minimal solutions; prime implicants when
    ``prime``) of the BDD ``b`` with at most ``budget`` literals, and its root.

    ZBDD variable ``2·level`` is the event at that BDD level failed, ``2·level + 1``
    working.
    """
    n_levels = len(b.order)
    z = Zbdd()
    mgr = b.manager
    coherent = b.tree.coherent
    memo: dict[tuple[Function, int], int] = {}

    levels, highs, lows = b.level, b.high, b.low
    if prime and mgr is None:
        raise ValueError("prime implicants need the BDD in CUDD: build_bdd(..., store='cudd')")
    memo_ref: dict[int, int] = {}
    memo_all: dict[int, int] = {}
    stride = n_levels + 2

    def minimal(ref: int, k: int) -> int:
        """Minimal cut sets (coherent) or minimal solutions, on the exported BDD."""
        if ref <= 1:
            return BASE if ref == 0 else EMPTY
        if k <= 0 and coherent:
            return EMPTY  # a non-constant monotone function is false on the empty set
        node, neg = ref >> 1, ref & 1
        lvl = levels[node]
        k = min(k, n_levels - lvl)
        key = ref * stride + k
        got = memo_ref.get(key)
        if got is not None:
            return got
        common = minimal(lows[node] ^ neg, k)
        if k <= 0:
            pos = EMPTY
        elif coherent:
            pos = z.diff(minimal(highs[node] ^ neg, k - 1), common)
        else:
            pos = z.without(minimal(highs[node] ^ neg, k - 1), common)
        r = z.node(2 * lvl, pos, common)
        memo_ref[key] = r
        return r

    subtract = z.diff if coherent else z.without

    def minimal_all(ref: int) -> int:
        """``minimal`` without an order limit: one call per BDD node and polarity (the
        common case: the hot loop, so local names only)."""
        if ref <= 1:
            return BASE if ref == 0 else EMPTY
        got = memo_all.get(ref)
        if got is not None:
            return got
        i, neg = ref >> 1, ref & 1
        common = minimal_all(lows[i] ^ neg)
        r = z.node(2 * levels[i], subtract(minimal_all(highs[i] ^ neg), common), common)
        memo_all[ref] = r
        return r

    def prime_implicants_of(u: Function, k: int) -> int:
        """Prime implicants, on CUDD (the consensus ``f1·f0`` is a new BDD)."""
        if u == mgr.true:
            return BASE
        if u == mgr.false or k <= 0:
            return EMPTY  # the empty product only implies the constant true
        lvl, lo, hi = mgr.succ(u)
        k = min(k, n_levels - lvl)
        key = (u, k)
        got = memo.get(key)
        if got is not None:
            return got
        if u.negated:
            lo, hi = ~lo, ~hi
        common = prime_implicants_of(hi & lo, k)
        neg = z.diff(prime_implicants_of(lo, k - 1), common)
        pos = z.diff(prime_implicants_of(hi, k - 1), common)
        r = z.node(2 * lvl, pos, z.node(2 * lvl + 1, neg, common))
        memo[key] = r
        return r

    with recursion_at_least(8 * n_levels + 2000):
        if prime:
            root = prime_implicants_of(b.root, budget)
        elif budget >= TRUNCATE_AFTER or budget == n_levels:
            root = z.upto(minimal_all(b.root_ref), budget)
        else:
            root = minimal(b.root_ref, budget)
    memo_ref.clear()
    memo_all.clear()
    memo.clear()
    z.clear_caches()

    return z, root


def mcub(
    count: int,
    limit: int,
    p_max: float,
    rare: float,
    products: Callable[[], Iterable[float]],
    power_sum: Callable[[int], float],
) -> float | None:
    """``1 - Π(1 - P(c))`` over ``count`` products: by its log series
    ``-Σ_m S_m / m`` when the largest product probability ``p_max`` is at most
    :data:`MCUB_FAST_SERIES_P`, by enumerating the ``products`` (their probabilities)
    when there are at most ``limit``, else by the series up to
    :data:`MCUB_SERIES_MAX_P`, else None. ``rare`` is ``S_1``; ``power_sum(m)`` is
    ``S_m = Σ P(c)^m``."""
    if count == 0:
        return 0.0
    if count <= limit and p_max > MCUB_FAST_SERIES_P:
        log_prod = 0.0
        for q in products():
            if q >= 1.0:
                return 1.0
            log_prod += math.log1p(-q)
        return -math.expm1(log_prod)
    if p_max >= 1.0:
        return 1.0
    if p_max > MCUB_SERIES_MAX_P:
        return None
    log_prod, s_m, m = -rare, rare, 1
    while s_m / m > 1e-17 * abs(log_prod) and m < 2000:
        m += 1
        s_m = power_sum(m)
        log_prod -= s_m / m
    return -math.expm1(log_prod)
