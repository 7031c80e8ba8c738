"""The Python API for recovery: plan, optimise, forecast and explain a scenario.

Owns the translation between names and calendar times on one side, the recovery engine's
node ids, task indices and minutes on the other, and the JSON-ready payloads of
``blackstart plan``, ``forecast`` and ``explain``. Times are ISO 8601 with the offset of
the scenario's time zone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from blackstart.api import display, provenance, resolve_refs
from blackstart.engine.accuracy import quantile_accuracy
from blackstart.engine.critical import breakdown, critical_path
from blackstart.engine.durations import median_durations
from blackstart.engine.forecast import QUANTILES, Progress, forecast
from blackstart.engine.graph import CompiledGraph
from blackstart.engine.optimize import optimize, weighted_completion
from blackstart.engine.pace import PacePosterior, PacePrior, evidence_of, learn_pace
from blackstart.engine.schedule import ACTIONS, RecoveryProblem, Schedule, run_once
from blackstart.errors import UsageError, did_you_mean
from blackstart.model.compile import compile_model
from blackstart.model.model import Model
from blackstart.model.places import split_at
from blackstart.model.recovery import TIER_RANK, ResolvedScenario, build_problem, scenario_of
from blackstart.model.schema import TIERS
from blackstart.units import parse_seconds

RESOLUTION_MIN = 1.0
"""Times are shown to the minute: a quantile's Monte Carlo standard error above it is
reported (``monte_carlo`` in the forecast, and a warning)."""

TIER_WEIGHT = {"vital": 100.0, "care": 10.0, "administrative": 1.0}
"""Objective weights of the optimised plan (doubled for patient-safety functions)."""


@dataclass
class Context:
    """A scenario's recovery problem with everything needed to name its results."""

    model: Model
    graph: CompiledGraph
    scenario: ResolvedScenario
    problem: RecoveryProblem
    warnings: list[str]
    timings: dict[str, float]

    @property
    def tz(self) -> ZoneInfo:
        tzinfo = self.scenario.start.tzinfo
        return tzinfo if isinstance(tzinfo, ZoneInfo) else ZoneInfo(self.model.timezone or "UTC")

    def at(self, minutes: float) -> datetime:
        """Calendar time ``minutes`` after the scenario start."""
        utc = self.scenario.start.astimezone(ZoneInfo("UTC"))  # same-zone arithmetic is wall time
        return (utc + timedelta(minutes=float(minutes))).astimezone(self.tz)

    def iso(self, minutes: float) -> str:
        return self.at(minutes).isoformat(timespec="minutes")

    def function_nodes(self) -> list[tuple[str, int]]:
        return [(f, self.graph.index[f"function:{f}"]) for f in self.model.functions]

    def place_nodes(self) -> list[tuple[str, str, int]]:
        """``(function, place, node)`` of every function at each of its places of
        delivery (empty in a model without places)."""
        return [(f, p, v) for f in self.graph.places for p, v in self.graph.place_nodes(f).items()]

    def weights(self) -> dict[int, float]:
        return {
            v: TIER_WEIGHT[self.model.functions[f].tier]
            * (2.0 if self.model.functions[f].patient_safety else 1.0)
            for f, v in self.function_nodes()
        }

    def task_index(self) -> dict[str, int]:
        return {label: i for i, label in enumerate(self.problem.task_labels)}


def context(
    model: Model, scenario: str, *, graph: CompiledGraph | None = None, duration: str | None = None
) -> Context:
    """Build the recovery problem of a named scenario (optionally with another duration)."""
    timings: dict[str, float] = {}
    t = time.perf_counter()
    graph = graph or compile_model(model)
    timings["compile"] = time.perf_counter() - t
    duration_s = parse_seconds(duration) if duration is not None else None
    sc = scenario_of(model, scenario, duration_s=duration_s)
    t = time.perf_counter()
    problem, warnings = build_problem(model, graph, sc)
    timings["build"] = time.perf_counter() - t
    return Context(model, graph, sc, problem, warnings, timings)


