"""Recovery semantics: which components need which tasks, who can do them, and when
people are there. Builds the engine's :class:`~blackstart.engine.schedule.RecoveryProblem`.

Owns the translation from a named model and a scenario to arrays:

- **Which components recover, and how.** A component is *hit* when the failure touched
  it physically: it is failed directly, or it runs on a site that the failure touched (a
  failed site, a site operated by a failed provider, or the site of a failed component —
  a power cut inside a building stops every machine in it), or its provider failed. A
  hit component goes through its whole recovery: ``boot`` (automatic), ``restart``,
  ``restore`` (automatic once launched, only when the restart fails, with probability
  ``restart_fails``), ``data_check``, ``verify``. A component that was down only because
  something it needs elsewhere was down needs just its ``verify`` step once that is back.
  Each step starts only when everything the component requires is back *and verified*.
- **Defaults per kind** (:data:`KIND_DEFAULTS`) fill what a component does not say; its
  own ``recovery:`` overrides them field by field.
- **Who.** A manual step needs one person with the step's skill (``recovery.skill``,
  else the kind's default skill, else the component's team). Teams are resources.
- **When.** Each team's head-count is a calendar, minute by minute from the scenario
  start, in the team's time zone (DST-correct through :mod:`zoneinfo`): ``people`` in
  working hours on working days, ``night.on_call`` outside hours on working days,
  ``weekend.on_call`` on other days. On-call people arrive ``call_in`` after the alert
  (the scenario start); people already at work are there at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from blackstart.engine.graph import COMPONENT, CompiledGraph
from blackstart.engine.propagate import propagate_one
from blackstart.engine.schedule import (
    ACTIONS,
    AUTOMATIC_ACTIONS,
    DIST_FIXED,
    DIST_LOGNORMAL,
    DIST_TRIANGULAR,
    DIST_UNIFORM,
    HANDOVER,
    NO_HANDOVER,
    RecoveryProblem,
)
from blackstart.errors import UsageError
from blackstart.model.model import Model, parse_ref
from blackstart.model.schema import TIERS, Recovery, Team
from blackstart.units import Distribution

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

HORIZON_DAYS = 30
"""Scheduling horizon; a step that cannot fit in it is reported as beyond the horizon."""


def _r(**kw: object) -> Recovery:
    return Recovery.model_validate(kw)


KIND_DEFAULTS: dict[str, Recovery] = {
    # facilities: switch back on, check the power chain
    "power": _r(restart="15min..45min", verify="15min..30min", skill="power"),
    "ups": _r(restart="15min..45min", verify="15min..30min", skill="power"),
    "generator": _r(restart="15min..45min", verify="15min..30min", skill="power"),
    "cooling": _r(boot="10min..30min", verify="15min..30min", skill="facilities"),
    # network gear boots by itself; someone checks the links
    "network": _r(boot="5min..15min", verify="10min..30min", skill="network"),
    "link": _r(boot="5min..15min", verify="10min..20min", skill="network"),
    "switch": _r(boot="5min..15min", verify="10min..20min", skill="network"),
    "router": _r(boot="5min..15min", verify="10min..30min", skill="network"),
    "firewall": _r(boot="5min..15min", verify="15min..45min", skill="network"),
    "dns": _r(boot="5min..10min", verify="10min..20min", skill="systems"),
    # storage after a hard power loss: the classic long tail
    "storage": _r(
        boot="15min..30min",
        restart="30min..2h",
        restart_fails=0.1,
        restore="4h..16h",
        data_check="1h..3h",
        verify="30min..1h",
        skill="storage",
    ),
    "backup": _r(restart="30min..1h", verify="30min..1h", skill="storage"),
    "compute": _r(boot="10min..20min", verify="10min..30min", skill="systems"),
    "cluster": _r(restart="20min..1h", verify="20min..40min", skill="systems"),
    "vm": _r(boot="5min..10min", verify="5min..15min", skill="systems"),
    "container": _r(boot="2min..5min", verify="5min..15min", skill="systems"),
    "database": _r(
        restart="20min..1h",
        restart_fails=0.05,
        restore="2h..8h",
        data_check="30min..2h",
        verify="30min..1h",
        skill="database",
    ),
    "directory": _r(restart="20min..1h", verify="30min..1h", skill="directory"),
    "middleware": _r(restart="15min..45min", verify="30min..1h", skill="apps"),
    "application": _r(restart="15min..45min", verify="1h..3h", skill="apps"),
    "saas": _r(),
    "messaging": _r(restart="20min..1h", verify="30min..1h30min", skill="messaging"),
    "pbx": _r(restart="20min..1h", verify="30min..1h", skill="telephony"),
    "telephony": _r(restart="15min..45min", verify="15min..45min", skill="telephony"),
    "endpoint": _r(boot="5min..15min"),
    "other": _r(restart="15min..1h", verify="15min..1h"),
}
"""Recovery steps per component kind, used where a component's ``recovery`` is silent."""

