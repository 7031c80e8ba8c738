"""Safe marks, undo, the ETA warning and the public choice through the real HTTP API and
forms (uvicorn, SQLite): errors are 4xx with ``error`` and ``suggestion``, warnings show
inline on the board, an undo is its own event and audit entry."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

import blackstart.api as bs
from blackstart.web import create_app
from tests.web._board import add_users, declare, login
from tests.web.conftest import serve


@pytest.fixture
def client(tmp_path: Path) -> Iterator[httpx.Client]:
    app = create_app(bs.example_path(), f"sqlite:///{tmp_path / 'api.db'}")
    add_users(app)
    with serve(app) as c:
        yield c


def test_power_restart_before_power_is_back_asks_first(client: httpx.Client) -> None:
    csrf = login(client, "olga")
    iid = declare(client, csrf)["incident"]["id"]  # starts now: power is still out
    board = client.get(f"/api/incidents/{iid}").json()
    first = board["tasks"][0]["id"]
    url = f"/api/incidents/{iid}/events"
    h = {"x-csrf-token": csrf}
    r = client.post(url, json={"task": first, "kind": "done", "confirm": False}, headers=h)
    assert r.status_code == 422
    assert "before the failure ended" in r.json()["error"] and r.json()["suggestion"]
    # the form shows the board with the warning inline and a confirm button
    form = {"task": first, "kind": "done", "csrf_token": csrf}
    page = client.post(f"/incidents/{iid}/events", data=form)
    assert page.status_code == 200 and 'id="confirm"' in page.text
    assert "before the failure ended" in page.text
    assert client.get(f"/api/incidents/{iid}").json()["events"] == []
    assert (
        client.post(f"/incidents/{iid}/events", data={**form, "confirm": "yes"}).status_code == 303
    )


def test_undo_is_a_compensating_event(client: httpx.Client) -> None:
    csrf = login(client, "olga")
    start = datetime.now(UTC) - timedelta(hours=2)
    iid = declare(
        client, csrf, start=start.isoformat(), failure_end=(start + timedelta(hours=1)).isoformat()
    )["incident"]["id"]
    task = client.get(f"/api/incidents/{iid}").json()["tasks"][0]["id"]
    h = {"x-csrf-token": csrf}
    assert (
        client.post(
            f"/api/incidents/{iid}/events", json={"task": task, "kind": "done"}, headers=h
        ).status_code
        == 201
    )
    r = client.post(f"/api/incidents/{iid}/undo", json={"task": task}, headers=h)
    assert r.status_code == 201, r.text
    b = client.get(f"/api/incidents/{iid}").json()
    assert [e["kind"] for e in b["events"]] == ["done", "undo-done"]
    assert next(t for t in b["tasks"] if t["id"] == task)["state"] == "todo"
    # nothing left to undo: a clear 422, and another person cannot undo it
    r = client.post(f"/api/incidents/{iid}/undo", json={"task": task}, headers=h)
    assert r.status_code == 422 and "undo" in r.json()["suggestion"]
    client.post(f"/api/incidents/{iid}/events", json={"task": task, "kind": "done"}, headers=h)
    ada = login(client, "ada")
    r = client.post(
        f"/api/incidents/{iid}/undo", json={"task": task}, headers={"x-csrf-token": ada}
    )
    assert r.status_code == 422
    # the board form shows an error inline, never a bare page
    page = client.post(f"/incidents/{iid}/undo", data={"task": task, "csrf_token": ada})
    assert page.status_code == 422 and 'class="inline-error"' in page.text and "Now" in page.text
    audit = client.get("/admin/audit").text
    assert "task.undo-done" in audit


def test_public_page_shows_what_a_person_chose(client: httpx.Client) -> None:
    csrf = login(client, "olga")
    iid = declare(client, csrf)["incident"]["id"]
    h = {"x-csrf-token": csrf}
    fc = client.get(f"/api/incidents/{iid}").json()["forecast"]
    late = (datetime.fromisoformat(fc["tiers"]["vital"]["p95"]) + timedelta(hours=1)).isoformat()
    r = client.post(
        f"/api/incidents/{iid}/announcements",
        json={"tier": "vital", "eta": late, "confirm": False},
        headers=h,
    )
    assert r.status_code == 201  # later than the P80: no warning
    early = fc["tiers"]["vital"]["p50"]
    r = client.post(
        f"/api/incidents/{iid}/announcements",
        json={"tier": "vital", "eta": early, "confirm": False},
        headers=h,
    )
    assert r.status_code == 422 and "chance of being kept" in r.json()["error"]
    time.sleep(1.1)
    live = client.get("/status.json").json()
    vital = [f for t in live["tiers"] if t["tier"] == "vital" for f in t["functions"] if "eta" in f]
    assert vital and all("announced" not in f["eta"] for f in vital)
    r = client.post(f"/api/incidents/{iid}/public-eta", json={"mode": "announced"}, headers=h)
    assert r.status_code == 201
    r = client.post(f"/api/incidents/{iid}/public-eta", json={"mode": "nope"}, headers=h)
    assert r.status_code == 422
    time.sleep(1.1)
    shown = client.get("/status.json").json()
    vital = [
        f for t in shown["tiers"] if t["tier"] == "vital" for f in t["functions"] if "eta" in f
    ]
    assert vital and all(
        f["eta"]["announced"]
        and datetime.fromisoformat(f["eta"]["to"]) == datetime.fromisoformat(late)
        for f in vital
    )
    care = [f for t in shown["tiers"] if t["tier"] == "care" for f in t["functions"] if "eta" in f]
    assert care and all("announced" not in f["eta"] for f in care)  # no care announcement
    assert "announced ETAs" in client.get(f"/incidents/{iid}").text


def test_a_drill_announces_on_its_own_clock(client: httpx.Client) -> None:
    csrf = login(client, "olga")
    start = "2024-08-03T11:00:00+02:00"
    iid = declare(client, csrf, start=start, drill=True, clock="simulated")["incident"]["id"]
    h = {"x-csrf-token": csrf}
    r = client.post(
        f"/api/incidents/{iid}/announcements",
        json={"tier": "all", "eta": "2024-08-06T18:00"},
        headers=h,
    )
    assert r.status_code == 201
    a = client.get(f"/api/incidents/{iid}").json()["announcements"][0]
    # stamped with the drill's simulated clock, not 2026's wall clock
    assert datetime.fromisoformat(a["announced_at"]) == datetime.fromisoformat(start)
    # typed without an offset: local to the model's zone, shown as typed
    page = client.get(f"/incidents/{iid}").text
    assert "all → 2024-08-06 18:00" in page and "all times Europe/Paris" in page