def adhoc_context(
    model: Model,
    fail: list[str],
    *,
    start: datetime,
    duration: str,
    graph: CompiledGraph | None = None,
) -> Context:
    """The recovery problem of an ad-hoc failure (a what-if): ``fail`` (``site:X``, …)
    from ``start`` (aware) for ``duration`` (e.g. ``3.5h``). ``UsageError`` if a
    reference or the duration is wrong."""
    refs = [str(r) for r in resolve_refs(model, fail)]
    if not refs:
        raise UsageError("nothing fails", suggestion="give at least one site:NAME")
    try:
        duration_s = parse_seconds(duration)
    except ValueError as exc:
        raise UsageError(f"duration: {exc}", suggestion="write e.g. 45min, 3.5h or 2d") from None
    timings: dict[str, float] = {}
    t = time.perf_counter()
    graph = graph or compile_model(model)
    timings["compile"] = time.perf_counter() - t
    sc = scenario_of(model, fail=refs, start=start, duration_s=duration_s)
    t = time.perf_counter()
    problem, warnings = build_problem(model, graph, sc)
    timings["build"] = time.perf_counter() - t
    return Context(model, graph, sc, problem, warnings, timings)


# --------------------------------------------------------------------------- plan


def _task_rows(ctx: Context, sched: Schedule) -> list[dict[str, Any]]:
    p = ctx.problem
    rows = []
    order = np.lexsort((np.arange(p.n_tasks), sched.start))
    for k in order.tolist():
        if sched.end[k] <= sched.start[k]:
            continue
        comp, _, action = p.task_labels[k].partition("/")
        team = int(sched.team[k])
        pieces = sched.pieces_of(k)
        extra: dict[str, Any] = {}
        if len(pieces) > 1:  # handed over across shifts: the stretches worked
            extra["pieces"] = [{"start": ctx.iso(a), "end": ctx.iso(b)} for a, b in pieces]
            extra["worked_s"] = int(sum(b - a for a, b in pieces) * 60)
        rows.append(
            {
                "id": p.task_labels[k],
                "component": comp,
                "action": action,
                "team": p.team_names[team] if team >= 0 else None,
                "ready": ctx.iso(sched.ready[k]),
                "start": ctx.iso(sched.start[k]),
                "end": ctx.iso(sched.end[k]),
                "waited_for_person_s": int(max(0, sched.start[k] - sched.ready[k]) * 60),
                "duration_s": int((sched.end[k] - sched.start[k]) * 60),
                **extra,
            }
        )
    return rows


def _function_rows(ctx: Context, sched: Schedule) -> list[dict[str, Any]]:
    rows = []
    for fid, v in ctx.function_nodes():
        fn = ctx.model.functions[fid]
        down = bool(ctx.problem.down[v])
        minutes = int(sched.back[v])
        path = critical_path(ctx.problem, sched, v) if down else []
        rows.append(
            {
                "id": fid,
                "tier": fn.tier,
                "patient_safety": fn.patient_safety,
                "was_down": down,
                "restored_at": ctx.iso(minutes),
                "restored_after_s": minutes * 60,
                "rto_s": fn.rto,
                "rto_met": None if fn.rto is None else minutes * 60 <= fn.rto,
                "critical_path": [ctx.problem.task_labels[s.task] for s in path if s.task >= 0],
            }
        )
    at_places: dict[str, list[dict[str, Any]]] = {}
    for fid, place, v in ctx.place_nodes():
        rto = ctx.model.functions[fid].rto
        minutes = int(sched.back[v])
        at_places.setdefault(fid, []).append(
            {
                "place": place,
                "was_down": bool(ctx.problem.down[v]),
                "restored_at": ctx.iso(minutes),
                "restored_after_s": minutes * 60,
                "rto_met": None if rto is None else minutes * 60 <= rto,
            }
        )
    for r in rows:
        if r["id"] in at_places:
            r["places"] = at_places[r["id"]]
    rows.sort(key=lambda r: (TIER_RANK[str(r["tier"])], r["restored_after_s"], r["id"]))
    return rows


