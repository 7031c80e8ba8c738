"""The JSON API through a real server: payloads equal the Python API's, errors are 4xx
with a suggestion, saved what-ifs persist across restarts."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import blackstart.api as bs
from blackstart import planning
from blackstart.errors import ModelError
from blackstart.model.model import Model
from blackstart.web import create_app

DATA = Path(__file__).resolve().parents[1] / "data"
Live = Callable[[FastAPI], AbstractContextManager[httpx.Client]]


def db_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _without_volatile(payload: dict[str, Any]) -> dict[str, Any]:
    out = dict(payload)
    prov = dict(out.pop("provenance"))
    prov.pop("generated_at")
    prov.pop("timings_s")
    return {**out, "provenance": prov}


def test_overview_lists_functions_by_tier_all_up(client: httpx.Client, model: Model) -> None:
    r = client.get("/api/overview")
    assert r.status_code == 200
    body = r.json()
    show = bs.show(model)
    assert body["functions_by_tier"] == show["functions_by_tier"]
    assert body["sites"] == show["sites"]
    assert body["providers"] == show["providers"]
    assert {f["id"] for f in body["functions"]} == set(model.functions)
    assert {f["state"] for f in body["functions"]} == {"up"}
    assert body["provenance"]["model_hash"] == model.hash
    assert body["model_version"]["hash"] == model.hash
    # independently of show(): what the model file puts on the colocation site, and
    # each function under its own tier
    hosted = sorted(c for c, comp in model.components.items() if comp.site == "colo-paris")
    assert sorted(body["sites"]["colo-paris"]["components"]) == hosted
    assert "lis-app" in hosted  # lab results' application runs there
    for fid, fn in model.functions.items():
        assert fid in body["functions_by_tier"][fn.tier]


def test_what_if_is_exactly_the_impact_payload(client: httpx.Client, model: Model) -> None:
    r = client.post("/api/what-if", json={"fail": ["site:colo-paris"]})
    assert r.status_code == 200
    expected = bs.impact(model, fail=["site:colo-paris"]).to_dict()
    assert _without_volatile(r.json()) == _without_volatile(expected)
    assert "lab-results" in [f["id"] for f in r.json()["functions_down"]]


@pytest.mark.parametrize(
    ("body", "status", "error", "suggestion"),
    [
        ({"fail": ["site:colo-pari"]}, 422, "no site 'colo-pari'", "did you mean 'colo-paris'?"),
        ({"fail": ["colo-paris"]}, 422, "not a reference", "did you mean 'site:colo-paris'?"),
        ({"fail": []}, 422, "fail:", "openapi.json"),
        ({"fails": ["site:colo-paris"]}, 422, "fail: Field required", "openapi.json"),
        ({"fail": "site:colo-paris"}, 422, "fail:", "openapi.json"),
    ],
)
def test_what_if_bad_input_is_4xx_with_suggestion(
    client: httpx.Client, body: dict[str, Any], status: int, error: str, suggestion: str
) -> None:
    r = client.post("/api/what-if", json=body)
    assert r.status_code == status, r.text
    payload = r.json()
    assert error in payload["error"]
    assert suggestion in payload["suggestion"]


def test_malformed_json_and_unknown_routes_are_4xx(client: httpx.Client) -> None:
    r = client.post(
        "/api/what-if", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["error"] == "the request body is not valid JSON"
    r = client.get("/api/nowhere")
    assert r.status_code == 404 and set(r.json()) >= {"error", "suggestion"}
    r = client.delete("/api/what-if")
    assert r.status_code == 405 and set(r.json()) >= {"error", "suggestion"}


def test_plan_and_forecast_match_planning(client: httpx.Client, model: Model) -> None:
    r = client.get("/api/plan", params={"scenario": "colo-site-loss"})
    assert r.status_code == 200
    expected = planning.plan(model, "colo-site-loss").to_dict()
    assert _without_volatile(r.json()) == _without_volatile(expected)
    r = client.get("/api/forecast", params={"scenario": "colo-site-loss", "runs": 50, "seed": 3})
    assert r.status_code == 200
    expected = planning.run_forecast(model, "colo-site-loss", runs=50, seed=3).to_dict()
    assert _without_volatile(r.json()) == _without_volatile(expected)


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("/api/plan?scenario=colo-site-los", "no scenario 'colo-site-los'"),
        ("/api/plan", "scenario: Field required"),
        ("/api/forecast?scenario=colo-site-loss&runs=0", "runs:"),
        ("/api/forecast?scenario=colo-site-loss&runs=many", "runs:"),
    ],
)
def test_plan_and_forecast_bad_input(client: httpx.Client, url: str, error: str) -> None:
    r = client.get(url)
    assert r.status_code == 422, r.text
    assert error in r.json()["error"]
    assert r.json()["suggestion"]


def test_spof_and_concentration(client: httpx.Client) -> None:
    spof = client.get("/api/spof").json()
    assert "lab-results" in [f["id"] for f in spof["functions"]]
    conc = client.get("/api/concentration").json()
    assert "colo-paris" in [s["id"] for s in conc["sites"]]


def _paths(routes: list[Any]) -> set[str]:
    """Paths of all routes, through included routers (kept as such by newer FastAPI)."""
    out: set[str] = set()
    for r in routes:
        inner = getattr(r, "original_router", None)
        if inner is not None:
            out |= _paths(inner.routes)
        elif getattr(r, "path", ""):
            out.add(r.path)
    return out


def test_openapi_describes_every_api_route_and_docs_are_self_hosted(
    client: httpx.Client,
) -> None:
    schema = client.get("/openapi.json").json()
    app = create_app(bs.example_path(), "sqlite://")
    api_routes = {p for p in _paths(app.routes) if p.startswith("/api/")}
    assert len(api_routes) >= 12
    assert api_routes == set(schema["paths"])
    for path in ("/api/overview", "/api/what-if", "/api/what-if/saved", "/api/plan",
                 "/api/forecast", "/api/spof", "/api/concentration", "/api/explorer",
                 "/api/explorer/node", "/api/explorer/search", "/api/what-if/forecast",
                 "/api/explain"):  # fmt: skip
        assert path in schema["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert '<script src="/static/vendor/swagger-ui-bundle.js">' in docs.text
    assert client.get("/redoc").status_code == 404


def test_saved_what_if_persists_across_restarts(tmp_path: Path, live: Live) -> None:
    url = db_url(tmp_path / "store.db")
    with live(create_app(bs.example_path(), url)) as c:
        assert c.get("/api/what-if/saved").json() == []
        r = c.post(
            "/api/what-if/saved",
            json={"name": "paris-2d", "fail": ["site:colo-paris"], "duration": "2d"},
        )
        assert r.status_code == 201, r.text
        again = c.post("/api/what-if/saved", json={"name": "paris-2d", "fail": ["site:colo-paris"]})
        assert again.status_code == 409 and again.json()["suggestion"]
        bad = c.post("/api/what-if/saved", json={"name": "x", "fail": ["site:nope"]})
        assert bad.status_code == 422
        bad = c.post(
            "/api/what-if/saved", json={"name": "x", "fail": ["site:colo-paris"], "duration": "2"}
        )
        assert bad.status_code == 422 and "duration" in bad.json()["error"]
    with live(create_app(bs.example_path(), url)) as c:
        saved = c.get("/api/what-if/saved").json()
        assert [(s["name"], s["fail"], s["duration"]) for s in saved] == [
            ("paris-2d", ["site:colo-paris"], "2d")
        ]
        one = c.get("/api/what-if/saved/paris-2d").json()
        assert "lab-results" in [f["id"] for f in one["impact"]["functions_down"]]
        missing = c.get("/api/what-if/saved/paris-3d")
        assert missing.status_code == 404
        assert missing.json()["suggestion"] == "did you mean 'paris-2d'?"


def test_invalid_model_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as info:
        create_app(DATA / "invalid" / "cycle.yaml", db_url(tmp_path / "x.db"))
    assert info.value.problems
