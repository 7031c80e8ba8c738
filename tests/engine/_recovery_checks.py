"""An independent checker of recovery schedules, shared by the schedule and forecast tests.

Written from the documented semantics, not from the engine's code:

- *down* and *back* are evaluated on the named model (up-space requirements: all_of is
  the maximum of the items' back times, any_of the minimum, at_least k the k-th
  smallest; items never down count as 0; a site or provider failed directly is back when
  the failure ends, a site run by a failed provider when the provider is; a function
  with places of delivery is back when back at its last place, and at a place when its
  site and its requirement there — ``{place}`` replaced, same-place functions — are);
- a team's head-count per minute is recomputed from its :class:`Team` definition with
  :mod:`zoneinfo` (people in working hours on working days, ``night.on_call`` outside
  them, ``weekend.on_call`` on other days; on-call people absent for ``call_in`` after
  the start), vectorised over minutes rather than reusing the model's calendar.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from blackstart.engine.schedule import ACTIONS, AUTOMATIC_ACTIONS, RecoveryProblem, Schedule
from blackstart.model.model import Model, parse_ref
from blackstart.model.recovery import ResolvedScenario, recovery_of
from blackstart.model.requirements import Gate, Ref, Requirement
from blackstart.model.schema import Team

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# --------------------------------------------------------------------------- calendar


def _utc_offsets(tz: ZoneInfo, t0: datetime, minutes: int) -> npt.NDArray[np.int64]:
    """UTC offset (minutes) of every minute ``[0, minutes)`` after ``t0`` in ``tz``."""
    utc0 = t0.astimezone(ZoneInfo("UTC"))
    hours = minutes // 60 + 2
    at_hour = np.array(
        [(utc0 + timedelta(hours=h)).astimezone(tz).utcoffset() // timedelta(minutes=1)
         for h in range(hours)],
        dtype=np.int64,
    )  # fmt: skip
    out = np.repeat(at_hour, 60)[:minutes]
    # an hour whose two ends disagree holds a transition: resolve it minute by minute
    for h in np.flatnonzero(at_hour[:-1] != at_hour[1:]).tolist():
        for m in range(h * 60, min((h + 1) * 60, minutes)):
            out[m] = (utc0 + timedelta(minutes=m)).astimezone(tz).utcoffset() // timedelta(
                minutes=1
            )
    return out


def headcount(team: Team, tz_default: str, t0: datetime, minutes: int) -> npt.NDArray[np.int64]:
    """People of ``team`` available at each minute ``[0, minutes)`` after ``t0``."""
    tz = ZoneInfo(team.timezone or tz_default)
    m = np.arange(minutes, dtype=np.int64)
    utc_min = int(t0.timestamp() // 60) + m
    local = utc_min + _utc_offsets(tz, t0, minutes)
    day = local // 1440
    minute_of_day = local % 1440
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday (weekday() == 3)
    open_s, close_s = team.weekday.hours.split("-")
    open_min = int(open_s[:2]) * 60 + int(open_s[3:])
    close_min = int(close_s[:2]) * 60 + int(close_s[3:])
    workday = np.isin(weekday, [WEEKDAY_NAMES.index(d) for d in team.weekday.days])
    in_hours = workday & (minute_of_day >= open_min) & (minute_of_day < close_min)
    on_call = np.where(workday, team.night.on_call, team.weekend.on_call)
    call_in = int(np.ceil(team.call_in / 60 - 1e-9))
    on_call = np.where(m < call_in, 0, on_call)
    return np.where(in_hours, team.weekday.people, on_call).astype(np.int64)


# --------------------------------------------------------------------------- semantics


class Semantics:
    """Down status and back times of named elements, given a schedule's task times."""

    def __init__(
        self,
        model: Model,
        scenario: ResolvedScenario,
        problem: RecoveryProblem,
        schedule: Schedule,
    ) -> None:
        self.model = model
        self.problem = problem
        self.schedule = schedule
        refs = [parse_ref(f) for f in scenario.fail]
        self.failed = {(r.kind, r.name) for r in refs}
        self.fail_end = scenario.duration_min
        self.tasks: dict[str, list[int]] = {}
        for k, label in enumerate(problem.task_labels):
            self.tasks.setdefault(label.partition("/")[0], []).append(k)
        self._down: dict[tuple[str, str], bool] = {}
        self._back: dict[tuple[str, str], int] = {}

    # down ------------------------------------------------------------------------
    def down(self, kind: str, name: str) -> bool:
        key = (kind, name)
        if key not in self._down:
            self._down[key] = self._is_down(kind, name)
        return self._down[key]

    def _is_down(self, kind: str, name: str) -> bool:
        if (kind, name) in self.failed:
            return True
        if kind == "provider":
            return False
        if kind == "site":
            site = self.model.sites[name]
            return site.provider is not None and self.down("provider", site.provider)
        if kind == "component":
            c = self.model.components[name]
            if c.site is not None and self.down("site", c.site):
                return True
            if c.provider is not None and self.down("provider", c.provider):
                return True
        fid, _, place = name.partition("@")
        if kind == "function" and not place and fid in self.model.places:
            # places of delivery: down as a whole when down at some place
            return any(self.down("function", f"{fid}@{p}") for p in self.model.places[fid])
        if place:  # a function at a place: its site, and its requirement bound there
            if self.down("site", place):
                return True
            return not self._met(self.model.requirements.get(fid), place)
        return not self._met(self.model.requirements.get(name))

    def _named(self, name: str, place: str | None) -> tuple[str, str]:
        """A required name as (kind, name): ``{place}`` replaced, a function delivered at
        the same place taken there (docs/model-format.md, Places of delivery)."""
        if place is not None:
            name = name.replace("{place}", place)
            if place in self.model.places.get(name, ()):
                return "function", f"{name}@{place}"
        return ("component" if name in self.model.components else "function"), name

    def _met(self, req: Requirement | None, place: str | None = None) -> bool:
        if req is None:
            return True
        if isinstance(req, Ref):
            return not self.down(*self._named(req.name, place))
        assert isinstance(req, Gate)
        return sum(self._met(item, place) for item in req.items) >= req.k

    # back ------------------------------------------------------------------------
    def back(self, kind: str, name: str) -> int:
        key = (kind, name)
        if key not in self._back:
            self._back[key] = self._back_of(kind, name) if self.down(kind, name) else 0
        return self._back[key]

    def _back_of(self, kind: str, name: str) -> int:
        own = self.fail_end if (kind, name) in self.failed else 0
        if kind == "provider":
            return own
        if kind == "site":
            p = self.model.sites[name].provider
            return max(own, self.back("provider", p) if p is not None else 0)
        fid, _, place = name.partition("@")
        if kind == "function" and not place and fid in self.model.places:
            return max(self.back("function", f"{fid}@{p}") for p in self.model.places[fid])
        if kind == "function" and place:
            req = self.model.requirements.get(fid)
            return max(self.back("site", place), self.requirement_time(req, place))
        if kind == "function":
            return self.requirement_time(self.model.requirements.get(name))
        ready = self.ready_time(name)
        ends = [
            int(self.schedule.end[k])
            for k in self.tasks.get(name, [])
            if self.schedule.end[k] > self.schedule.start[k]
        ]
        return max([ready, *ends])

    def ready_time(self, component: str) -> int:
        """When a down component's first step may start: everything it needs is back
        and its own failure has ended."""
        c = self.model.components[component]
        times = [self.requirement_time(self.model.requirements.get(component))]
        if c.site is not None:
            times.append(self.back("site", c.site))
        if c.provider is not None:
            times.append(self.back("provider", c.provider))
        if ("component", component) in self.failed:
            times.append(self.fail_end)
        return max(times)

    def requirement_time(self, req: Requirement | None, place: str | None = None) -> int:
        if req is None:
            return 0
        if isinstance(req, Ref):
            return self.back(*self._named(req.name, place))
        assert isinstance(req, Gate)
        times = sorted(self.requirement_time(item, place) for item in req.items)
        return times[req.k - 1]  # all_of: the last, any_of: the first, at_least k: k-th