def _tiers_by_place(ctx: Context, back: Callable[[list[int]], Any]) -> dict[str, Any]:
    """Per place of delivery, per tier: when the functions delivered there are back
    (``back`` turns node ids into the value for the group)."""
    cols: dict[str, dict[str, list[int]]] = {}
    for fid, place, v in ctx.place_nodes():
        tier = str(ctx.model.functions[fid].tier)
        cols.setdefault(place, {}).setdefault(tier, []).append(v)
    return {p: {t: back(vs) for t, vs in by.items()} for p, by in cols.items()}


def _plan_places(ctx: Context, sched: Schedule) -> dict[str, Any]:
    """``tiers_by_place`` of a plan (nothing in a model without places)."""
    if not ctx.graph.places:
        return {}

    def back(vs: list[int]) -> dict[str, str]:
        return {"restored_at": ctx.iso(max(int(sched.back[v]) for v in vs))}

    return {"tiers_by_place": _tiers_by_place(ctx, back)}


def _tier_rows(ctx: Context, sched: Schedule) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for tier in TIERS:
        times = [int(sched.back[v]) for f, v in ctx.function_nodes()
                 if ctx.model.functions[f].tier == tier]  # fmt: skip
        out[tier] = {"restored_at": ctx.iso(max(times, default=0))}
    return out


@dataclass(frozen=True)
class PlanReport:
    """The recovery plan of a scenario (and its CP-SAT optimisation, if asked)."""

    payload: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return self.payload


def plan(
    model: Model,
    scenario: str,
    *,
    optimize_plan: bool = False,
    time_limit_s: float = 10.0,
    graph: CompiledGraph | None = None,
) -> PlanReport:
    """The schedule (task, component, action, team, start, end), each function's
    restoration time and critical path; with ``optimize_plan``, the CP-SAT schedule and
    how much better it is on the weighted restoration times."""
    ctx = context(model, scenario, graph=graph)
    durations = median_durations(ctx.problem)
    t = time.perf_counter()
    sched = run_once(ctx.problem, durations)
    ctx.timings["list_schedule"] = time.perf_counter() - t
    weights = ctx.weights()
    result: dict[str, Any] = {}
    chosen = sched
    if optimize_plan:
        opt = optimize(ctx.problem, durations, weights, sched, time_limit_s=time_limit_s)
        ctx.timings["cp_sat"] = opt.wall_s
        list_obj = weighted_completion(sched, weights)
        opt_obj = weighted_completion(opt.schedule, weights)
        better = opt_obj < list_obj
        chosen = opt.schedule if better else sched
        result = {
            "optimization": {
                "solver": "OR-Tools CP-SAT",
                "status": opt.status,
                "time_limit_s": time_limit_s,
                "list_objective_min": list_obj,
                "cp_sat_objective_min": opt_obj,
                "lower_bound_min": opt.bound,
                "improvement": (list_obj - opt_obj) / list_obj if list_obj > 0 else 0.0,
                "used": "cp-sat" if better else "list",
            }
        }
    payload = plan_payload(ctx, chosen)
    payload.update(result)
    payload["provenance"] = provenance(
        model, ctx.timings, scenario=scenario, durations="median", optimize=optimize_plan
    )
    return PlanReport(payload)


def plan_payload(ctx: Context, sched: Schedule) -> dict[str, Any]:
    """The plan's JSON (tasks, functions, tiers, everything) for a schedule of ``ctx``."""
    fns = _function_rows(ctx, sched)
    everything = max((r["restored_after_s"] for r in fns), default=0) // 60
    warnings = list(ctx.warnings)
    if sched.beyond_horizon:
        warnings.append("some steps found no free person within the horizon")
    return {
        "scenario": ctx.scenario.name,
        "start": ctx.iso(0),
        "failure_end": ctx.iso(ctx.scenario.duration_min),
        "tasks": _task_rows(ctx, sched),
        "functions": fns,
        "tiers": _tier_rows(ctx, sched),
        **_plan_places(ctx, sched),
        "all": {"restored_at": ctx.iso(everything)},
        "warnings": warnings,
    }


