"""The public status page, ``/status`` and its twin ``/status.json``: functions grouped by
tier with their state and ETA range, the published messages and the last update time —
nothing else (no component, site, provider or team, no id), no login. Drills never
appear. The payload is built by :meth:`blackstart.web.board.IncidentService.public_status`
(cached about a second)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from blackstart.web.board import IncidentService
from blackstart.web.render import templates

router = APIRouter(include_in_schema=False)


def _svc(request: Request) -> IncidentService:
    svc = request.app.state.incidents
    assert isinstance(svc, IncidentService)
    return svc


def _headers() -> dict[str, str]:
    return {"cache-control": "no-cache", "x-content-type-options": "nosniff"}


@router.get("/status.json")
def status_json(request: Request) -> Response:
    payload: dict[str, Any] = _svc(request).public_status()
    return JSONResponse(payload, headers=_headers())


@router.get("/status", response_class=HTMLResponse)
def status_page(request: Request) -> Response:
    return templates.TemplateResponse(
        request, "status.html", {"s": _svc(request).public_status()}, headers=_headers()
    )
