"""The figures of a continuity and recovery plan (PCRA) for one function.

Owns the collection of a plan's content — scope, BIA, dependencies by layer, single
points of failure and common causes, degraded procedure, recovery order, forecast per
scenario, gaps and changes, test plan and exercise history — from the same functions the
CLI calls: :func:`blackstart.report.bia.bia_rows` (``export … .xlsx``),
:func:`blackstart.resilience.spof` (``spof``), :func:`blackstart.advice.improve`
(``improve``), :func:`blackstart.planning.plan` (``plan``),
:func:`blackstart.planning.run_forecast` (``forecast``) and :func:`blackstart.api.impact`
(``impact``). Gaps and tests: :mod:`blackstart.report.pcra_checks`; layout:
:mod:`blackstart.report.pcra_render`; files: :mod:`blackstart.report.pcra_files`.

The plan answers the content the ANS guide « Plan de continuité informatique », the CaRE
programme (domain 2) and NIST SP 800-34's BIA template ask for.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from blackstart import __version__
from blackstart.errors import UsageError, did_you_mean
from blackstart.model.model import Model
from blackstart.model.requirements import Ref, Requirement

LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "application",
        frozenset({"application", "saas", "messaging", "pbx", "telephony", "endpoint", "other"}),
    ),
    ("middleware", frozenset({"middleware", "directory", "dns"})),
    ("data", frozenset({"database", "storage", "backup"})),
    ("compute", frozenset({"vm", "container", "cluster", "compute"})),
    ("network", frozenset({"network", "link", "switch", "router", "firewall"})),
    ("facilities", frozenset({"power", "ups", "generator", "cooling"})),
)
HORIZONS_S = (3600, 4 * 3600, 24 * 3600, 72 * 3600, 7 * 24 * 3600)
ACHIEVABLE_BREACH = 0.2
"""The RTO is called achievable when the forecast misses it in at most 20% of runs."""


def _refs(req: Requirement | None) -> Iterable[str]:
    if req is None:
        return
    if isinstance(req, Ref):
        yield req.name
        return
    for item in req.items:
        yield from _refs(item)


def closure(model: Model, fid: str) -> list[str]:
    """Every function and component ``fid`` needs, directly or not (breadth first)."""
    seen: list[str] = []
    todo = list(_refs(model.requirements.get(fid)))
    while todo:
        name = todo.pop(0)
        if name in seen or name == fid:
            continue
        seen.append(name)
        todo.extend(_refs(model.requirements.get(name)))
    return seen


def check_function(model: Model, function: str) -> None:
    """A usage error naming the closest function when ``function`` is unknown."""
    if function not in model.functions:
        raise UsageError(
            f"no function '{function}' in model '{model.name}'",
            suggestion=did_you_mean(function, list(model.functions))
            or "functions: " + ", ".join(sorted(model.functions)),
        )


def _elapsed(start: str, at: str | None) -> float | None:
    if at is None:
        return None
    return (datetime.fromisoformat(at) - datetime.fromisoformat(start)).total_seconds()


def layers(model: Model, needs: list[str]) -> list[dict[str, Any]]:
    """The dependencies grouped by layer, top (functions) to bottom (sites, providers)."""
    out: list[dict[str, Any]] = []
    fns = [n for n in needs if n in model.functions]
    if fns:
        out.append(
            {
                "layer": "functions",
                "items": [
                    {"id": f, "name": model.functions[f].name, "kind": "function"} for f in fns
                ],
            }
        )
    comps = [n for n in needs if n in model.components]
    sites: dict[str, None] = {}
    providers: dict[str, None] = {}
    for layer, kinds in LAYERS:
        items = []
        for cid in comps:
            c = model.components[cid]
            if c.kind not in kinds:
                continue
            items.append(
                {
                    "id": cid,
                    "name": c.name,
                    "kind": c.kind,
                    "site": c.site,
                    "provider": c.provider,
                    "team": c.team,
                }
            )
            if c.site:
                sites[c.site] = None
                if (op := model.sites[c.site].provider) is not None:
                    providers[op] = None
            if c.provider:
                providers[c.provider] = None
        if items:
            out.append({"layer": layer, "items": items})
    if sites:
        out.append(
            {
                "layer": "sites",
                "items": [
                    {
                        "id": s,
                        "name": model.sites[s].name,
                        "kind": model.sites[s].kind,
                        "provider": model.sites[s].provider,
                    }
                    for s in sites
                ],
            }
        )
    if providers:
        out.append(
            {
                "layer": "providers",
                "items": [
                    {"id": p, "name": model.providers[p].name, "kind": model.providers[p].kind}
                    for p in providers
                ],
            }
        )
    return out


def impacts(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The function's situation after 1 h, 4 h, 24 h, 72 h and a week of disruption,
    from its RTO, MTPD and how long its degraded mode holds (the BIA's time scale)."""
    rto = None if row["RTO (h)"] is None else row["RTO (h)"] * 3600
    mtpd = None if row["MTPD (h)"] is None else row["MTPD (h)"] * 3600
    holds = None if row["Holds for (h)"] is None else row["Holds for (h)"] * 3600
    out = []
    for t in HORIZONS_S:
        states = []
        if rto is None or t <= rto:
            states.append("imp_ok")
        else:
            states.append("imp_rto")
        if holds is None:
            states.append("imp_no_degraded")
        elif t > holds:
            states.append("imp_degraded")
        if mtpd is not None and t > mtpd:
            states.append("imp_mtpd")
        out.append({"after_s": t, "states": states})
    return out