# --------------------------------------------------------------------------- checker


def capable_teams(model: Model, component: str) -> list[str]:
    """Teams that may do a component's manual steps: those with its own
    ``recovery.skill``; else its owning team; else those with its kind's default skill."""
    comp = model.components[component]
    explicit = comp.recovery.skill if comp.recovery is not None else None
    default = recovery_of(model, component).skill
    if explicit is not None:
        return [t for t, team in model.teams.items() if explicit in team.skills]
    if comp.team is not None and comp.team in model.teams:
        return [comp.team]
    return [t for t, team in model.teams.items() if default in team.skills]


def check_schedule(
    model: Model,
    scenario: ResolvedScenario,
    problem: RecoveryProblem,
    schedule: Schedule,
    durations: npt.NDArray[np.int64],
    *,
    node_of: dict[str, int],
    not_before: int = 0,
    check_backs: bool = True,
) -> list[str]:
    """Every violated invariant of ``schedule``, as readable messages (empty: all hold).

    ``node_of`` maps ``kind:name`` labels to node ids (``CompiledGraph.index``).
    """
    sem = Semantics(model, scenario, problem, schedule)
    bad: list[str] = []
    start, end, team = schedule.start, schedule.end, schedule.team
    labels = problem.task_labels

    # (1) precedence: steps in order, the first after the requirement and the failure
    for cid, ks in sem.tasks.items():
        if not sem.down("component", cid):
            bad.append(f"{cid}: has tasks but is not down")
            continue
        actions = [labels[k].partition("/")[2] for k in ks]
        if actions != sorted(actions, key=ACTIONS.index):
            bad.append(f"{cid}: steps out of order {actions}")
        t = max(sem.ready_time(cid), not_before)
        for k in ks:
            d = int(durations[k])
            if d <= 0:
                continue
            if start[k] < t:
                bad.append(f"{labels[k]}: starts at {start[k]} before {t}")
            pieces = schedule.pieces_of(k)
            if len(pieces) == 1 and end[k] - start[k] != d:
                bad.append(f"{labels[k]}: runs {end[k] - start[k]} min, not {d}")
            elif len(pieces) > 1:
                bad += _check_pieces(model, scenario, problem, schedule, k, d, pieces)
            t = int(end[k])
    if check_backs:
        for label, v in node_of.items():
            kind, _, name = label.partition(":")
            if kind not in ("component", "function", "site", "provider") or "#" in name:
                continue
            if sem.back(kind, name) != schedule.back[v]:
                bad.append(f"{label}: back at {schedule.back[v]}, expected {sem.back(kind, name)}")

    # (3) who: automatic steps nobody, manual steps a team with the skill
    for k, label in enumerate(labels):
        cid, _, action = label.partition("/")
        if int(durations[k]) <= 0:
            continue
        tm = int(team[k])
        if action in AUTOMATIC_ACTIONS:
            if tm != -1:
                bad.append(f"{label}: automatic step given to team {problem.team_names[tm]}")
            continue
        capable = capable_teams(model, cid)
        skill = recovery_of(model, cid).skill
        if not capable:
            continue  # nobody can: treated as automatic (with a warning)
        if tm < 0:
            if not schedule.beyond_horizon:
                bad.append(f"{label}: manual step without a team")
            continue
        if problem.team_names[tm] not in capable:
            bad.append(f"{label}: team {problem.team_names[tm]} cannot do {skill!r}")

    # (2) staff: per team and minute, running manual steps <= head-count
    horizon = problem.horizon
    used = np.zeros((len(problem.team_names), horizon + 1), np.int64)
    for k in range(problem.n_tasks):
        tm = int(team[k])
        if tm >= 0 and end[k] > start[k]:
            for a, b in schedule.pieces_of(k):
                used[tm, max(0, a)] += 1
                used[tm, min(horizon, b)] -= 1
    used = np.cumsum(used, axis=1)[:, :horizon]
    tz_default = model.timezone or "UTC"
    for i, name in enumerate(problem.team_names):
        last = np.flatnonzero(used[i])
        if len(last) == 0:
            continue
        span = int(last[-1]) + 1
        cap = headcount(model.teams[name], tz_default, scenario.start, span)
        over = np.flatnonzero(used[i, :span] > cap)
        if len(over):
            m = int(over[0])
            bad.append(
                f"team {name}: {used[i, m]} at work at minute {m} "
                f"({scenario.start + timedelta(minutes=m)}), head-count {cap[m]}"
                f" ({len(over)} minutes over)"
            )
    return bad


