"""The JSON API under ``/api/``: the twin of every page, described by ``/openapi.json``.

Each route returns the payload of a :class:`~blackstart.web.dashboard.Dashboard` method,
which is the same dictionary the CLI prints with ``--json``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from blackstart.web.auth import user_name
from blackstart.web.dashboard import Dashboard
from blackstart.web.errors import ERROR_SCHEMA

router = APIRouter(prefix="/api", tags=["api"], responses=ERROR_SCHEMA)

Ref = Annotated[
    str,
    Field(
        min_length=1,
        max_length=300,
        description="A failable element: site:NAME, provider:NAME or component:NAME.",
        examples=["site:colo-paris"],
    ),
]


def dashboard(request: Request) -> Dashboard:
    """The app's :class:`Dashboard` (a dependency)."""
    dash = request.app.state.dashboard
    assert isinstance(dash, Dashboard)
    return dash


Dash = Annotated[Dashboard, Depends(dashboard)]
Payload = dict[str, Any]


class WhatIfRequest(BaseModel):
    """Elements to fail."""

    model_config = ConfigDict(extra="forbid")
    fail: list[Ref] = Field(min_length=1, max_length=10_000)


class SaveWhatIfRequest(BaseModel):
    """A what-if to save under a name."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, examples=["paris-colo-2d"])
    fail: list[Ref] = Field(min_length=1, max_length=10_000)
    duration: str | None = Field(
        default=None, max_length=64, description="Failure duration, e.g. 3.5h or 2d."
    )


class SavedWhatIf(BaseModel):
    """A saved what-if."""

    name: str
    fail: list[str]
    duration: str | None
    model_hash: str | None
    created_at: str


@router.get("/overview", summary="Functions by tier, sites, providers, provenance")
def overview(request: Request, dash: Dash) -> Payload:
    """During an open incident, function states come from its latest forecast."""
    svc = getattr(request.app.state, "incidents", None)
    return dash.overview() if svc is None else svc.live_overview(dash.overview())


@router.post("/what-if", summary="What goes down when these fail, and why")
def what_if(body: WhatIfRequest, dash: Dash) -> Payload:
    """The same JSON as ``blackstart impact --json --fail …``."""
    return dash.what_if(list(body.fail))


@router.get("/what-if/saved", summary="Saved what-if scenarios")
def saved(dash: Dash) -> list[SavedWhatIf]:
    return [SavedWhatIf(**row) for row in dash.saved_what_ifs()]


@router.post("/what-if/saved", status_code=201, summary="Save a what-if under a name")
def save(body: SaveWhatIfRequest, request: Request, dash: Dash) -> SavedWhatIf:
    row = dash.save_what_if(body.name, list(body.fail), body.duration, by=user_name(request))
    return SavedWhatIf(**row.to_dict())


@router.get("/what-if/saved/{name}", summary="One saved what-if and its impact")
def saved_one(name: str, dash: Dash) -> Payload:
    row = dash.saved_what_if(name)
    return {"saved": row.to_dict(), "impact": dash.what_if(list(row.fail))}


@router.get("/plan", summary="Recovery plan of a scenario")
def plan(dash: Dash, scenario: Annotated[str, Query(min_length=1, max_length=200)]) -> Payload:
    """The same JSON as ``blackstart plan --json --scenario …``."""
    return dash.plan(scenario)


@router.get("/forecast", summary="Monte Carlo restoration-time forecast of a scenario")
def forecast(
    dash: Dash,
    scenario: Annotated[str, Query(min_length=1, max_length=200)],
    runs: Annotated[int, Query(ge=1, le=20_000)] = 1000,
    seed: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
) -> Payload:
    """The same JSON as ``blackstart forecast --json --scenario …``."""
    return dash.forecast(scenario, runs=runs, seed=seed)


@router.get("/spof", summary="Single points of failure per function")
def spof(dash: Dash) -> Payload:
    return dash.spof()


@router.get("/findings", summary="Single failures ranked by vital, care, administrative loss")
def findings(dash: Dash) -> Payload:
    """Every provider, site and component failed alone; those that take down the same
    functions are one finding; ranked by functions lost per tier, most vital first."""
    return dash.findings()


@router.get("/concentration", summary="Provider, site, owner and jurisdiction concentration")
def concentration(dash: Dash) -> Payload:
    return dash.concentration()
