"""The live diagnosis board: ``/incidents/diagnose`` and its JSON twin
``/api/incidents/diagnose``, operators' observations, the alerts list, and "declare an
incident from this hypothesis".

Owns :class:`DiagnoseService`: the current observations (firing alerts mapped to
elements, then what operators recorded: a later report on an element overrides an
alert on it) diagnosed by :func:`blackstart.diagnose.diagnose`, cached until an alert or
an observation arrives. Each hypothesis says how many alerts it explains ("47 alerts
explained by site:colo-paris"). Everything here lives under ``/incidents`` and
``/api/incidents``, so it always needs a login (the auth gate), changes need the
operator role and the session's CSRF token, like the rest of the board.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from blackstart import diagnose
from blackstart.errors import UsageError
from blackstart.store import StoreError
from blackstart.store.diagnose import AlertStore
from blackstart.web.alerts import AlertMapper, AlertWebhooks
from blackstart.web.dashboard import Dashboard, NotFound
from blackstart.web.render import templates

pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
api = APIRouter(prefix="/api/incidents", tags=["diagnosis"])


class DiagnoseService:
    """Observations in the store → the current hypotheses (cached per change)."""

    def __init__(self, dash: Dashboard, store: AlertStore) -> None:
        self.dash, self.store = dash, store
        self._version = 0
        self._cached: tuple[int, dict[str, Any]] | None = None
        self._lock = threading.Lock()

    def changed(self) -> None:
        """An alert or an observation arrived: the next read diagnoses again."""
        with self._lock:
            self._version += 1

    def observe(
        self, ref: str, state: str, note: str, user: str, place: str = ""
    ) -> dict[str, Any]:
        """Record a person's report on ``ref``; ``place`` (a place of delivery) makes a
        report on ``function:ID`` one on ``function:ID@PLACE`` (a ward's own hospital)."""
        ref, place = ref.strip(), place.strip()
        if place:
            if "@" in ref:
                raise UsageError(f"'{ref}' names its place already, and place is '{place}'",
                                 suggestion="give the place once")  # fmt: skip
            ref = f"{ref}@{place}"
        ref = diagnose.parse_observation(self.dash.model, ref)
        if state not in ("down", "up"):
            raise UsageError(f"state {state!r}?", suggestion="down or up")
        row = self.store.add_observation(ref, state, note.strip(), user=user)
        self.changed()
        return row.to_dict()

    def withdraw(self, observation_id: int, user: str) -> None:
        try:
            self.store.withdraw_observation(observation_id, user=user)
        except StoreError as exc:
            raise NotFound(
                exc.message, suggestion="see the reports on /incidents/diagnose"
            ) from None
        self.changed()

    def current(self) -> dict[str, Any]:
        """The board's JSON: hypotheses (with the alerts each explains), checks,
        observations and alert counts."""
        with self._lock:
            version = self._version
            if self._cached is not None and self._cached[0] == version:
                return self._cached[1]
        payload = self._compute()
        with self._lock:
            self._cached = (version, payload)
        return payload

    def _compute(self) -> dict[str, Any]:
        alerts = self.store.alerts(firing_only=True)
        observations = self.store.observations()
        state: dict[str, str] = {a.ref: "down" for a in alerts if a.ref is not None}
        for o in observations:  # oldest first: a later report wins
            state[o.ref] = o.state
        # the store outlives a model version: elements it no longer has are set aside
        known = self.dash.graph.index
        stale = sorted(r for r in state if r not in known)
        down = [r for r, s in state.items() if s == "down" and r in known]
        up = [r for r, s in state.items() if s == "up" and r in known]
        base: dict[str, Any] = {
            "alerts": {
                "firing": len(alerts),
                "mapped": sum(a.ref is not None for a in alerts),
                "unmapped": sorted({a.name or a.fingerprint for a in alerts if a.ref is None}),
            },
            "reports": [o.to_dict() for o in observations],
            "not_in_model": stale,
        }
        if not down:
            return {**base, "hypotheses": [], "checks": [], "search": None}
        report = diagnose.diagnose(self.dash.model, down=down, up=up, graph=self.dash.graph)
        payload = report.to_dict()
        alerted: dict[str, int] = {}
        for a in alerts:
            if a.ref is not None:
                alerted[a.ref] = alerted.get(a.ref, 0) + 1
        for h in payload["hypotheses"]:
            n = sum(alerted.get(r, 0) for r in h["explains"])
            h["alerts_explained"] = n
            who = ", ".join(h["failed"]) or "nothing (every alert false)"
            h["summary"] = f"{n} alert{'s' if n != 1 else ''} explained by {who}"
        return {**base, **payload}


def service(request: Request) -> DiagnoseService:
    svc = request.app.state.diagnose
    assert isinstance(svc, DiagnoseService)
    return svc


Svc = Annotated[DiagnoseService, Depends(service)]


def _user(request: Request) -> str:
    user = getattr(request.state, "user", None)
    return str(user.name) if user is not None else "anonymous"


def _declare(request: Request, failed: list[str], title: str, failure_end: str) -> Any:
    """Declare from a hypothesis: the failures from now, ending when given, else after
    the longest MTTR among them (:func:`blackstart.diagnose.expected_repair_s`)."""
    if not failed:
        raise UsageError("this hypothesis has no failure to declare",
                         suggestion="pick a hypothesis with at least one root failure")  # fmt: skip
    board = request.app.state.incidents
    start = datetime.now(UTC).replace(microsecond=0)
    if not failure_end.strip():
        repair = diagnose.expected_repair_s(board.dash.model, failed)
        failure_end = (start + timedelta(seconds=repair)).isoformat()
    return board.declare(_user(request), title=title.strip() or "Diagnosed: " + " ".join(failed),
                         scenario=None, fail=failed, start=start.isoformat(),
                         failure_end=failure_end, drill=False, clock="real")  # fmt: skip


# --------------------------------------------------------------------------- pages


def _form_choices(svc: DiagnoseService) -> dict[str, Any]:
    """What the report form offers: the functions (with their places of delivery) and
    every place some function is delivered at, in model order."""
    model = svc.dash.model
    places = list(dict.fromkeys(p for ps in model.places.values() for p in ps))
    functions = {f: list(model.places.get(f, ())) for f in model.functions}
    return {"places": places, "functions": functions}


@pages.get("/incidents/diagnose")
def board_page(request: Request, svc: Svc) -> Response:
    return templates.TemplateResponse(request, "diagnose.html",
                                      {"nav": "incidents", "d": svc.current(),
                                       "form": _form_choices(svc)})  # fmt: skip


@pages.post("/incidents/diagnose/observations")
def observe_page(
    request: Request,
    svc: Svc,
    ref: Annotated[str, Form(max_length=300)],
    state: Annotated[str, Form(max_length=10)],
    note: Annotated[str, Form(max_length=2000)] = "",
    place: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    svc.observe(ref, state, note, _user(request), place)
    return RedirectResponse("/incidents/diagnose", status_code=303)


@pages.post("/incidents/diagnose/observations/{observation_id}/withdraw")
def withdraw_page(request: Request, observation_id: int, svc: Svc) -> Response:
    svc.withdraw(observation_id, _user(request))
    return RedirectResponse("/incidents/diagnose", status_code=303)


@pages.post("/incidents/diagnose/declare")
def declare_page(
    request: Request,
    failed: Annotated[str, Form(max_length=4000)],
    title: Annotated[str, Form(max_length=200)] = "",
    failure_end: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    row = _declare(request, failed.split(), title, failure_end)
    return RedirectResponse(f"/incidents/{row.id}", status_code=303)


# --------------------------------------------------------------------------- JSON


class ObservationIn(BaseModel):
    ref: str = Field(
        max_length=300, description="function:ID, function:ID@PLACE, component:ID, site:ID…"
    )
    state: str = Field(pattern="^(down|up)$")
    note: str = Field("", max_length=2000, description="Who said what, e.g. 'ward 3 called'.")
    place: str = Field(
        "", max_length=200, description="Where a function is seen (a place of delivery)."
    )


class DeclareIn(BaseModel):
    failed: list[str] = Field(min_length=1, max_length=50)
    title: str = Field("", max_length=200)
    failure_end: str = Field(
        "", max_length=64, description="When the failure ends (ISO); default: now + MTTR."
    )


@api.get("/diagnose")
def diagnose_json(svc: Svc) -> dict[str, Any]:
    """Current hypotheses, checks, observations and alert counts."""
    return svc.current()


@api.get("/alerts")
def alerts_json(svc: Svc, firing_only: bool = False) -> dict[str, Any]:
    """Alerts received, oldest first."""
    return {"alerts": [a.to_dict() for a in svc.store.alerts(firing_only=firing_only)]}


@api.post("/diagnose/observations", status_code=201)
def observe_json(request: Request, body: ObservationIn, svc: Svc) -> dict[str, Any]:
    """Record what a person reports ("ward 3 reports lab results down")."""
    return svc.observe(body.ref, body.state, body.note, _user(request), body.place)


@api.post("/diagnose/declare", status_code=201)
def declare_json(request: Request, body: DeclareIn) -> JSONResponse:
    """Declare an incident from a hypothesis' root failures (plan and forecast start)."""
    row = _declare(request, body.failed, body.title, body.failure_end)
    return JSONResponse(row.summary(), status_code=201)


# --------------------------------------------------------------------------- wiring


def install(app: FastAPI, dashboard: Dashboard) -> None:
    """Add the diagnosis pages and API (before the incident board's ``/incidents/{id}``
    routes, so that ``/incidents/diagnose`` is not read as an incident number)."""
    store = AlertStore(dashboard.store)
    app.state.diagnose = DiagnoseService(dashboard, store)
    app.state.alert_mapper = AlertMapper(dashboard.model)
    app.include_router(api)
    app.include_router(pages)


def install_webhooks(app: FastAPI) -> None:
    """Answer the alert webhooks ahead of the login gate (call after every other
    middleware is added: the last added runs first)."""
    app.add_middleware(AlertWebhooks, store=app.state.diagnose.store, state=app.state)