_DIST_CODE = {
    "fixed": DIST_FIXED,
    "uniform": DIST_UNIFORM,
    "triangular": DIST_TRIANGULAR,
    "lognormal": DIST_LOGNORMAL,
}

TIER_RANK: dict[str, int] = {t: i for i, t in enumerate(TIERS)}


@dataclass(frozen=True)
class ResolvedScenario:
    """A scenario made concrete: what fails, from when (aware), for how long (minutes)."""

    name: str
    start: datetime
    duration_min: int
    fail: tuple[str, ...]


def scenario_of(
    model: Model,
    name: str | None = None,
    *,
    fail: list[str] | None = None,
    start: datetime | None = None,
    duration_s: float | None = None,
) -> ResolvedScenario:
    """A named scenario of the model, or an ad-hoc one (``fail`` with start and duration)."""
    if name is not None:
        if name not in model.scenarios:
            from blackstart.errors import did_you_mean

            raise UsageError(
                f"no scenario '{name}' in model '{model.name}'",
                suggestion=did_you_mean(name, list(model.scenarios))
                or ("scenarios: " + ", ".join(model.scenarios)),
            )
        sc = model.scenarios[name]
        return ResolvedScenario(
            name,
            start or model.scenario_start(name),
            _minutes(duration_s if duration_s is not None else sc.duration),
            tuple(sc.fail) + tuple(fail or ()),
        )
    if not fail or start is None or duration_s is None:
        raise UsageError("an ad-hoc scenario needs failures, a start and a duration")
    return ResolvedScenario("ad-hoc", start, _minutes(duration_s), tuple(fail))


def _minutes(seconds: float) -> int:
    return int(np.ceil(seconds / 60.0 - 1e-9))


def _merged(model_rec: Recovery | None, kind: str) -> Recovery:
    base = KIND_DEFAULTS.get(kind, KIND_DEFAULTS["other"])
    if model_rec is None:
        return base
    given = model_rec.model_dump(exclude_unset=True)
    return base.model_copy(update={k: getattr(model_rec, k) for k in given})


def recovery_of(model: Model, component: str) -> Recovery:
    """The effective recovery data of a component: its own, over its kind's defaults."""
    comp = model.components[component]
    return _merged(comp.recovery, comp.kind)


def _hit_components(model: Model, graph: CompiledGraph, fail: tuple[str, ...]) -> set[str]:
    refs = [parse_ref(f) for f in fail]
    sites = {r.name for r in refs if r.kind == "site"}
    providers = {r.name for r in refs if r.kind == "provider"}
    direct = {r.name for r in refs if r.kind == "component"}
    sites |= {s for s, site in model.sites.items() if site.provider in providers}
    sites |= {s for c in direct if (s := model.components[c].site) is not None}
    return {
        cid
        for cid, c in model.components.items()
        if cid in direct or c.site in sites or (c.provider is not None and c.provider in providers)
    }


