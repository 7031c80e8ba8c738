"""A pure-Python reduced ordered BDD for small fault trees and small modules.

Owns :class:`SmallBdd`: hash-consed nodes ``(level, high, low)`` in flat lists with
complement edges, the operators a fault-tree gate needs (``and``, ``or``, ``xor``,
negation in O(1)) and :meth:`SmallBdd.export` into the flat form of
:class:`blackstart.engine.bdd.TopBdd`. It exists for start-up time, not for size:
loading CUDD (``dd.cudd``) and numpy costs about 0.2 s per process, more than a
whole small analysis, so :func:`blackstart.engine.bdd.build_bdd` uses this store for
trees of few events and falls back to CUDD when a node budget is exceeded.

Conventions (the same as CUDD's, so both stores export identical diagrams for one
variable order): node 0 is the ``True`` leaf; a reference is ``2·node + c``, ``c = 1``
for a complemented edge, so ``0`` is true and ``1`` false; the *then* edge of a node
is never complemented (a complemented one is moved to the node's incoming edge). A
node is created after its children, so children have smaller numbers.

Each binary operation is the classic recursive *apply* with a computed table
(Bryant 1986); conjunction and exclusive or are the only two kept (``f | g`` is
``¬(¬f & ¬g)``). Complexity: O(|f|·|g|) nodes visited per operation.

References:
    R. E. Bryant, "Graph-based algorithms for Boolean function manipulation",
    IEEE Trans. Computers C-35(8), 1986.
    K. S. Brace, R. L. Rudell, R. E. Bryant, "Efficient implementation of a BDD
    package", DAC 1990 (complement edges).

Example:
    >>> m = SmallBdd(2, node_budget=100)
    >>> a, b = m.var(0), m.var(1)
    >>> f = m.apply_or(a, m.apply_and(a, b))
    >>> f == a, m.size(f)
    (True, 2)
"""

from __future__ import annotations

import sys
from collections.abc import Callable

__all__ = ["FALSE", "TRUE", "SmallBdd", "SmallBddBudgetExceeded"]

TRUE = 0
FALSE = 1


class SmallBddBudgetExceeded(Exception):
    """More nodes than the ``node_budget`` of the :class:`SmallBdd` were created."""


class SmallBdd:
    """Nodes over ``n_levels`` variables; variable ``i`` sits at level ``i``."""

    def __init__(self, n_levels: int, *, node_budget: int) -> None:
        self.n_levels = n_levels
        self.node_budget = node_budget
        self.level: list[int] = [n_levels]
        self.high: list[int] = [TRUE]
        self.low: list[int] = [TRUE]
        self._unique: dict[int, int] = {}
        """``level << 64 | high << 32 | low`` -> node (references stay below 2^32)."""
        self._and: dict[int, int] = {}
        """``f << 32 | g`` (``f <= g``) -> ``f ∧ g``."""
        self._xor: dict[int, int] = {}

    def _node(self, lvl: int, hi: int, lo: int) -> int:
        """The reference of ``ite(x_lvl, hi, lo)``, reduced and canonical."""
        if hi == lo:
            return hi
        neg = hi & 1
        if neg:
            hi ^= 1
            lo ^= 1
        key = (lvl << 64) | (hi << 32) | lo
        n = self._unique.get(key)
        if n is None:
            n = len(self.level)
            if n > self.node_budget:
                raise SmallBddBudgetExceeded(f"over {self.node_budget} nodes")
            self._unique[key] = n
            self.level.append(lvl)
            self.high.append(hi)
            self.low.append(lo)
        return 2 * n + neg

    def var(self, lvl: int) -> int:
        """The reference of the variable at level ``lvl``."""
        return self._node(lvl, TRUE, FALSE)

    def _split(self, f: int, g: int) -> tuple[int, int, int, int, int]:
        """The top level of ``f`` and ``g`` and their cofactors there."""
        level = self.level
        nf, ng = f >> 1, g >> 1
        lf, lg = level[nf], level[ng]
        lvl = lf if lf < lg else lg
        if lf == lvl:
            c = f & 1
            fh, fl = self.high[nf] ^ c, self.low[nf] ^ c
        else:
            fh = fl = f
        if lg == lvl:
            c = g & 1
            gh, gl = self.high[ng] ^ c, self.low[ng] ^ c
        else:
            gh = gl = g
        return lvl, fh, fl, gh, gl

    def _apply(self, table: dict[int, int], op: Callable[[int, int], int], f: int, g: int) -> int:
        """The non-terminal case of a commutative operator: Shannon expansion on the
        top level, memoised in ``table``."""
        if f > g:
            f, g = g, f
        key = (f << 32) | g
        r = table.get(key)
        if r is None:
            lvl, fh, fl, gh, gl = self._split(f, g)
            r = self._node(lvl, op(fh, gh), op(fl, gl))
            table[key] = r
        return r

    def apply_and(self, f: int, g: int) -> int:
        """``f ∧ g``."""
        if f in (TRUE, g):
            return g
        if g == TRUE:
            return f
        if f == FALSE or g == FALSE or f == g ^ 1:
            return FALSE
        return self._apply(self._and, self.apply_and, f, g)

    def apply_or(self, f: int, g: int) -> int:
        """``f ∨ g`` (De Morgan on the conjunction)."""
        return self.apply_and(f ^ 1, g ^ 1) ^ 1

    def apply_xor(self, f: int, g: int) -> int:
        """``f ⊕ g`` (complements factored out: ``¬f ⊕ g = ¬(f ⊕ g)``)."""
        neg = (f ^ g) & 1
        f &= ~1
        g &= ~1
        if f == g:
            return FALSE ^ neg
        if f == TRUE:
            return g ^ 1 ^ neg
        if g == TRUE:
            return f ^ 1 ^ neg
        return self._apply(self._xor, self.apply_xor, f, g) ^ neg

    def size(self, f: int) -> int:
        """Number of nodes under ``f``, the leaf included."""
        seen = {0}
        stack = [f >> 1]
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            stack.append(self.high[n] >> 1)
            stack.append(self.low[n] >> 1)
        return len(seen)

    def export(self, root: int) -> tuple[list[int], list[int], list[int], int]:
        """``(level, high, low, root_ref)`` of the nodes under ``root``, renumbered in
        depth-first post-order (then child first) with the leaf first: children come
        before their parents, and one diagram always gets one numbering (the layout of
        :class:`blackstart.engine.bdd.TopBdd`, the walk of its CUDD export)."""
        ids = {0: 0}
        level = [self.n_levels]
        high = [TRUE]
        low = [TRUE]
        stack: list[tuple[int, bool]] = [(root >> 1, False)]
        while stack:
            n, done = stack.pop()
            if n in ids:
                continue
            h, lo = self.high[n], self.low[n]
            if not done:
                stack.append((n, True))
                if lo >> 1 not in ids:
                    stack.append((lo >> 1, False))
                if h >> 1 not in ids:
                    stack.append((h >> 1, False))
                continue
            ids[n] = len(level)
            level.append(self.level[n])
            high.append(2 * ids[h >> 1] + (h & 1))
            low.append(2 * ids[lo >> 1] + (lo & 1))
        return level, high, low, 2 * ids[root >> 1] + (root & 1)


def recursion_for(n_levels: int) -> int:
    """A recursion limit deep enough for :class:`SmallBdd` operations on ``n_levels``."""
    return max(sys.getrecursionlimit(), 4 * n_levels + 200)
