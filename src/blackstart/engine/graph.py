"""The compiled graph every analysis runs on.

Owns :class:`CompiledGraph`: an immutable, integer-indexed failure-logic DAG. Node
``v`` is *down* when it was failed directly, or when at least ``threshold[v]`` of its
children are down. So an ``all_of`` requirement is an OR gate in failure space
(threshold 1), ``any_of`` an AND gate (threshold = number of children), and
``at_least k of n`` a k-out-of-n voting gate with threshold n - k + 1, as in fault
trees (Vesely et al., *Fault Tree Handbook*, NUREG-0492, 1981, ch. IV).

Nodes are numbered by level (leaves first) and, within a level, by gate operator, so
each (level, operator) group is one contiguous range of nodes whose children are one
contiguous range of edges: the propagation is then a handful of vectorised
``reduceat`` calls per level. Names are kept only to map results back at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

# node kinds; AT_PLACE is a function at one of its places of delivery
# (``function:lab-results@hospital-west``): the function's own node is then down when
# the function is down at some place (an OR of its AT_PLACE nodes)
PROVIDER, SITE, COMPONENT, FUNCTION, GATE, AT_PLACE = 0, 1, 2, 3, 4, 5
KIND_NAMES = ("provider", "site", "component", "function", "gate", "function@place")

# gate operators of a group, in failure space
LEAF, OR, AND, ATLEAST = 0, 1, 2, 3
OP_NAMES = ("leaf", "or", "and", "atleast")

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class CompiledGraph:
    """Immutable failure-logic DAG in topological order (children before parents)."""

    names: tuple[str, ...]
    """Node labels: ``provider:x``, ``site:x``, ``component:x``, ``function:x``, or a gate
    label ``component:x#any_of`` (gates are anonymous parts of a requirement)."""
    kind: npt.NDArray[np.uint8]
    threshold: npt.NDArray[np.int32]
    """Down when at least this many children are down (0 for leaves)."""
    child_ptr: IntArray
    """CSR row pointer: children of ``v`` are ``child_idx[child_ptr[v]:child_ptr[v+1]]``."""
    child_idx: npt.NDArray[np.int32]
    level: npt.NDArray[np.int32]
    groups: tuple[tuple[int, int, int], ...]
    """``(start, end, op)`` node ranges in evaluation order (leaves excluded)."""
    model_hash: str = ""
    places: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Places of delivery: function id -> place ids, for the functions that have them;
    the function at a place is the node ``function:ID@PLACE``."""
    _cache: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.names)

    @property
    def n_edges(self) -> int:
        """Number of child edges."""
        return int(self.child_idx.shape[0])

    @cached_property
    def index(self) -> dict[str, int]:
        """Node label -> node id."""
        return {name: i for i, name in enumerate(self.names)}

    @cached_property
    def edge_parent(self) -> npt.NDArray[np.int32]:
        """Parent node of every edge (the row of the CSR), for transposing."""
        counts = np.diff(self.child_ptr)
        return np.repeat(np.arange(self.n, dtype=np.int32), counts)

    def children(self, v: int) -> npt.NDArray[np.int32]:
        """Children of node ``v``."""
        return self.child_idx[self.child_ptr[v] : self.child_ptr[v + 1]]

    def nodes_of_kind(self, kind: int) -> npt.NDArray[np.int64]:
        """Ids of all nodes of one kind (``COMPONENT``, ``FUNCTION``, …)."""
        return np.flatnonzero(self.kind == kind)

    def label(self, v: int) -> str:
        """The node's label."""
        return self.names[v]

    @cached_property
    def _place_nodes(self) -> dict[str, dict[str, int]]:
        index = self.index
        return {f: {p: index[f"function:{f}@{p}"] for p in ps} for f, ps in self.places.items()}

    def place_nodes(self, function: str) -> dict[str, int]:
        """Place id -> node id of the function at that place (empty without places)."""
        return self._place_nodes.get(function, {})
