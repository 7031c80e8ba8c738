"""JSON API of the recovery views: a what-if's forecast and a function's critical path.

``POST /api/what-if/forecast`` forecasts the recovery of an ad-hoc failure (the what-if
page's bands); ``GET /api/explain`` is ``blackstart explain --json``. Both return the
payloads of :mod:`blackstart.planning` unchanged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from blackstart import planning
from blackstart.errors import UsageError
from blackstart.units import parse_seconds
from blackstart.web.dashboard import MAX_RUNS, Dashboard
from blackstart.web.errors import ERROR_SCHEMA
from blackstart.web.routes import Dash, Ref

router = APIRouter(prefix="/api", tags=["api"], responses=ERROR_SCHEMA)

MAX_DURATION_S = 14 * 86400.0
"""Longest failure a what-if forecasts (the recovery horizon is 30 days)."""
DEFAULT_RUNS = 1000


class WhatIfForecastRequest(BaseModel):
    """Elements to fail, for how long, from when."""

    model_config = ConfigDict(extra="forbid")
    fail: list[Ref] = Field(min_length=1, max_length=10_000)
    duration: str = Field(
        min_length=1,
        max_length=64,
        examples=["6h"],
        description="Failure duration, e.g. 45min, 3.5h or 2d.",
    )
    start: datetime | None = Field(
        default=None,
        description="When the failure starts (ISO 8601; without an offset, the model's "
        "time zone). Default: now.",
        examples=["2024-08-03T14:30"],
    )
    runs: int = Field(default=DEFAULT_RUNS, ge=1, le=MAX_RUNS)
    seed: int = Field(default=0, ge=0, le=2**63 - 1)


def start_of(dash: Dashboard, start: datetime | None) -> datetime:
    """An aware start in 1970–2100 (naive: the model's zone; none: now, to the minute)."""
    tz = ZoneInfo(dash.model.timezone or "UTC")
    if start is None:
        return datetime.now(tz).replace(second=0, microsecond=0)
    if start.tzinfo is None:
        start = start.replace(tzinfo=tz)
    if not 1970 <= start.year <= 2100:
        raise UsageError(
            f"start: {start.isoformat()} is out of range",
            suggestion="give a time between 1970 and 2100",
        )
    return start


def what_if_forecast(
    dash: Dashboard,
    fail: list[str],
    duration: str,
    *,
    start: datetime | None = None,
    runs: int = DEFAULT_RUNS,
    seed: int = 0,
) -> dict[str, Any]:
    """Forecast of an ad-hoc failure (:func:`blackstart.planning.run_forecast`)."""
    try:
        seconds = parse_seconds(duration.strip())
    except ValueError as exc:
        raise UsageError(f"duration: {exc}", suggestion="write e.g. 45min, 3.5h or 2d") from None
    if not 60 <= seconds <= MAX_DURATION_S:
        raise UsageError(
            f"duration: {duration!r} is out of range", suggestion="give between 1min and 14d"
        )
    at = start_of(dash, start)
    ctx = planning.adhoc_context(
        dash.model, fail, start=at, duration=duration.strip(), graph=dash.graph
    )
    return planning.run_forecast(
        dash.model, ctx.scenario.name, runs=runs, seed=seed, ctx=ctx
    ).to_dict()


@router.post("/what-if/forecast", summary="Restoration forecast of a what-if (P50/P80/P95)")
def forecast(body: WhatIfForecastRequest, dash: Dash) -> dict[str, Any]:
    """The same JSON as ``blackstart forecast --json``, for failures given here rather
    than a scenario of the model."""
    return what_if_forecast(
        dash, list(body.fail), body.duration, start=body.start, runs=body.runs, seed=body.seed
    )


@router.get("/explain", summary="Critical path of a function in a scenario's plan")
def explain(
    dash: Dash,
    scenario: Annotated[str, Query(min_length=1, max_length=200)],
    function: Annotated[str, Query(min_length=1, max_length=200)],
) -> dict[str, Any]:
    """The same JSON as ``blackstart explain --json``."""
    return planning.explain(dash.model, scenario, function, graph=dash.graph)
