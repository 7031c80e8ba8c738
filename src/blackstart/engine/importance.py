"""Importance measures of the basic events for one fault-tree top, exact by BDD.

Owns :func:`importance` (on one BDD of the top), :func:`modular_importance` (on the
module BDDs that give the top's probability: what the ``importance`` command runs) and
:class:`ImportanceResult`. For every basic event ``e`` of
the tree, with ``P = P(top)``, ``P1 = P(top | e failed)``, ``P0 = P(top | e working)``:

- Birnbaum (1969): ``B = P1 - P0``, the partial derivative ``∂P/∂p_e``;
- Fussell–Vesely (Vesely et al. 1981): ``FV = (P - P0) / P``;
- criticality: ``B · p_e / P``;
- risk achievement worth ``RAW = P1 / P``; risk reduction worth ``RRW = P / P0``
  (``math.inf`` when ``P0 == 0``: the event is a single point of failure).

The top probability is multilinear in each ``p_e``, so ``P1 = P + (1 - p_e)·B`` and
``P0 = P - p_e·B`` are exact once ``B`` is. All ``B`` come from one reverse pass over
the BDD (adjoints of the Shannon decomposition, signs flipped across complement
edges): ``B_e = Σ_{nodes v on e} a_v · (P(v_high) - P(v_low))``. Where ``P0`` is
within 1e-6 of cancelling (``P0 < 1e-6·P``), it is recomputed directly on the BDD
restricted to ``e = 0`` so that a single point of failure gives exactly 0.

Events outside the top's support get ``B = FV = criticality = 0`` and
``RAW = RRW = 1``. With ``P = 0`` the ratios over ``P`` are ``nan`` (RRW is ``inf``:
``P0 = 0`` too).

Complexity: O(BDD nodes) for all events together (plus one pass per near-single point
of failure).

References:
    Z. W. Birnbaum, "On the importance of different components in a multicomponent
    system", Multivariate Analysis II, 1969.
    W. E. Vesely, T. C. Davis, R. S. Denning, N. Saltos, "Measures of risk importance
    and their applications", NUREG/CR-3385, 1983; J. B. Fussell, "How to hand-calculate
    system reliability and safety characteristics", IEEE Trans. Reliability R-24(3), 1975.
    R. E. Bryant, "Graph-based algorithms for Boolean function manipulation", 1986.

Example:
    >>> import numpy as np
    >>> from blackstart.engine.faulttree import FaultTree, Gate
    >>> t = FaultTree(events=("a", "b"), probabilities=np.array([0.5, 0.5]),
    ...               gates=(Gate("top", "and", (0, 1)),), tops=(0,))
    >>> r = importance(t, 0)
    >>> float(r.birnbaum[0]), float(r.rrw[0])
    (0.5, inf)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from blackstart.engine.bdd import TopBdd, build_bdd
from blackstart.engine.faulttree import FaultTree
from blackstart.engine.modular import ModularBdd

__all__ = ["EventImportance", "ImportanceResult", "importance", "modular_importance"]

_CANCEL = 1e-6


@dataclass(frozen=True)
class EventImportance:
    """The measures of one basic event."""

    event: int
    probability: float
    birnbaum: float
    fussell_vesely: float
    criticality: float
    raw: float
    rrw: float


@dataclass(frozen=True, eq=False)
class ImportanceResult:
    """Importance measures of every basic event of the tree (arrays by event index)."""

    top: int
    p_top: float
    p_failed: npt.NDArray[np.float64]
    """``P(top | e failed)``."""
    p_working: npt.NDArray[np.float64]
    """``P(top | e working)``."""
    birnbaum: npt.NDArray[np.float64]
    fussell_vesely: npt.NDArray[np.float64]
    criticality: npt.NDArray[np.float64]
    raw: npt.NDArray[np.float64]
    rrw: npt.NDArray[np.float64]
    in_support: npt.NDArray[np.bool_]
    """True for the events the top depends on."""
    probabilities: npt.NDArray[np.float64]

    def event(self, i: int) -> EventImportance:
        """The measures of event ``i``."""
        return EventImportance(
            event=i,
            probability=float(self.probabilities[i]),
            birnbaum=float(self.birnbaum[i]),
            fussell_vesely=float(self.fussell_vesely[i]),
            criticality=float(self.criticality[i]),
            raw=float(self.raw[i]),
            rrw=float(self.rrw[i]),
        )


def _birnbaum_by_level(
    b: TopBdd, big_p: npt.NDArray[np.float64], big_q: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """``∂P(top)/∂p`` of the event at each level, by one top-down adjoint pass."""
    p = np.asarray(b.event_probabilities())
    arr = b.arrays
    adj = np.zeros(b.nodes)
    root, neg = divmod(b.root_ref, 2)
    adj[root] = -1.0 if neg else 1.0
    out = np.zeros(len(b.order))
    for nodes in arr.nodes_by_level(bottom_up=False):
        a = adj[nodes]
        px = p[arr.level[nodes]]
        hi, lo = arr.high[nodes], arr.low[nodes]
        sh = np.where(hi & 1, -1.0, 1.0)
        sl = np.where(lo & 1, -1.0, 1.0)
        np.add.at(adj, hi >> 1, sh * a * px)
        np.add.at(adj, lo >> 1, sl * a * (1.0 - px))
        vh = np.where(hi & 1, big_q[hi >> 1], big_p[hi >> 1])
        vl = np.where(lo & 1, big_q[lo >> 1], big_p[lo >> 1])
        np.add.at(out, arr.level[nodes], a * (vh - vl))
    return out


def importance(
    tree: FaultTree, top: int | str, *, reorder: bool = False, compiled: TopBdd | None = None
) -> ImportanceResult:
    """Birnbaum, Fussell–Vesely, criticality, RAW and RRW of every basic event.

    Exact on the BDD of ``top`` (see the module docstring); ``compiled`` reuses a BDD
    from :func:`~blackstart.engine.bdd.build_bdd`.
    """
    b = compiled if compiled is not None else build_bdd(tree, top, reorder=reorder)
    big_p, big_q = b.node_probability_arrays()
    p_top = b.value(big_p, big_q)
    probs = np.asarray(tree.probabilities, dtype=np.float64)
    n = probs.size
    birn = np.zeros(n)
    birn[b.arrays.order] = _birnbaum_by_level(b, big_p, big_q)
    support = np.zeros(n, dtype=bool)
    support[b.arrays.order] = True
    p1 = np.clip(p_top + (1.0 - probs) * birn, 0.0, 1.0)
    p0 = np.clip(p_top - probs * birn, 0.0, 1.0)
    p1[~support] = p0[~support] = p_top
    p_level = np.asarray(b.event_probabilities())
    for lvl, e in enumerate(b.order):
        if p0[e] < _CANCEL * p_top or p1[e] < _CANCEL * p_top:
            for value, target in ((0.0, p0), (1.0, p1)):
                q = p_level.copy()
                q[lvl] = value
                target[e] = b.value(*b.node_probability_arrays(q))
            birn[e] = p1[e] - p0[e]
    return _measures(b.top, p_top, probs, birn, support, p1, p0)


def modular_importance(compiled: ModularBdd) -> ImportanceResult:
    """:func:`importance` on the BDDs of the modules of a top (what
    :func:`~blackstart.engine.modular.compile_modules` built for its probability).

    The top's probability is multilinear in its independent modules' probabilities, so
    by the chain rule an event's Birnbaum measure is its module's local Birnbaum times
    ``∂P(top)/∂P(module)``, itself the product of the local measures of the module
    variables on the way up: one adjoint pass per module BDD, parents first. Near a
    single point of failure, ``P0`` and ``P1`` are recomputed by conditioning the
    event in its module and re-evaluating the modules above it. Raises
    :class:`ValueError` when a module has no BDD (its probability came from an SDD).
    Complexity: O(nodes of all module BDDs).
    """
    tree = compiled.tree
    d = compiled.decomposition
    probs = np.asarray(tree.probabilities, dtype=np.float64)
    n = probs.size
    if d.constant is not None:  # no event matters
        p = np.full(n, compiled.probability)
        return _measures(compiled.top, compiled.probability, probs, np.zeros(n),
                         np.zeros(n, dtype=bool), p, p.copy())  # fmt: skip
    if any(b is None for b in compiled.bdds):
        raise ValueError("a module's probability came from an SDD, which has no BDD")
    bdds = [b for b in compiled.bdds if b is not None]
    modules = d.modules
    p_top = compiled.probability
    birn = np.zeros(n)
    support = np.zeros(n, dtype=bool)
    grad = [0.0] * len(modules)
    grad[-1] = 1.0
    where: dict[int, tuple[int, int]] = {}  # event -> (module, level in its BDD)
    parent: dict[int, tuple[int, int]] = {}  # module -> (parent module, level there)
    for i in reversed(range(len(modules))):
        b = bdds[i]
        local = _birnbaum_by_level(b, *b.node_probability_arrays())
        for lvl, loc in enumerate(b.order):
            leaf = modules[i].leaves[loc]
            if leaf >= 0:
                birn[leaf] = grad[i] * local[lvl]
                support[leaf] = True
                where[leaf] = (i, lvl)
            else:
                grad[-leaf - 1] = grad[i] * local[lvl]
                parent[-leaf - 1] = (i, lvl)

    def conditioned(i: int, lvl: int, value: float) -> float:
        """P(top) with the variable at ``lvl`` of module ``i`` set to ``value``."""
        while True:
            q = np.asarray(bdds[i].event_probabilities())
            q[lvl] = value
            value = bdds[i].value(*bdds[i].node_probability_arrays(q))
            if i not in parent:
                return value
            i, lvl = parent[i]

    p1 = np.clip(p_top + (1.0 - probs) * birn, 0.0, 1.0)
    p0 = np.clip(p_top - probs * birn, 0.0, 1.0)
    p1[~support] = p0[~support] = p_top
    for e, (i, lvl) in where.items():
        if p0[e] < _CANCEL * p_top or p1[e] < _CANCEL * p_top:
            p0[e] = conditioned(i, lvl, 0.0)
            p1[e] = conditioned(i, lvl, 1.0)
            birn[e] = p1[e] - p0[e]
    return _measures(compiled.top, p_top, probs, birn, support, p1, p0)


def _measures(
    top: int,
    p_top: float,
    probs: npt.NDArray[np.float64],
    birn: npt.NDArray[np.float64],
    support: npt.NDArray[np.bool_],
    p1: npt.NDArray[np.float64],
    p0: npt.NDArray[np.float64],
) -> ImportanceResult:
    """The ratios of :class:`ImportanceResult` from ``P``, ``B``, ``P1`` and ``P0``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        fv = (p_top - p0) / p_top
        crit = birn * probs / p_top
        raw = p1 / p_top
        rrw = np.where(p0 == 0.0, math.inf, p_top / np.where(p0 == 0.0, 1.0, p0))
    fv[~support] = crit[~support] = 0.0
    raw[~support] = rrw[~support] = 1.0
    if p_top == 0.0:
        fv[:] = crit[:] = raw[:] = math.nan
    rrw[p0 == 0.0] = math.inf
    return ImportanceResult(
        top=top,
        p_top=p_top,
        p_failed=p1,
        p_working=p0,
        birnbaum=birn,
        fussell_vesely=fv,
        criticality=crit,
        raw=raw,
        rrw=rrw,
        in_support=support,
        probabilities=probs,
    )
