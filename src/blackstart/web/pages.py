"""Server-rendered pages (Jinja2; the what-if page adds a graph to click, from static
JavaScript). Each renders the payload of its JSON twin: ``/`` ↔ ``/api/overview``,
``/what-if`` ↔ ``/api/what-if`` and ``/api/what-if/forecast``, ``/plan`` ↔ ``/api/plan``,
``/api/forecast`` and ``/api/explain`` (charts drawn as SVG on the server),
``/resilience`` ↔ ``/api/findings``, ``/api/spof`` and ``/api/concentration``. The
explorer and ``/docs`` live in :mod:`blackstart.web.explorer_routes` and
:mod:`blackstart.web.docs`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from blackstart.errors import UsageError
from blackstart.model.schema import TIERS
from blackstart.store import StoreError
from blackstart.web.auth import user_name, user_role
from blackstart.web.dashboard import Dashboard
from blackstart.web.recovery_views import plan_charts, what_if_bands
from blackstart.web.render import templates
from blackstart.web.routes import Dash

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def _page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    return templates.TemplateResponse(
        request, name, {"tiers": TIERS, **context}, status_code=status
    )


@router.get("/")
def overview_page(request: Request, dash: Dash) -> Response:
    svc = getattr(request.app.state, "incidents", None)
    data = dash.overview() if svc is None else svc.live_overview(dash.overview())
    return _page(request, "overview.html", nav="overview", data=data)


def _choices(dash: Dashboard) -> dict[str, list[str]]:
    m = dash.model
    return {
        "site": sorted(m.sites),
        "provider": sorted(m.providers),
        "component": sorted(m.components),
    }


def _what_if_page(
    request: Request,
    dash: Dash,
    fail: list[str],
    *,
    message: str | None = None,
    status: int = 200,
    duration: str | None = None,
    start: str | None = None,
    error: dict[str, str | None] | None = None,
) -> Response:
    result = None
    bands = None
    if fail:
        try:
            result = dash.what_if(fail)
            if duration and duration.strip():
                bands = what_if_bands(dash, fail, duration, start)
        except UsageError as exc:
            error = {"error": exc.message, "suggestion": exc.suggestion}
            status = 422
    return _page(
        request,
        "what_if.html",
        status,
        nav="what-if",
        choices=_choices(dash),
        selected=set(fail),
        duration=duration or "",
        start=start or "",
        result=result,
        bands=bands,
        error=error,
        message=message,
        saved=dash.saved_what_ifs(),
    )


@router.get("/what-if")
def what_if_form(
    request: Request,
    dash: Dash,
    fail: Annotated[list[str] | None, Query()] = None,
    saved: Annotated[str | None, Query()] = None,
    duration: Annotated[str | None, Query(max_length=64)] = None,
    start: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The form; ``?fail=site:X&fail=…`` (``&duration=6h`` for the forecast) or
    ``?saved=NAME`` also shows the result."""
    refs = list(fail or [])
    if saved:
        row = dash.saved_what_if(saved)
        refs, duration = list(row.fail), row.duration
    return _what_if_page(request, dash, refs, duration=duration, start=start)


@router.post("/what-if")
def what_if_submit(
    request: Request,
    dash: Dash,
    fail: Annotated[list[str] | None, Form()] = None,
    save_as: Annotated[str, Form(max_length=200)] = "",
    duration: Annotated[str, Form(max_length=64)] = "",
    start: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    refs = [r for r in (fail or []) if r]
    if not refs:
        return _what_if_page(
            request,
            dash,
            [],
            status=422,
            duration=duration,
            error={"error": "nothing fails", "suggestion": "pick at least one element"},
        )
    message = None
    status = 200
    if save_as.strip() and user_role(request) == "viewer":
        return _what_if_page(
            request,
            dash,
            refs,
            status=403,
            duration=duration,
            error={
                "error": "viewers cannot save",
                "suggestion": "ask an admin for the operator role",
            },
        )
    if save_as.strip():
        try:
            row = dash.save_what_if(save_as, refs, duration or None, by=user_name(request))
            message = f"saved as '{row.name}'"
        except (UsageError, StoreError) as exc:
            message = f"not saved: {exc}"
            status = 409 if isinstance(exc, StoreError) else 422
    return _what_if_page(
        request, dash, refs, message=message, status=status, duration=duration, start=start
    )


@router.get("/plan")
def plan_page(
    request: Request,
    dash: Dash,
    scenario: Annotated[str | None, Query(max_length=200)] = None,
    function: Annotated[str | None, Query(max_length=200)] = None,
    automatic: Literal["folded", "expanded"] = "folded",
    zoom: Annotated[int, Query(ge=1, le=8)] = 1,
) -> Response:
    """The plan, led by its forecast; its Gantt chart by team (the automatic steps folded
    into one lane unless ``automatic=expanded``) and, with ``function``, that function's
    critical path drawn over the chart and explained below it; ``zoom``: the chart 2, 4 or
    8 times wider, to read the labels."""
    data = dash.plan(scenario) if scenario else None
    charts = (
        plan_charts(dash, data, function, fold_automatic=automatic == "folded", zoom=zoom)
        if scenario and data
        else {}
    )
    return _page(
        request,
        "plan.html",
        nav="plan",
        scenarios=list(dash.model.scenarios),
        scenario=scenario,
        function=function,
        automatic=automatic,
        zoom=zoom,
        data=data,
        **charts,
    )


@router.get("/resilience")
def resilience_page(request: Request, dash: Dash) -> Response:
    return _page(
        request,
        "resilience.html",
        nav="resilience",
        findings=dash.findings(),
        spof=dash.spof(),
        concentration=dash.concentration(),
    )
