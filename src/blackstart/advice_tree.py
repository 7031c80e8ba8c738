"""Changes to a fault tree that ``blackstart improve`` evaluates: a redundant peer of an
element, an element moved to another site, a shared power source split.

Owns the tree surgery only (new gates and events inserted in topological order, references
remapped); what to propose and how to rank it is :mod:`blackstart.advice`. Works on the
engine's :class:`~blackstart.engine.faulttree.FaultTree`, so it never sees the model.
"""

from __future__ import annotations

from dataclasses import replace

from blackstart.engine.faulttree import FaultTree, Gate, gate_ref


def rebuild(tree: FaultTree, after: int, extra: list[Gate], redirect: int | None) -> FaultTree:
    """Insert ``extra`` gates right after gate ``after``; references to gate ``after``
    from later gates go to the last extra gate when ``redirect`` is set. Extra gates
    refer to existing gates by their old reference and to each other by
    ``gate_ref(after + 1 + i)``."""
    shift = len(extra)

    def remap(r: int, *, outer: bool) -> int:
        if r >= 0:
            return r
        g = -r - 1
        if outer and redirect is not None and g == after:
            return gate_ref(after + shift)
        return gate_ref(g + shift) if g > after else r

    gates: list[Gate] = []
    for i, g in enumerate(tree.gates):
        gates.append(g if i <= after else replace(g, args=tuple(remap(r, outer=True)
                                                                for r in g.args)))  # fmt: skip
        if i == after:
            gates.extend(extra)
    tops = tuple(t + shift if t > after else t for t in tree.tops)
    return replace(tree, gates=tuple(gates), tops=tops)


def split_shared(tree: FaultTree, shared: int, parents: list[int]) -> FaultTree:
    """``tree`` where every parent gate but the first gets its own copy of the element
    ``shared`` (a signed reference): a new basic event with the same probability and,
    when the element is a gate, the same requirements (its site, its own supply)."""
    label = tree.events[shared] if shared >= 0 else tree.gates[-shared - 1].name
    n_ev = len(tree.events)
    copies = [f"{label}#{i + 2}" for i in range(len(parents) - 1)]
    p_own = tree.probabilities[shared if shared >= 0 else own_event(tree, -shared - 1)]
    widened = replace(tree, events=(*tree.events, *copies),
                      probabilities=(*tree.probabilities, *[p_own] * len(copies)))  # fmt: skip
    if shared >= 0:  # a leaf element: its copies are plain basic events
        new_refs = [n_ev + i for i in range(len(copies))]
        out = widened
        shifted = parents
    else:
        g = -shared - 1
        own = own_event(tree, g)
        extra = [replace(tree.gates[g], name=c,
                         args=tuple(n_ev + i if a == own else a for a in tree.gates[g].args))
                 for i, c in enumerate(copies)]  # fmt: skip
        out = rebuild(widened, g, extra, redirect=None)
        new_refs = [gate_ref(g + 1 + i) for i in range(len(copies))]
        shifted = [j + len(extra) if j > g else j for j in parents]
        shared = gate_ref(g)
    gates = list(out.gates)
    for j, ref in zip(shifted[1:], new_refs, strict=True):
        gates[j] = replace(gates[j], args=tuple(ref if a == shared else a for a in gates[j].args))
    return replace(out, gates=tuple(gates))


def own_event(tree: FaultTree, g: int) -> int:
    """The basic event of the element whose gate is ``g`` (its own failure)."""
    own = tree.event_index().get(tree.gates[g].name)
    if own is None:
        raise ValueError(f"gate {tree.gates[g].name} has no event of its own")
    return own


def element_of(tree: FaultTree, g: int) -> str:
    """The named element a gate belongs to (anonymous requirement gates carry their
    owner's name before ``#``)."""
    name = tree.gates[g].name
    return name.partition(":")[2].split("#")[0] or name


def add_peer(tree: FaultTree, g: int, *, drop: set[int], add: tuple[int, ...]) -> FaultTree:
    """``tree`` where the element of gate ``g`` gets a redundant peer: a new basic event
    (with the element's own probability) OR the element's requirements minus ``drop``
    plus ``add`` (e.g. its site swapped for another); what needed the element then needs
    the element or its peer (an AND of the two). The peer is gate ``g + 1``, the pair
    ``g + 2``; later gates shift by 2."""
    gate = tree.gates[g]
    own = own_event(tree, g)
    peer_event = len(tree.events)
    kept = [a for a in gate.args if a != own and a not in drop]
    peer = Gate(gate.name + "#peer", "or", (peer_event, *add, *kept))
    both = Gate(gate.name + "#pair", "and", (gate_ref(g), gate_ref(g + 1)))
    widened = replace(tree, events=(*tree.events, gate.name + "#peer"),
                      probabilities=(*tree.probabilities, tree.probabilities[own]))  # fmt: skip
    return rebuild(widened, g, [peer, both], redirect=g)


def swap_arg(tree: FaultTree, g: int, old: int, new: int) -> FaultTree:
    """``tree`` where gate ``g`` refers to ``new`` instead of ``old`` (a move)."""
    gate = tree.gates[g]
    moved = replace(gate, args=tuple(new if a == old else a for a in gate.args))
    return replace(tree, gates=tuple(moved if i == g else x for i, x in enumerate(tree.gates)))
