"""Live incidents: the recovery problem of a declared incident, its progress-conditioned
forecast, the public view of it, and its review on close.

Owns the translation between what operators record (task events with calendar times,
unplanned tasks, the time power came back) and :mod:`blackstart.planning`'s plan and
forecast. The public view (:func:`public_functions`) keeps only functions, tiers, states
and times: never a component, site, provider or team. Does not touch the database or
HTTP: the web layer hands in store rows and stores what comes back.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from blackstart import planning
from blackstart.engine.durations import median_durations
from blackstart.engine.graph import CompiledGraph
from blackstart.engine.schedule import run_once
from blackstart.errors import UsageError, did_you_mean
from blackstart.model.model import Model
from blackstart.model.recovery import ResolvedScenario, build_problem, scenario_of
from blackstart.model.schema import TIERS
from blackstart.store.incidents import IncidentRow, Snapshot

FORECAST_RUNS = 1000
"""Monte Carlo runs of a re-forecast on the board (under 1 s on the example)."""
DONE_KINDS = ("done", "verified")


def resolve(
    model: Model,
    *,
    scenario: str | None,
    fail: list[str],
    start: datetime,
    failure_end: datetime | None,
) -> ResolvedScenario:
    """What fails, from when, for how long: a model scenario at another start time (its own
    duration unless ``failure_end`` is known), or ad-hoc failures (``failure_end`` needed)."""
    if failure_end is not None and failure_end <= start:
        raise UsageError(
            "the failure must end after it started",
            suggestion="check the start and the time power came back",
        )
    duration_s = None if failure_end is None else (failure_end - start).total_seconds()
    if scenario:
        return scenario_of(model, scenario, fail=fail or None, start=start, duration_s=duration_s)
    if not fail:
        raise UsageError("nothing fails", suggestion="choose a scenario or give site:NAME, …")
    if duration_s is None:
        raise UsageError(
            "ad-hoc failures need the time power or the provider came back (or the expected time)",
            suggestion="fill in 'failure ends'",
        )
    from blackstart import api

    refs = [str(r) for r in api.resolve_refs(model, fail)]
    return scenario_of(model, None, fail=refs, start=start, duration_s=duration_s)


def context_of(model: Model, graph: CompiledGraph, sc: ResolvedScenario) -> planning.Context:
    """The recovery problem of a resolved scenario."""
    problem, warnings = build_problem(model, graph, sc)
    return planning.Context(model, graph, sc, problem, warnings, {})


def incident_scenario(model: Model, inc: IncidentRow) -> ResolvedScenario:
    tz = ZoneInfo(model.timezone or "UTC")
    return resolve(
        model,
        scenario=inc.scenario,
        fail=[] if inc.scenario else list(inc.fail),
        start=inc.start_at.astimezone(tz),
        failure_end=inc.failure_end_at.astimezone(tz) if inc.failure_end_at else None,
    )


def plan_payload(ctx: planning.Context) -> dict[str, Any]:
    """The stored plan of an incident (median durations, list scheduler), as
    ``blackstart plan --json`` prints it."""
    sched = run_once(ctx.problem, median_durations(ctx.problem))
    return planning.plan_payload(ctx, sched)


def clock_now(inc: IncidentRow) -> datetime:
    """The incident's time now: its simulated clock, or the wall clock (or when it closed)."""
    if inc.closed_at is not None:
        return inc.closed_at
    if inc.clock == "simulated":
        return inc.sim_now or inc.start_at
    return datetime.now(UTC)


# --------------------------------------------------------------------------- progress


def task_states(snap: Snapshot) -> dict[str, dict[str, Any]]:
    """Per task id: its latest started / done / verified event that was not undone (an
    ``undo-KIND`` event cancels the task's live KIND mark; both stay in the log)."""
    out: dict[str, dict[str, Any]] = {}
    for e in snap.events:
        if e.kind.startswith("undo-"):
            out.get(e.task, {}).pop(e.kind[5:], None)
        else:
            out.setdefault(e.task, {})[e.kind] = e
    return out


def task_ids(snap: Snapshot) -> list[str]:
    """Planned task ids, then unplanned keys."""
    return [t["id"] for t in snap.incident.plan["tasks"]] + [u.key for u in snap.unplanned]


def check_task(snap: Snapshot, task: str) -> None:
    """``UsageError`` naming the closest task if ``task`` is not on the board."""
    known = task_ids(snap)
    if task not in known:
        raise UsageError(
            f"no task '{task}' on incident {snap.incident.id}",
            suggestion=did_you_mean(task, known) or "see the task board",
        )


