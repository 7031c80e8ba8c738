"""The public status page, ``/status`` and its twin ``/status.json``: functions grouped by
tier with their state and ETA range, the published messages and the last update time —
nothing else (no component, site, provider or team, no id), no login. Drills never
appear. The payload is built by :meth:`blackstart.web.board.IncidentService.public_status`
(cached about a second) and both pages are rendered once per payload.

:class:`StatusFastPath` answers ``GET /status`` and ``/status.json`` in front of everything
else (pure ASGI: no routing, no session lookup, no rendering per request), so the page
crowds look at during an outage stays cheap; the routes below serve the rest (HEAD …)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from zoneinfo import ZoneInfo

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from blackstart.web import i18n
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
    lang = i18n.negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))
    request.state.lang = lang  # the page's own choice (French by default), not the dashboard's
    svc = _svc(request)
    payload = svc.public_status()
    request.state.tz = payload["timezone"]
    zone = ZoneInfo(payload["timezone"])
    context = {"s": payload, **svc.subscribe_form(lang), **i18n.context(lang, zone)}
    headers = {**_headers(), "content-language": lang, "vary": "Accept-Language"}
    return templates.TemplateResponse(request, "status.html", context, headers=headers)


Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]
_JSON = [(b"content-type", b"application/json")]
_HTML = [(b"content-type", b"text/html; charset=utf-8")]
_COMMON = [(b"cache-control", b"no-cache"), (b"x-content-type-options", b"nosniff")]


class StatusFastPath:
    """ASGI middleware serving the cached public status pages."""

    def __init__(self, app: ASGIApp, service: IncidentService) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        path = scope.get("path")
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or path not in PAGES:
            await self.app(scope, receive, send)
            return
        svc = self.service
        lang = _lang(scope)
        if svc.status_fresh(lang):
            body, page = svc.status_pages(lang)
        else:
            body, page = await to_thread.run_sync(svc.status_pages, lang)
        content, ctype = (body, _JSON) if path == "/status.json" else (page, _HTML)
        headers = [*ctype, *_COMMON, (b"content-length", str(len(content)).encode())]
        if path == "/status":
            headers += [(b"content-language", lang.encode()), (b"vary", b"Accept-Language")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else content}
        )


PAGES = frozenset({"/status", "/status.json"})


def _lang(scope: Scope) -> str:
    """The page's language from ``?lang=`` and ``Accept-Language`` (:mod:`.i18n`)."""
    from urllib.parse import parse_qs

    query = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [None])[-1]
    accept = next(
        (v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"accept-language"),
        None,
    )
    return i18n.negotiate(query, accept)
