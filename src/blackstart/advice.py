"""Advice: the changes that remove the most expected care downtime per unit of cost
(``blackstart improve``).

Owns what is proposed where, what it costs, the yardstick and the ranking; the tree
surgery is :mod:`blackstart.advice_tree`, exact probabilities come from the BDD engine.

- *What, where.* Building infrastructure (power, UPS, generator, cooling) serves the
  building it stands in: it gets a ``second-unit`` (a second feed, UPS, generator or
  cooling unit) in the same building, never elsewhere, or its supply is split
  (``split-power``). A link gets a ``second-link`` to another site (its far end there
  instead of on the equipment it reaches today). Other equipment hosted in a data centre
  or colocation site gets a ``standby`` in another hosting site — the group's own data
  centre first, never one run by the same operator — or is moved there (``move``);
  equipment in a hospital or another building gets a ``second-unit`` in that building.
- *Yardstick.* Expected vital and care downtime in hours per year, each function weighed
  by the places it reaches: a function delivered at ``n`` places counts
  ``Σ_p P(down at p) / n`` (a hospital's loss weighs one ``n``-th of a group-wide
  outage); a function without places counts ``P(down)``. Probabilities are exact (BDD),
  with the components' failure data (steady-state unavailability MTTR / (MTBF + MTTR),
  Barlow & Proschan 1975).
- *Ranking.* Components are screened by the downtime their own failure causes to first
  order (Σ weight × Birnbaum × p over the weighted tops, one reverse pass over the
  shared BDD store, :class:`~blackstart.engine.shared_bdd.SharedBdd`); the ``2 × budget`` first are
  evaluated exactly on the changed tree, recomputing only the tops whose cone holds the
  changed element. Changes are ranked by downtime saved per unit of cost (the model's
  ``costs:`` by kind of change and component kind; 1 per change when not given).
- *Not ranked.* Components with no failure data count as never failing, so no change
  to them can show a saving: they are listed as not ranked, by name and kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from blackstart.advice_tree import add_peer, element_of, split_shared, swap_arg
from blackstart.engine.faulttree import FaultTree, gate_ref
from blackstart.engine.shared_bdd import SharedBdd

if TYPE_CHECKING:
    from blackstart.model.model import Model

HOURS_PER_YEAR = 8760.0
BUILDING = frozenset({"power", "ups", "generator", "cooling"})
"""Kinds that serve the building they stand in."""
HOSTING = ("datacenter", "colocation")


@dataclass(frozen=True)
class Yardstick:
    """The weighted tops: one per vital or care function, or one per place of delivery."""

    tops: tuple[int, ...]
    weights: tuple[float, ...]
    labels: tuple[str, ...]
    """``function`` or ``function@place``."""
    q: tuple[float, ...]
    """Probability of each top on the unchanged tree."""
    cones: tuple[frozenset[int], ...]
    """Signed references (events ≥ 0, gates < 0) each top depends on."""

    def hours(self) -> float:
        """Expected weighted downtime, hours per year."""
        return sum(w * q for w, q in zip(self.weights, self.q, strict=True)) * HOURS_PER_YEAR

    store: SharedBdd
    """The BDD store the unchanged tree and every variant are built in."""

    def saving(
        self, tree: FaultTree, touched: int, shift: Callable[[int], int]
    ) -> tuple[float, list[str]]:
        """Hours per year saved on ``tree`` (a change of the element ``touched``, a signed
        reference of the unchanged tree; ``shift`` maps old gate indices to new), and the
        tops that gain. Only the tops whose cone holds ``touched`` can change."""
        hit = [i for i, cone in enumerate(self.cones) if touched in cone]
        after = self.store.probabilities(tree, [shift(self.tops[i]) for i in hit])
        saved, gains = 0.0, []
        for i, q in zip(hit, after, strict=True):
            if q < self.q[i] - 1e-15:
                gains.append(self.labels[i])
            saved += self.weights[i] * (self.q[i] - q)
        return saved * HOURS_PER_YEAR, gains


def yardstick(model: Model, tree: FaultTree) -> Yardstick:
    """The vital and care tops of the model's tree, weighed by the places they reach."""
    gates = tree.gate_index()
    tops, weights, labels = [], [], []
    for fid, fn in model.functions.items():
        if fn.tier not in ("vital", "care"):
            continue
        places = model.places.get(fid, ())
        for label in [f"{fid}@{p}" for p in places] or [fid]:
            tops.append(gates[f"function:{label}"])
            weights.append(1.0 / max(1, len(places)))
            labels.append(label)
    store = SharedBdd(tree, tops)
    return Yardstick(tuple(tops), tuple(weights), tuple(labels),
                     tuple(store.probabilities(tree, tops)),
                     tuple(_cone(tree, t) for t in tops), store)  # fmt: skip


