"""The incident board's JSON API under ``/api/incidents…`` and ``/api/admin/audit``: the
twins of the board pages, described by ``/openapi.json``. A change may name the incident
version it saw (``expected_version``): if the incident moved on, 409. The CSRF token goes
in the ``X-CSRF-Token`` header (:mod:`blackstart.web.auth`). Ids are bounded
(:mod:`blackstart.web.bounds`); the audit log comes by pages, filtered
(:mod:`blackstart.web.audit_view`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from blackstart.store.security_log import SecurityLog
from blackstart.web.audit_view import AuditQuery, audit_filter, next_page
from blackstart.web.board import IncidentService
from blackstart.web.bounds import MAX_ID, Id
from blackstart.web.errors import ERROR_SCHEMA

Payload = dict[str, Any]


def service(request: Request) -> IncidentService:
    svc = request.app.state.incidents
    assert isinstance(svc, IncidentService)
    return svc


Svc = Annotated[IncidentService, Depends(service)]


def _user(request: Request) -> str:
    user = getattr(request.state, "user", None)
    return str(user.name) if user is not None else "anonymous"


_REFUSED: dict[int | str, dict[str, Any]] = {
    401: {"description": "Login needed", "content": ERROR_SCHEMA[404]["content"]},
    403: {
        "description": "CSRF token missing or wrong, or the role may not do this",
        "content": ERROR_SCHEMA[404]["content"],
    },
}
router = APIRouter(prefix="/api", tags=["incidents"], responses={**ERROR_SCHEMA, **_REFUSED})


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
        default=None, ge=1, le=MAX_ID, description="Refuse with 409 if the incident has moved on."
    )


class Event(Versioned):
    task: str = Field(min_length=1, max_length=300)
    kind: str = Field(pattern="^(started|done|verified)$")
    comment: str = Field(default="", max_length=2000)
    at: str | None = Field(default=None, max_length=64)
    confirm: bool = Field(
        default=True,
        description="false: refuse (422) a mark that looks out of order (done before its "
        "prerequisites, before the failure ended); the board asks the operator instead",
    )


class Undo(Versioned):
    task: str = Field(min_length=1, max_length=300)


class Unplanned(Versioned):
    key: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    estimate: str = Field(min_length=1, max_length=64, examples=["2h"])
    after: list[str] = Field(default_factory=list, max_length=100)
    blocks: list[str] = Field(default_factory=list, max_length=100)


class Announce(Versioned):
    tier: str = Field(max_length=30)
    eta: str = Field(max_length=64)
    confirm: bool = Field(
        default=True,
        description="false: refuse (422, with its chance of being kept) an ETA earlier than "
        "the current P80",
    )


class PublicEta(Versioned):
    mode: str = Field(pattern="^(live|announced)$", description="What /status shows while down.")


class Draft(Versioned):
    body: str = Field(min_length=1, max_length=4000)


class FailureEnd(Versioned):
    at: str = Field(max_length=64, description="When power or the provider came back (ISO).")


class State(Versioned):
    state: str = Field(
        max_length=30, description="investigating, identified, recovering, monitoring, resolved"
    )


class Clock(Versioned):
    sim_now: str | None = Field(default=None, max_length=64)
    advance: str | None = Field(default=None, max_length=64)


def _changed(svc: IncidentService, incident_id: Id, version: int) -> Payload:
    latest = svc.store.latest_forecast(incident_id)
    return {"version": version, "forecast": latest.payload if latest else None}


@router.get("/incidents", summary="Incidents and drills")
def list_incidents(svc: Svc) -> list[Payload]:
    return [r.summary() for r in svc.store.incidents()]


@router.post("/incidents", status_code=201, summary="Declare an incident or a drill")
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


@router.get("/incidents/{incident_id}", summary="The task board of an incident")
def board(incident_id: Id, svc: Svc) -> Payload:
    return svc.board(incident_id)


@router.get("/incidents/{incident_id}/version", summary="The incident's version (cheap polling)")
def version(incident_id: Id, svc: Svc) -> Payload:
    row = svc.get(incident_id)
    return {"version": row.version, "state": row.state, "updated_at": row.updated_at.isoformat()}


@router.post("/incidents/{incident_id}/events", status_code=201, summary="Mark a task")
def event(incident_id: Id, body: Event, request: Request, svc: Svc) -> Payload:
    version = svc.record(
        incident_id,
        _user(request),
        task=body.task,
        kind=body.kind,
        comment=body.comment,
        at=body.at,
        expected_version=body.expected_version,
        confirm=body.confirm,
    )
    return _changed(svc, incident_id, version)


@router.post("/incidents/{incident_id}/undo", status_code=201, summary="Undo your last mark")
def undo(incident_id: Id, body: Undo, request: Request, svc: Svc) -> Payload:
    """Cancel your own last mark of a task within a few minutes, by a compensating event."""
    version = svc.undo(
        incident_id, _user(request), task=body.task, expected_version=body.expected_version
    )
    return _changed(svc, incident_id, version)


@router.post("/incidents/{incident_id}/unplanned", status_code=201, summary="Add an unplanned task")
def unplanned(incident_id: Id, body: Unplanned, request: Request, svc: Svc) -> Payload:
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


@router.post("/incidents/{incident_id}/announcements", status_code=201, summary="Announce an ETA")
def announce(incident_id: Id, body: Announce, request: Request, svc: Svc) -> Payload:
    version = svc.announce(
        incident_id,
        _user(request),
        tier=body.tier,
        eta=body.eta,
        expected_version=body.expected_version,
        confirm=body.confirm,
    )
    return {"version": version}


@router.post(
    "/incidents/{incident_id}/public-eta", status_code=201, summary="Choose what /status shows"
)
def public_eta(incident_id: Id, body: PublicEta, request: Request, svc: Svc) -> Payload:
    """``live``: the latest forecast's P50–P80; ``announced``: the ETA announced for the
    function's tier."""
    version = svc.set_public_eta(
        incident_id, _user(request), body.mode, expected_version=body.expected_version
    )
    return {"version": version}


