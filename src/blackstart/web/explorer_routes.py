"""The dependency explorer: the ``/explorer`` page and its JSON twins under
``/api/explorer``. The view graph is built once per app (the model does not change)."""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

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


@page.get("/explorer")
def explorer_page(request: Request, vg: View) -> Response:
    return templates.TemplateResponse(
        request,
        "explorer.html",
        {"nav": "explorer", "tiers": TIERS, "total": vg.n, "limit": LIMIT, "dagre_max": DAGRE_MAX},
    )