def pcra_data(
    model: Model,
    function: str,
    *,
    place: str | None = None,
    drills: list[dict[str, Any]] | None = None,
    runs: int = 2000,
    seed: int = 0,
    improve_rows: dict[str, Any] | None = None,
    spof_rows: dict[str, Any] | None = None,
    scenario_cache: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Everything the plan of ``function`` says, as data (JSON-ready).

    ``drills`` are the stored exercises (:func:`drill_history`), ``None`` when no store
    was given. ``improve_rows``, ``spof_rows`` and ``scenario_cache`` (each scenario's plan
    and forecast payloads, filled as needed) let ``--all`` compute those once."""
    from blackstart import advice, api, planning, resilience
    from blackstart.report.bia import bia_rows
    from blackstart.report.pcra_checks import gaps, test_plan

    check_function(model, function)
    fn = model.functions[function]
    bia = next(r for r in bia_rows(model) if r["Function"] == function)
    needs = closure(model, function)
    spof = spof_rows if spof_rows is not None else resilience.spof(model)
    mine = next(r for r in spof["functions"] if r["id"] == function)
    where: dict[str, Any] | None = None
    if place is not None:
        if place not in model.sites:
            raise UsageError(
                f"no place (site) '{place}' in model '{model.name}'",
                suggestion=did_you_mean(place, list(model.sites))
                or "sites: " + ", ".join(sorted(model.sites)),
            )
        hit = api.impact(model, fail=[f"site:{place}"])
        where = {
            "id": place,
            "name": model.sites[place].name,
            "kind": model.sites[place].kind,
            "down_if_lost": any(d.id == function for d in hit.functions_down),
            "dependencies_here": [
                n for n in needs if n in model.components and model.components[n].site == place
            ],
        }
    cache = scenario_cache if scenario_cache is not None else {}
    scenarios = []
    for sid, sc in model.scenarios.items():
        if sid not in cache:
            cache[sid] = {"plan": planning.plan(model, sid).payload}
        p = cache[sid]["plan"]
        row = next(r for r in p["functions"] if r["id"] == function)
        entry: dict[str, Any] = {
            "id": sid,
            "description": sc.description,
            "start": p["start"],
            "down": row["was_down"],
        }
        if row["was_down"]:
            if "forecast" not in cache[sid]:
                cache[sid]["forecast"] = planning.run_forecast(
                    model, sid, runs=runs, seed=seed
                ).payload
            f = next(r for r in cache[sid]["forecast"]["functions"] if r["id"] == function)
            breach = f["rto_breach_probability"]
            entry.update(
                plan_restored_at=row["restored_at"],
                plan_restored_after_s=row["restored_after_s"],
                rto_met_in_plan=row["rto_met"],
                critical_path=row["critical_path"],
                p50=f["p50"],
                p80=f["p80"],
                p95=f["p95"],
                p50_s=_elapsed(p["start"], f["p50"]),
                p80_s=_elapsed(p["start"], f["p80"]),
                p95_s=_elapsed(p["start"], f["p95"]),
                rto_breach_probability=breach,
                degraded_mode_exhaustion_probability=f["degraded_mode_exhaustion_probability"],
                rto_achievable=None if breach is None else breach <= ACHIEVABLE_BREACH,
                tasks=p["tasks"],
            )
        scenarios.append(entry)
    hit_by = [s for s in scenarios if s["down"]]
    worst = max(hit_by, key=lambda s: (s["p95_s"] or 0, s["id"]), default=None)
    recovery = _recovery(model, needs, function, worst)
    changes_all = improve_rows if improve_rows is not None else advice.improve(model)
    changes = [c for c in changes_all["candidates"] if c.get("component") in needs]
    dm = fn.degraded_mode
    degraded = {
        "procedure": dm.procedure if dm else None,
        "holds_for_s": dm.holds_for if dm else None,
        "covers_rto": None if dm is None or fn.rto is None else dm.holds_for >= fn.rto,
        "worst_scenario": worst["id"] if worst else None,
        "worst_p95_s": worst["p95_s"] if worst else None,
        "holds_against_worst": None
        if dm is None or worst is None or worst["p95_s"] is None
        else dm.holds_for >= worst["p95_s"],
    }
    data = {
        "version": __version__,
        "model": {"name": model.name, "hash": model.hash},
        "function": {
            "id": function,
            "name": fn.name,
            "tier": fn.tier,
            "owner": fn.owner,
            "description": fn.description,
            "patient_safety": fn.patient_safety,
        },
        "place": where,
        "bia": {**bia, "impacts": impacts(bia)},
        "dependencies": {
            "layers": layers(model, needs),
            "single_points_of_failure": mine["single_points_of_failure"],
            "pairs_with_common_cause": mine["pairs_with_common_cause"],
        },
        "degraded": degraded,
        "recovery": recovery,
        "forecast": {
            "runs": runs,
            "seed": seed,
            "scenarios": [{k: v for k, v in s.items() if k != "tasks"} for s in scenarios],
        },
        "changes": changes,
        "tests": {"plan": test_plan(model, function, needs, worst), "history": drills},
    }
    data["gaps"] = gaps(model, data)
    return data


def _recovery(
    model: Model, needs: list[str], function: str, worst: dict[str, Any] | None
) -> dict[str, Any] | None:
    if worst is None:
        return None
    mine = set(needs)
    steps = []
    for t in worst["tasks"]:
        if t["component"] not in mine:
            continue
        comp = model.components.get(t["component"])
        team = model.teams.get(t["team"]) if t["team"] else None
        skill = comp.recovery.skill if comp and comp.recovery and comp.recovery.skill else None
        steps.append(
            {
                "task": t["id"],
                "component": t["component"],
                "action": t["action"],
                "team": t["team"],
                "team_name": team.name if team else None,
                "skill": skill or (team.skills[0] if team else None),
                "contact": team.contact if team else None,
                "start": t["start"],
                "end": t["end"],
                "critical": t["id"] in worst["critical_path"],
            }
        )
    return {
        "scenario": worst["id"],
        "start": worst["start"],
        "steps": steps,
        "critical_path": worst["critical_path"],
    }