def _cone(tree: FaultTree, top: int) -> frozenset[int]:
    out: set[int] = {gate_ref(top)}
    stack = [top]
    while stack:
        for a in tree.gates[stack.pop()].args:
            if a not in out:
                out.add(a)
                if a < 0:
                    stack.append(-a - 1)
    return frozenset(out)


def cost_of(model: Model, change: str, kind: str) -> float:
    """The model's cost of one change to a component of ``kind`` (1 when not given)."""
    c = model.costs.get(change)
    if c is None:
        return 1.0
    if kind in c.by_kind:
        return c.by_kind[kind]
    return c.default if c.default is not None else 1.0


def improve(model: Model, *, budget: int = 10) -> dict[str, Any]:
    """Candidate changes ranked by expected care downtime saved per unit of cost (see the
    module docstring for what is proposed where and how it is weighed)."""
    from blackstart import api
    from blackstart.model.compile import compile_model
    from blackstart.model.faulttree import model_fault_tree, unavailability

    tree, unknown = model_fault_tree(model, compile_model(model))
    stick = yardstick(model, tree)
    rows = proposals(model, tree, stick, shortlist=2 * budget)
    ranked = sorted((r for r in rows if r["care_downtime_saved_hours_per_year"] > 1e-12),
                    key=lambda r: (-(r["saved_per_cost"] if r["saved_per_cost"] is not None
                                     else float("inf")),
                                   -r["care_downtime_saved_hours_per_year"],
                                   r["description"]))  # fmt: skip
    events = tree.event_index()
    cones = frozenset().union(*stick.cones)
    not_ranked = [{"component": c, "kind": comp.kind} for c, comp in model.components.items()
                  if f"component:{c}" in events and events[f"component:{c}"] in cones
                  and unavailability(model, f"component:{c}") is None]  # fmt: skip
    return {
        "care_downtime_hours_per_year": stick.hours(),
        "weighting": "each function's downtime weighed by the share of its places of "
        "delivery reached; a function without places counts whole",
        "costs": "from the model's costs: section"
        if model.costs
        else "1 per change (set costs: in the model, by kind of change and component kind)",
        "candidates": ranked[:budget],
        "evaluated": len(rows),
        "not_ranked": not_ranked,
        "unknown_probabilities": unknown,
        "provenance": api.provenance(model, {}, budget=budget),
    }


