"""Fault-tree preprocessing before the BDD: simplification and modular decomposition.

Owns :func:`decompose`: the cone of one top of a
:class:`~blackstart.engine.faulttree.FaultTree`, simplified and cut into *modules*,
each a small fault tree of its own whose leaves are basic events or the modules
below it. Independent modules get their own BDDs (:mod:`blackstart.engine.modular`
combines their probabilities and cut-set families); this module only rewrites the
graph and computes nothing numeric.

Simplification (one pass, children before parents; Rauzy 1993, §3; Dutuit & Rauzy
1996, §2): constants (``true``/``false`` gates, from house events and constants)
are propagated; ``null`` gates, single-argument ``and``/``or`` and ``atleast`` with
``k = 1`` or ``k = n`` are rewritten; duplicate arguments of ``and``/``or`` dropped;
``not not x`` becomes ``x``. Then an ``and`` (``or``) argument of an ``and`` (``or``)
gate that has no other parent is merged into it (coalescing), which exposes modules.

Modules (Dutuit & Rauzy 1996): a gate is a module when no node below it is reached
from outside it. One depth-first traversal dates the first visit ``t1``, the end of
the first visit ``t2`` and the last visit ``t3`` of every node; a gate ``g`` is a
module iff every descendant ``d`` has ``t1[g] < t1[d]`` and ``t3[d] < t2[g]``
(linear time: the extreme dates of the descendants are propagated bottom-up).

For minimal cut sets and minimal solutions a module may stand for a single variable
only when it is coherent (the proof: a minimal solution either fails the module by
one of its minimal cut sets, or leaves all of its events working); non-coherent
gates below a non-coherent module are therefore kept inline (``coherent_only``).

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
    >>> d = decompose(t, 1)
    >>> [m.leaves for m in d.modules]
    [(1, 2), (0, -1)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from blackstart.engine.faulttree import COHERENT_OPS, FaultTree, Gate

__all__ = ["Decomposition", "Module", "decompose"]

_TRUE = -(1 << 40)
"""Reference of the constant ``true`` during simplification."""
_FALSE = _TRUE - 1
"""Reference of the constant ``false`` during simplification."""


@dataclass
class _Node:
    op: str
    args: list[int]
    k: int = 0
    k_max: int = 0


Graph = dict[int, _Node]
"""Simplified gates by original gate index; references as in ``FaultTree`` plus the
two constants."""


@dataclass(frozen=True, eq=False)
class Module:
    """One module as a fault tree of its own (its top is its last gate).

    ``tree.events`` are the module's leaves; ``leaves[i]`` is the original event index
    (``>= 0``) of leaf ``i`` or ``-(m + 1)`` for the module ``m`` it stands for.
    ``tree.probabilities`` holds the events' probabilities and NaN for the proxies
    (their modules' probabilities are known only once those are computed).
    """

    tree: FaultTree
    leaves: tuple[int, ...]
    coherent: bool


@dataclass(frozen=True, eq=False)
class Decomposition:
    """The modules of one top, children before parents (the last is the top)."""

    modules: tuple[Module, ...]
    constant: bool | None
    """The top's value when it simplified to a constant (then ``modules`` is empty)."""


def decompose(tree: FaultTree, top: int, *, coherent_only: bool = True) -> Decomposition:
    """Simplify the cone of gate ``top`` and cut it into modules.

    ``coherent_only``: only coherent modules stand for a variable in their parents
    (needed for minimal cut sets and minimal solutions; probabilities allow any).
    Complexity: O(gates + arguments) besides the dictionary work.
    """
    graph, root = simplify(tree, top)
    if root in (_TRUE, _FALSE):
        return Decomposition((), root == _TRUE)
    if root >= 0:  # the top is one event (possibly negated gates folded away)
        graph = {0: _Node("null", [root])}
        root = -1
    coalesce(graph, root)
    modules = find_modules(graph, root)
    coherent = _coherence(graph, root)
    if coherent_only:
        modules = {g for g in modules if coherent[g] or g == -root - 1}
    return Decomposition(_build(tree, graph, root, modules, coherent), None)


def simplify(tree: FaultTree, top: int) -> tuple[Graph, int]:
    """Simplified gates of the cone of ``top`` and the reference the top became."""
    out: Graph = {}
    repl: dict[int, int] = {}
    seen = {top}
    stack = [top]
    while stack:
        g = stack.pop()
        for r in tree.gates[g].args:
            if r < 0 and -r - 1 not in seen:
                seen.add(-r - 1)
                stack.append(-r - 1)
    for g in sorted(seen):  # children before parents
        gate = tree.gates[g]
        args = [r if r >= 0 else repl[-r - 1] for r in gate.args]
        repl[g] = _rewrite(g, gate.op, args, gate.k, gate.k_max, out)
    return out, repl[top]


def _negate(g: int, a: int, out: Graph) -> int:
    if a == _TRUE:
        return _FALSE
    if a == _FALSE:
        return _TRUE
    if a < 0 and out[-a - 1].op == "not":
        return out[-a - 1].args[0]
    out[g] = _Node("not", [a])
    return -g - 1


def _rewrite(g: int, op: str, args: list[int], k: int, k_max: int, out: Graph) -> int:
    """The reference gate ``g`` becomes; its simplified node goes into ``out``."""
    if op == "null":
        return args[0]
    if op == "true":
        return _TRUE
    if op == "false":
        return _FALSE
    if op == "not":
        return _negate(g, args[0], out)
    if op in ("and", "or", "nand", "nor"):
        base = op if op in ("and", "or") else op[1:]
        absorbing, neutral = (_FALSE, _TRUE) if base == "and" else (_TRUE, _FALSE)
        if absorbing in args:
            res = absorbing
        else:
            kept = list(dict.fromkeys(a for a in args if a != neutral))
            if not kept:
                res = neutral
            elif len(kept) == 1:
                res = kept[0]
            else:
                out[g] = _Node(base, kept)
                res = -g - 1
        if base == op:
            return res
        if res == -g - 1:
            out[g] = _Node(op, out[g].args)
            return res
        return _negate(g, res, out)
    if op == "atleast":
        kept = [a for a in args if a != _FALSE]
        k -= sum(a == _TRUE for a in kept)
        kept = [a for a in kept if a != _TRUE]
        if k <= 0:
            return _TRUE
        if k > len(kept):
            return _FALSE
        if k == 1 or (k == len(kept) and len(set(kept)) == len(kept)):
            return _rewrite(g, "or" if k == 1 else "and", kept, 0, 0, out)
        out[g] = _Node("atleast", kept, k)
        return -g - 1
    out[g] = _Node(op, args, k, k_max)  # xor, iff, imply, cardinality: kept as they are
    return -g - 1


def _parents(graph: Graph, root: int) -> dict[int, int]:
    """Number of references to each gate reachable from ``root``."""
    count: dict[int, int] = {-root - 1: 1}
    stack = [-root - 1]
    while stack:
        g = stack.pop()
        for a in graph[g].args:
            if _TRUE < a < 0:
                c = -a - 1
                count[c] = count.get(c, 0) + 1
                if count[c] == 1:
                    stack.append(c)
    return count


def coalesce(graph: Graph, root: int) -> None:
    """Merge each ``and`` (``or``) argument with no other parent into its ``and`` (``or``)
    parent, in place (Dutuit & Rauzy 1996, §2). Children are merged before parents
    (gate indices are topological), so chains collapse in one pass."""
    count = _parents(graph, root)
    for g in sorted(count):
        node = graph[g]
        if node.op not in ("and", "or"):
            continue
        merged: list[int] = []
        changed = False
        for a in node.args:
            c = -a - 1
            if _TRUE < a < 0 and count[c] == 1 and graph[c].op == node.op:
                merged.extend(graph[c].args)
                del graph[c]
                changed = True
            else:
                merged.append(a)
        if changed:
            node.args = list(dict.fromkeys(merged))


def _gate_args(node: _Node) -> list[int]:
    return [-a - 1 for a in node.args if _TRUE < a < 0]


def find_modules(graph: Graph, root: int) -> set[int]:
    """Gate indices of the modules below (and including) ``root`` (Dutuit & Rauzy 1996).

    One iterative depth-first traversal dates the visits; the extreme dates of each
    gate's descendants are then propagated children first. O(gates + arguments).
    """
    t1: dict[int, int] = {}
    t2: dict[int, int] = {}
    t3: dict[int, int] = {}
    e1: dict[int, int] = {}
    e3: dict[int, int] = {}
    clock = 1
    start = -root - 1
    t1[start] = t3[start] = clock
    stack = [(start, iter(graph[start].args))]
    while stack:
        g, it = stack[-1]
        a = next(it, None)
        clock += 1
        if a is None:
            t2[g] = clock
            stack.pop()
        elif a >= 0:
            e1.setdefault(a, clock)
            e3[a] = clock
        elif a > _TRUE:
            c = -a - 1
            if c in t1:
                t3[c] = clock
            else:
                t1[c] = t3[c] = clock
                stack.append((c, iter(graph[c].args)))
    lo: dict[int, int] = {}
    hi: dict[int, int] = {}
    modules: set[int] = set()
    for g in sorted(t1):
        low, high = 1 << 62, -1
        for a in graph[g].args:
            if a >= 0:
                low, high = min(low, e1[a]), max(high, e3[a])
            elif a > _TRUE:
                c = -a - 1
                low, high = min(low, t1[c], lo[c]), max(high, t3[c], hi[c])
        lo[g], hi[g] = low, high
        if low > t1[g] and high < t2[g]:
            modules.add(g)
    modules.add(start)
    return modules


def _coherence(graph: Graph, root: int) -> dict[int, bool]:
    """Whether each gate's function is coherent (no negation below it)."""
    out: dict[int, bool] = {}
    for g in sorted(_parents(graph, root)):
        node = graph[g]
        out[g] = node.op in COHERENT_OPS and all(out[c] for c in _gate_args(node))
    return out


def _build(
    tree: FaultTree, graph: Graph, root: int, modules: set[int], coherent: dict[int, bool]
) -> tuple[Module, ...]:
    index = {g: i for i, g in enumerate(sorted(modules))}
    out: list[Module] = []
    for m in sorted(modules):
        leaves: list[int] = []
        leaf_of: dict[int, int] = {}
        local: list[int] = []
        seen = {m}
        stack = [m]
        while stack:
            g = stack.pop()
            local.append(g)
            for a in graph[g].args:
                if a >= 0:
                    key = a
                elif a <= _TRUE:
                    continue
                elif -a - 1 in modules:
                    key = -index[-a - 1] - 1
                else:
                    if -a - 1 not in seen:
                        seen.add(-a - 1)
                        stack.append(-a - 1)
                    continue
                if key not in leaf_of:
                    leaf_of[key] = len(leaves)
                    leaves.append(key)
        local.sort()
        const = [
            op
            for op, c in (("true", _TRUE), ("false", _FALSE))
            if any(c in graph[g].args for g in local)
        ]
        gate_of = {g: len(const) + i for i, g in enumerate(local)}
        const_ref = {c: -i - 1 for i, c in enumerate(const)}
        gates = [Gate(op, op, ()) for op in const]
        for g in local:
            node = graph[g]
            args = []
            for a in node.args:
                if a >= 0:
                    args.append(leaf_of[a])
                elif a == _TRUE:
                    args.append(const_ref["true"])
                elif a == _FALSE:
                    args.append(const_ref["false"])
                elif -a - 1 in modules:
                    args.append(leaf_of[-index[-a - 1] - 1])
                else:
                    args.append(-gate_of[-a - 1] - 1)
            name = tree.gates[g].name if g < len(tree.gates) else f"gate {g}"
            gates.append(Gate(name, node.op, tuple(args), node.k, node.k_max))
        probs = tuple(float(tree.probabilities[e]) if e >= 0 else math.nan for e in leaves)
        names = tuple(tree.events[e] if e >= 0 else f"module {-e - 1}" for e in leaves)
        sub = FaultTree(names, probs, tuple(gates), (len(gates) - 1,), tree.name)
        out.append(Module(sub, tuple(leaves), coherent[m]))
    return tuple(out)
