"""The Python API for resilience analysis of a model: concentration, single points of
failure, availability and improvements.

Owns the JSON-ready payloads of ``blackstart concentration``, ``spof``, ``availability``
and ``improve``. The fault-tree commands (``cutsets``, ``probability``, ``importance``)
are :mod:`blackstart.faulttrees`, re-exported here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from blackstart.engine.faulttree import FaultTree, Gate, gate_ref
from blackstart.faulttrees import Tree, cutsets, importance_of, load_tree, probabilities

__all__ = [
    "Tree",
    "availability",
    "concentration",
    "cutsets",
    "importance_of",
    "improve",
    "load_tree",
    "probabilities",
    "spof",
]

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from blackstart.model.model import Model

# The API and the model (pydantic, scipy) are imported inside the functions that take a
# YAML model, so the Open-PSA MEF commands start with numpy and the engine only.

EU = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)
"""EU member states (ISO 3166-1 alpha-2), for the health-data hosting flag."""

HOURS_PER_YEAR = 8760.0


def concentration(model: Model) -> dict[str, Any]:
    """Per provider, site, owner and jurisdiction: the functions and tiers lost if it fails.

    A provider's failure takes its operated sites and the components naming it; an owner
    group's failure is all its providers at once; a jurisdiction's, all providers under
    it. Providers under a non-EU jurisdiction are flagged: health data hosted there may
    fall under foreign law.
    """
    from blackstart import api
    from blackstart.model.compile import compile_model
    from blackstart.model.schema import TIERS

    graph = compile_model(model)

    def lost(refs: list[str]) -> dict[str, Any]:
        if not refs:
            return {"functions_down": [], "by_tier": {t: 0 for t in TIERS}}
        report = api.impact(model, fail=refs, graph=graph)
        by_tier = {t: sum(1 for f in report.functions_down if f.tier == t) for t in TIERS}
        return {"functions_down": [f.id for f in report.functions_down], "by_tier": by_tier}

    def rank(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(rows, key=lambda r: (*(-r["by_tier"][t] for t in TIERS), r["id"]))

    providers = []
    for pid, prov in model.providers.items():
        row = {"id": pid, "kind": prov.kind, "owner": prov.owner,
               "jurisdiction": prov.jurisdiction,
               "non_eu": prov.jurisdiction is not None and prov.jurisdiction not in EU,
               **lost([f"provider:{pid}"])}  # fmt: skip
        providers.append(row)
    sites = [{"id": sid, "kind": site.kind, "provider": site.provider,
              "shared_with": list(site.shared_with), **lost([f"site:{sid}"])}
             for sid, site in model.sites.items()]  # fmt: skip
    owners: dict[str, list[str]] = {}
    places: dict[str, list[str]] = {}
    for pid, prov in model.providers.items():
        if prov.owner:
            owners.setdefault(prov.owner, []).append(pid)
        if prov.jurisdiction:
            places.setdefault(prov.jurisdiction, []).append(pid)
    owner_rows = [{"id": o, "providers": ps, **lost([f"provider:{p}" for p in ps])}
                  for o, ps in owners.items()]  # fmt: skip
    jurisdiction_rows = [{"id": j, "non_eu": j not in EU, "providers": ps,
                          **lost([f"provider:{p}" for p in ps])}
                         for j, ps in places.items()]  # fmt: skip
    return {
        "providers": rank(providers),
        "sites": rank(sites),
        "owners": rank(owner_rows),
        "jurisdictions": rank(jurisdiction_rows),
        "provenance": api.provenance(model, {}),
    }


def spof(model: Model) -> dict[str, Any]:
    """Per function, ranked by tier: its single points of failure (order-1 cut sets) and
    its redundant pairs (order-2 cut sets) that share a site, a provider or a team — the
    common causes that make "redundant" pairs fail together or be recovered one by one."""
    from blackstart import api
    from blackstart.engine.cutsets import minimal_cut_sets
    from blackstart.model.compile import compile_model
    from blackstart.model.faulttree import model_fault_tree
    from blackstart.model.schema import TIERS

    tree = Tree(model_fault_tree(model, compile_model(model))[0], model.name, model, [])

    def common(a: str, b: str) -> list[str]:
        ka, _, na = a.partition(":")
        kb, _, nb = b.partition(":")
        if ka != "component" or kb != "component":
            return []
        ca, cb = model.components[na], model.components[nb]
        out = []
        if ca.site and ca.site == cb.site:
            out.append(f"site:{ca.site}")
        pa = {ca.provider, model.sites[ca.site].provider if ca.site else None} - {None}
        pb = {cb.provider, model.sites[cb.site].provider if cb.site else None} - {None}
        out += [f"provider:{p}" for p in sorted(pa & pb)]  # type: ignore[type-var]
        if ca.team and ca.team == cb.team:
            out.append(f"team:{ca.team}")
        return out

    rows: list[dict[str, Any]] = []
    for name, top in tree.targets(None):
        fn = model.functions[name]
        res = minimal_cut_sets(tree.tree, top, max_order=2)
        singles: list[str] = []
        pairs: list[dict[str, Any]] = []
        for s in res.sets():
            names = [tree.tree.events[e] for e in s]
            if len(names) == 1:
                singles.append(names[0])
            else:
                shared = common(names[0], names[1])
                if shared:
                    pairs.append({"pair": names, "shared": shared})
        kind_rank = {"provider": 0, "site": 1, "component": 2}
        singles.sort(key=lambda e: (kind_rank.get(e.partition(":")[0], 3), e))
        rows.append({"id": name, "tier": str(fn.tier), "patient_safety": fn.patient_safety,
                     "single_points_of_failure": singles, "order_2_cut_sets":
                     res.order_distribution[2] if len(res.order_distribution) > 2 else 0,
                     "pairs_with_common_cause": pairs})  # fmt: skip
    rank: dict[str, int] = {t: i for i, t in enumerate(TIERS)}
    rows.sort(key=lambda r: (rank[str(r["tier"])], -len(r["single_points_of_failure"]), r["id"]))
    return {"functions": rows, "provenance": api.provenance(model, {})}


def availability(model: Model) -> dict[str, Any]:
    """Each function's steady-state unavailability (exact, by BDD, from the components'
    MTBF/MTTR or failure probability) and its expected downtime in hours per year."""
    from blackstart import api
    from blackstart.engine.bdd import probability as exact
    from blackstart.model.compile import compile_model
    from blackstart.model.faulttree import model_fault_tree
    from blackstart.model.schema import TIERS

    tree, unknown = model_fault_tree(model, compile_model(model))
    rows: list[dict[str, Any]] = []
    for fid, top in zip(model.functions, tree.tops, strict=True):
        q = exact(tree, top)
        fn = model.functions[fid]
        rows.append({"id": fid, "tier": fn.tier, "unavailability": q,
                     "downtime_hours_per_year": q * HOURS_PER_YEAR})  # fmt: skip
    rank: dict[str, int] = {t: i for i, t in enumerate(TIERS)}
    rows.sort(key=lambda r: (rank[str(r["tier"])], -float(r["unavailability"]), str(r["id"])))
    return {"functions": rows, "unknown_probabilities": unknown,
            "provenance": api.provenance(model, {})}  # fmt: skip


# --------------------------------------------------------------------------- improve


def _rebuild(tree: FaultTree, after: int, extra: list[Gate], redirect: int | None) -> FaultTree:
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


def _care_downtime(tree: FaultTree, tops: list[int]) -> float:
    from blackstart.engine.bdd import probability as exact

    return sum(exact(tree, t) for t in tops) * HOURS_PER_YEAR


def _split_tree(tree: FaultTree, shared: int, parents: list[int]) -> FaultTree:
    """``tree`` where every parent gate but the first gets its own copy of the element
    ``shared`` (a signed reference): a new basic event with the same probability and,
    when the element is a gate, the same requirements (its site, its own supply)."""
    label = tree.events[shared] if shared >= 0 else tree.gates[-shared - 1].name
    n_ev = len(tree.events)
    copies = [f"{label}#{i + 2}" for i in range(len(parents) - 1)]
    p_own = tree.probabilities[shared if shared >= 0 else _own_event(tree, -shared - 1)]
    widened = replace(tree, events=(*tree.events, *copies),
                      probabilities=(*tree.probabilities, *[p_own] * len(copies)))  # fmt: skip
    if shared >= 0:  # a leaf element: its copies are plain basic events
        new_refs = [n_ev + i for i in range(len(copies))]
        out = widened
        shifted = parents
    else:
        g = -shared - 1
        own = _own_event(tree, g)
        extra = [replace(tree.gates[g], name=c,
                         args=tuple(n_ev + i if a == own else a for a in tree.gates[g].args))
                 for i, c in enumerate(copies)]  # fmt: skip
        out = _rebuild(widened, g, extra, redirect=None)
        new_refs = [gate_ref(g + 1 + i) for i in range(len(copies))]
        shifted = [j + len(extra) if j > g else j for j in parents]
        shared = gate_ref(g)
    gates = list(out.gates)
    for j, ref in zip(shifted[1:], new_refs, strict=True):
        gates[j] = replace(gates[j], args=tuple(ref if a == shared else a for a in gates[j].args))
    return replace(out, gates=tuple(gates))


def _own_event(tree: FaultTree, g: int) -> int:
    """The basic event of the element whose gate is ``g`` (its own failure)."""
    own = tree.event_index().get(tree.gates[g].name)
    if own is None:
        raise ValueError(f"gate {tree.gates[g].name} has no event of its own")
    return own


def _split_power(
    model: Model,
    tree: FaultTree,
    care: list[int],
    base: float,
    score: npt.NDArray[np.float64],
    budget: int,
) -> list[dict[str, Any]]:
    """ "Remove a shared power source" from redundant elements: where two or more
    alternatives of one redundancy (an ``any_of``/``at_least`` requirement: an ``and`` or
    ``atleast`` gate of the tree) are fed directly by the same power component, each
    alternative but the first gets a power source of its own, with the same upstream
    supply and building, so that the power component's own failure no longer takes the
    whole redundancy down. Only changes that remove downtime are kept (splitting the
    supply of elements in series adds failures, it never helps)."""
    gates = tree.gate_index()
    events = tree.event_index()
    power = [c for c, comp in model.components.items()
             if comp.kind == "power" and score[events[f"component:{c}"]] > 0]  # fmt: skip
    power.sort(key=lambda c: (-score[events[f"component:{c}"]], c))
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, tuple[int, ...]]] = set()
    for cid in power[: 2 * budget]:
        label = f"component:{cid}"
        ref = gate_ref(gates[label]) if label in gates else events[label]
        for red in tree.gates:
            if red.op not in ("and", "atleast"):
                continue
            alts = tuple(-a - 1 for a in red.args if a < 0 and ref in tree.gates[-a - 1].args)
            if len(alts) < 2 or (cid, alts) in seen:
                continue
            seen.add((cid, alts))
            split = _split_tree(tree, ref, list(alts))
            shift = len(split.gates) - len(tree.gates)
            g0 = -ref - 1 if ref < 0 else len(tree.gates)  # copies sit right after gate g0
            saved = base - _care_downtime(split, [t + shift if t > g0 else t for t in care])
            if saved <= 0:
                continue
            fed = [_element_of(tree, j) for j in alts]
            rows.append({"change": "split-power", "component": cid,
                         "site": model.components[cid].site,
                         "description": f"give {', '.join(fed[1:])} a power source of its own "
                                        f"(not {cid}, shared with {fed[0]})",
                         "care_downtime_saved_hours_per_year": saved})  # fmt: skip
    return rows


def _element_of(tree: FaultTree, g: int) -> str:
    """The named element a gate belongs to (anonymous requirement gates carry their
    owner's name before ``#``)."""
    name = tree.gates[g].name
    return name.partition(":")[2].split("#")[0] or name


def improve(model: Model, *, budget: int = 10) -> dict[str, Any]:
    """Candidate changes ranked by the expected vital and care downtime (hours per year,
    summed over those functions) they remove: a redundant peer of a component in another
    site (what needed it then needs either), moving the component to another site, or
    removing a shared power source (each element a power component feeds gets one of its
    own, with the same upstream supply and building: ``split-power``).

    Components are screened by the downtime their own failure causes to first order
    (Σ Birnbaum × p over the vital and care functions, one BDD per function); the
    ``2 × budget`` most important are then evaluated exactly, by BDD on the modified
    fault tree. For equipment in a data centre the other site is the group's own data
    centre first (a site not run by the same operator), else another hosting site; for
    equipment in a hospital, a second unit in the same building.
    """
    import numpy as np

    from blackstart import api
    from blackstart.engine.bdd import build_bdd
    from blackstart.engine.importance import importance
    from blackstart.model.compile import compile_model
    from blackstart.model.faulttree import model_fault_tree

    graph = compile_model(model)
    tree, unknown = model_fault_tree(model, graph)
    gates = tree.gate_index()
    events = tree.event_index()
    care = [t for t, f in zip(tree.tops, model.functions, strict=True)
            if model.functions[f].tier in ("vital", "care")]  # fmt: skip
    score = np.zeros(len(tree.events))
    base = 0.0
    for t in care:
        res = importance(tree, t, compiled=build_bdd(tree, t))
        score += res.birnbaum * tree.probabilities
        base += res.p_top * HOURS_PER_YEAR
    order = [int(i) for i in np.argsort(-score, kind="stable") if score[i] > 0]
    shortlist = [tree.events[i].partition(":")[2] for i in order
                 if tree.events[i].startswith("component:")][: 2 * budget]  # fmt: skip

    def site_ref(sid: str) -> int:
        label = f"site:{sid}"
        return gate_ref(gates[label]) if label in gates else events[label]

    def other_site(site: str | None) -> str | None:
        if site is not None and model.sites[site].kind not in ("datacenter", "colocation"):
            return site  # a hospital's own equipment: a second unit in the same building
        operator = model.sites[site].provider if site else None
        options = [s for s, x in model.sites.items() if s != site
                   and x.kind in ("datacenter", "colocation")
                   and (x.provider is None or x.provider != operator)]  # fmt: skip
        options.sort(key=lambda s: (model.sites[s].provider is not None, s))  # own DC first
        return options[0] if options else None

    rows: list[dict[str, Any]] = []
    for cid in shortlist:
        comp = model.components[cid]
        label = f"component:{cid}"
        other = other_site(comp.site)
        if label not in gates or other is None:
            continue
        g = gates[label]
        gate = tree.gates[g]
        own_site = site_ref(comp.site) if comp.site else None
        new_site = site_ref(other)
        # (1) a peer at the other site, with the same requirements
        peer_event = len(tree.events)
        kept = [a for a in gate.args if a not in (events[label], own_site)]
        peer = Gate(label + "#peer", "or", (peer_event, new_site, *kept))
        both = Gate(label + "#pair", "and", (gate_ref(g), gate_ref(g + 1)))
        widened = replace(tree, events=(*tree.events, label + "#peer"),
                          probabilities=(*tree.probabilities,
                                         tree.probabilities[events[label]]))  # fmt: skip
        t1 = _rebuild(widened, g, [peer, both], redirect=g)
        saved = base - _care_downtime(t1, [t + 2 if t > g else t for t in care])
        rows.append({"change": "add-peer", "component": cid, "site": other,
                     "description": f"add a redundant peer of {cid} in {other}",
                     "care_downtime_saved_hours_per_year": saved})  # fmt: skip
        # (2) move it to the other site
        if own_site is not None and other != comp.site:
            moved = replace(gate, args=tuple(new_site if a == own_site else a
                                             for a in gate.args))  # fmt: skip
            t2 = replace(tree, gates=tuple(moved if i == g else x
                                           for i, x in enumerate(tree.gates)))  # fmt: skip
            saved = base - _care_downtime(t2, care)
            rows.append({"change": "move", "component": cid, "site": other,
                         "description": f"move {cid} from {comp.site} to {other}",
                         "care_downtime_saved_hours_per_year": saved})  # fmt: skip
    rows.extend(_split_power(model, tree, care, base, score, budget))
    rows.sort(key=lambda r: (-r["care_downtime_saved_hours_per_year"], r["description"]))
    return {
        "care_downtime_hours_per_year": base,
        "candidates": rows[:budget],
        "evaluated": len(rows),
        "unknown_probabilities": unknown,
        "provenance": api.provenance(model, {}, budget=budget),
    }
