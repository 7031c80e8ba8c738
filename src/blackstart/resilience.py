"""The Python API for resilience analysis: concentration, single points of failure,
cut sets, probabilities, importance and availability.

Owns the translation between a model (YAML, or an Open-PSA MEF fault tree) and the
fault-tree engine's indices, and the JSON-ready payloads of ``blackstart concentration``,
``spof``, ``cutsets``, ``probability``, ``importance`` and ``availability``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blackstart.engine.faulttree import FaultTree, Gate, gate_ref
from blackstart.errors import UsageError, did_you_mean

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


# --------------------------------------------------------------------------- fault trees


@dataclass
class Tree:
    """A fault tree with where it came from and its targets by name."""

    tree: FaultTree
    source: str
    model: Model | None
    unknown_probabilities: list[str]

    def targets(self, wanted: Sequence[str] | None) -> list[tuple[str, int]]:
        """``(name, gate index)`` of the wanted targets (all tops by default)."""
        gates = self.tree.gate_index()
        tops = [(self._name(self.tree.gates[i].name), i) for i in self.tree.tops]
        if not wanted:
            return tops
        out = []
        names = {self._name(g.name): i for i, g in enumerate(self.tree.gates)}
        for w in wanted:
            key = w if w in names else self._name(w)
            if key not in names and w not in gates:
                raise UsageError(f"no target '{w}' in {self.source}",
                                 suggestion=did_you_mean(w, [n for n, _ in tops]))  # fmt: skip
            out.append((key, names.get(key, gates.get(w, -1))))
        return out

    def _name(self, gate_name: str) -> str:
        return gate_name.removeprefix("function:") if self.model is not None else gate_name

    def event_name(self, i: int) -> str:
        """A basic event's display name (``~name`` for a negated literal ``-(i+1)``)."""
        if i < 0:
            return "~" + self.event_name(-i - 1)
        if self.model is None:
            return self.tree.events[i]
        from blackstart.api import display

        return display(self.tree.events[i])


def load_tree(paths: Sequence[str | Path]) -> Tree:
    """A YAML model (targets: its functions) or Open-PSA MEF files (targets: top gates;
    several files, or a directory of them, form one model)."""
    files = [Path(x) for x in paths]
    xml = [f for f in files if f.suffix.lower() == ".xml"]
    xml += [x for f in files if f.is_dir() for x in sorted(f.glob("*.xml"))]
    if xml:
        from blackstart.io.mef import read_mef

        return Tree(read_mef(xml), ", ".join(str(f) for f in files), None, [])
    if len(files) != 1:
        raise UsageError("give one YAML model (file or directory), or Open-PSA MEF .xml files")
    from blackstart import api
    from blackstart.model.compile import compile_model
    from blackstart.model.faulttree import model_fault_tree

    p = files[0]
    model = api.load(p)
    tree, unknown = model_fault_tree(model, compile_model(model))
    return Tree(tree, str(p), model, unknown)


def cutsets(
    tree: Tree,
    targets: Sequence[str] | None,
    *,
    max_order: int | None,
    limit: int,
    method: str = "auto",
) -> dict[str, Any]:
    """Minimal cut sets (prime implicants if non-coherent) of each target, counted
    without enumeration; at most ``limit`` listed per target, smallest first.

    ``method`` (:data:`blackstart.engine.cutsets.METHODS`): ``zbdd`` builds them
    bottom-up, truncated at ``max_order``, for trees whose BDD is out of reach."""
    from blackstart.engine.cutsets import METHODS, minimal_cut_sets

    if method not in METHODS:
        raise UsageError(
            f"unknown method '{method}'", suggestion=f"use one of {', '.join(METHODS)}"
        )
    if method == "zbdd" and max_order is None:
        raise UsageError(
            "--method zbdd needs an order limit: the bottom-up ZBDD drops longer cut sets "
            "at every gate",
            suggestion="add --max-order 3 (raise it step by step), or use --method bdd",
        )
    if method == "zbdd" and not tree.tree.coherent:
        raise UsageError(
            f"{tree.source} has negations (not, xor, nand, nor, iff or imply gates): the "
            "bottom-up ZBDD handles coherent trees only",
            suggestion="use --method bdd: prime implicants come from the BDD",
        )
    rows: list[dict[str, Any]] = []
    for name, top in tree.targets(targets):
        res = minimal_cut_sets(tree.tree, top, max_order=max_order, method=method)
        rows.append(
            {
                "id": name,
                "method": res.method,
                "coherent": res.coherent,
                "cut_set_count": res.count,
                "order_distribution": list(res.order_distribution),
                "cut_sets": [[tree.event_name(e) for e in s] for s in res.sets(limit)],
            }
        )
    return {
        "source": tree.source,
        "max_order": max_order,
        "limit": limit,
        "method": method,
        "targets": rows,
    }


