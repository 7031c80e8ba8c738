"""From recovery payloads (plan, forecast, explain) to the pages' charts.

Owns the translation of the JSON payloads' ISO times into minutes from the start, the
teams' off hours over the plan's span (from each team's calendar in the model), and the
grouping of tasks by team. Draws nothing itself (:mod:`blackstart.web.charts` does).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from blackstart import planning
from blackstart.errors import UsageError
from blackstart.model.model import Model
from blackstart.model.schema import Team
from blackstart.web import charts, clock
from blackstart.web.dashboard import Dashboard
from blackstart.web.recovery_routes import what_if_forecast

PLAN_RUNS = 1000
"""Monte Carlo runs of the plan page's forecast (its JSON twin takes ``runs``)."""
NO_TEAM = "(automatic)"
"""Row of the steps no person runs (boot, restore)."""
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def minutes(t0: datetime, iso: str) -> float:
    """Minutes from ``t0`` to the ISO time ``iso``."""
    return (datetime.fromisoformat(iso) - t0).total_seconds() / 60.0


def off_hours(
    team: Team, tz_default: str, t0: datetime, span_min: float
) -> list[tuple[float, float]]:
    """Intervals (minutes from ``t0``) in ``[0, span_min]`` outside the team's working
    hours: nights, and whole days that are not working days, in the team's time zone."""
    tz = ZoneInfo(team.timezone or tz_default)
    h0, m0, h1, m1 = (int(x) for x in team.weekday.hours.replace("-", ":").split(":"))
    end = t0 + timedelta(minutes=span_min)
    day: date = t0.astimezone(tz).date() - timedelta(days=1)
    out: list[tuple[float, float]] = []
    while day <= end.astimezone(tz).date():
        midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
        nxt = day + timedelta(days=1)
        next_midnight = datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)
        if WEEKDAYS[day.weekday()] in team.weekday.days:
            open_ = midnight.replace(hour=h0, minute=m0)
            close = next_midnight if (h1, m1) == (24, 0) else midnight.replace(hour=h1, minute=m1)
            spans = [(midnight, open_), (close, next_midnight)]
        else:
            spans = [(midnight, next_midnight)]
        for a, b in spans:
            lo = max(0.0, (a - t0).total_seconds() / 60)
            hi = min(span_min, (b - t0).total_seconds() / 60)
            if hi > lo:
                if out and abs(out[-1][1] - lo) < 1e-9:
                    out[-1] = (out[-1][0], hi)
                else:
                    out.append((lo, hi))
        day = nxt
    return out


def gantt(
    model: Model,
    plan: dict[str, Any],
    *,
    critical: frozenset[str] = frozenset(),
    fold_automatic: bool = True,
    zoom: int = 1,
) -> Markup:
    """The plan's tasks by team, with each team's off hours shaded; each tooltip says the
    day (in the scenario's zone); the tasks in ``critical`` drawn over the others; the
    automatic steps in one folded lane unless ``fold_automatic`` is false; ``zoom`` times
    wider than the page's other charts."""
    t0 = datetime.fromisoformat(plan["start"])
    tz = clock.zone_of(model, str(plan["scenario"]))
    rows: dict[str, list[charts.Bar]] = {t: [] for t in sorted(model.teams)}
    for task in plan["tasks"]:
        team = task["team"] or NO_TEAM
        a, b = clock.between(task["start"], task["end"], tz, None)
        rows.setdefault(team, []).append(
            charts.Bar(
                f"{task['id']} ({task['team'] or 'automatic'}): {a} – {b}",
                minutes(t0, task["start"]),
                minutes(t0, task["end"]),
                task["action"],
                name=task["id"],
                short=task["component"],
                critical=task["id"] in critical,
            )
        )
    rows = {team: bars for team, bars in rows.items() if bars}
    span = max([b.end for bars in rows.values() for b in bars] + [60.0])
    home = model.timezone or "UTC"
    hours = {t: off_hours(model.teams[t], home, t0, span) for t in rows if t in model.teams}
    return charts.gantt(
        t0,
        rows,
        hours,
        failure_end=minutes(t0, plan["failure_end"]),
        folded=frozenset({NO_TEAM}) if fold_automatic else frozenset(),
        zoom=zoom,
    )


def eta_bands(forecast: dict[str, Any], *, only_down: bool = True) -> Markup:
    """Each function's forecast P50/P80/P95 (those that were down), by tier."""
    t0 = datetime.fromisoformat(forecast["start"])
    rows = [
        charts.Band(
            f["id"],
            minutes(t0, f["p50"]),
            minutes(t0, f["p80"]),
            minutes(t0, f["p95"]),
            f["tier"],
            None if f["rto_s"] is None else f["rto_s"] / 60,
        )
        for f in forecast["functions"]
        if f["was_down"] or not only_down
    ]
    return charts.bands(
        t0,
        rows,
        failure_end=minutes(t0, forecast["failure_end"]),
        title="Restoration forecast: P50 (dot), P80 (bar), P95 (line end); RTO tick",
    )


def tier_bands(forecast: dict[str, Any]) -> Markup:
    """Each tier's P50/P80/P95 (every function of the tier back)."""
    t0 = datetime.fromisoformat(forecast["start"])
    rows = [
        charts.Band(tier, minutes(t0, b["p50"]), minutes(t0, b["p80"]), minutes(t0, b["p95"]), tier)
        for tier, b in forecast["tiers"].items()
    ]
    return charts.bands(
        t0,
        rows,
        failure_end=minutes(t0, forecast["failure_end"]),
        title="Every function of the tier back: P50, P80, P95",
    )


def breakdown(explained: dict[str, Any]) -> Markup:
    """The critical path's outage / waiting / working / verifying split."""
    return charts.breakdown({k: float(v) for k, v in explained["breakdown_s"].items()})


def what_if_bands(
    dash: Dashboard, fail: list[str], duration: str, start: str | None
) -> dict[str, Any]:
    """The what-if page's forecast: the payload and its tier and function bands."""
    when = None
    if start and start.strip():
        try:
            when = datetime.fromisoformat(start.strip())
        except ValueError:
            raise UsageError(
                f"start: cannot read time {start!r}", suggestion="write e.g. 2024-08-03T14:30"
            ) from None
    payload = what_if_forecast(dash, fail, duration, start=when)
    return {"forecast": payload, "tiers": tier_bands(payload), "functions": eta_bands(payload)}


def plan_charts(
    dash: Dashboard,
    plan: dict[str, Any],
    function: str | None,
    *,
    fold_automatic: bool = True,
    zoom: int = 1,
) -> dict[str, Any]:
    """The plan page's charts: the Gantt chart (with ``function``'s critical path drawn
    over it), the forecast bands and, for ``function``, its critical path
    (:func:`blackstart.planning.explain`)."""
    scenario = str(plan["scenario"])
    forecast = dash.forecast(scenario, runs=PLAN_RUNS, seed=0)
    explained = None
    critical: frozenset[str] = frozenset()
    if function:
        explained = planning.explain(dash.model, scenario, function, graph=dash.graph)
        critical = frozenset(str(s["task"]) for s in explained["steps"] if s["task"])
    out: dict[str, Any] = {
        "gantt": gantt(
            dash.model, plan, critical=critical, fold_automatic=fold_automatic, zoom=zoom
        ),
        "critical": critical,
        "forecast": forecast,
        "eta": eta_bands(forecast),
        "tier_eta": tier_bands(forecast),
        "explained": explained,
    }
    if explained is not None:
        out["breakdown"] = breakdown(explained)
    return out