def _blocked(ctx: planning.Context, snap: Snapshot, as_of: datetime) -> planning.Context:
    """The context with components blocked by an unfinished unplanned task not restarting
    before that task's expected end (its start, or when its dependencies are done, plus
    its estimate)."""
    states = task_states(snap)
    plan_end = {t["id"]: datetime.fromisoformat(t["end"]) for t in snap.incident.plan["tasks"]}
    inj = ctx.problem.inj_end.copy()
    start = ctx.scenario.start
    changed = False
    ends: dict[str, datetime] = {}

    def expected_end(key: str, depth: int = 0) -> datetime:
        st = states.get(key, {})
        done = st.get("done") or st.get("verified")
        if done is not None:
            return done.at  # type: ignore[no-any-return]
        if key in plan_end:
            return max(plan_end[key], as_of)
        if key in ends:
            return ends[key]
        u = next(u for u in snap.unplanned if u.key == key)
        begin = st["started"].at if "started" in st else as_of
        if depth < 20:
            for dep in u.after:
                if dep in plan_end or any(x.key == dep for x in snap.unplanned):
                    begin = max(begin, expected_end(dep, depth + 1))
        ends[key] = max(begin + timedelta(seconds=u.estimate_s), as_of)
        return ends[key]

    for u in snap.unplanned:
        st = states.get(u.key, {})
        if "done" in st or "verified" in st:
            continue
        end_min = int((expected_end(u.key) - start).total_seconds() // 60)
        for ref in u.blocks:
            node = ctx.graph.index.get(f"component:{ref.partition('/')[0]}")
            if node is not None and ctx.problem.down[node] and inj[node] < end_min:
                inj[node] = end_min
                changed = True
    if not changed:
        return ctx
    problem = dataclasses.replace(ctx.problem, inj_end=inj)
    return dataclasses.replace(ctx, problem=problem, timings={})


def forecast_payload(
    ctx: planning.Context,
    snap: Snapshot,
    *,
    as_of: datetime,
    runs: int = FORECAST_RUNS,
    seed: int = 0,
) -> dict[str, Any]:
    """The forecast conditioned on every event recorded up to ``as_of``."""
    planned = {t["id"] for t in snap.incident.plan["tasks"]}
    done: list[str] = []
    started: list[str] = []
    for task, st in task_states(snap).items():
        if task not in planned:
            continue
        fin = st.get("done") or st.get("verified")
        if fin is not None:
            done.append(f"{task}@{min(fin.at, as_of).isoformat()}")
            if "started" in st:  # its real length is evidence of the pace
                started.append(f"{task}@{min(st['started'].at, as_of).isoformat()}")
        elif "started" in st:
            started.append(f"{task}@{min(st['started'].at, as_of).isoformat()}")
    ctx = _blocked(ctx, snap, as_of)
    report = planning.run_forecast(
        ctx.model,
        ctx.scenario.name,
        runs=runs,
        seed=seed,
        as_of=as_of.astimezone(ctx.tz).isoformat(),
        done=done,
        started=started,
        ctx=ctx,
    )
    return report.to_dict()


def eta_summary(payload: dict[str, Any]) -> dict[str, Any]:
    """What is kept of every forecast: as of, per tier and everything P50/P80/P95, and per
    function P50/P80/P95 with whether it was down."""
    return {
        "as_of": payload["as_of"],
        "tiers": payload["tiers"],
        **({"tiers_by_place": payload["tiers_by_place"]} if "tiers_by_place" in payload else {}),
        "all": payload["all"],
        "pace": (payload.get("pace") or {}).get("overall"),
        "functions": [
            {k: f[k] for k in ("id", "tier", "was_down", "p50", "p80", "p95", "places") if k in f}
            for f in payload["functions"]
        ],
    }


def function_state(f: dict[str, Any], as_of: str) -> str:
    """``up`` (never down), ``restored`` (back in every run by ``as_of``) or ``down``."""
    if not f["was_down"]:
        return "up"
    return "restored" if _t(f["p95"]) <= _t(as_of) else "down"


def _t(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def public_functions(model: Model, summary: dict[str, Any] | None) -> dict[str, list[Any]]:
    """Functions by tier, each with its display name, state and ETA range (P50–P80).

    Only functions: no component, site, provider or team, and no function id.
    """
    by_id = {f["id"]: f for f in (summary or {}).get("functions", [])}
    out: dict[str, list[Any]] = {tier: [] for tier in TIERS}
    for fid in public_order(model):
        fn = model.functions[fid]
        f = by_id.get(fid)
        state = "up" if f is None or summary is None else function_state(f, summary["as_of"])
        row: dict[str, Any] = {
            "name": fn.public_name or fn.name or fid.replace("-", " ").capitalize(),
            "state": state,
        }
        if fn.names and not fn.public_name:
            row["names"] = fn.names  # per language, for the public pages
        if state == "down" and f is not None:
            row["eta"] = {"from": f["p50"], "to": f["p80"]}
        if f is not None and summary is not None and "places" in f:
            row["places"] = _public_places(model, f["places"], summary["as_of"])
        out[fn.tier].append(row)
    return out


def public_order(model: Model) -> list[str]:
    """Function ids in the order of the public rows (by display name); within each tier
    of :func:`public_functions`, row ``i`` is the ``i``-th id of that tier here."""
    return [
        fid
        for fid, fn in sorted(model.functions.items(), key=lambda kv: (kv[1].name or kv[0]).lower())
    ]


def place_name(model: Model, place: str) -> str:
    """A place of delivery's public name: the site's name, else its id made readable."""
    return model.sites[place].name or place.replace("-", " ").capitalize()


def _public_places(model: Model, places: list[dict[str, Any]], as_of: str) -> list[Any]:
    """The places of delivery where a function went down, by their public names (the
    site's name, else its id made readable: never the id itself), each with its state
    and ETA range."""
    rows = []
    for p in places:
        if not p["was_down"]:
            continue
        name = place_name(model, p["place"])
        state = function_state(p, as_of)
        row: dict[str, Any] = {"name": name, "state": state}
        if state == "down":
            row["eta"] = {"from": p["p50"], "to": p["p80"]}
        rows.append(row)
    return rows


def worst(states: list[str]) -> str:
    for s in ("down", "restored", "up"):
        if s in states:
            return s
    return "up"


def merge_public(tables: list[dict[str, list[Any]]]) -> dict[str, list[Any]]:
    """Several open incidents: the worst state and the latest ETA of each function."""
    if not tables:
        return {}
    merged = tables[0]
    for other in tables[1:]:
        for tier, rows in other.items():
            for mine, theirs in zip(merged[tier], rows, strict=True):
                mine["state"] = worst([mine["state"], theirs["state"]])
                if "eta" in theirs and (
                    "eta" not in mine or _t(theirs["eta"]["to"]) > _t(mine["eta"]["to"])
                ):
                    mine["eta"] = theirs["eta"]
                if mine["state"] != "down":
                    mine.pop("eta", None)
                if "places" in theirs:
                    mine["places"] = _merge_places(mine.get("places", []), theirs["places"])
    return merged


def _merge_places(mine: list[Any], theirs: list[Any]) -> list[Any]:
    """Per place (by public name): the worst state and the latest ETA."""
    by_name = {p["name"]: dict(p) for p in mine}
    for p in theirs:
        cur = by_name.setdefault(p["name"], dict(p))
        if cur is p or cur == p:
            continue
        cur["state"] = worst([cur["state"], p["state"]])
        if "eta" in p and ("eta" not in cur or _t(p["eta"]["to"]) > _t(cur["eta"]["to"])):
            cur["eta"] = p["eta"]
        if cur["state"] != "down":
            cur.pop("eta", None)
    return list(by_name.values())


def restored_at(summary: dict[str, Any]) -> dict[str, str | None]:
    """Per function id: when it was back (if back in every run by ``as_of``)."""
    return {
        f["id"]: (
            f["p50"]
            if f["was_down"] and function_state(f, summary["as_of"]) == "restored"
            else None
        )
        for f in summary["functions"]
    }


def tier_restored_at(summary: dict[str, Any]) -> dict[str, str | None]:
    """Per tier: when its last down function was back, ``None`` if one is still down."""
    back = restored_at(summary)
    out: dict[str, str | None] = {}
    for tier in TIERS:
        rows = [f for f in summary["functions"] if f["tier"] == tier and f["was_down"]]
        if not rows:
            out[tier] = None
        elif all(back[f["id"]] for f in rows):
            out[tier] = max((back[f["id"]] or "" for f in rows), key=lambda s: _t(s))
        else:
            out[tier] = None
    return out
