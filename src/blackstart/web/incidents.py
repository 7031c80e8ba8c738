"""The incident board's pages (``/incidents…``; their JSON twins are in
:mod:`.incidents_api`), the ETA-history chart, the audit page, and :func:`install`, which
wires all of it (and the auth gate, login and public status) into the dashboard app.

Pages post plain forms (CSRF token in a hidden field) and redirect back (303); the API
takes JSON (CSRF token in ``X-CSRF-Token``). A change may name the incident version it
saw (``expected_version``/``version``): if the incident moved on, 409. Who may do what
is the gate's job (:mod:`blackstart.web.auth`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from blackstart import incident_now
from blackstart.errors import UsageError
from blackstart.incident import place_name
from blackstart.model.schema import TIERS
from blackstart.store import StoreError
from blackstart.store.incident_status import PUBLIC_STATES
from blackstart.store.incidents import EVENT_KINDS, IncidentStore
from blackstart.store.security_log import SecurityLog
from blackstart.web import eta_chart, incidents_api, login, status
from blackstart.web.audit_view import AuditQuery, audit_filter, next_page
from blackstart.web.auth import Auth, AuthGate
from blackstart.web.board import IncidentService
from blackstart.web.bounds import Id
from blackstart.web.dashboard import Dashboard, NotFound
from blackstart.web.render import templates
from blackstart.web.security import SecurityConfig, SecurityGate

pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
Payload = dict[str, Any]


def service(request: Request) -> IncidentService:
    svc = request.app.state.incidents
    assert isinstance(svc, IncidentService)
    return svc


Svc = Annotated[IncidentService, Depends(service)]


def _user(request: Request) -> str:
    user = getattr(request.state, "user", None)
    return str(user.name) if user is not None else "anonymous"


def _back(incident_id: Id, anchor: str = "") -> Response:
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
def board_page(request: Request, incident_id: Id, svc: Svc) -> Response:
    return _board(request, svc, incident_id)


def _board(
    request: Request,
    svc: IncidentService,
    incident_id: int,
    *,
    error: str | None = None,
    suggestion: str | None = None,
    warnings: list[str] | None = None,
    retry: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The board, with an inline error or a warning to confirm (``retry``: the form to
    post again with ``confirm``)."""
    data = svc.board(incident_id)
    inc = svc.get(incident_id)
    request.state.tz = svc.zone(inc)
    prereqs, waiters = svc.precedence(inc)
    now = datetime.fromisoformat(data["now"])
    user = _user(request)
    wall = datetime.now(UTC)
    recent = {
        e["task"]
        for e in data["events"]
        if e["user"] == user
        and wall - datetime.fromisoformat(e["recorded_at"]) <= incident_now.UNDO_WINDOW
    }
    undo = {
        t: u["kind"]
        for t in recent
        if (u := incident_now.undoable(data["events"], t, user, wall)) is not None
    }
    return templates.TemplateResponse(
        request,
        "incident.html",
        {
            "nav": "incidents",
            "b": data,
            "tiers": TIERS,
            "kinds": EVENT_KINDS,
            "public_states": PUBLIC_STATES,
            "place_names": {
                p: place_name(svc.dash.model, p)
                for p in (data.get("forecast") or {}).get("tiers_by_place", {})
            },
            "chart": eta_chart.svg(data, svc.zone(inc)),
            "now_panel": incident_now.now_panel(data, prereqs=prereqs, waiters=waiters, now=now),
            "promises": incident_now.standing_announcements(data),
            "valid_marks": incident_now.valid_marks,
            "undo": undo,
            "public_says": incident_now.public_says(data["incident"], data["announcements"]),
            "undo_minutes": int(incident_now.UNDO_WINDOW.total_seconds() // 60),
            "error": error,
            "suggestion": suggestion,
            "warnings": warnings,
            "retry": retry,
        },
        status_code=status_code,
    )


def _attempt(
    request: Request,
    svc: IncidentService,
    incident_id: int,
    change: Any,
    retry: dict[str, str],
    anchor: str,
) -> Response:
    """Run ``change``; on a warning or an error show the board again with it inline."""
    try:
        change()
    except incident_now.NeedsConfirmation as w:
        return _board(request, svc, incident_id, warnings=w.warnings, retry=retry)
    except UsageError as e:
        if isinstance(e, NotFound):
            raise
        return _board(
            request, svc, incident_id, error=e.message, suggestion=e.suggestion, status_code=422
        )
    except StoreError as e:
        return _board(
            request, svc, incident_id, error=e.message, suggestion=e.suggestion, status_code=409
        )
    return _back(incident_id, anchor)


@pages.get("/incidents/{incident_id}/eta.svg")
def eta_svg(incident_id: Id, svc: Svc) -> Response:
    return Response(eta_chart.svg(svc.board(incident_id)), media_type="image/svg+xml")


@pages.post("/incidents/{incident_id}/events")
def event_page(
    request: Request,
    incident_id: Id,
    svc: Svc,
    task: Annotated[str, Form(max_length=300)],
    kind: Annotated[str, Form(max_length=20)],
    comment: Annotated[str, Form(max_length=2000)] = "",
    at: Annotated[str, Form(max_length=64)] = "",
    version: Annotated[str, Form(max_length=20)] = "",
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    return _attempt(
        request,
        svc,
        incident_id,
        lambda: svc.record(
            incident_id,
            _user(request),
            task=task,
            kind=kind,
            comment=comment,
            at=at,
            expected_version=_version(version),
            confirm=bool(confirm),
        ),
        {
            "action": f"/incidents/{incident_id}/events",
            "task": task,
            "kind": kind,
            "comment": comment,
            "at": at,
        },
        "#now",
    )


@pages.post("/incidents/{incident_id}/undo")
def undo_page(
    request: Request, incident_id: Id, svc: Svc, task: Annotated[str, Form(max_length=300)]
) -> Response:
    return _attempt(
        request,
        svc,
        incident_id,
        lambda: svc.undo(incident_id, _user(request), task=task),
        {},
        "#now",
    )


@pages.post("/incidents/{incident_id}/unplanned")
def unplanned_page(
    request: Request,
    incident_id: Id,
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
    incident_id: Id,
    svc: Svc,
    tier: Annotated[str, Form(max_length=30)],
    eta: Annotated[str, Form(max_length=64)],
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    return _attempt(
        request,
        svc,
        incident_id,
        lambda: svc.announce(
            incident_id, _user(request), tier=tier, eta=eta, confirm=bool(confirm)
        ),
        {"action": f"/incidents/{incident_id}/announce", "tier": tier, "eta": eta},
        "#eta",
    )


@pages.post("/incidents/{incident_id}/public-eta")
def public_eta_page(
    request: Request, incident_id: Id, svc: Svc, mode: Annotated[str, Form(max_length=20)]
) -> Response:
    return _attempt(
        request,
        svc,
        incident_id,
        lambda: svc.set_public_eta(incident_id, _user(request), mode),
        {},
        "#eta",
    )


@pages.post("/incidents/{incident_id}/state")
def state_page(
    request: Request, incident_id: Id, svc: Svc, state: Annotated[str, Form(max_length=30)]
) -> Response:
    svc.set_state(incident_id, _user(request), state)
    return _back(incident_id, "#public-state")


@pages.post("/incidents/{incident_id}/messages")
def draft_page(
    request: Request, incident_id: Id, svc: Svc, body: Annotated[str, Form(max_length=4000)]
) -> Response:
    svc.draft(incident_id, _user(request), body)
    return _back(incident_id, "#status")


@pages.post("/incidents/{incident_id}/messages/{message_id}/publish")
def publish_page(request: Request, incident_id: Id, message_id: Id, svc: Svc) -> Response:
    svc.publish(incident_id, _user(request), message_id)
    return _back(incident_id, "#status")


@pages.post("/incidents/{incident_id}/clock")
def clock_page(
    request: Request,
    incident_id: Id,
    svc: Svc,
    advance: Annotated[str, Form(max_length=64)] = "",
    sim_now: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    svc.set_clock(incident_id, _user(request), sim_now=sim_now, advance=advance)
    return _back(incident_id)


@pages.post("/incidents/{incident_id}/failure-end")
def failure_end_page(
    request: Request, incident_id: Id, svc: Svc, at: Annotated[str, Form(max_length=64)]
) -> Response:
    return _attempt(
        request, svc, incident_id, lambda: svc.set_failure_end(incident_id, _user(request), at),
        {}, "",
    )  # fmt: skip


@pages.post("/incidents/{incident_id}/close")
def close_page(request: Request, incident_id: Id, svc: Svc) -> Response:
    svc.close(incident_id, _user(request))
    return RedirectResponse(f"/incidents/{incident_id}/review", status_code=303)


@pages.get("/incidents/{incident_id}/review")
def review_page(request: Request, incident_id: Id, svc: Svc) -> Response:
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
            "place_names": {
                p: place_name(svc.dash.model, p)
                for p in (data.get("forecast") or {}).get("tiers_by_place", {})
            },
        },
    )


@pages.get("/admin/audit")
def audit_page(request: Request, svc: Svc, q: AuditQuery) -> Response:
    rows = svc.store.audit_page(audit_filter(q, svc.tz))
    security = SecurityLog(svc.store.store).entries(limit=20)
    return templates.TemplateResponse(
        request,
        "audit.html",
        {
            "nav": "audit",
            "rows": [r.to_dict() for r in rows],
            "q": q,
            "next": next_page(request, rows, q.limit),
            "security": [r.to_dict() for r in security],
        },
    )


# --------------------------------------------------------------------------- wiring


def install(app: FastAPI, dashboard: Dashboard, security: SecurityConfig | None = None) -> None:
    """Add the incident board, login, public status, the auth gate and, outermost, the
    security gate (:mod:`blackstart.web.security`) to ``app``."""
    store = IncidentStore(dashboard.store)
    app.state.auth = Auth(store)
    app.state.incidents = IncidentService(dashboard, store)
    app.include_router(status.router)
    app.include_router(login.router)
    app.include_router(incidents_api.router)
    app.include_router(pages)
    app.add_middleware(AuthGate, auth=app.state.auth)
    app.add_middleware(status.StatusFastPath, service=app.state.incidents)
    app.state.security = security or SecurityConfig()
    app.add_middleware(
        SecurityGate, config=app.state.security, users_exist=app.state.auth.users_exist
    )
