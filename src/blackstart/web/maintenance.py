"""Scheduled maintenance on the board: declare a window from a scenario (a form at
``/maintenance`` and its JSON twin ``/api/maintenance``), list and cancel windows, and
keep the public status in step with the clock.

Who may do what is the gate's (:mod:`blackstart.web.auth`): any logged-in user reads,
viewers cannot declare or cancel. What a person typed is checked by
:func:`blackstart.maintenance.check_window` (422 with ``error`` and ``suggestion``) before
the forecast is run and the window stored. Every change tells the service's listeners
(the off-site publisher, webhooks, e-mail subscribers: one message per change).

:class:`Ticker` re-reads the windows every few seconds and tells the listeners when what
the public sees changes by itself: a window starts, a function comes back, a window ends,
or a window was declared from the command line. Owns the routes and the ticker; the rows
are :mod:`blackstart.store.maintenance`'s, the forecast and public view
:mod:`blackstart.maintenance`'s.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from blackstart import maintenance as mt
from blackstart.errors import UsageError
from blackstart.store import maintenance as rows
from blackstart.store.store import StoreError
from blackstart.web.board import IncidentService, parse_when
from blackstart.web.bounds import Id
from blackstart.web.clock import zone_of
from blackstart.web.dashboard import NotFound
from blackstart.web.errors import ERROR_SCHEMA
from blackstart.web.render import templates

log = logging.getLogger("blackstart.maintenance")
Payload = dict[str, Any]
TICK_S = 5.0


def service(request: Request) -> IncidentService:
    svc = request.app.state.incidents
    assert isinstance(svc, IncidentService)
    return svc


Svc = Annotated[IncidentService, Depends(service)]


def _user(request: Request) -> str:
    user = getattr(request.state, "user", None)
    return str(user.name) if user is not None else "anonymous"


# --------------------------------------------------------------------------- actions


def declare(
    svc: IncidentService,
    user: str,
    *,
    name: str,
    message: str,
    scenario: str,
    start: str | None,
    end: str | None,
) -> rows.MaintenanceRow:
    """Check, forecast and store a window; tell the listeners."""
    model = svc.dash.model
    begin = parse_when(start, svc.tz, "start")
    finish = parse_when(end, svc.tz, "end")
    if begin is None or finish is None:
        raise UsageError(
            "a maintenance window needs its start and its planned end",
            suggestion="e.g. start 2026-12-05T22:00, end 2026-12-06T02:00",
        )
    name, message = mt.check_window(
        model,
        name=name,
        message=message,
        scenario=scenario,
        start=begin,
        end=finish,
        now=datetime.now(UTC),
    )
    forecast = mt.forecast_window(model, svc.dash.graph, scenario, begin, finish)
    row = rows.add(
        svc.store.store,
        name=name,
        message=message,
        scenario=scenario,
        start=begin,
        end=finish,
        forecast=forecast,
        user=user,
    )
    svc._changed(0)
    return row


def cancel(svc: IncidentService, user: str, window_id: int) -> rows.MaintenanceRow:
    try:
        row = rows.cancel(svc.store.store, window_id, user=user)
    except StoreError as exc:
        if rows.get(svc.store.store, window_id) is None:
            raise NotFound(exc.message, suggestion=exc.suggestion) from None
        raise UsageError(exc.message, suggestion=exc.suggestion) from None
    svc._changed(0)
    return row


def board_view(svc: IncidentService) -> list[Payload]:
    """Every window for the board: stored fields, its status now, its public view."""
    now = datetime.now(UTC)
    out = []
    for r in reversed(rows.all_windows(svc.store.store)):
        item = r.to_dict()
        item["status"] = (
            "cancelled" if r.cancelled_at else mt.status_of(r.start_at, r.end_at, r.forecast, now)
        )
        item["public"] = mt.public_window(svc.dash.model, r, now)
        item["zone"] = zone_of(svc.dash.model, r.scenario)
        out.append(item)
    return out


# --------------------------------------------------------------------------- pages

pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@pages.get("/maintenance")
def maintenance_page(request: Request, svc: Svc) -> Response:
    request.state.tz = zone_of(svc.dash.model)
    return templates.TemplateResponse(
        request,
        "maintenance.html",
        {
            "nav": "incidents",
            "windows": board_view(svc),
            "scenarios": list(svc.dash.model.scenarios),
            "now": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )


@pages.post("/maintenance")
def declare_page(
    request: Request,
    svc: Svc,
    name: Annotated[str, Form(max_length=mt.MAX_NAME)],
    scenario: Annotated[str, Form(max_length=200)],
    start: Annotated[str, Form(max_length=64)],
    end: Annotated[str, Form(max_length=64)],
    message: Annotated[str, Form(max_length=mt.MAX_MESSAGE)] = "",
) -> Response:
    declare(
        svc, _user(request), name=name, message=message, scenario=scenario, start=start, end=end
    )
    return RedirectResponse("/maintenance", status_code=303)


@pages.post("/maintenance/{window_id}/cancel")
def cancel_page(request: Request, window_id: Id, svc: Svc) -> Response:
    cancel(svc, _user(request), window_id)
    return RedirectResponse("/maintenance", status_code=303)


# --------------------------------------------------------------------------- API

api = APIRouter(prefix="/api", tags=["maintenance"], responses=ERROR_SCHEMA)


class Window(BaseModel):
    """A maintenance window to declare."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=mt.MAX_NAME, examples=["Storage upgrade"])
    message: str = Field(default="", max_length=mt.MAX_MESSAGE, description="Shown publicly.")
    scenario: str = Field(min_length=1, max_length=200, description="What the work takes down.")
    start: str = Field(max_length=64, description="Start (ISO; local to the model if naive).")
    end: str = Field(max_length=64, description="Planned end of the work (ISO).")


