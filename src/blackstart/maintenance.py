"""Scheduled maintenance: a window declared in advance from a model scenario (what the
maintenance takes down), with the forecast of when things come back, and its public view.

The forecast is the scenario's own recovery forecast started at the window's start, the
failure lasting until the planned end (the maintenance itself), then the recovery steps
of the model: P50/P80/P95 per function, per tier and for everything, as the board keeps
them (:func:`blackstart.incident.eta_summary`). It is computed once, when the window is
declared, and stored with it.

A window is ``scheduled`` before its start, ``in_progress`` from its start until the
later of its planned end and the forecast's P95 for everything (the time we expect every
function back in 95 runs out of 100), ``completed`` after; a function is shown *under
maintenance* while the window is in progress and before its own P95. The public view
(:func:`public_window`) carries only public text, function display names, tiers and
times: never the scenario, a component, a site, a team or a function id. Pure: rows in,
dicts out; no database, no HTTP.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from blackstart import incident, planning
from blackstart.engine.graph import CompiledGraph
from blackstart.errors import UsageError, did_you_mean
from blackstart.model.model import Model
from blackstart.model.schema import TIERS

FORECAST_RUNS = 1000
MAX_WINDOW = timedelta(days=14)
"""The longest window that may be declared (a longer one is a project, not maintenance)."""
MAX_AHEAD = timedelta(days=366)
"""How far ahead a window may be declared."""
MAX_NAME = 200
MAX_MESSAGE = 2000
STATUSES = ("scheduled", "in_progress", "completed")
PUBLIC_DAYS = 90 + MAX_WINDOW.days + 30
"""Windows that started longer ago than this are out of every public page: completed
(a window lasts at most 14 days and its forecast looks 30 days ahead, the scheduling
horizon) more than 90 days ago, out of the history."""


def check_window(
    model: Model,
    *,
    name: str,
    message: str,
    scenario: str,
    start: datetime,
    end: datetime,
    now: datetime,
) -> tuple[str, str]:
    """The trimmed name and message, or a :class:`UsageError` saying what is wrong."""
    name, message = name.strip(), message.strip()
    if not name:
        raise UsageError("a maintenance window needs a name", suggestion="e.g. 'Storage upgrade'")
    if len(name) > MAX_NAME:
        raise UsageError(f"name: at most {MAX_NAME} characters", suggestion="a shorter name")
    if len(message) > MAX_MESSAGE:
        raise UsageError(
            f"message: at most {MAX_MESSAGE} characters", suggestion="a shorter message"
        )
    if scenario not in model.scenarios:
        raise UsageError(
            f"no scenario '{scenario}' in model '{model.name}'",
            suggestion=did_you_mean(scenario, list(model.scenarios))
            or ("scenarios: " + ", ".join(model.scenarios)),
        )
    if end <= start:
        raise UsageError(
            "the window must end after it starts", suggestion="check the start and the end"
        )
    if end - start > MAX_WINDOW:
        raise UsageError(
            f"a window lasts at most {MAX_WINDOW.days} days",
            suggestion="split the work into several windows",
        )
    if end <= now:
        raise UsageError(
            "that window is already over", suggestion="a maintenance is declared in advance"
        )
    if start - now > MAX_AHEAD:
        raise UsageError(
            f"a window starts at most {MAX_AHEAD.days} days ahead",
            suggestion="declare it nearer the time",
        )
    return name, message


def forecast_window(
    model: Model,
    graph: CompiledGraph,
    scenario: str,
    start: datetime,
    end: datetime,
    *,
    runs: int = FORECAST_RUNS,
    seed: int = 0,
) -> dict[str, Any]:
    """When things come back: the scenario's forecast from ``start``, the failure lasting
    until ``end`` (P50/P80/P95 per function, tier and everything)."""
    tz = ZoneInfo(model.timezone or "UTC")
    sc = incident.resolve(
        model,
        scenario=scenario,
        fail=[],
        start=start.astimezone(tz),
        failure_end=end.astimezone(tz),
    )
    ctx = incident.context_of(model, graph, sc)
    report = planning.run_forecast(
        model, sc.name, runs=runs, seed=seed, as_of=sc.start.isoformat(), ctx=ctx
    )
    return incident.eta_summary(report.to_dict())


def _t(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def done_at(start: datetime, end: datetime, forecast: dict[str, Any]) -> datetime:
    """When the window counts as completed: the later of its planned end and the P95 of
    everything back."""
    all_back = forecast.get("all") or {}
    p95 = _t(all_back["p95"]) if all_back.get("p95") else end
    return max(end, p95, start)


def status_of(start: datetime, end: datetime, forecast: dict[str, Any], now: datetime) -> str:
    """``scheduled``, ``in_progress`` or ``completed`` at ``now``."""
    if now < start:
        return "scheduled"
    return "in_progress" if now < done_at(start, end, forecast) else "completed"


def public_id(window_id: int, created_at: datetime) -> str:
    """A stable opaque id of a window (reveals neither its row id nor anything else)."""
    text = f"maintenance\x1f{window_id}\x1f{created_at.isoformat()}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def display_name(model: Model, fid: str) -> str:
    """A function's public name (as :func:`blackstart.incident.public_functions` writes it)."""
    fn = model.functions[fid]
    return fn.public_name or fn.name or fid.replace("-", " ").capitalize()


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


