"""A small zero-suppressed BDD store for families of products (cut sets, implicants).

Owns :class:`Zbdd`: hash-consed nodes ``(var, hi, lo)`` in flat lists (``hi``: the
products that contain ``var``, without it; ``lo``: those that do not), the memoised
set difference and subsumption (``without``) used by
:mod:`blackstart.engine.cutsets`, and path sums over a family: counts by order,
weighted sums (rare-event approximation), the largest product weight, enumeration.
Does not know about fault trees or probabilities.

Node ``0`` is the empty family, node ``1`` the family ``{∅}``; children always have
larger variables and smaller node numbers than their parents. Path sums are
vectorised one variable at a time, deepest variable first, so they cost
O(nodes · width) numpy work instead of Python calls per node.

References:
    S. Minato, "Zero-suppressed BDDs for set manipulation in combinatorial problems",
    DAC 1993.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["BASE", "EMPTY", "Zbdd"]

EMPTY = 0
"""The empty family."""
BASE = 1
"""The family holding only the empty product."""
_LEAF_VAR = 1 << 40


class Zbdd:
    """Hash-consed ZBDD nodes with a memoised difference and vectorised path sums."""

    def __init__(self) -> None:
        self.var: list[int] = [_LEAF_VAR, _LEAF_VAR]
        self.hi: list[int] = [EMPTY, EMPTY]
        self.lo: list[int] = [EMPTY, EMPTY]
        self._unique: dict[tuple[int, int, int], int] = {}
        self._diff: dict[int, int] = {}
        self._without: dict[tuple[int, int], int] = {}
        self._groups: dict[int, list[npt.NDArray[np.int64]]] = {}
        self._bounds: dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = {}
        self._array_cache: (
            tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]] | None
        ) = None

    def node(self, var: int, hi: int, lo: int) -> int:
        """The node ``{var ∪ s : s ∈ hi} ∪ lo`` (zero-suppressed: ``hi`` empty gives ``lo``)."""
        if hi == EMPTY:
            return lo
        key = (var, hi, lo)
        got = self._unique.get(key)
        if got is None:
            got = len(self.var)
            self.var.append(var)
            self.hi.append(hi)
            self.lo.append(lo)
            self._unique[key] = got
        return got

    def diff(self, f: int, g: int) -> int:
        """The products of ``f`` that are not in ``g`` (set difference), memoised.

        The hot loop of the cut sets: ``g``'s variables above ``f``'s are skipped
        without recursion, and the memo key is one integer.
        """
        if f in (EMPTY, g):
            return EMPTY
        var = self.var
        vf = var[f]
        while var[g] < vf:  # products of g with a variable f lacks are not in f
            g = self.lo[g]
        if g == EMPTY:
            return f
        if f == g:
            return EMPTY
        key = (f << 32) | g
        memo = self._diff
        got = memo.get(key)
        if got is not None:
            return got
        if vf < var[g]:
            r = self.node(vf, self.hi[f], self.diff(self.lo[f], g))
        else:
            r = self.node(vf, self.diff(self.hi[f], self.hi[g]), self.diff(self.lo[f], self.lo[g]))
        memo[key] = r
        return r

    def without(self, f: int, g: int) -> int:
        """The products of ``f`` that contain no product of ``g`` (Rauzy 1993), memoised."""
        if f in (EMPTY, g) or g == BASE:
            return EMPTY
        if g == EMPTY:
            return f
        key = (f, g)
        got = self._without.get(key)
        if got is not None:
            return got
        vf, vg = self.var[f], self.var[g]
        if vf < vg:
            r = self.node(vf, self.without(self.hi[f], g), self.without(self.lo[f], g))
        elif vf > vg:
            r = self.without(f, self.lo[g])
        else:
            hi = self.without(self.without(self.hi[f], self.hi[g]), self.lo[g])
            r = self.node(vf, hi, self.without(self.lo[f], self.lo[g]))
        self._without[key] = r
        return r

    def truncate(self, f: int, k: int) -> int:
        """The products of ``f`` with at most ``k`` variables, memoised per call."""
        memo: dict[tuple[int, int], int] = {}

        def rec(f: int, k: int) -> int:
            if f <= BASE:
                return f
            if k <= 0:
                while f > BASE:
                    f = self.lo[f]
                return f
            key = (f, k)
            got = memo.get(key)
            if got is None:
                got = self.node(self.var[f], rec(self.hi[f], k - 1), rec(self.lo[f], k))
                memo[key] = got
            return got

        return rec(f, k)

    def clear_caches(self) -> None:
        """Forget the unique table and the difference cache (nodes stay readable)."""
        self._unique.clear()
        self._diff.clear()
        self._without.clear()

    # ------------------------------------------------------------------ path sums

    def _by_var(self, root: int) -> list[npt.NDArray[np.int64]]:
        """Internal nodes under ``root`` grouped by variable, deepest variable first."""
        got = self._groups.get(root)
        if got is not None:
            return got
        seen = {EMPTY, BASE}
        stack = [root]
        nodes = []
        hi, lo = self.hi, self.lo
        while stack:
            f = stack.pop()
            if f in seen:
                continue
            seen.add(f)
            nodes.append(f)
            stack.append(hi[f])
            stack.append(lo[f])
        ids = np.asarray(nodes, dtype=np.int64)
        var = np.asarray([self.var[f] for f in nodes], dtype=np.int64)
        idx = np.argsort(-var, kind="stable")
        bounds = np.flatnonzero(np.diff(var[idx])) + 1
        groups = [ids[g] for g in np.split(idx, bounds) if g.size]
        self._groups[root] = groups
        return groups

    def _arrays(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The node lists as arrays (cached until the next node is added)."""
        if self._array_cache is not None and self._array_cache[0].size == len(self.var):
            return self._array_cache
        self._array_cache = (
            np.asarray(self.var, dtype=np.int64),
            np.asarray(self.hi, dtype=np.int64),
            np.asarray(self.lo, dtype=np.int64),
        )
        return self._array_cache

    def size(self, root: int) -> int:
        """Number of internal nodes under ``root``."""
        return sum(g.size for g in self._by_var(root))

    def order_counts(self, root: int, max_order: int) -> list[int]:
        """Number of products of each order ``0..max_order`` (exact integers)."""
        groups = self._by_var(root)
        _, hi, lo = self._arrays()
        for dtype in (np.int64, object):
            c = np.zeros((len(self.var), max_order + 1), dtype=dtype)
            c[BASE, 0] = 1
            for g in groups:
                c[g] = c[lo[g]]
                c[g, 1:] += c[hi[g], :-1]
            out = [int(x) for x in c[root]]
            if dtype is object or self._exact_count(root, groups) == sum(out):
                return out
        raise AssertionError("unreachable")  # pragma: no cover

    def _exact_count(self, root: int, groups: list[npt.NDArray[np.int64]]) -> int:
        count = {EMPTY: 0, BASE: 1}
        for g in groups:
            for f in g.tolist():
                count[f] = count[self.hi[f]] + count[self.lo[f]]
        return count[root]

    def weighted_sum(self, root: int, weight: npt.NDArray[np.float64]) -> float:
        """``Σ_products Π_{v ∈ product} weight[v]``."""
        var, hi, lo = self._arrays()
        w = np.zeros(len(self.var))
        w[BASE] = 1.0
        for g in self._by_var(root):
            w[g] = weight[var[g]] * w[hi[g]] + w[lo[g]]
        return float(w[root])

    def poly_sum(
        self, root: int, polys: npt.NDArray[np.float64] | npt.NDArray[np.object_]
    ) -> tuple[npt.NDArray[np.float64] | npt.NDArray[np.object_], float]:
        """``Σ_products Π_{v ∈ product} polys[v]``, polynomials truncated to their length.

        ``polys[v]`` holds a polynomial in the order (coefficient ``j``: ``x^j``); the
        sum of the products is one polynomial. Also returns the largest absolute value
        met on the way, so that a float computation of integer counts can be checked
        exact (below 2^53). O(nodes · length · nonzero coefficients), vectorised per
        variable.
        """
        groups = self._by_var(root)
        width = polys.shape[1]
        ids = np.concatenate([np.asarray([EMPTY, BASE]), *groups]) if groups else np.asarray([0, 1])
        pos = np.full(len(self.var), -1, dtype=np.int64)
        pos[ids] = np.arange(ids.size)
        var, hi, lo = self._arrays()
        c: Any = np.zeros((ids.size, width), dtype=polys.dtype)
        c[1, 0] = 1
        for g in groups:
            pv = polys[var[g[0]]]
            acc = c[pos[lo[g]]]
            h = c[pos[hi[g]]]
            for j in np.flatnonzero(pv):
                acc[:, j:] += pv[j] * h[:, : width - j]
            c[pos[g]] = acc
        top = float(np.max(np.abs(c))) if polys.dtype != object else 0.0
        return c[pos[root]], top

    def max_product(self, root: int, weight: npt.NDArray[np.float64]) -> float:
        """``max_products Π_{v ∈ product} weight[v]`` (0 for the empty family)."""
        var, hi, lo = self._arrays()
        w = np.zeros(len(self.var))
        w[BASE] = 1.0
        for g in self._by_var(root):
            w[g] = np.maximum(weight[var[g]] * w[hi[g]], w[lo[g]])
        return float(w[root])

    def _length_bounds(self, root: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        got = self._bounds.get(root)
        if got is None:
            got = self._bounds[root] = self._compute_length_bounds(root)
        return got

    def _compute_length_bounds(
        self, root: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        _, hi, lo = self._arrays()
        big = np.int64(1 << 40)
        shortest = np.full(len(self.var), big, dtype=np.int64)
        longest = np.full(len(self.var), -big, dtype=np.int64)
        shortest[BASE] = longest[BASE] = 0
        for g in self._by_var(root):
            shortest[g] = np.minimum(shortest[hi[g]] + 1, shortest[lo[g]])
            longest[g] = np.maximum(longest[hi[g]] + 1, longest[lo[g]])
        return shortest, longest

    def enumerate(self, root: int, order: int | None) -> Iterator[tuple[int, ...]]:
        """The products under ``root`` (of exactly ``order`` variables, if given)."""
        shortest, longest = self._length_bounds(root)
        var, hi, lo = self.var, self.hi, self.lo
        stack: list[tuple[int, tuple[int, ...]]] = [(root, ())]
        while stack:
            f, path = stack.pop()
            if f == BASE:
                if order is None or len(path) == order:
                    yield path
                continue
            if f == EMPTY:
                continue
            if order is not None and not shortest[f] <= order - len(path) <= longest[f]:
                continue
            stack.append((lo[f], path))
            stack.append((hi[f], (*path, var[f])))
