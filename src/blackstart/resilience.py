"""The Python API for resilience analysis: concentration, single points of failure,
cut sets, probabilities, importance and availability.

Owns the translation between a model (YAML, or an Open-PSA MEF fault tree) and the
fault-tree engine's indices, and the JSON-ready payloads of ``blackstart concentration``,
``spof``, ``cutsets``, ``probability``, ``importance`` and ``availability``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blackstart.engine.faulttree import FaultTree
from blackstart.errors import UsageError, did_you_mean

if TYPE_CHECKING:
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
    """Per provider, site, owner and jurisdiction: the functions and tiers lost if it fails
    (with places of delivery: lost at every place; those lost at some places are listed
    apart as ``partial``).

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
        # with places of delivery, "lost" is down at every place; a function down at some
        # places only is listed apart (``partial``, with where), not counted as lost
        extra: dict[str, Any] = {"partial": []} if model.places else {}
        if not refs:
            return {"functions_down": [], "by_tier": {t: 0 for t in TIERS}, **extra}
        report = api.impact(model, fail=refs, graph=graph)
        whole = [f for f in report.functions_down if not f.partial]
        by_tier = {t: sum(1 for f in whole if f.tier == t) for t in TIERS}
        if model.places:
            extra["partial"] = [{"id": f.id, "down_at": list(f.down_at or ())}
                                for f in report.functions_down if f.partial]  # fmt: skip
        return {"functions_down": [f.id for f in whole], "by_tier": by_tier, **extra}

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
                pool = [n for n, _ in tops]
                if "@" in w:  # FUNCTION@PLACE: suggest among the places of delivery
                    pool = [n for n in names if "@" in n and "#" not in n]
                raise UsageError(f"no target '{w}' in {self.source}",
                                 suggestion=did_you_mean(w, pool)
                                 or "a function at a place is FUNCTION@PLACE, for a "
                                 "function with places of delivery")  # fmt: skip
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


def spof(model: Model, targets: Sequence[str] | None = None) -> dict[str, Any]:
    """Per function (every one, or the ``targets``: ``FUNCTION`` or ``FUNCTION@PLACE``),
    ranked by tier: its single points of failure (order-1 cut sets) and its redundant
    pairs (order-2 cut sets) that share a site, a provider or a team — the common causes
    that make "redundant" pairs fail together or be recovered one by one."""
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
    for name, top in tree.targets(targets):
        fn = model.functions[name.partition("@")[0]]
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
    MTBF/MTTR or failure probability) and its expected downtime in hours per year; with
    places of delivery, the function's is "down somewhere" and each place's is listed."""
    from blackstart import api
    from blackstart.engine.bdd import probability as exact
    from blackstart.model.compile import compile_model
    from blackstart.model.faulttree import model_fault_tree
    from blackstart.model.schema import TIERS

    tree, unknown = model_fault_tree(model, compile_model(model))
    at_place = _place_unavailability(model, tree)
    rows: list[dict[str, Any]] = []
    for fid, top in zip(model.functions, tree.tops, strict=True):
        q = exact(tree, top)
        fn = model.functions[fid]
        rows.append({"id": fid, "tier": fn.tier, "unavailability": q,
                     "downtime_hours_per_year": q * HOURS_PER_YEAR})  # fmt: skip
        if fid in at_place:  # with places: "down somewhere" above, each place here
            rows[-1]["places"] = [{"place": p, "unavailability": qp,
                                   "downtime_hours_per_year": qp * HOURS_PER_YEAR}
                                  for p, qp in at_place[fid]]  # fmt: skip
    rank: dict[str, int] = {t: i for i, t in enumerate(TIERS)}
    rows.sort(key=lambda r: (rank[str(r["tier"])], -float(r["unavailability"]), str(r["id"])))
    return {"functions": rows, "unknown_probabilities": unknown,
            "provenance": api.provenance(model, {})}  # fmt: skip


def _place_unavailability(model: Model, tree: FaultTree) -> dict[str, list[tuple[str, float]]]:
    """Per function with places of delivery, its exact unavailability at each place (one
    shared BDD store for all of them)."""
    from blackstart.engine.shared_bdd import SharedBdd

    gates = tree.gate_index()
    pairs = [(f, p) for f, ps in model.places.items() for p in ps]
    tops = [gates[f"function:{f}@{p}"] for f, p in pairs]
    if not tops:
        return {}
    out: dict[str, list[tuple[str, float]]] = {}
    for (f, p), q in zip(pairs, SharedBdd(tree, tops).probabilities(tree, tops), strict=True):
        out.setdefault(f, []).append((p, q))
    return out