def probabilities(tree: Tree, targets: Sequence[str] | None) -> dict[str, Any]:
    """Exact top-event probability (BDD), with the rare-event and min-cut upper bound
    approximations beside it."""
    from blackstart.engine.cutsets import minimal_cut_sets
    from blackstart.engine.modular import compile_modules, modular_cut_sets

    rows: list[dict[str, Any]] = []
    for name, top in tree.targets(targets):
        # one BDD per module (engine/preprocess.py), an SDD for a module no BDD reaches
        # (its probability only); prime implicants of a non-coherent tree need the whole
        # tree's BDD
        compiled = compile_modules(tree.tree, top, probability_only=True)
        row: dict[str, Any] = {"id": name, "probability": compiled.probability}
        if any(b is None for b in compiled.bdds):
            row.update(
                rare_event=None,
                mcub=None,
                cut_set_count=None,
                note="exact probability from a sentential decision diagram: no BDD of "
                "this tree fits, and the cut-set approximations need one",
            )
        else:
            coherent = tree.tree.coherent
            res = modular_cut_sets(compiled) if coherent else minimal_cut_sets(tree.tree, top)
            row.update(rare_event=res.rare_event, mcub=res.mcub, cut_set_count=res.count)
        rows.append(row)
    return {"source": tree.source, "targets": rows,
            "unknown_probabilities": tree.unknown_probabilities}  # fmt: skip


def importance_of(tree: Tree, target: str) -> dict[str, Any]:
    """Birnbaum, Fussell–Vesely, criticality, RAW and RRW of every basic event the target
    depends on, most important (Fussell–Vesely) first. RRW is infinite when the event's
    removal makes the target impossible."""
    from blackstart.engine.importance import importance

    [(name, top)] = tree.targets([target])
    res = importance(tree.tree, top)
    rows: list[dict[str, Any]] = []
    for i in [i for i, kept in enumerate(res.in_support.tolist()) if kept]:
        e = res.event(i)
        rows.append(
            {
                "event": tree.event_name(i),
                "probability": e.probability,
                "birnbaum": e.birnbaum,
                "fussell_vesely": e.fussell_vesely,
                "criticality": e.criticality,
                "raw": e.raw,
                "rrw": None if math.isinf(e.rrw) else e.rrw,
                "rrw_infinite": math.isinf(e.rrw),
            }
        )
    rows.sort(key=lambda r: (-r["fussell_vesely"], -r["birnbaum"], r["event"]))
    return {"source": tree.source, "target": name, "probability": res.p_top, "events": rows}


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
    page = status_page_causes(model)
    out: dict[str, Any] = {"functions": rows, "warnings": page.pop("warnings")}
    if model.status_page is not None:
        out["status_page"] = page
    return {**out, "provenance": api.provenance(model, {})}


def status_page_causes(model: Model) -> dict[str, Any]:
    """The sites and providers whose failure alone takes the status page down (the
    model's ``status_page:``), each with the vital and care functions it takes down too:
    a status page that falls with the functions it reports on says nothing."""
    from blackstart import api

    if model.status_page is None:
        return {"causes": [], "warnings": []}
    causes = []
    for ref in [*(f"site:{s}" for s in model.sites), *(f"provider:{p}" for p in model.providers)]:
        report = api.impact(model, fail=[ref])
        if report.warnings:
            hit = [f.id for f in report.functions_down if f.tier in ("vital", "care")]
            causes.append({"cause": ref, "functions_down": hit})
    warnings = [
        f"the status page goes down with {c['cause']}, as do {len(c['functions_down'])} "
        "vital and care functions: publish it off-site (blackstart status publish)"
        for c in causes
        if c["functions_down"]
    ]
    return {"causes": causes, "warnings": warnings}


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
