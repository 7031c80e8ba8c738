"""The incident board: pages (``/incidents…``) and their JSON twins (``/api/incidents…``),
the ETA-history chart, the audit page, and :func:`install`, which wires all of it (and
the auth gate, login and public status) into the dashboard app.

Pages post plain forms (CSRF token in a hidden field) and redirect back (303); the API
takes JSON (CSRF token in ``X-CSRF-Token``). A change may name the incident version it
saw (``expected_version``/``version``): if the incident moved on, 409. Who may do what
is the gate's job (:mod:`blackstart.web.auth`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from blackstart.model.schema import TIERS
from blackstart.store.incidents import EVENT_KINDS, IncidentStore
from blackstart.web import eta_chart, login, status
from blackstart.web.auth import Auth, AuthGate
from blackstart.web.board import IncidentService
from blackstart.web.dashboard import Dashboard
from blackstart.web.errors import ERROR_SCHEMA
from blackstart.web.render import templates

pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
_REFUSED: dict[int | str, dict[str, Any]] = {
    401: {"description": "Login needed", "content": ERROR_SCHEMA[404]["content"]},
    403: {
        "description": "CSRF token missing or wrong, or the role may not do this",
        "content": ERROR_SCHEMA[404]["content"],
    },
}
api = APIRouter(prefix="/api", tags=["incidents"], responses={**ERROR_SCHEMA, **_REFUSED})
Payload = dict[str, Any]


def service(request: Request) -> IncidentService:
    svc = request.app.state.incidents
    assert isinstance(svc, IncidentService)
    return svc


Svc = Annotated[IncidentService, Depends(service)]


def _user(request: Request) -> str:
    user = getattr(request.state, "user", None)
    return str(user.name) if user is not None else "anonymous"


def _back(incident_id: int, anchor: str = "") -> Response:
    return RedirectResponse(f"/incidents/{incident_id}{anchor}", status_code=303)


def _version(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


# --------------------------------------------------------------------------- pages


@pages.get("/incidents")
def incidents_page(request: Request, svc: Svc) -> Response:
    rows = [r.summary() for r in svc.store.incidents()]
    return templates.TemplateResponse(
        request,
        "incidents.html",
        {
            "nav": "incidents",
            "incidents": rows,
            "scenarios": list(svc.dash.model.scenarios),
        },
    )


@pages.post("/incidents")
def declare_page(
    request: Request,
    svc: Svc,
    title: Annotated[str, Form(max_length=200)],
    scenario: Annotated[str, Form(max_length=200)] = "",
    fail: Annotated[str, Form(max_length=10_000)] = "",
    start: Annotated[str, Form(max_length=64)] = "",
    failure_end: Annotated[str, Form(max_length=64)] = "",
    drill: Annotated[str, Form(max_length=10)] = "",
    clock: Annotated[str, Form(max_length=20)] = "real",
) -> Response:
    row = svc.declare(
        _user(request),
        title=title,
        scenario=scenario or None,
        fail=fail.split(),
        start=start,
        failure_end=failure_end,
        drill=bool(drill),
        clock=clock,
    )
    return _back(row.id)


@pages.get("/incidents/{incident_id}")
def board_page(request: Request, incident_id: int, svc: Svc) -> Response:
    data = svc.board(incident_id)
    return templates.TemplateResponse(
        request,
        "incident.html",
        {
            "nav": "incidents",
            "b": data,
            "tiers": TIERS,
            "kinds": EVENT_KINDS,
            "chart": eta_chart.svg(data),
        },
    )


@pages.get("/incidents/{incident_id}/eta.svg")
def eta_svg(incident_id: int, svc: Svc) -> Response:
    return Response(eta_chart.svg(svc.board(incident_id)), media_type="image/svg+xml")


@pages.post("/incidents/{incident_id}/events")
def event_page(
    request: Request,
    incident_id: int,
    svc: Svc,
    task: Annotated[str, Form(max_length=300)],
    kind: Annotated[str, Form(max_length=20)],
    comment: Annotated[str, Form(max_length=2000)] = "",
    at: Annotated[str, Form(max_length=64)] = "",
    version: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    svc.record(
        incident_id,
        _user(request),
        task=task,
        kind=kind,
        comment=comment,
        at=at,
        expected_version=_version(version),
    )
    return _back(incident_id, "#tasks")


@pages.post("/incidents/{incident_id}/unplanned")
def unplanned_page(
    request: Request,
    incident_id: int,
    svc: Svc,
    key: Annotated[str, Form(max_length=200)],
    estimate: Annotated[str, Form(max_length=64)],
    description: Annotated[str, Form(max_length=2000)] = "",
    after: Annotated[str, Form(max_length=4000)] = "",
    blocks: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    svc.add_unplanned(
        incident_id,
        _user(request),
        key=key,
        description=description,
        estimate=estimate,
        after=after.split(),
        blocks=blocks.split(),
    )
    return _back(incident_id, "#unplanned")


@pages.post("/incidents/{incident_id}/announce")
def announce_page(
    request: Request,
    incident_id: int,
    svc: Svc,
    tier: Annotated[str, Form(max_length=30)],
    eta: Annotated[str, Form(max_length=64)],
) -> Response:
    svc.announce(incident_id, _user(request), tier=tier, eta=eta)
    return _back(incident_id, "#eta")


@pages.post("/incidents/{incident_id}/messages")
def draft_page(
    request: Request, incident_id: int, svc: Svc, body: Annotated[str, Form(max_length=4000)]
) -> Response:
    svc.draft(incident_id, _user(request), body)
    return _back(incident_id, "#status")


@pages.post("/incidents/{incident_id}/messages/{message_id}/publish")
def publish_page(request: Request, incident_id: int, message_id: int, svc: Svc) -> Response:
    svc.publish(incident_id, _user(request), message_id)
    return _back(incident_id, "#status")


@pages.post("/incidents/{incident_id}/clock")
def clock_page(
    request: Request,
    incident_id: int,
    svc: Svc,
    advance: Annotated[str, Form(max_length=64)] = "",
    sim_now: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    svc.set_clock(incident_id, _user(request), sim_now=sim_now, advance=advance)
    return _back(incident_id)


@pages.post("/incidents/{incident_id}/failure-end")
def failure_end_page(
    request: Request, incident_id: int, svc: Svc, at: Annotated[str, Form(max_length=64)]
) -> Response:
    svc.set_failure_end(incident_id, _user(request), at)
    return _back(incident_id)


@pages.post("/incidents/{incident_id}/close")
def close_page(request: Request, incident_id: int, svc: Svc) -> Response:
    svc.close(incident_id, _user(request))
    return RedirectResponse(f"/incidents/{incident_id}/review", status_code=303)


@pages.get("/incidents/{incident_id}/review")
def review_page(request: Request, incident_id: int, svc: Svc) -> Response:
    data = svc.board(incident_id)
    return templates.TemplateResponse(
        request,
        "review.html",
        {
            "nav": "incidents",
            "b": data,
            "r": data["review"],
            "tiers": TIERS,
            "chart": eta_chart.svg(data),
        },
    )


@pages.get("/admin/audit")
def audit_page(request: Request, svc: Svc) -> Response:
    rows = [r.to_dict() for r in svc.store.audit_log()]
    return templates.TemplateResponse(request, "audit.html", {"nav": "audit", "rows": rows})


# --------------------------------------------------------------------------- JSON API


class Declare(BaseModel):
    """An incident to declare: a model scenario or ad-hoc failures."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    scenario: str | None = Field(default=None, max_length=200)
    fail: list[str] = Field(default_factory=list, max_length=1000)
    start: str | None = Field(default=None, max_length=64, description="Real start (ISO).")
    failure_end: str | None = Field(
        default=None, max_length=64, description="When power or the provider came back."
    )
    drill: bool = False
    clock: str = Field(default="real", pattern="^(real|simulated)$")