@api.get("/maintenance", summary="Maintenance windows, newest first")
def list_windows(svc: Svc) -> list[Payload]:
    return board_view(svc)


@api.post("/maintenance", status_code=201, summary="Declare a maintenance window")
def declare_api(body: Window, request: Request, svc: Svc) -> Payload:
    """Runs the scenario's forecast from the window's start (P50/P80/P95 per function,
    tier and everything) and shows the window on the public status from now on."""
    row = declare(
        svc,
        _user(request),
        name=body.name,
        message=body.message,
        scenario=body.scenario,
        start=body.start,
        end=body.end,
    )
    return next(w for w in board_view(svc) if w["id"] == row.id)


@api.post("/maintenance/{window_id}/cancel", summary="Cancel a maintenance window")
def cancel_api(window_id: Id, request: Request, svc: Svc) -> Payload:
    row = cancel(svc, _user(request), window_id)
    return row.to_dict()


# --------------------------------------------------------------------------- ticker


class Ticker:
    """Tells ``svc``'s listeners when the public view of the windows changes by itself
    (checked every ``every`` seconds, in a daemon thread from :meth:`start` — the app's
    start-up — to :meth:`close`)."""

    def __init__(self, svc: IncidentService, every: float = TICK_S) -> None:
        self.svc, self.every = svc, every
        self.ticks = 0
        self._stop = threading.Event()
        self._last = ""
        self._thread: threading.Thread | None = None

    def start(self) -> Ticker:
        if self._thread is None:
            self._last = self._print()
            self._thread = threading.Thread(
                target=self._run, name="maintenance-ticker", daemon=True
            )
            self._thread.start()
        return self

    def _print(self) -> str:
        views = self.svc.maintenance_windows(completed=None)
        seen = [(v["id"], v["status"], [f["state"] for f in v["functions"]]) for v in views]
        return json.dumps(sorted(seen))

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                seen = self._print()
                if seen != self._last:
                    self._last = seen
                    self.ticks += 1
                    self.svc._changed(0)
            except Exception as exc:  # never let the thread die
                log.warning("maintenance ticker: %s", exc)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


def install(app: FastAPI, every: float = TICK_S) -> Ticker:
    """Add the maintenance pages and API to ``app``, and its ticker (started by the
    app's lifespan, so an app that is never served starts no thread)."""
    app.include_router(pages)
    app.include_router(api)
    ticker = Ticker(app.state.incidents, every)
    app.state.maintenance_ticker = ticker
    return ticker