@router.post("/incidents/{incident_id}/messages", status_code=201, summary="Draft a message")
def draft(incident_id: Id, body: Draft, request: Request, svc: Svc) -> Payload:
    version = svc.draft(incident_id, _user(request), body.body, body.expected_version)
    return {"version": version, "messages": svc.board(incident_id)["messages"]}


@router.post("/incidents/{incident_id}/messages/{message_id}/publish", summary="Publish a message")
def publish(incident_id: Id, message_id: Id, request: Request, svc: Svc) -> Payload:
    return {"version": svc.publish(incident_id, _user(request), message_id)}


@router.post("/incidents/{incident_id}/state", summary="Set the incident's public state")
def state(incident_id: Id, body: State, request: Request, svc: Svc) -> Payload:
    version = svc.set_state(incident_id, _user(request), body.state, body.expected_version)
    return {"version": version}


@router.post("/incidents/{incident_id}/clock", summary="Set or advance a drill's simulated clock")
def clock(incident_id: Id, body: Clock, request: Request, svc: Svc) -> Payload:
    version = svc.set_clock(
        incident_id,
        _user(request),
        sim_now=body.sim_now,
        advance=body.advance,
        expected_version=body.expected_version,
    )
    return _changed(svc, incident_id, version)


@router.post(
    "/incidents/{incident_id}/failure-end", summary="Record when power or the provider came back"
)
def failure_end(incident_id: Id, body: FailureEnd, request: Request, svc: Svc) -> Payload:
    version = svc.set_failure_end(incident_id, _user(request), body.at, body.expected_version)
    return _changed(svc, incident_id, version)


@router.post("/incidents/{incident_id}/close", summary="Close an incident and write its review")
def close(incident_id: Id, request: Request, svc: Svc) -> Payload:
    svc.close(incident_id, _user(request))
    return svc.board(incident_id)


@router.get("/incidents/{incident_id}/review", summary="The review of a closed incident")
def review(incident_id: Id, svc: Svc) -> Payload:
    data = svc.board(incident_id)
    return {"incident": data["incident"], "review": data["review"]}


@router.get("/admin/audit", summary="The audit log, newest first, by pages (admins)")
def audit(request: Request, response: Response, svc: Svc, q: AuditQuery) -> list[Payload]:
    """One page of entries, newest first. The next (older) page is in the ``Link``
    header (``rel="next"``), absent on the last page."""
    rows = svc.store.audit_page(audit_filter(q, svc.tz))
    nxt = next_page(request, rows, q.limit)
    if nxt:
        response.headers["link"] = f'<{nxt}>; rel="next"'
    return [r.to_dict() for r in rows]


@router.get("/admin/security-log", summary="Failed logins and lockouts, aggregated (admins)")
def security_log(
    svc: Svc,
    kind: Annotated[str | None, Query(max_length=50)] = None,
    subject: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[Payload]:
    log = SecurityLog(svc.store.store)
    return [r.to_dict() for r in log.entries(limit=limit, kind=kind, subject=subject)]
