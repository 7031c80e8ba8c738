"""Minimal cut sets, minimal solutions and prime implicants of one BDD, as a ZBDD.

Owns :func:`family`: from a :class:`~blackstart.engine.bdd.TopBdd`, the zero-suppressed
BDD (Minato 1993) of its products over *literals* (code ``2·level`` for a failed event,
``2·level + 1`` for a working one), held in the pure-Python store of
:mod:`blackstart.engine.zbdd`. What a family *is* (counts, sums, listing) is
:mod:`blackstart.engine.products`; which route builds it for a tree is
:mod:`blackstart.engine.cutsets`.

- *Coherent trees* (Rauzy 1993): ``MCS(ite(x, f1, f0)) = MCS(f0) ∪ x·(MCS(f1) ∖ MCS(f0))``.
  Rauzy's ``without`` (drop the sets that contain a set of ``MCS(f0)``) reduces to
  plain set difference here: ``f0 ≤ f1``, so a minimal solution of ``f1`` containing
  one of ``f0`` is one of ``f0``.
- *Non-coherent trees* (Rauzy & Dutuit 1997): prime implicants,
  ``PI(f) = PI(f1·f0) ∪ x·(PI(f1) ∖ PI(f1·f0)) ∪ ¬x·(PI(f0) ∖ PI(f1·f0))``, the
  consensus ``f1·f0`` computed by CUDD.
- *Minimal solutions* of a non-coherent tree (``prime=False``, SCRAM's default "cut
  sets"): ``MS(f) = MS(f0) ∪ x·without(MS(f1), MS(f0))`` (Rauzy 1993), the minimal
  sets of failed events that make the top true when all other events work.
- *Order limit* (as SCRAM's ``limit-order``): products with more than ``budget``
  literals are dropped during the recursion (a budget per call, capped by the number
  of remaining levels so that the untruncated case visits each BDD node once). For
  minimal cut sets with a limit of at least :data:`TRUNCATE_AFTER` the family is
  computed untruncated and truncated afterwards: on the Aralia set this is 3-4x faster.

References:
    A. Rauzy, "New algorithms for fault trees analysis", Reliability Engineering and
    System Safety 40(3), 1993.
    A. Rauzy, Y. Dutuit, "Exact and truncated computations of prime implicants of
    coherent and non-coherent fault trees within Aralia", Reliability Engineering and
    System Safety 58(2), 1997.
    S. Minato, "Zero-suppressed BDDs for set manipulation in combinatorial problems",
    DAC 1993.
"""

from __future__ import annotations

from blackstart.engine.bdd import Function, TopBdd
from blackstart.engine.products import recursion_at_least
from blackstart.engine.zbdd import BASE, EMPTY, Zbdd

__all__ = ["TRUNCATE_AFTER", "FamilyBudgetExceeded", "family"]

TRUNCATE_AFTER = 10
"""From this order limit on, minimal cut sets are computed without the limit (one call
per BDD node instead of one per node and budget) and truncated afterwards."""


class FamilyBudgetExceeded(Exception):
    """Prime implicants: the ZBDD grew beyond ``node_budget`` nodes."""


def family(
    b: TopBdd, budget: int, *, prime: bool, node_budget: int | None = None
) -> tuple[Zbdd, int]:
    """The ZBDD of the minimal cut sets (minimal solutions; prime implicants when
    ``prime``) of the BDD ``b`` with at most ``budget`` literals, and its root.

    ZBDD variable ``2·level`` is the event at that BDD level failed, ``2·level + 1``
    working. With ``node_budget`` (prime implicants only), raises
    :class:`FamilyBudgetExceeded` when the ZBDD holds more nodes (checked every 4,096
    calls and at the end; asking CUDD for its node count there tripled the time).
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

    calls = [0]
    limit = node_budget

    def prime_implicants_of(u: Function, k: int) -> int:
        """Prime implicants, on CUDD (the consensus ``f1·f0`` is a new BDD)."""
        if limit is not None:
            calls[0] += 1
            if calls[0] & 4095 == 0 and len(z.var) > limit:
                raise FamilyBudgetExceeded(f"over {limit} nodes")
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
            if limit is not None and len(z.var) > limit:
                raise FamilyBudgetExceeded(f"over {limit} nodes")
        elif budget >= TRUNCATE_AFTER or budget == n_levels:
            root = z.upto(minimal_all(b.root_ref), budget)
        else:
            root = minimal(b.root_ref, budget)
    memo_ref.clear()
    memo_all.clear()
    memo.clear()
    z.clear_caches()

    return z, root
