"""Error bodies: every user error is a 4xx with ``{"error": …, "suggestion": …}``.

:class:`~blackstart.errors.UsageError` → 422 (404 for a missing named thing), a store
conflict → 409 (404 for a missing row), a request the schema refuses → 422, an unknown
route → 404. Pages get the same message as an HTML page; nothing ever shows a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from blackstart.errors import UsageError
from blackstart.store import StoreError
from blackstart.store.users import Missing
from blackstart.web.dashboard import NotFound
from blackstart.web.render import templates

log = logging.getLogger("blackstart.web")

ERROR_SCHEMA: dict[int | str, dict[str, Any]] = {
    code: {
        "description": text,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "error": {"type": "string"},
                        "suggestion": {"type": ["string", "null"]},
                    },
                    "required": ["error", "suggestion"],
                }
            }
        },
    }
    for code, text in ((404, "Not found"), (409, "Conflict"), (422, "Bad input"))
}
"""OpenAPI description of the error body, for the routes' ``responses=``."""


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def error_response(
    request: Request, status: int, error: str, suggestion: str | None, **extra: Any
) -> Response:
    """The error as JSON under ``/api/``, as an HTML page elsewhere."""
    if _wants_json(request):
        return JSONResponse({"error": error, "suggestion": suggestion, **extra}, status)
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "error": error, "suggestion": suggestion},
        status_code=status,
    )


def _validation_summary(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    details = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ())]
        details.append({"loc": loc, "msg": str(err.get("msg", "")), "type": err.get("type")})
    first = details[0] if details else {"loc": [], "msg": "invalid request", "type": None}
    if first["type"] == "json_invalid":
        return "the request body is not valid JSON", details
    where = ".".join(x for x in first["loc"] if x not in ("body", "query")) or "request"
    return f"{where}: {first['msg']}", details


def install(app: FastAPI) -> None:
    """Register the exception handlers on ``app``."""

    @app.exception_handler(UsageError)
    async def _usage(request: Request, exc: UsageError) -> Response:
        status = 404 if isinstance(exc, NotFound) else 422
        return error_response(request, status, exc.message, exc.suggestion)

    @app.exception_handler(StoreError)
    async def _store(request: Request, exc: StoreError) -> Response:
        status = 404 if isinstance(exc, Missing) else 409
        return error_response(request, status, exc.message, exc.suggestion)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        message, details = _validation_summary(exc)
        return error_response(
            request,
            422,
            message,
            "see /openapi.json for the expected request",
            details=details,
        )

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        suggestion = "see / for the pages and /openapi.json for the API"
        if exc.status_code == 405:
            suggestion = "see /openapi.json for the methods of this path"
        return error_response(request, exc.status_code, str(exc.detail), suggestion)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return error_response(
            request, 500, "internal error", "this is a bug in blackstart: please report it"
        )
