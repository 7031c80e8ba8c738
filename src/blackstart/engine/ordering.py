"""Static variable orderings for the BDD of a fault-tree top.

Owns :func:`event_order`: the basic events in the depth-first order of first
appearance from the top, the arguments of each gate visited in the order a
*heuristic* sorts them. The BDD's size depends on the order by orders of magnitude
and no static heuristic is best on every tree (Bouissou, Bruyère & Rauzy 1997), so
:func:`blackstart.engine.modular.compile_modules` tries several under a node budget.

Heuristics (all "depth-first, left-most" orders of Rauzy 1993 / Nikolskaia & Rauzy
1998, which differ only in how a gate's arguments are sorted):

- ``dfs``: the arguments as written in the model;
- ``small-first``: events first, then gates by increasing number of events below
  them (small sub-trees keep few variables open while a big one is built);
- ``fanout-first``: arguments referenced by the most gates first, so shared events
  and sub-trees get the top levels (the "weight" idea of Bouissou et al.);
- ``big-first``: gates by decreasing number of events below them, then events.

The heuristics are tried in the order above, except that one whose order has a clearly
smaller :func:`total_span` is tried first (:func:`rank_heuristics`).

References:
    F. A. Aloul, I. L. Markov, K. A. Sakallah, "FORCE: a fast and easy-to-implement
    variable-ordering heuristic", GLSVLSI 2003.
    A. Rauzy, "New algorithms for fault trees analysis", Reliability Engineering and
    System Safety 40(3), 1993.
    M. Bouissou, F. Bruyère, A. Rauzy, "BDD based fault-tree processing: a comparison
    of variable ordering heuristics", ESREL 1997.
    M. Nikolskaia, A. Rauzy, "Heuristics for BDD handling of sum-of-products formulae",
    ESREL 1998.
"""

from __future__ import annotations

from collections.abc import Callable

from blackstart.engine.faulttree import FaultTree

__all__ = ["HEURISTICS", "event_order", "rank_heuristics"]

HEURISTICS = ("fanout-first", "small-first", "dfs", "big-first")
SPAN_MARGIN = 0.08
"""How much smaller (relative) another order's total span must be to be tried first."""


def _cone_sizes(tree: FaultTree, cone: list[int]) -> dict[int, int]:
    """Number of distinct events below each gate of ``cone`` (bit sets, children first)."""
    bits: dict[int, int] = {}
    for g in cone:
        b = 0
        for a in tree.gates[g].args:
            b |= (1 << a) if a >= 0 else bits[-a - 1]
        bits[g] = b
    return {g: b.bit_count() for g, b in bits.items()}


def _key(tree: FaultTree, cone: list[int], heuristic: str) -> Callable[[int], float] | None:
    if heuristic == "dfs":
        return None
    if heuristic == "fanout-first":
        fan: dict[int, int] = {}
        for g in cone:
            for a in tree.gates[g].args:
                fan[a] = fan.get(a, 0) + 1
        return lambda a: -fan[a]
    size = _cone_sizes(tree, cone)
    if heuristic == "small-first":
        return lambda a: 0 if a >= 0 else size[-a - 1]
    if heuristic == "big-first":
        return lambda a: 0 if a >= 0 else -size[-a - 1]
    raise ValueError(f"unknown ordering heuristic {heuristic!r}; use one of {HEURISTICS}")


def cone(tree: FaultTree, top: int) -> list[int]:
    """The gates below and including ``top``, children first (ascending index)."""
    seen = {top}
    stack = [top]
    while stack:
        for a in tree.gates[stack.pop()].args:
            if a < 0 and -a - 1 not in seen:
                seen.add(-a - 1)
                stack.append(-a - 1)
    return sorted(seen)


def event_order(tree: FaultTree, top: int, heuristic: str = "dfs") -> tuple[list[int], list[int]]:
    """Events in depth-first order of first appearance from ``top`` (arguments sorted by
    ``heuristic``, stable), and the gates of its cone, children first.

    Complexity: O(gates + arguments · log arguments), plus O(gates · events / 64) for
    the sub-tree sizes of ``small-first`` and ``big-first``.
    """
    gates = cone(tree, top)
    key = _key(tree, gates, heuristic)
    events: list[int] = []
    seen_e: set[int] = set()
    seen_g: set[int] = {top}

    def args(g: int) -> list[int]:
        a = list(tree.gates[g].args)
        return a if key is None else sorted(a, key=key)

    stack = [iter(args(top))]
    while stack:
        ref = next(stack[-1], None)
        if ref is None:
            stack.pop()
        elif ref >= 0:
            if ref not in seen_e:
                seen_e.add(ref)
                events.append(ref)
        elif -ref - 1 not in seen_g:
            seen_g.add(-ref - 1)
            stack.append(iter(args(-ref - 1)))
    return events, gates


def total_span(tree: FaultTree, top: int, events: list[int], gates: list[int]) -> int:
    """Σ over the gates of ``top``'s cone of the span (last level − first level) of the
    events below each gate, for the variable order ``events``: a static proxy of the
    BDD's width (the cost FORCE minimises; Aloul, Markov & Sakallah 2003)."""
    pos = {e: i for i, e in enumerate(events)}
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    total = 0
    for g in gates:
        lo, hi = len(events), -1
        for a in tree.gates[g].args:
            if a >= 0:
                lo, hi = min(lo, pos[a]), max(hi, pos[a])
            else:
                lo, hi = min(lo, first[-a - 1]), max(hi, last[-a - 1])
        first[g], last[g] = lo, hi
        total += max(0, hi - lo)
    return total


def rank_heuristics(tree: FaultTree, top: int) -> list[str]:
    """:data:`HEURISTICS` in their order, except that the one of smallest
    :func:`total_span` comes first when its span is at least :data:`SPAN_MARGIN` below
    the first's: the span is a coarse proxy, only a clear difference overrides the
    default (on the Aralia set, smaller margins chose larger BDDs as often as smaller)."""
    spans = {h: total_span(tree, top, *event_order(tree, top, h)) for h in HEURISTICS}
    best = min(HEURISTICS, key=spans.__getitem__)
    if spans[best] <= (1.0 - SPAN_MARGIN) * spans[HEURISTICS[0]]:
        return [best, *(h for h in HEURISTICS if h != best)]
    return list(HEURISTICS)
