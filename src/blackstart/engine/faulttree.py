"""The fault tree every resilience analysis runs on, whatever it was read from.

Owns :class:`FaultTree`: basic events with probabilities, and gates over signed
references, in topological order. Both the Open-PSA MEF importer (``io/mef.py``) and
the compilation of a YAML model (``model/faulttree.py``) produce it; the BDD analyses
(``engine/bdd.py``) consume it. Names are kept only to report results.

A reference ``r`` in ``Gate.args`` is a basic event when ``r >= 0`` (``events[r]``) and
gate ``-r - 1`` when ``r < 0``. Gate operators (Open-PSA MEF 2.0d, §5.2): ``and``,
``or``, ``atleast`` (at least ``k`` of the arguments), ``cardinality`` (between ``k`` and
``k_max``), ``not`` (one argument), ``xor``, ``nand``, ``nor``, ``iff``, ``imply`` (two
arguments: not a or b), ``null`` (pass-through of its single argument), ``true`` and
``false`` (constants, no arguments; house events and constants become these).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

Probabilities = Union[Sequence[float], "npt.NDArray[np.float64]"]
"""Event probabilities: a tuple or list of floats, or a numpy array (the engine reads
them one by one, so the fault-tree commands need not import numpy)."""

GATE_OPS = frozenset(
    {
        "and",
        "or",
        "atleast",
        "cardinality",
        "not",
        "xor",
        "nand",
        "nor",
        "iff",
        "imply",
        "null",
        "true",
        "false",
    }
)
COHERENT_OPS = frozenset({"and", "or", "atleast", "null", "true", "false"})


def gate_ref(index: int) -> int:
    """The signed reference of gate ``index``."""
    return -index - 1


@dataclass(frozen=True)
class Gate:
    """One gate: ``op`` over ``args`` (signed references)."""

    name: str
    op: str
    args: tuple[int, ...]
    k: int = 0
    """``atleast``: the minimum; ``cardinality``: the minimum."""
    k_max: int = 0
    """``cardinality``: the maximum."""


@dataclass(frozen=True, eq=False)
class FaultTree:
    """Basic events and gates (children before parents), with the targets to analyse."""

    events: tuple[str, ...]
    probabilities: Probabilities
    gates: tuple[Gate, ...]
    tops: tuple[int, ...]
    """Gate indices of the top events (targets)."""
    name: str = ""

    @property
    def coherent(self) -> bool:
        """True when no gate can make a failure repair the top (no negation)."""
        return all(g.op in COHERENT_OPS for g in self.gates)

    def gate_index(self) -> dict[str, int]:
        """Gate name -> gate index."""
        return {g.name: i for i, g in enumerate(self.gates)}

    def event_index(self) -> dict[str, int]:
        """Basic event name -> event index."""
        return {e: i for i, e in enumerate(self.events)}