def _team_calendar(
    team: Team, tz_default: str, t0: datetime, horizon_min: int
) -> npt.NDArray[np.int16]:
    """Head-count per minute from ``t0`` for ``horizon_min`` minutes."""
    tz = ZoneInfo(team.timezone or tz_default)
    cap = np.empty(horizon_min, dtype=np.int16)
    h0, m0, h1, m1 = (int(x) for x in team.weekday.hours.replace("-", ":").split(":"))
    local0 = t0.astimezone(tz)
    day = local0.date() - timedelta(days=1)
    utc0 = t0.timestamp()
    end_day = (t0 + timedelta(minutes=horizon_min)).astimezone(tz).date() + timedelta(days=1)
    workdays = set(team.weekday.days)
    call_in = _minutes(team.call_in)
    # fill day by day: [midnight, open) night, [open, close) work, [close, midnight) night
    while day <= end_day:
        midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
        nxt = day + timedelta(days=1)
        next_midnight = datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)
        working = WEEKDAYS[day.weekday()] in workdays
        if working:
            open_ = midnight.replace(hour=h0, minute=m0)
            close = next_midnight if (h1, m1) == (24, 0) else midnight.replace(hour=h1, minute=m1)
            spans = [
                (midnight, open_, team.night.on_call, True),
                (open_, close, team.weekday.people, False),
                (close, next_midnight, team.night.on_call, True),
            ]
        else:
            spans = [(midnight, next_midnight, team.weekend.on_call, True)]
        for a, b, people, on_call in spans:
            i = max(0, int((a.timestamp() - utc0) // 60))
            j = min(horizon_min, int((b.timestamp() - utc0) // 60))
            if j <= i:
                continue
            cap[i:j] = people
            if on_call and i < call_in:
                cap[i : min(j, call_in)] = 0  # on-call people are not there yet
        day = nxt
    return cap


def build_problem(
    model: Model,
    graph: CompiledGraph,
    scenario: ResolvedScenario,
    *,
    horizon_days: int = HORIZON_DAYS,
) -> tuple[RecoveryProblem, list[str]]:
    """The recovery problem of a scenario, and warnings about the model's recovery data."""
    warnings: list[str] = []
    try:
        failed_ids = [graph.index[str(parse_ref(f))] for f in scenario.fail]
    except (KeyError, ValueError) as exc:
        raise UsageError(f"cannot fail {exc}") from None
    down = propagate_one(graph, failed_ids)
    n = graph.n
    inj_end = np.zeros(n, dtype=np.int64)
    inj_end[failed_ids] = scenario.duration_min

    hit = _hit_components(model, graph, scenario.fail)
    teams = list(model.teams)
    team_ix = {t: i for i, t in enumerate(teams)}
    by_skill: dict[str, list[int]] = {}
    for t, team in model.teams.items():
        for s in team.skills:
            by_skill.setdefault(s, []).append(team_ix[t])

    task_node: list[int] = []
    task_action: list[int] = []
    task_dist: list[tuple[int, float, float, float]] = []
    task_prob: list[float] = []
    cand_ptr = [0]
    cand: list[int] = []
    task_ptr = np.zeros(n + 1, dtype=np.int64)
    labels: list[str] = []
    cand_handover: list[int] = []
    team_handover = [handover_minutes(model.teams[t].handover) for t in teams]
    comp_nodes = np.flatnonzero(down & (graph.kind == COMPONENT))
    per_node: dict[int, list[int]] = {}
    for v in comp_nodes.tolist():
        cid = graph.names[v].partition(":")[2]
        comp = model.components[cid]
        rec = _merged(comp.recovery, comp.kind)
        steps = ACTIONS if cid in hit else ("verify",)
        explicit = comp.recovery.skill if comp.recovery is not None else None
        teams_for = _candidates(explicit, rec.skill, comp.team, by_skill, team_ix)
        mine = []
        for action in steps:
            dist: Distribution | None = getattr(rec, action)
            if dist is None:
                continue
            auto = action in AUTOMATIC_ACTIONS
            if not auto and not teams_for:
                warnings.append(
                    f"no team can {action} {cid} (skill {rec.skill!r}): assumed automatic"
                )
            mine.append(len(task_node))
            task_node.append(v)
            task_action.append(ACTIONS.index(action))
            task_dist.append(_dist_params(dist))
            task_prob.append(rec.restart_fails if action == "restore" else 1.0)
            cand.extend([] if auto else teams_for)
            if not auto:
                own = rec.handover_of(action)
                cand_handover.extend(
                    team_handover[t] if own is None else handover_minutes(own) for t in teams_for
                )
            cand_ptr.append(len(cand))
            labels.append(f"{cid}/{action}")
        per_node[v] = mine
    # tasks are stored node by node, in node order, so that task_ptr is a CSR pointer
    counts = np.zeros(n, dtype=np.int64)
    for v, ts in per_node.items():
        counts[v] = len(ts)
    np.cumsum(counts, out=task_ptr[1:])

    horizon = horizon_days * 1440
    tz_default = model.timezone or "UTC"
    cap = np.zeros((max(1, len(teams)), horizon), dtype=np.int16)
    for t, team in model.teams.items():
        cap[team_ix[t]] = _team_calendar(team, tz_default, scenario.start, horizon)

    parent_ptr, parent_idx = _transpose(graph)
    params = np.asarray(task_dist, dtype=np.float64).reshape(-1, 4)
    problem = RecoveryProblem(
        n=n,
        child_ptr=graph.child_ptr,
        child_idx=graph.child_idx,
        parent_ptr=parent_ptr,
        parent_idx=parent_idx,
        threshold=graph.threshold,
        down=down,
        inj_end=inj_end,
        task_ptr=task_ptr,
        task_node=np.asarray(task_node, dtype=np.int64),
        task_action=np.asarray(task_action, dtype=np.int8),
        dist_kind=params[:, 0].astype(np.int8),
        dist_params=params[:, 1:],
        task_prob=np.asarray(task_prob, dtype=np.float64),
        cand_ptr=np.asarray(cand_ptr, dtype=np.int64),
        cand_team=np.asarray(cand, dtype=np.int64),
        priority=_priorities(model, graph),
        capacity=cap,
        task_labels=tuple(labels),
        team_names=tuple(teams),
        handover=np.array(team_handover or [HANDOVER], np.int64),
        cand_handover=np.asarray(cand_handover, dtype=np.int64),
        call_in=np.array([_minutes(model.teams[t].call_in) for t in teams] or [0], np.int64),
    )
    return problem, warnings + staffing_warnings(problem)


def handover_minutes(setting: float | bool) -> int:
    """A ``handover`` setting in whole minutes, :data:`NO_HANDOVER` for ``false``."""
    if setting is False:
        return NO_HANDOVER
    return round(float(setting) / 60)


def _candidates(
    explicit: str | None,
    default: str | None,
    team: str | None,
    by_skill: dict[str, list[int]],
    team_ix: dict[str, int],
) -> list[int]:
    """Teams that can do a component's manual steps, the preferred one first.

    The component's own ``recovery.skill`` wins (any team with it, its own team first);
    else its owning ``team``; else any team with the kind's default skill.
    """
    own = team_ix.get(team or "", -1)
    if explicit is not None and explicit in by_skill:
        return sorted(by_skill[explicit], key=lambda t: t != own)
    if own >= 0:
        return [own]
    if default is not None and default in by_skill:
        return list(by_skill[default])
    return []


def staffing_warnings(problem: RecoveryProblem) -> list[str]:
    """Steps that can last longer than any uninterrupted staffed stretch of their teams:
    such draws are handed over to the next shift (with the step's handover cost), or,
    for a step that may not be handed over, wait for a long enough stretch."""
    longest: list[int] = []
    for row in problem.capacity:
        staffed = np.concatenate([[0], (row > 0).astype(np.int8), [0]])
        edges = np.flatnonzero(np.diff(staffed))
        runs = edges[1::2] - edges[0::2]
        longest.append(int(runs.max()) if len(runs) else 0)
    out = []
    cand_handover = problem.candidate_handover()
    for k, label in enumerate(problem.task_labels):
        teams = problem.cand_team[problem.cand_ptr[k] : problem.cand_ptr[k + 1]].tolist()
        costs = cand_handover[problem.cand_ptr[k] : problem.cand_ptr[k + 1]].tolist()
        if not teams:
            continue
        kind = int(problem.dist_kind[k])
        a, b, c = (float(x) for x in problem.dist_params[k])
        # the largest plausible draw: the bound, or about the 99.9th percentile of a lognormal
        bounds = {DIST_FIXED: a, DIST_UNIFORM: b, DIST_TRIANGULAR: c}
        top = bounds[kind] if kind in bounds else (a * (b / a) ** 2.4 if a > 0 else b)
        best = max(longest[t] for t in teams)
        if top <= best:
            continue
        head = (
            f"{label} can last up to {top / 60:.1f} h but its teams are never staffed "
            f"for more than {best / 60:.1f} h in a row: "
        )
        if any(c >= 0 for c in costs):
            cost = min(c for c in costs if c >= 0)
            out.append(head + f"longer draws are handed over to the next shift (+{cost} min each)")
        else:
            out.append(
                head + "it may not be handed over (handover: false), so longer draws wait "
                "for such a stretch; consider on-call cover or splitting the step"
            )
    return out


def _dist_params(d: Distribution) -> tuple[int, float, float, float]:
    code = _DIST_CODE[d.kind]
    if d.kind == "lognormal":
        assert d.median is not None and d.p90 is not None
        return code, d.median / 60.0, d.p90 / 60.0, 0.0
    if d.kind == "triangular":
        assert d.mode is not None
        return code, d.low / 60.0, d.mode / 60.0, d.high / 60.0
    return code, d.low / 60.0, d.high / 60.0, 0.0


def _transpose(graph: CompiledGraph) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    child = graph.child_idx.astype(np.int64)
    parent = graph.edge_parent.astype(np.int64)
    order = np.argsort(child, kind="stable")
    counts = np.bincount(child, minlength=graph.n)
    ptr = np.zeros(graph.n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return ptr, parent[order]


def _priorities(model: Model, graph: CompiledGraph) -> npt.NDArray[np.int64]:
    """Rank of every node for the list scheduler: lower is more urgent.

    A node inherits the most urgent key of the functions that need it (tier, then
    patient safety, then RTO), so that a storage array serving a vital function is
    brought back before one serving billing; ties go to the node serving more functions.
    """
    inf = 10**12
    n = graph.n
    key = np.full(n, inf, dtype=np.int64)
    serves = np.zeros(n, dtype=np.int64)
    for fid, fn in model.functions.items():
        v = graph.index[f"function:{fid}"]
        rto = int(fn.rto // 60) if fn.rto is not None else 10**6
        k = (TIER_RANK[fn.tier] * 2 + (0 if fn.patient_safety else 1)) * 10**7 + min(rto, 10**7 - 1)
        key[v] = k
        serves[v] = 1
    # push keys down the DAG, one (level, operator) group at a time, parents first
    serves_f = serves.astype(np.float64)
    ptr, idx = graph.child_ptr, graph.child_idx
    for start, end, _op in reversed(graph.groups):
        e0, e1 = int(ptr[start]), int(ptr[end])
        parents = np.repeat(np.arange(start, end), np.diff(ptr[start : end + 1]))
        kids = idx[e0:e1]
        np.minimum.at(key, kids, key[parents])
        np.add.at(serves_f, kids, serves_f[parents])
    order = np.lexsort((np.arange(n), -serves_f, key))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return rank
