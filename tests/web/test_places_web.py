"""Places of delivery through the real server: the what-if page shows partial functions,
``POST /api/what-if`` is exactly ``impact --json`` with ``down_at`` and ``delivered_at``."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from typer.testing import CliRunner

from blackstart import api as bs
from blackstart.cli.app import app
from blackstart.web import create_app
from tests.web._board import add_users, declare, login
from tests.web.conftest import serve

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


def test_board_and_status_show_each_place(tmp_path: Path) -> None:
    app_ = create_app(bs.example_path(), f"sqlite:///{tmp_path / 'board.db'}")
    add_users(app_)
    with serve(app_) as board:
        csrf = login(board, "olga")
        iid = declare(board, csrf, title="colo")["incident"]["id"]  # type: ignore[index]
        page = board.get(f"/incidents/{iid}").text
        assert 'id="forecast-places"' in page and "West hospital" in page
        status = board.get("/status.json").json()
        vital = next(t for t in status["tiers"] if t["tier"] == "vital")
        tel = next(
            f for f in vital["functions"] if f["name"].startswith("Téléphonie interne et externe")
        )
        assert [p["name"] for p in tel["places"]] == [
            "South hospital",
            "West hospital",
            "Central hospital (with the emergency dispatch centre on its campus)",
        ]
        html = board.get("/status").text
        assert "West hospital / Téléphonie interne et externe de chaque hôpital" in html
        assert "hospital-west" not in html and "hospital-west" not in json.dumps(status)


def test_plan_page_shows_each_place(client: httpx.Client) -> None:
    page = client.get("/plan", params={"scenario": "colo-power-cut"}).text
    assert 'id="bands-by-place"' in page and "hospital-west" in page
    # telephony is down at three hospitals of five: each gets its own line
    assert page.count("at hospital-") >= 3
