"""The dependency explorer: the ``/explorer`` page and its JSON twins under
``/api/explorer``. The view graph is built once per app (the model does not change).

The page opens on a node's labelled neighbourhood (``?node=…&depth=1&direction=both``,
twin ``/api/explorer/neighbourhood``), shows a dependency cone with ``view=cone`` (twin
``/api/explorer/cone``) and the whole graph with ``view=all`` (twin ``/api/explorer``).
Without JavaScript the page still lists the view's nodes by site and kind, as links."""

from __future__ import annotations

import threading
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from blackstart.errors import UsageError
from blackstart.model.schema import TIERS
from blackstart.web.errors import ERROR_SCHEMA
from blackstart.web.explorer import (
    LIMIT,
    Collapse,
    Layout,
    ViewGraph,
    graph_payload,
    node_payload,
    search,
)
from blackstart.web.explorer import view_graph as build_view_graph
from blackstart.web.layout import DAGRE_MAX
from blackstart.web.neighbourhood import (
    DIRECTIONS,
    MAX_DEPTH,
    Direction,
    cone_payload,
    default_node,
    neighbourhood_payload,
)
from blackstart.web.render import templates
from blackstart.web.routes import Dash

api = APIRouter(prefix="/api/explorer", tags=["api"], responses=ERROR_SCHEMA)
page = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
_lock = threading.Lock()


def view_graph(request: Request, dash: Dash) -> ViewGraph:
    """The app's view graph (a dependency), built on first use."""
    with _lock:
        vg = getattr(request.app.state, "view_graph", None)
        if vg is None:
            vg = build_view_graph(dash.model, dash.graph)
            request.app.state.view_graph = vg
    assert isinstance(vg, ViewGraph)
    return vg


View = Annotated[ViewGraph, Depends(view_graph)]
Name = Annotated[str, Query(min_length=1, max_length=300)]


@api.get("", summary="The dependency graph to draw, collapsed beyond 2,000 nodes")
def graph(
    vg: View,
    collapse: Collapse = "auto",
    expand: Annotated[list[str] | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=10, le=20_000)] = LIMIT,
    layout: Layout = "auto",
) -> dict[str, Any]:
    """Nodes (``provider:…``, ``site:…``, ``component:…``, ``function:…`` and aggregates
    ``group:site:…``, ``group:kind:…``, ``group:tier:…``) and ``requires`` edges."""
    return graph_payload(
        vg, collapse=collapse, expand=list(expand or []), limit=limit, layout=layout
    )


@api.get("/node", summary="What a node requires, what requires it, its dependency cone")
def node(vg: View, id: Name) -> dict[str, Any]:
    return node_payload(vg, id)


@api.get("/search", summary="Nodes whose name contains the text")
def find(vg: View, q: Name) -> list[dict[str, Any]]:
    return search(vg, q)


Depth = Annotated[int, Query(ge=1, le=MAX_DEPTH)]


@api.get("/neighbourhood", summary="A node's neighbours within a few hops, laid out by distance")
def neighbourhood(
    vg: View, id: Name, depth: Depth = 1, direction: Direction = "both"
) -> dict[str, Any]:
    """Nodes within ``depth`` hops of ``id`` (``upstream``: what it requires,
    ``downstream``: what requires it, ``both``), each with its signed ``distance`` and a
    ``position``; the edges between them; the nodes grouped by site and kind."""
    return neighbourhood_payload(vg, id, depth=depth, direction=direction)


@api.get("/cone", summary="A node's dependency cone, laid out by distance, grouped by site")
def cone(vg: View, id: Name) -> dict[str, Any]:
    return cone_payload(vg, id)


View_ = Literal["neighbourhood", "cone", "all"]


@page.get("/explorer")
def explorer_page(
    request: Request,
    vg: View,
    node: Annotated[str | None, Query(max_length=300)] = None,
    q: Annotated[str | None, Query(max_length=300)] = None,
    depth: Depth = 2,
    direction: Direction = "both",
    view: View_ = "neighbourhood",
) -> Response:
    """A node's neighbourhood (the default: the first vital function's), its cone
    (``view=cone``) or the whole graph (``view=all``); ``q`` searches and opens the best hit."""
    error = None
    hits: list[dict[str, Any]] = []
    status = 200
    if q and q.strip():
        try:
            hits = search(vg, q)
        except UsageError as exc:
            error = {"error": exc.message, "suggestion": exc.suggestion}
        if hits:
            node = hits[0]["id"]
        elif error is None:
            error = {
                "error": f"no node named like '{q.strip()}'",
                "suggestion": "try part of a name",
            }
            status = 404
    data = None
    if vg.n == 0:
        view = "all"  # nothing to centre on
    if view != "all":
        center = node or default_node(vg)
        try:
            data = (
                cone_payload(vg, center)
                if view == "cone"
                else neighbourhood_payload(vg, center, depth=depth, direction=direction)
            )
        except UsageError as exc:
            error = {"error": exc.message, "suggestion": exc.suggestion}
            status = 422
            data = neighbourhood_payload(vg, default_node(vg), depth=depth, direction=direction)
    detail = node_payload(vg, data["center"]) if data else None
    return templates.TemplateResponse(
        request,
        "explorer.html",
        {
            "nav": "explorer",
            "tiers": TIERS,
            "total": vg.n,
            "limit": LIMIT,
            "dagre_max": DAGRE_MAX,
            "view": view,
            "data": data,
            "detail": detail,
            "depth": depth,
            "max_depth": MAX_DEPTH,
            "direction": direction,
            "directions": DIRECTIONS,
            "q": q or "",
            "hits": hits,
            "error": error,
        },
        status_code=status,
    )
