"""Which route computes the cut sets of a fault-tree top, and prime implicants on a budget.

Owns :func:`minimal_cut_sets` (the choice between the routes) and :func:`prime_implicants`
(the prime implicants of a non-coherent tree, counted, within a node budget). The routes
themselves live apart: :mod:`blackstart.engine.modular` (one BDD per module, the default),
:mod:`blackstart.engine.truncated` (bottom-up ZBDD truncated at a low order, for coherent
trees whose BDD is out of reach) and :mod:`blackstart.engine.families` (from one BDD of
the whole top); the result type, :class:`~blackstart.engine.products.CutSetsResult`, is in
:mod:`blackstart.engine.products`, which none of them imports back.

Counts, the distribution by order and the rare-event sum are path sums over ZBDDs: no
cut set is enumerated for them, so trees with 10^8 cut sets are counted in the time of
their ZBDD.

*Cut sets of a non-coherent tree* (NOT, XOR, NAND, NOR, IFF, IMPLY): by default its
*minimal solutions*, the minimal sets of failed events that make the top true when
every other event works, as SCRAM 0.16 reports by default and as the Aralia reference
counts are (das9601: 4,259). Its *prime implicants* (the minimal conjunctions of failed
and working events that imply the top; Rauzy & Dutuit 1997) are a different, usually much
larger family (das9601: 1.3·10^11), asked for explicitly with :func:`prime_implicants`.

References:
    A. Rauzy, "New algorithms for fault trees analysis", Reliability Engineering and
    System Safety 40(3), 1993.
    A. Rauzy, Y. Dutuit, "Exact and truncated computations of prime implicants of
    coherent and non-coherent fault trees within Aralia", Reliability Engineering and
    System Safety 58(2), 1997.

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

from blackstart.engine.bdd import NodeBudgetExceeded, TopBdd, build_bdd, resolve_top
from blackstart.engine.families import FamilyBudgetExceeded, family
from blackstart.engine.faulttree import FaultTree
from blackstart.engine.modular import compile_modules, modular_cut_sets
from blackstart.engine.products import CutSetsResult, zbdd_result
from blackstart.engine.truncated import ZbddBudgetExceeded, truncated_cut_sets

__all__ = [
    "PRIME_IMPLICANT_NODES",
    "CutSetsResult",
    "PrimeImplicantsOutOfReach",
    "minimal_cut_sets",
    "prime_implicants",
]

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


def minimal_cut_sets(
    tree: FaultTree,
    top: int | str,
    *,
    max_order: int | None = None,
    prime_implicants: bool = False,
    mcub_enumeration_limit: int = 10_000,
    reorder: bool = False,
    compiled: TopBdd | None = None,
    method: str = "auto",
) -> CutSetsResult:
    """Minimal cut sets of ``top``; for a non-coherent tree its minimal solutions
    (SCRAM's default cut sets), or its prime implicants with ``prime_implicants``.

    Minimal solutions are the minimal sets of failed events (positive literals only)
    that make the top true, the others working. Prime implicants here are computed
    without a budget; :func:`prime_implicants` is the budgeted way.

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


PRIME_IMPLICANT_NODES = 1 << 22
"""Default node budget of :func:`prime_implicants`, for the whole tree's BDD (CUDD nodes)
and for the ZBDD of the implicants each. das9601's 1.3·10^11 prime implicants take
3.0·10^6 ZBDD nodes (about 30 s and 2.6 GB here): a budget of 2^22 keeps such a tree
within reach and stops larger ones before they exhaust the memory."""


class PrimeImplicantsOutOfReach(Exception):
    """The prime implicants of a top need more nodes than their budget."""

    def __init__(self, stage: str, budget: int) -> None:
        super().__init__(f"the {stage} needs more than {budget:,} nodes")
        self.stage = stage
        self.budget = budget


def prime_implicants(
    tree: FaultTree,
    top: int | str,
    *,
    max_order: int | None = None,
    node_budget: int = PRIME_IMPLICANT_NODES,
    mcub_enumeration_limit: int = 10_000,
) -> CutSetsResult:
    """Prime implicants of ``top`` (Rauzy & Dutuit 1997), counted by order on their ZBDD,
    within ``node_budget`` nodes for the whole tree's BDD and again for the ZBDD.

    Prime implicants do not decompose by modules (a module's negation needs the
    implicants of its complement), so they take the whole top's BDD, in CUDD (the
    consensus ``f1·f0`` of each node is a new BDD). For a coherent tree they are its
    minimal cut sets. Raises :class:`PrimeImplicantsOutOfReach` when a budget is exceeded.
    """
    t = resolve_top(tree, top)
    if tree.coherent:
        return minimal_cut_sets(tree, t, max_order=max_order,
                                mcub_enumeration_limit=mcub_enumeration_limit)  # fmt: skip
    try:
        b = build_bdd(tree, t, store="cudd", node_budget=node_budget)
    except NodeBudgetExceeded:
        raise PrimeImplicantsOutOfReach("BDD of the whole tree", node_budget) from None
    n_levels = len(b.order)
    budget = n_levels if max_order is None else min(max_order, n_levels)
    try:
        z, root = family(b, budget, prime=True, node_budget=node_budget)
    except FamilyBudgetExceeded:
        raise PrimeImplicantsOutOfReach("ZBDD of the prime implicants", node_budget) from None
    return zbdd_result(
        tree,
        b.top,
        z,
        root,
        b.order,
        b.event_probabilities(),
        budget,
        prime=True,
        max_order=max_order,
        mcub_enumeration_limit=mcub_enumeration_limit,
    )