class Versioned(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expected_version: int | None = Field(
        default=None, ge=1, description="Refuse with 409 if the incident has moved on."
    )


class Event(Versioned):
    task: str = Field(min_length=1, max_length=300)
    kind: str = Field(pattern="^(started|done|verified)$")
    comment: str = Field(default="", max_length=2000)
    at: str | None = Field(default=None, max_length=64)


class Unplanned(Versioned):
    key: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    estimate: str = Field(min_length=1, max_length=64, examples=["2h"])
    after: list[str] = Field(default_factory=list, max_length=100)
    blocks: list[str] = Field(default_factory=list, max_length=100)


class Announce(Versioned):
    tier: str = Field(max_length=30)
    eta: str = Field(max_length=64)


class Draft(Versioned):
    body: str = Field(min_length=1, max_length=4000)


class FailureEnd(Versioned):
    at: str = Field(max_length=64, description="When power or the provider came back (ISO).")


class Clock(Versioned):
    sim_now: str | None = Field(default=None, max_length=64)
    advance: str | None = Field(default=None, max_length=64)


def _changed(svc: IncidentService, incident_id: int, version: int) -> Payload:
    latest = svc.store.latest_forecast(incident_id)
    return {"version": version, "forecast": latest.payload if latest else None}


@api.get("/incidents", summary="Incidents and drills")
def list_incidents(svc: Svc) -> list[Payload]:
    return [r.summary() for r in svc.store.incidents()]


@api.post("/incidents", status_code=201, summary="Declare an incident or a drill")
def declare(body: Declare, request: Request, svc: Svc) -> Payload:
    row = svc.declare(
        _user(request),
        title=body.title,
        scenario=body.scenario,
        fail=list(body.fail),
        start=body.start,
        failure_end=body.failure_end,
        drill=body.drill,
        clock=body.clock,
    )
    return svc.board(row.id)


@api.get("/incidents/{incident_id}", summary="The task board of an incident")
def board(incident_id: int, svc: Svc) -> Payload:
    return svc.board(incident_id)


@api.get("/incidents/{incident_id}/version", summary="The incident's version (cheap polling)")
def version(incident_id: int, svc: Svc) -> Payload:
    row = svc.get(incident_id)
    return {"version": row.version, "state": row.state, "updated_at": row.updated_at.isoformat()}


@api.post("/incidents/{incident_id}/events", status_code=201, summary="Mark a task")
def event(incident_id: int, body: Event, request: Request, svc: Svc) -> Payload:
    version = svc.record(
        incident_id,
        _user(request),
        task=body.task,
        kind=body.kind,
        comment=body.comment,
        at=body.at,
        expected_version=body.expected_version,
    )
    return _changed(svc, incident_id, version)


@api.post("/incidents/{incident_id}/unplanned", status_code=201, summary="Add an unplanned task")
def unplanned(incident_id: int, body: Unplanned, request: Request, svc: Svc) -> Payload:
    version = svc.add_unplanned(
        incident_id,
        _user(request),
        key=body.key,
        description=body.description,
        estimate=body.estimate,
        after=list(body.after),
        blocks=list(body.blocks),
        expected_version=body.expected_version,
    )
    return _changed(svc, incident_id, version)


@api.post("/incidents/{incident_id}/announcements", status_code=201, summary="Announce an ETA")
def announce(incident_id: int, body: Announce, request: Request, svc: Svc) -> Payload:
    version = svc.announce(
        incident_id,
        _user(request),
        tier=body.tier,
        eta=body.eta,
        expected_version=body.expected_version,
    )
    return {"version": version}


@api.post("/incidents/{incident_id}/messages", status_code=201, summary="Draft a message")
def draft(incident_id: int, body: Draft, request: Request, svc: Svc) -> Payload:
    version = svc.draft(incident_id, _user(request), body.body, body.expected_version)
    return {"version": version, "messages": svc.board(incident_id)["messages"]}


@api.post("/incidents/{incident_id}/messages/{message_id}/publish", summary="Publish a message")
def publish(incident_id: int, message_id: int, request: Request, svc: Svc) -> Payload:
    return {"version": svc.publish(incident_id, _user(request), message_id)}


@api.post("/incidents/{incident_id}/clock", summary="Set or advance a drill's simulated clock")
def clock(incident_id: int, body: Clock, request: Request, svc: Svc) -> Payload:
    version = svc.set_clock(
        incident_id,
        _user(request),
        sim_now=body.sim_now,
        advance=body.advance,
        expected_version=body.expected_version,
    )
    return _changed(svc, incident_id, version)


@api.post(
    "/incidents/{incident_id}/failure-end", summary="Record when power or the provider came back"
)
def failure_end(incident_id: int, body: FailureEnd, request: Request, svc: Svc) -> Payload:
    version = svc.set_failure_end(incident_id, _user(request), body.at, body.expected_version)
    return _changed(svc, incident_id, version)


@api.post("/incidents/{incident_id}/close", summary="Close an incident and write its review")
def close(incident_id: int, request: Request, svc: Svc) -> Payload:
    svc.close(incident_id, _user(request))
    return svc.board(incident_id)


@api.get("/incidents/{incident_id}/review", summary="The review of a closed incident")
def review(incident_id: int, svc: Svc) -> Payload:
    data = svc.board(incident_id)
    return {"incident": data["incident"], "review": data["review"]}


@api.get("/admin/audit", summary="The audit log, newest first (admins)")
def audit(svc: Svc) -> list[Payload]:
    return [r.to_dict() for r in svc.store.audit_log()]


# --------------------------------------------------------------------------- wiring


def install(app: FastAPI, dashboard: Dashboard) -> None:
    """Add the incident board, login, public status and the auth gate to ``app``."""
    store = IncidentStore(dashboard.store)
    app.state.auth = Auth(store)
    app.state.incidents = IncidentService(dashboard, store)
    app.include_router(status.router)
    app.include_router(login.router)
    app.include_router(api)
    app.include_router(pages)
    app.add_middleware(AuthGate, auth=app.state.auth)
    app.add_middleware(status.StatusFastPath, service=app.state.incidents)
