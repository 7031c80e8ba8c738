"""Cut-set results: what a family of products is, apart from how it was built.

Owns :class:`CutSetsResult` (minimal cut sets, minimal solutions or prime implicants of
one top, counted by order without enumeration), :func:`zbdd_result` (the result of a
family held in a ZBDD: counts, rare-event sum, MCUB on demand), :func:`mcub` (the min-cut
upper bound ``1 - Π(1 - P(c))`` by its log series or by enumeration) and
:func:`recursion_at_least`. The algorithms that build the families live elsewhere and
import this module, never the other way round: :mod:`blackstart.engine.families` (from a
BDD), :mod:`blackstart.engine.modular` (module by module), :mod:`blackstart.engine.truncated`
(bottom-up ZBDD) and :mod:`blackstart.engine.cutsets` (the choice between them).

- *MCUB* ``1 - Π(1 - P(c))``: ``log Π = -Σ_m S_m / m`` with ``S_m = Σ_c P(c)^m``, each a
  path sum over the ZBDD with literal weights raised to the power ``m``; a series
  that converges geometrically when every product probability is below 1.

Literals are reported as signed event indices: ``i`` for event ``i`` failed, ``-(i + 1)``
for event ``i`` working (only in prime implicants).
"""

from __future__ import annotations

import heapq
import math
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from blackstart.engine.faulttree import FaultTree
from blackstart.engine.zbdd import Zbdd

__all__ = ["CutSetsResult", "mcub", "recursion_at_least", "zbdd_result"]

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
    probability: float | None = None
    """The top's exact probability, when the route computed it on the way (the module
    BDDs of :func:`~blackstart.engine.modular.modular_cut_sets`), else None."""

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
