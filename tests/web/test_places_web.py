"""Places of delivery through the real server: the what-if page shows partial functions,
``POST /api/what-if`` is exactly ``impact --json`` with ``down_at`` and ``delivered_at``."""

from __future__ import annotations

import json

import httpx
from typer.testing import CliRunner

from blackstart import api as bs
from blackstart.cli.app import app

VOLATILE = ("generated_at", "timings_s")


def _stable(d: dict[str, object]) -> dict[str, object]:
    prov = dict(d["provenance"])  # type: ignore[call-overload]
    for k in VOLATILE:
        prov.pop(k, None)
    return {**d, "provenance": prov}


def test_what_if_page_shows_partial_functions(client: httpx.Client) -> None:
    r = client.post("/what-if", data={"fail": ["site:hospital-west"]})
    assert r.status_code == 200
    assert "down at hospital-west (1 of 5)" in r.text
    assert "down at some places only" in r.text


def test_api_what_if_is_impact_json_with_places(client: httpx.Client) -> None:
    r = client.post("/api/what-if", json={"fail": ["site:hospital-west"]})
    assert r.status_code == 200
    res = CliRunner().invoke(
        app, ["impact", str(bs.example_path()), "--fail", "site:hospital-west", "--json"]
    )
    assert res.exit_code == 0, res.output
    cli = json.loads(res.stdout)
    assert _stable(r.json()) == _stable(cli)
    lab = next(f for f in r.json()["functions_down"] if f["id"] == "lab-results")
    assert lab["down_at"] == ["hospital-west"] and len(lab["delivered_at"]) == 5
