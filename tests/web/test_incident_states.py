"""Public incident states (investigating, identified, recovering, monitoring, resolved):
set on the board, kept with their times (migration 0006), shown publicly with their
times and without who set them; in the Statuspage-shaped summary and the feed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import defusedxml.ElementTree as SafeET
import httpx
import pytest
from sqlalchemy import inspect

import blackstart.api as bs
from blackstart.store import open_store
from blackstart.web import create_app
from tests.web._board import add_users, declare, login
from tests.web.conftest import serve

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def board(tmp_path: Path) -> Iterator[httpx.Client]:
    app = create_app(bs.example_path(), f"sqlite:///{tmp_path / 'board.db'}")
    add_users(app)
    with serve(app) as client:
        yield client


def test_migration_0006_creates_the_states_table(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        cols = {c["name"] for c in inspect(store.engine).get_columns("incident_states")}
    finally:
        store.close()
    assert cols == {"id", "incident_id", "state", "at", "user"}


def test_states_are_set_on_the_board_and_shown_publicly(board: httpx.Client) -> None:
    csrf = login(board, "olga")
    iid = declare(board, csrf)["incident"]["id"]
    h = {"x-csrf-token": csrf}
    time.sleep(1.1)
    s = board.get("/status.json").json()
    assert s["state"] == "investigating" and len(s["timeline"]) == 1  # as declared
    t0 = datetime.now(UTC).replace(microsecond=0)
    for state in ("identified", "recovering", "monitoring"):
        r = board.post(f"/api/incidents/{iid}/state", json={"state": state}, headers=h)
        assert r.status_code == 200, r.text
    t1 = datetime.now(UTC)
    b = board.get(f"/api/incidents/{iid}").json()
    assert [x["state"] for x in b["states"]] == ["identified", "recovering", "monitoring"]
    assert all(x["user"] == "olga" for x in b["states"])
    time.sleep(1.1)
    s = board.get("/status.json").json()
    assert [t["state"] for t in s["timeline"]] == [
        "investigating",
        "identified",
        "recovering",
        "monitoring",
    ]
    assert s["state"] == "monitoring"
    for t in s["timeline"][1:]:
        assert t0 <= datetime.fromisoformat(t["at"]) <= t1
        assert set(t) == {"state", "at"}  # who set it stays internal
    page = board.get("/status?lang=en").text
    assert "Current state: <strong>monitoring</strong>" in page and "olga" not in page
    page = board.get("/status", headers={"accept-language": "fr"}).text
    assert "État actuel : <strong>sous surveillance</strong>" in page
    summary = board.get("/api/v2/summary.json").json()
    (inc,) = summary["incidents"]
    assert inc["status"] == "monitoring" and inc["monitoring_at"] == s["timeline"][-1]["at"]
    # recovering has no Statuspage twin: shown as identified
    assert [u["status"] for u in inc["incident_updates"]] == [
        "monitoring",
        "identified",
        "identified",
        "investigating",
    ]
    feed = SafeET.fromstring(board.get("/status.atom").content)
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert "Incident state: recovering" in titles


def test_bad_state_and_closed_incident_are_refused(board: httpx.Client) -> None:
    csrf = login(board, "olga")
    iid = declare(board, csrf)["incident"]["id"]
    h = {"x-csrf-token": csrf}
    r = board.post(f"/api/incidents/{iid}/state", json={"state": "identifed"}, headers=h)
    assert r.status_code == 422
    assert "identified" in (r.json()["suggestion"] or "")
    r = board.post(
        f"/api/incidents/{iid}/state",
        json={"state": "identified", "expected_version": 1_000},
        headers=h,
    )
    assert r.status_code == 409
    assert (
        board.post("/api/incidents/999/state", json={"state": "resolved"}, headers=h).status_code
        == 404
    )
    assert board.post(f"/api/incidents/{iid}/close", headers=h).status_code == 200
    r = board.post(f"/api/incidents/{iid}/state", json={"state": "resolved"}, headers=h)
    assert r.status_code == 409


def test_a_viewer_cannot_set_the_state(board: httpx.Client) -> None:
    csrf = login(board, "olga")
    iid = declare(board, csrf)["incident"]["id"]
    csrf = login(board, "vic")
    r = board.post(
        f"/api/incidents/{iid}/state", json={"state": "resolved"}, headers={"x-csrf-token": csrf}
    )
    assert r.status_code == 403


def test_the_board_page_form_sets_the_state(board: httpx.Client) -> None:
    csrf = login(board, "olga")
    iid = declare(board, csrf)["incident"]["id"]
    page = board.get(f"/incidents/{iid}").text
    assert f'action="/incidents/{iid}/state"' in page
    r = board.post(f"/incidents/{iid}/state", data={"state": "identified", "csrf_token": csrf})
    assert r.status_code == 303
    assert "identified" in board.get(f"/incidents/{iid}").text


def test_the_board_warns_when_the_status_page_is_down_with_the_incident(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(
        "name: tiny\ntimezone: Europe/Paris\nstatus_page: {components: [web]}\n"
        "sites:\n  dc-a: {kind: datacenter}\n  dc-b: {kind: datacenter}\n"
        "components:\n  web: {kind: application, site: dc-a}\n"
        "  lis: {kind: application, site: dc-b}\n"
        "functions:\n  lab-results: {tier: care, requires: [lis]}\n"
        "scenarios:\n  a-down: {start: '2024-08-03T11:00', duration: 3h, fail: [site:dc-a]}\n"
        "  b-down: {start: '2024-08-03T11:00', duration: 3h, fail: [site:dc-b]}\n"
    )
    app = create_app(model, f"sqlite:///{tmp_path / 'b.db'}")
    add_users(app)
    with serve(app) as client:
        csrf = login(client, "olga")
        hit = declare(client, csrf, title="a", scenario="a-down")
        assert len(hit["warnings"]) == 1 and "status page goes down" in hit["warnings"][0]
        page = client.get(f"/incidents/{hit['incident']['id']}").text
        assert "status-page-warning" in page
        spared = declare(client, csrf, title="b", scenario="b-down")
        assert spared["warnings"] == []