def handover_of(model: Model, component: str, action: str, team_name: str) -> int | None:
    """Minutes of handover of a step done by ``team_name``, None if it may not be handed
    over: the component's ``recovery.handover`` (one value, or per step), else the
    team's ``handover`` (default 30 min); ``false`` forbids it (docs/model-format.md)."""
    rec = model.components[component].recovery
    own: Any = None
    if rec is not None and rec.handover is not None:
        h = rec.handover
        own = getattr(h, action, None) if hasattr(h, "verify") else h
    setting = model.teams[team_name].handover if own is None else own
    if setting is False:
        return None
    return round(float(setting) / 60)


def _check_pieces(
    model: Model,
    scenario: ResolvedScenario,
    problem: RecoveryProblem,
    schedule: Schedule,
    k: int,
    d: int,
    pieces: list[tuple[int, int]],
) -> list[str]:
    """A step handed over across shifts: pieces in order from its start to its end, each
    inside one staffed stretch of its team, every piece but the last ending where the
    stretch ends, lengths summing to ``d`` plus the handover per break."""
    label = problem.task_labels[k]
    cid, _, action = label.partition("/")
    tm = int(schedule.team[k])
    if tm < 0:
        return [f"{label}: handed over but has no team"]
    name = problem.team_names[tm]
    h = handover_of(model, cid, action, name)
    if h is None:
        return [f"{label}: handed over although it may not be"]
    bad = []
    if pieces[0][0] != schedule.start[k] or pieces[-1][1] != schedule.end[k]:
        bad.append(f"{label}: pieces {pieces} do not span {schedule.start[k]}-{schedule.end[k]}")
    cap = headcount(model.teams[name], model.timezone or "UTC", scenario.start, pieces[-1][1] + 1)
    for i, (a, b) in enumerate(pieces):
        if b <= a or (i and a <= pieces[i - 1][1]):
            bad.append(f"{label}: pieces out of order {pieces}")
        if (cap[a:b] <= 0).any():
            bad.append(f"{label}: piece {a}-{b} crosses an unstaffed minute")
        if i < len(pieces) - 1 and cap[b] > 0:
            bad.append(f"{label}: piece {a}-{b} is handed over while the shift goes on")
    worked = sum(b - a for a, b in pieces)
    if worked != d + h * (len(pieces) - 1):
        bad.append(f"{label}: works {worked} min in {len(pieces)} pieces, not {d} + {h} per break")
    return bad