# --------------------------------------------------------------------------- forecast


def _parse_time(ctx: Context, text: str, what: str) -> int:
    """Minutes from the scenario start of an ISO time (local to the scenario if naive) or
    of ``+DURATION`` after the start."""
    text = text.strip()
    if text.startswith("+"):
        try:
            return int(parse_seconds(text[1:]) // 60)
        except ValueError as exc:
            raise UsageError(f"{what}: {exc}") from None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"{what}: cannot read time {text!r}",
            suggestion="write e.g. 2024-08-04T09:00 (scenario time zone), "
            "2024-08-04T09:00+02:00, or +22h after the start",
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=ctx.tz)
    return int((when.timestamp() - ctx.scenario.start.timestamp()) // 60)


def _tasks_of(ctx: Context, ref: str) -> list[int]:
    index = ctx.task_index()
    if ref in index:
        return [index[ref]]
    mine = [i for label, i in index.items() if label.partition("/")[0] == ref]
    if mine:
        return mine
    raise UsageError(
        f"no recovery task '{ref}' in this scenario",
        suggestion=did_you_mean(ref, list(index))
        or "see `blackstart plan` for the task ids "
        "(component/action, e.g. lis-app/verify; a component alone means all its steps)",
    )


def progress_of(
    ctx: Context,
    as_of: str | None,
    done: list[str],
    started: list[str],
    *,
    on_plan: bool = False,
) -> Progress:
    """Progress from the command line: ``--as-of``, ``--done TASK[@TIME]``,
    ``--started TASK@TIME``, ``--on-plan``.

    A task done means its component's earlier steps are done, and that what the
    component needed was back: the prerequisites are taken as done too (for an any-of or
    at-least requirement, the alternatives the plan brings back first). ``--on-plan``
    takes every step the plan finishes before ``--as-of`` as done at its planned end (and
    started at its planned start), and those it has running then as started at their
    planned start. A component named in
    ``--started`` means its first step not yet done.
    """
    p = ctx.problem
    k = p.n_tasks
    now = _parse_time(ctx, as_of, "--as-of") if as_of else 0
    done_end = np.full(k, -1, np.int64)
    start = np.full(k, -1, np.int64)
    if (done or started or on_plan) and not as_of:
        raise UsageError("--done, --started and --on-plan need --as-of (when progress was known)")
    plan_sched = run_once(p, median_durations(p))
    if on_plan:
        finished = plan_sched.end <= now
        running = (plan_sched.start <= now) & ~finished & (plan_sched.end > plan_sched.start)
        done_end[finished] = plan_sched.end[finished]
        start[finished] = plan_sched.start[finished]  # evidence of pace: as planned
        start[running] = plan_sched.start[running]
    for item in done:
        ref, _, when = item.partition("@")
        minute = _parse_time(ctx, when, "--done") if when else now
        if minute > now:
            raise UsageError(f"--done {item}: done after --as-of")
        for i in _tasks_of(ctx, ref):
            done_end[i] = minute
    _imply_prerequisites(p, plan_sched, done_end)
    for item in started:
        ref, sep, when = item.partition("@")
        if not sep:
            raise UsageError(f"--started {item}: give the start time, e.g. {ref}@+20h")
        minute = _parse_time(ctx, when, "--started")
        if minute > now:
            raise UsageError(f"--started {item}: started after --as-of")
        tasks = _tasks_of(ctx, ref)
        if "/" not in ref:  # a component: its first step not done yet
            tasks = [i for i in tasks if done_end[i] < 0][:1]
        for i in tasks:
            start[i] = minute
    return Progress(as_of=now, done_end=done_end, started=start)


def _imply_prerequisites(
    p: RecoveryProblem, plan_sched: Schedule, done_end: npt.NDArray[np.int64]
) -> None:
    """Mark as done what must have been back for the done tasks to be done (in place)."""
    stack: list[tuple[int, int]] = []
    for v in np.unique(p.task_node[done_end >= 0]).tolist():
        a, b = int(p.task_ptr[v]), int(p.task_ptr[v + 1])
        last = max(i for i in range(a, b) if done_end[i] >= 0)
        when = int(done_end[last])
        for i in range(a, last):
            if done_end[i] < 0 or done_end[i] > when:
                done_end[i] = when
        stack.append((v, int(done_end[a : last + 1].min())))
    seen: set[int] = set()
    while stack:
        v, when = stack.pop()
        kids = [int(c) for c in p.child_idx[p.child_ptr[v] : p.child_ptr[v + 1]] if p.down[c]]
        need = len(kids) - int(p.threshold[v]) + 1
        if need <= 0:
            continue
        for c in sorted(kids, key=lambda c: (int(plan_sched.back[c]), c))[:need]:
            if c in seen:
                continue
            seen.add(c)
            a, b = int(p.task_ptr[c]), int(p.task_ptr[c + 1])
            for i in range(a, b):
                if done_end[i] < 0 or done_end[i] > when:
                    done_end[i] = when
            stack.append((c, when))


@dataclass(frozen=True)
class ForecastReport:
    """P50/P80/P95 restoration times per function, tier and for everything."""

    payload: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return self.payload


def run_forecast(
    model: Model,
    scenario: str,
    *,
    runs: int = 10_000,
    seed: int = 0,
    as_of: str | None = None,
    done: list[str] | None = None,
    started: list[str] | None = None,
    on_plan: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
    graph: CompiledGraph | None = None,
    ctx: Context | None = None,
    learn: bool = True,
    progress: Progress | None = None,
) -> ForecastReport:
    """Monte Carlo forecast of a scenario's recovery, optionally conditioned on progress.

    ``learn`` (the default): the remaining work is drawn with the pace learnt from the
    progress, under the model's pace prior (``forecast:`` section; docs/learning.md);
    ``learn=False`` samples the model's durations as written. ``progress``, if given,
    replaces ``as_of``/``done``/``started``/``on_plan`` (minutes, as the engine has them)."""
    if runs < 1:
        raise UsageError("--runs must be at least 1")
    ctx = ctx or context(model, scenario, graph=graph)
    prog = progress or progress_of(ctx, as_of, done or [], started or [], on_plan=on_plan)
    fnodes = ctx.function_nodes()
    pnodes = ctx.place_nodes()  # watched after the functions: columns len(fnodes) + i
    watch = np.array([v for _, v in fnodes] + [v for _, _, v in pnodes], np.int64)
    posterior = None
    if learn:
        t = time.perf_counter()
        posterior = learn_of(ctx, prog, seed=seed)
        ctx.timings["learn"] = time.perf_counter() - t
    t = time.perf_counter()
    res = forecast(ctx.problem, watch, runs=runs, seed=seed, progress=prog,
                   on_progress=on_progress, pace=posterior)  # fmt: skip
    ctx.timings["forecast"] = time.perf_counter() - t
    q = res.quantiles()
    col = {v: len(fnodes) + i for i, (_, _, v) in enumerate(pnodes)}
    watched = [f for f, _ in fnodes] + [f for f, _, _ in pnodes]  # function of each column
    rto = np.array([np.nan if (r := model.functions[f].rto) is None else r / 60 for f in watched])
    holds = np.array(
        [np.nan if (dm := model.functions[f].degraded_mode) is None else dm.holds_for / 60
         for f in watched]
    )  # fmt: skip
    breach = res.exceed_probability(rto)
    exhausted = res.exceed_probability(holds)

    def band(values: npt.NDArray[np.int64]) -> dict[str, str]:
        qs = np.quantile(values, QUANTILES)
        return {"p50": ctx.iso(qs[0]), "p80": ctx.iso(qs[1]), "p95": ctx.iso(qs[2])}

    functions = []
    for j, (fid, v) in enumerate(fnodes):
        fn = model.functions[fid]
        functions.append(
            {
                "id": fid,
                "tier": fn.tier,
                "patient_safety": fn.patient_safety,
                "was_down": bool(ctx.problem.down[v]),
                "p50": ctx.iso(q[0, j]),
                "p80": ctx.iso(q[1, j]),
                "p95": ctx.iso(q[2, j]),
                "rto_s": fn.rto,
                "rto_breach_probability": _prob(breach[j]),
                "degraded_mode_holds_s": fn.degraded_mode.holds_for if fn.degraded_mode else None,
                "degraded_mode_exhaustion_probability": _prob(exhausted[j]),
            }
        )
    _forecast_places(ctx, functions, pnodes, len(fnodes), q, breach)
    functions.sort(key=lambda r: (TIER_RANK[str(r["tier"])], r["p50"], r["id"]))
    by_place = {}
    if pnodes:
        by_place["tiers_by_place"] = _tiers_by_place(
            ctx, lambda vs: band(res.group_max([col[v] for v in vs]))
        )
    tiers = {}
    for tier in TIERS:
        cols = [j for j, (f, _) in enumerate(fnodes) if model.functions[f].tier == tier]
        tiers[tier] = band(res.group_max(cols))
    payload = {
        "scenario": ctx.scenario.name,
        "start": ctx.iso(0),
        "failure_end": ctx.iso(ctx.scenario.duration_min),
        "as_of": ctx.iso(prog.as_of),
        "runs": runs,
        "seed": seed,
        "functions": functions,
        "tiers": tiers,
        **by_place,
        "all": band(res.group_max(list(range(len(fnodes))))),
        "runs_beyond_horizon": int((~res.fits).sum()),
        "pace": pace_payload(posterior, model),
        "warnings": list(ctx.warnings),
        "provenance": provenance(
            model,
            ctx.timings,
            scenario=scenario,
            runs=runs,
            seed=seed,
            as_of=as_of,
            done=list(done or []),
            started=list(started or []),
            on_plan=on_plan,
            learn=learn,
        ),
    }
    everything = res.group_max(range(len(fnodes)))
    acc = quantile_accuracy(np.column_stack([res.back, everything]), QUANTILES)
    w = acc.warning(RESOLUTION_MIN)
    return ForecastReport({**payload, "warnings": [*ctx.warnings, *([w] if w else [])],
                           "monte_carlo": acc.summary(RESOLUTION_MIN)})  # fmt: skip


def _forecast_places(
    ctx: Context,
    functions: list[dict[str, Any]],
    pnodes: list[tuple[str, str, int]],
    offset: int,
    q: npt.NDArray[np.float64],
    breach: npt.NDArray[np.float64],
) -> None:
    """Add each function's P50/P80/P95 and RTO breach probability at each of its places
    (in place); the places' columns follow the functions' from ``offset``."""
    rows = {r["id"]: r for r in functions}
    for i, (fid, place, v) in enumerate(pnodes):
        j = offset + i
        rows[fid].setdefault("places", []).append(
            {"place": place, "was_down": bool(ctx.problem.down[v]),
             "p50": ctx.iso(q[0, j]), "p80": ctx.iso(q[1, j]), "p95": ctx.iso(q[2, j]),
             "rto_breach_probability": _prob(breach[j])}
        )  # fmt: skip


def pace_prior(model: Model) -> PacePrior:
    """The engine's pace prior from the model's ``forecast: pace_prior``."""
    spec = model.forecast.pace_prior
    return PacePrior(spec.median, spec.p90, spec.team_p90, spec.action_p90)


def learn_of(ctx: Context, prog: Progress, *, seed: int) -> PacePosterior:
    """The pace posterior of a scenario given its progress."""
    evidence = evidence_of(ctx.problem, prog.as_of, prog.done_end, prog.started)
    return learn_pace(ctx.problem, evidence, pace_prior(ctx.model), seed=seed)


def pace_payload(posterior: PacePosterior | None, model: Model) -> dict[str, Any]:
    """The forecast's ``pace`` section: what was learnt (or ``learning: false``)."""
    if posterior is None:
        return {"learning": False}
    summary = posterior.summary()
    used = {t for t in model.teams}
    teams = summary["teams"]
    assert isinstance(teams, dict)
    return {
        "learning": True,
        "prior": model.forecast.pace_prior.model_dump(),
        **summary,
        "teams": {name: v for name, v in teams.items() if name in used},
    }


def _prob(x: float) -> float | None:
    return None if np.isnan(x) else round(float(x), 4)


# --------------------------------------------------------------------------- explain


def explain(model: Model, scenario: str, function: str, *, graph: CompiledGraph | None = None
            ) -> dict[str, Any]:  # fmt: skip
    """Why ``function`` (or ``FUNCTION@PLACE``: the function at one of its places of
    delivery) comes back when it does in the plan: its critical path, each step split into
    waiting for a dependency, waiting for a person, working and verifying."""
    fid, place = split_at(function)
    if fid not in model.functions:
        raise UsageError(
            f"no function '{fid}' in model '{model.name}'",
            suggestion=did_you_mean(fid, list(model.functions)),
        )
    if place is not None and place not in model.places.get(fid, ()):
        places = model.places.get(fid, ())
        raise UsageError(
            f"function '{fid}' is not delivered at '{place}'",
            suggestion=did_you_mean(place, list(places))
            or ("its places: " + ", ".join(places) if places else f"write --function {fid}"),
        )
    ctx = context(model, scenario, graph=graph)
    sched = run_once(ctx.problem, median_durations(ctx.problem))
    v = ctx.graph.index[f"function:{function}"]
    restored = int(sched.back[v])
    path = critical_path(ctx.problem, sched, v)
    parts = breakdown(ctx.problem, path, restored)
    outage_end = max((s.end for s in path if s.task < 0), default=0)
    steps = []
    previous_node = -1
    for s in path:
        first_of_component = s.node != previous_node
        previous_node = s.node
        if s.task < 0:
            steps.append({"component": display(ctx.graph.names[s.node]), "action": "outage",
                          "task": None, "team": None, "start": ctx.iso(s.start),
                          "end": ctx.iso(s.end), "waiting_for_dependency_s": 0,
                          "waiting_for_person_s": 0, "working_s": 0, "verifying_s": 0,
                          "outage_s": (s.end - s.start) * 60})  # fmt: skip
            continue
        action = ACTIONS[int(ctx.problem.task_action[s.task])]
        team = int(sched.team[s.task])
        length = (s.end - s.start) * 60
        steps.append(
            {
                "component": display(ctx.graph.names[s.node]),
                "action": action,
                "task": ctx.problem.task_labels[s.task],
                "team": ctx.problem.team_names[team] if team >= 0 else None,
                "ready": ctx.iso(s.ready),
                "start": ctx.iso(s.start),
                "end": ctx.iso(s.end),
                # a component's first step: how long after the failure ended its
                # dependencies were back (later steps follow the previous one)
                "waiting_for_dependency_s": (
                    max(0, s.ready - outage_end) * 60 if first_of_component else 0
                ),
                "waiting_for_person_s": s.waiting_for_person * 60,
                "working_s": 0 if action == "verify" else length,
                "verifying_s": length if action == "verify" else 0,
                "outage_s": 0,
            }
        )
    fn = model.functions[fid]
    return {
        "scenario": scenario,
        "function": function,
        "tier": fn.tier,
        "was_down": bool(ctx.problem.down[v]),
        "restored_at": ctx.iso(restored),
        "restored_after_s": restored * 60,
        "breakdown_s": {
            "outage": parts.outage * 60,
            "waiting_for_person": parts.waiting_for_person * 60,
            "working": parts.working * 60,
            "verifying": parts.verifying * 60,
        },
        "steps": steps,
        "provenance": provenance(model, ctx.timings, scenario=scenario, function=function),
    }
