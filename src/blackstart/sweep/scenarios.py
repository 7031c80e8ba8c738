"""The scenarios of a sweep: what fails (or who is away), for how long, from when.

Owns the parsing of the sweep axes (``--over``, ``--durations``, ``--starts``,
``--incident``), the list of :class:`ScenarioSpec` they span, each scenario's *key* and
*seed*, and the sweep's identity (:func:`sweep_key`). Does not compute anything.

- **what** (``--over``): ``site`` = every site (``site:X``); ``provider`` = every
  provider (``provider:X``); ``power`` = every power *source*: a component of kind
  ``power`` or ``generator`` that requires nothing (utility feeds, generators;
  ``component:X``); ``team`` = every team away (``team:X``) while the reference incident
  (``--incident``, default the model's first scenario) happens: its failures, for its own
  duration, at the swept start. With teams, the incident alone (``incident:NAME``, its
  own duration) is one more row per start, the reference the team rows are compared to.
- **duration**: how long the failure lasts; for a team, how long the team is away from
  the start (its calendar is empty then, so its steps go to another team with the
  step's skill when the component's recovery names one, or wait for the team).
- **start**: ``Mon 10:00`` (a weekday and a local time in the model's time zone, in the
  *reference week*: the week, Monday to Sunday, of the model's first scenario, else the
  week of Monday 2024-01-08) or an ISO date-time.

The key of a scenario is ``what|duration in seconds|start`` (e.g.
``site:dc-north|14400s|Sat 11:00``). Its seed is the first 128 bits of
``SHA-256(master seed, key)``: a stable hash of the key, never the worker or the order,
so the same sweep gives the same numbers however and wherever it runs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from blackstart.errors import UsageError, did_you_mean
from blackstart.model.model import Model
from blackstart.units import format_seconds, parse_seconds

DIMENSIONS = ("site", "provider", "power", "team")
"""What a sweep can go over, in the order rows of one kind are listed."""
DEFAULT_DURATIONS = "1h,4h,24h"
DEFAULT_STARTS = "Mon 10:00,Sat 11:00,Tue 03:00"
POWER_KINDS = frozenset({"power", "generator"})
DEFAULT_WEEK = date(2024, 1, 8)
"""Reference Monday when the model has no scenario (a winter week, no DST change)."""

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_TIME = re.compile(r"^([A-Za-z]+)\s+(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class ScenarioSpec:
    """One scenario of a sweep, ready to compute."""

    key: str
    what: str
    """``site:X``, ``provider:X``, ``component:X`` (power) or ``team:X``."""
    kind: str
    """The dimension: site, provider, power, team, or incident (the reference)."""
    duration_s: int
    start_label: str
    start: datetime
    fail: tuple[str, ...]
    failure_s: int
    """How long the failures last (the duration, or the incident's for a team)."""
    absent_team: str | None = None

    def seed(self, master: int) -> int:
        """This scenario's seed: 128 bits of SHA-256 over the master seed and the key."""
        digest = hashlib.sha256(f"{master}\x00{self.key}".encode()).digest()
        return int.from_bytes(digest[:16], "big")


@dataclass(frozen=True)
class SweepAxes:
    """The parsed axes of a sweep."""

    over: tuple[str, ...]
    durations_s: tuple[int, ...]
    starts: tuple[tuple[str, datetime], ...]
    incident: str | None
    warnings: tuple[str, ...] = ()
    only: frozenset[str] | None = None
    """If given, only these whats (``site:X``…) of the dimensions swept."""

    def restricted(self, whats: set[str] | frozenset[str]) -> SweepAxes:
        """The same axes over some whats only (e.g. a sample of a large region)."""
        return dataclasses.replace(self, only=frozenset(whats))


def _split_list(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def parse_over(text: str) -> tuple[str, ...]:
    items = _split_list(text)
    if not items:
        raise UsageError("--over is empty", suggestion="e.g. --over site,provider,power,team")
    for item in items:
        if item not in DIMENSIONS:
            raise UsageError(
                f"--over: cannot sweep over '{item}'",
                suggestion=did_you_mean(item, DIMENSIONS) or "use " + ",".join(DIMENSIONS),
            )
    return tuple(d for d in DIMENSIONS if d in items)


def parse_durations(text: str) -> tuple[int, ...]:
    out: list[int] = []
    for item in _split_list(text):
        try:
            seconds = parse_seconds(item)
        except ValueError as exc:
            raise UsageError(
                f"--durations: {exc}", suggestion="e.g. --durations 1h,4h,24h"
            ) from None
        if seconds < 60:
            raise UsageError(f"--durations: {item} is shorter than a minute")
        if int(seconds) not in out:
            out.append(int(seconds))
    if not out:
        raise UsageError("--durations is empty", suggestion="e.g. --durations 1h,4h,24h")
    return tuple(out)


def reference_week(model: Model) -> date:
    """Monday of the week of the model's first scenario (local), else :data:`DEFAULT_WEEK`."""
    if not model.scenarios:
        return DEFAULT_WEEK
    first = model.scenario_start(next(iter(model.scenarios)))
    day = first.date()
    return day - timedelta(days=day.weekday())


def parse_starts(model: Model, text: str) -> tuple[tuple[str, datetime], ...]:
    """``(label, aware start)`` of each ``Mon 10:00`` or ISO date-time, in order."""
    tz = ZoneInfo(model.timezone or "UTC")
    monday = reference_week(model)
    out: list[tuple[str, datetime]] = []
    hint = 'write e.g. "Mon 10:00,Sat 11:00" (a weekday and a local time) or 2024-08-03T11:00'
    for item in _split_list(text):
        m = _WEEKDAY_TIME.match(item)
        if m:
            word = m.group(1).lower()
            day = word[:3]
            if day not in _DAYS or word not in (day, _FULL_DAYS[_DAYS.index(day)]):
                raise UsageError(f"--starts: '{m.group(1)}' is not a weekday", suggestion=hint)
            hour, minute = int(m.group(2)), int(m.group(3))
            if hour > 23 or minute > 59:
                raise UsageError(f"--starts: {item}: no such time of day", suggestion=hint)
            d = monday + timedelta(days=_DAYS.index(day))
            label = f"{day.capitalize()} {hour:02d}:{minute:02d}"
            when = datetime(d.year, d.month, d.day, hour, minute, tzinfo=tz)
        else:
            try:
                when = datetime.fromisoformat(item)
            except ValueError:
                raise UsageError(f"--starts: cannot read '{item}'", suggestion=hint) from None
            if when.tzinfo is None:
                when = when.replace(tzinfo=tz)
            label = when.isoformat(timespec="minutes")
        if label not in [x for x, _ in out]:
            out.append((label, when))
    if not out:
        raise UsageError("--starts is empty", suggestion=hint)
    return tuple(out)


def parse_axes(
    model: Model,
    *,
    over: str = ",".join(DIMENSIONS),
    durations: str = DEFAULT_DURATIONS,
    starts: str = DEFAULT_STARTS,
    incident: str | None = None,
    over_given: bool = True,
) -> SweepAxes:
    """Parse and check the axes; a team sweep needs a reference incident.

    With ``over_given=False`` (the default ``--over``), a model without any scenario
    simply skips the team dimension, with a warning.
    """
    dims = parse_over(over)
    warnings: list[str] = []
    if incident is not None and incident not in model.scenarios:
        raise UsageError(
            f"--incident: no scenario '{incident}' in model '{model.name}'",
            suggestion=did_you_mean(incident, list(model.scenarios))
            or ("scenarios: " + ", ".join(model.scenarios) if model.scenarios else None),
        )
    if "team" in dims and incident is None:
        if model.scenarios:
            incident = next(iter(model.scenarios))
        elif over_given:
            raise UsageError(
                "sweeping over teams needs an incident to recover from, and the model "
                "has no scenario",
                suggestion="add a scenario to the model, or drop team from --over",
            )
        else:
            dims = tuple(d for d in dims if d != "team")
            warnings.append("no scenario in the model: teams not swept (they need an incident)")
    return SweepAxes(
        dims,
        parse_durations(durations),
        parse_starts(model, starts),
        incident if "team" in dims else None,
        tuple(warnings),
    )


def targets(model: Model, dims: tuple[str, ...]) -> list[tuple[str, str]]:
    """``(kind, what)`` of every row, dimension by dimension, ids in model order."""
    out: list[tuple[str, str]] = []
    for d in dims:
        if d == "site":
            out += [("site", f"site:{s}") for s in model.sites]
        elif d == "provider":
            out += [("provider", f"provider:{p}") for p in model.providers]
        elif d == "power":
            out += [
                ("power", f"component:{c}")
                for c, comp in model.components.items()
                if comp.kind in POWER_KINDS and model.requirements.get(c) is None
            ]
        else:
            out += [("team", f"team:{t}") for t in model.teams]
    return out


def scenarios(model: Model, axes: SweepAxes) -> list[ScenarioSpec]:
    """Every (what, duration, start) scenario of the sweep, in a fixed order."""
    out: list[ScenarioSpec] = []
    inc = model.scenarios[axes.incident] if axes.incident is not None else None
    if inc is not None:  # the incident alone, once per start: what team rows add to
        what = f"incident:{axes.incident}"
        if axes.only is None or what in axes.only:
            for label, when in axes.starts:
                key = f"{what}|{int(inc.duration)}s|{label}"
                out.append(
                    ScenarioSpec(
                        key,
                        what,
                        "incident",
                        int(inc.duration),
                        label,
                        when,
                        tuple(inc.fail),
                        int(inc.duration),
                    )
                )
    for kind, what in targets(model, axes.over):
        if axes.only is not None and what not in axes.only:
            continue
        for dur in axes.durations_s:
            for label, when in axes.starts:
                key = f"{what}|{dur}s|{label}"
                if kind == "team":
                    assert inc is not None
                    spec = ScenarioSpec(
                        key,
                        what,
                        kind,
                        dur,
                        label,
                        when,
                        tuple(inc.fail),
                        int(inc.duration),
                        what.partition(":")[2],
                    )
                else:
                    spec = ScenarioSpec(key, what, kind, dur, label, when, (what,), dur)
                out.append(spec)
    return out


def duration_label(seconds: int) -> str:
    """``14400 -> '4h'``."""
    return format_seconds(seconds)


def sweep_key(model: Model, axes: SweepAxes, *, runs: int, seed: int) -> str:
    """The sweep's identity: SHA-256 of the model hash and every parameter that changes
    a number (not how it runs: workers, cluster, output files)."""
    ident = {
        "model_hash": model.hash,
        "over": list(axes.over),
        "durations_s": list(axes.durations_s),
        "starts": [[label, when.isoformat()] for label, when in axes.starts],
        "incident": axes.incident,
        "runs": runs,
        "seed": seed,
    }
    if axes.only is not None:
        ident["only"] = sorted(axes.only)
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()
