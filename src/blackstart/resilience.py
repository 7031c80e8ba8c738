"""The Python API for resilience analysis of a model: concentration, single points of
failure, availability and improvements.

Owns the JSON-ready payloads of ``blackstart concentration``, ``spof``, ``availability``
and ``improve``. The fault-tree commands (``cutsets``, ``probability``, ``importance``)
are :mod:`blackstart.faulttrees`, re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from blackstart.engine.faulttree import FaultTree
from blackstart.faulttrees import Tree, cutsets, importance_of, load_tree, probabilities

__all__ = [
    "Tree",
    "availability",
    "concentration",
    "cutsets",
    "findings",
    "importance_of",
    "load_tree",
    "probabilities",
    "spof",
]

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


CAUSE_RANK = {"provider": 0, "site": 1, "component": 2}


def _counted(by_tier: dict[str, int]) -> str:
    """``{"vital": 3, "care": 10, "administrative": 0}`` → ``3 vital and 10 care functions``."""
    parts = [f"{n} {t}" for t, n in by_tier.items() if n]
    if not parts:
        return "no function"
    words = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return words + (" function" if sum(by_tier.values()) == 1 else " functions")


def findings(model: Model, *, top: int = 10) -> dict[str, Any]:
    """What takes down the most vital, then care, then administrative functions when it
    fails alone: every provider, site and component, failed one at a time.

    Causes that take down exactly the same functions are one finding (a colocation
    provider, its site and the site's power feed are usually one), led by the broadest
    (provider, then site, then component). Findings are ranked by functions lost per
    tier, most vital first (then care, then administrative, then in all); each carries
    a sentence in plain words. With places of delivery a function counts as lost when it
    is down everywhere; those down at some places only are ``partial``. Cost: one impact
    propagation per element, O(elements × (nodes + edges)).
    """
    from blackstart import api
    from blackstart.model.compile import compile_model
    from blackstart.model.schema import TIERS

    graph = compile_model(model)
    kinds = {
        **{f"provider:{p}": str(v.kind) for p, v in model.providers.items()},
        **{f"site:{s}": str(v.kind) for s, v in model.sites.items()},
        **{f"component:{c}": str(v.kind) for c, v in model.components.items()},
    }
    groups: dict[tuple[str, ...], dict[str, Any]] = {}
    for ref in kinds:
        report = api.impact(model, fail=[ref], graph=graph)
        whole = sorted(f.id for f in report.functions_down if not f.partial)
        if not whole:
            continue
        g = groups.get(tuple(whole))
        if g is None:
            tiers = {f.id: str(f.tier) for f in report.functions_down}
            g = groups[tuple(whole)] = {
                "causes": [],
                "by_tier": {t: sum(1 for f in whole if tiers[f] == t) for t in TIERS},
                "patient_safety": sum(1 for f in whole if model.functions[f].patient_safety),
                "functions_down": whole,
                "partial": sorted(f.id for f in report.functions_down if f.partial),
            }
        g["causes"].append(ref)
    rows = list(groups.values())
    for g in rows:
        g["causes"].sort(key=lambda r: (CAUSE_RANK[r.partition(":")[0]], r))
        lead = g["causes"][0]
        kind, _, name = lead.partition(":")
        g["lead"] = lead
        g["title"] = f"{kind} {name} ({kinds[lead]})"
        others = [f"{r.partition(':')[0]} {r.partition(':')[2]}" for r in g["causes"][1:]]
        if len(others) > 3:
            also = f" So does any one of {len(others)} other elements, listed below."
        elif others:
            also = " So does " + " or ".join(others) + "."
        else:
            also = ""
        safety = f" ({g['patient_safety']} of them patient-safety)" if g["patient_safety"] else ""
        partial = g["partial"]
        some = f" Also down at some places only: {', '.join(partial)}." if partial else ""
        g["summary"] = (
            f"If {kind} {name} ({kinds[lead]}) fails, {_counted(g['by_tier'])} go down{safety}."
            + also
            + some
        )
    rows.sort(
        key=lambda g: (*(-g["by_tier"][t] for t in TIERS), -len(g["functions_down"]), g["lead"])
    )
    return {
        "findings": rows[:top],
        "causes_with_impact": sum(len(g["causes"]) for g in rows),
        "findings_total": len(rows),
        "provenance": api.provenance(model, {}),
    }


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