def proposals(
    model: Model, tree: FaultTree, stick: Yardstick, *, shortlist: int, exact: bool = True
) -> list[dict[str, Any]]:
    """Every change proposed for the ``shortlist`` components that matter most (first
    order screening), each with its exact saving, cost and the places it reaches; not
    ranked, savings of zero included. With ``exact=False`` the savings are not computed
    (0): what is proposed where, fast, for every component."""
    import numpy as np

    from blackstart.engine.bdd import build_bdd
    from blackstart.engine.importance import importance

    gates, events = tree.gate_index(), tree.event_index()
    score = np.zeros(len(tree.events))
    grad = stick.store.weighted_birnbaum(tree, stick.tops, stick.weights)
    if grad is not None:  # one reverse pass over the shared store
        score = np.fromiter((grad[e] for e in range(len(tree.events))), np.float64)
        score *= tree.probabilities
    else:  # the store is full: one BDD per top
        for t, w in zip(stick.tops, stick.weights, strict=True):
            res = importance(tree, t, compiled=build_bdd(tree, t))
            score += w * res.birnbaum * tree.probabilities
    order = [int(i) for i in np.argsort(-score, kind="stable") if score[i] > 0]
    chosen = [tree.events[i].partition(":")[2] for i in order
              if tree.events[i].startswith("component:")][:shortlist]  # fmt: skip

    def site_ref(sid: str) -> int:
        label = f"site:{sid}"
        return gate_ref(gates[label]) if label in gates else events[label]

    def hosting_elsewhere(site: str | None, *, nor: str | None = None) -> str | None:
        operator = model.sites[site].provider if site else None
        options = [s for s, x in model.sites.items() if s not in (site, nor)
                   and x.kind in HOSTING
                   and (x.provider is None or x.provider != operator)]  # fmt: skip
        options.sort(key=lambda s: (model.sites[s].provider is not None, s))  # own DC first
        return options[0] if options else None

    rows: list[dict[str, Any]] = []

    def propose(change: str, cid: str, site: str | None, text: str, t: FaultTree,
                touched: int, shift: Callable[[int], int]) -> None:  # fmt: skip
        saved, gains = stick.saving(t, touched, shift) if exact else (0.0, [])
        kind = model.components[cid].kind
        cost = cost_of(model, change, kind)
        places = sorted({g.partition("@")[2] for g in gains} - {""})
        functions = sorted({g.partition("@")[0] for g in gains})
        rows.append({"change": change, "component": cid, "kind": kind, "site": site,
                     "description": text, "care_downtime_saved_hours_per_year": saved,
                     "cost": cost, "saved_per_cost": saved / cost if cost > 0 else None,
                     "places_reached": places,
                     "functions_reached": functions})  # fmt: skip

    for cid in chosen:
        comp = model.components[cid]
        label = f"component:{cid}"
        if label not in gates:
            continue  # a leaf without site or requirement: nothing to pair it with
        g = gates[label]
        own_site = site_ref(comp.site) if comp.site else None
        drop = {own_site} if own_site is not None else set()

        def after(k: int, g: int = g) -> Callable[[int], int]:
            return lambda t: t + k if t > g else t

        hosted = comp.site is None or model.sites[comp.site].kind in HOSTING
        if comp.kind in BUILDING or (not hosted and comp.kind != "link"):
            if comp.site is None:
                continue
            t1 = add_peer(tree, g, drop=set(), add=())
            propose("second-unit", cid, comp.site,
                    f"add a second {comp.kind} unit beside {cid}, in {comp.site}",
                    t1, gate_ref(g), after(2))  # fmt: skip
            continue
        if comp.kind == "link":
            remote = [a for a in tree.gates[g].args if a < 0 and _site_of(model, tree, a)
                      not in (None, comp.site)]  # fmt: skip
            far = _site_of(model, tree, remote[0]) if remote else None
            other = hosting_elsewhere(far, nor=comp.site) if far else None
            if other is None:
                continue
            t1 = add_peer(tree, g, drop=set(remote), add=(site_ref(other),))
            ends = ", ".join(element_of(tree, -a - 1) for a in remote)
            propose("second-link", cid, other,
                    f"add a second link beside {cid}, from {comp.site} to {other} "
                    f"(ending there, not on {ends})", t1, gate_ref(g), after(2))  # fmt: skip
            continue
        other = hosting_elsewhere(comp.site)
        if other is None:
            continue
        new_site = site_ref(other)
        t1 = add_peer(tree, g, drop=drop, add=(new_site,))
        propose("standby", cid, other, f"add a standby of {cid} in {other}",
                t1, gate_ref(g), after(2))  # fmt: skip
        if own_site is not None:
            t2 = swap_arg(tree, g, own_site, new_site)
            propose("move", cid, other, f"move {cid} from {comp.site} to {other}",
                    t2, gate_ref(g), after(0))  # fmt: skip
    _split_power(model, tree, score, shortlist, propose)
    return rows


def _site_of(model: Model, tree: FaultTree, ref: int) -> str | None:
    """The site of the component a gate reference stands for (``None`` otherwise)."""
    name = element_of(tree, -ref - 1)
    comp = model.components.get(name)
    return comp.site if comp is not None else None


def _split_power(
    model: Model,
    tree: FaultTree,
    score: Any,
    shortlist: int,
    propose: Callable[..., None],
) -> None:
    """``split-power``: where two or more alternatives of one redundancy (an ``and`` or
    ``atleast`` gate) are fed directly by the same power component, each alternative but
    the first gets a power source of its own, with the same upstream supply and in the
    same building, so that the power component's own failure no longer takes the whole
    redundancy down. Only changes that remove downtime are ranked (splitting the supply of
    elements in series adds failures, it never helps)."""
    gates, events = tree.gate_index(), tree.event_index()
    power = [c for c, comp in model.components.items()
             if comp.kind == "power" and score[events[f"component:{c}"]] > 0]  # fmt: skip
    power.sort(key=lambda c: (-score[events[f"component:{c}"]], c))
    seen: set[tuple[str, tuple[int, ...]]] = set()
    for cid in power[:shortlist]:
        label = f"component:{cid}"
        ref = gate_ref(gates[label]) if label in gates else events[label]
        for red in tree.gates:
            if red.op not in ("and", "atleast"):
                continue
            alts = tuple(-a - 1 for a in red.args if a < 0 and ref in tree.gates[-a - 1].args)
            if len(alts) < 2 or (cid, alts) in seen:
                continue
            seen.add((cid, alts))
            split = split_shared(tree, ref, list(alts))
            shift = len(split.gates) - len(tree.gates)
            g0 = -ref - 1 if ref < 0 else len(tree.gates)  # copies sit right after gate g0
            fed = [element_of(tree, j) for j in alts]
            propose("split-power", cid, model.components[cid].site,
                    f"give {', '.join(fed[1:])} a power source of its own "
                    f"(not {cid}, shared with {fed[0]})",
                    split, ref, lambda t, s=shift, g=g0: t + s if t > g else t)  # fmt: skip


__all__ = ["BUILDING", "Yardstick", "cost_of", "improve", "proposals", "yardstick"]
