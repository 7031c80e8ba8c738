"""``/docs``: Swagger UI for ``/openapi.json``, served from the package's own copy of
swagger-ui-dist (npm, see package.json), so it works with no internet. FastAPI's own
``/docs`` is off because it loads Swagger UI from a CDN."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from blackstart.web import assets
from blackstart.web.errors import error_response
from blackstart.web.render import STATIC, templates

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

VENDOR = STATIC / "vendor"
ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css")


@router.get("/docs")
def docs(request: Request) -> Response:
    missing = [a for a in ASSETS if not (VENDOR / a).is_file()]
    if missing:
        return error_response(
            request,
            503,
            f"the API docs page's assets are not installed: {', '.join(missing)}",
            assets.advice(missing).split("To add it, ")[-1].rstrip("."),
        )
    return templates.TemplateResponse(request, "docs.html", {"nav": "docs"})