def public_window(model: Model, row: Any, now: datetime) -> dict[str, Any]:
    """The public view of a maintenance row (:class:`~blackstart.store.maintenance.
    MaintenanceRow`): name, message, status, window, when everything is back (P50–P80,
    and P95), affected tiers and functions with their own range and state."""
    fc = row.forecast
    status = status_of(row.start_at, row.end_at, fc, now)
    functions = []
    down = sorted(
        (f for f in fc.get("functions", []) if f.get("was_down") and f["id"] in model.functions),
        key=lambda f: (TIERS.index(f["tier"]), display_name(model, f["id"]).lower()),
    )
    for f in down:
        fn = model.functions[f["id"]]
        if status == "in_progress":
            state = "maintenance" if now < _t(f["p95"]) else "restored"
        else:
            state = "scheduled" if status == "scheduled" else "restored"
        row_out: dict[str, Any] = {
            "name": display_name(model, f["id"]),
            "tier": f["tier"],
            "state": state,
            "eta": {"from": f["p50"], "to": f["p80"], "p95": f["p95"]},
        }
        if fn.names and not fn.public_name:
            row_out["names"] = fn.names
        functions.append(row_out)
    tiers = {t: q for t, q in fc.get("tiers", {}).items() if any(f["tier"] == t for f in functions)}
    all_back = fc.get("all") or {}
    return {
        "id": public_id(row.id, row.created_at),
        "name": row.name,
        "message": row.message,
        "status": status,
        "scheduled_for": _iso(row.start_at),
        "scheduled_until": _iso(row.end_at),
        "completed_at": _iso(done_at(row.start_at, row.end_at, fc))
        if status == "completed"
        else None,
        "created_at": _iso(row.created_at),
        "back": {
            "from": all_back.get("p50"),
            "to": all_back.get("p80"),
            "p95": all_back.get("p95"),
        },
        "tiers": {t: {k: tiers[t][k] for k in ("p50", "p80", "p95")} for t in tiers},
        "functions": functions,
    }


def under_maintenance(windows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Display name → the function's public row, for the functions under maintenance now
    (in the windows' public views)."""
    out: dict[str, dict[str, Any]] = {}
    for w in windows:
        if w["status"] != "in_progress":
            continue
        for f in w["functions"]:
            if f["state"] == "maintenance":
                out.setdefault(f["name"], f)
    return out


def mark_functions(tiers: list[dict[str, Any]], windows: list[dict[str, Any]]) -> None:
    """In the public table (``[{"tier", "functions"}]``), show each function that is up
    but under maintenance now as ``maintenance`` with its range; an incident wins."""
    now_in = under_maintenance(windows)
    for t in tiers:
        for f in t["functions"]:
            m = now_in.get(f["name"])
            if m is not None and f["state"] != "down":
                f["state"] = "maintenance"
                f["eta"] = {"from": m["eta"]["from"], "to": m["eta"]["to"]}