def assert_valid(*args: Any, **kwargs: Any) -> None:
    """:func:`check_schedule` with a readable failure."""
    bad = check_schedule(*args, **kwargs)
    assert not bad, f"{len(bad)} violations:\n" + "\n".join(bad[:20])


# --------------------------------------------------------------------------- tiny models

ALL_DAYS = list(WEEKDAY_NAMES)


def team(
    people: int = 1,
    *,
    skills: tuple[str, ...] = ("ops",),
    hours: str = "00:00-24:00",
    days: list[str] | None = None,
    weekend: int = 0,
    night: int = 0,
    call_in: str = "0min",
    timezone: str | None = None,
) -> dict[str, Any]:
    """A team entry; by default one person at work around the clock, every day."""
    out: dict[str, Any] = {
        "skills": list(skills),
        "weekday": {"hours": hours, "people": people, "days": days or ALL_DAYS},
        "weekend": {"on_call": weekend},
        "night": {"on_call": night},
        "call_in": call_in,
    }
    if timezone is not None:
        out["timezone"] = timezone
    return out


def steps(skill: str = "ops", **durations: Any) -> dict[str, Any]:
    """A recovery entry, e.g. ``steps(restart="30min", verify="30min")``."""
    return {"skill": skill, **durations}


def tiny(
    components: dict[str, Any],
    functions: dict[str, Any],
    teams: dict[str, Any] | None = None,
    *,
    start: str = "2024-08-05T09:00",  # a Monday
    fail: tuple[str, ...] = ("site:dc",),
    duration: str = "1h",
    sites: tuple[str, ...] = ("dc", "dc2", "dc3"),
) -> dict[str, Any]:
    """Plain model data with one scenario ``s`` (Europe/Paris)."""
    return {
        "name": "tiny",
        "timezone": "Europe/Paris",
        "sites": {s: {"kind": "datacenter"} for s in sites},
        "components": components,
        "functions": functions,
        "teams": teams if teams is not None else {"ops": team()},
        "scenarios": {
            "s": {"start": start, "fail": list(fail), "duration": duration},
        },
    }
