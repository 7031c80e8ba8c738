"""The incident board through a real server: declare, mark tasks, re-forecast, announce,
publish, close; every forecast kept; the audit log; errors with a clear 4xx."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

import blackstart.api as bs
from blackstart.web import create_app
from tests.web._board import add_users, declare, login
from tests.web.conftest import serve


@pytest.fixture
def board(tmp_path: Path) -> Iterator[httpx.Client]:
    app = create_app(bs.example_path(), f"sqlite:///{tmp_path / 'board.db'}")
    add_users(app)
    with serve(app) as client:
        yield client


def _t(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def test_declare_stores_the_plan_and_a_first_forecast(board: httpx.Client) -> None:
    csrf = login(board, "olga")
    b = declare(board, csrf, start="2024-08-03T11:00", failure_end="2024-08-03T14:30")
    inc = b["incident"]
    assert inc["version"] == 1 and inc["state"] == "open" and not inc["drill"]
    # the stored plan is the plan of the scenario at that start: same tasks as the CLI's
    plan = bs.load(bs.example_path())
    from blackstart import planning

    expected = planning.plan(plan, "colo-power-cut").to_dict()
    assert [t["id"] for t in b["tasks"]] == [t["id"] for t in expected["tasks"]]
    assert all(t["state"] == "todo" for t in b["tasks"])
    assert len(b["forecasts"]) == 1


def test_marking_every_task_done_restores_every_function(board: httpx.Client) -> None:
    """Independent check of the conditioning: once every task is done at time T, every
    function that was down is back, in every run, by T."""
    csrf = login(board, "olga")
    b = declare(
        board,
        csrf,
        title="all done",
        start="2024-08-03T11:00",
        failure_end="2024-08-03T14:30",
        drill=True,
        clock="simulated",
    )
    iid = b["incident"]["id"]
    r = board.post(
        f"/api/incidents/{iid}/clock",
        json={"sim_now": "2024-08-04T20:00"},
        headers={"x-csrf-token": csrf},
    )
    assert r.status_code == 200, r.text
    last: dict[str, str] = {}  # a component's last step done means its earlier steps are
    for t in b["tasks"]:
        last[t["component"]] = t["id"]
    tasks = list(last.values())
    for task in tasks:
        r = board.post(
            f"/api/incidents/{iid}/events",
            json={"task": task, "kind": "done"},
            headers={"x-csrf-token": csrf},
        )
        assert r.status_code == 201, r.text
    fc = r.json()["forecast"]
    as_of = _t(fc["as_of"])
    down = [f for f in fc["functions"] if f["was_down"]]
    assert down
    for f in down:
        assert _t(f["p95"]) <= as_of, f
    final = board.get(f"/api/incidents/{iid}").json()
    assert len(final["forecasts"]) == 2 + len(tasks)  # declare, clock, one per task
    assert final["incident"]["version"] == 2 + len(tasks)


def test_progress_moves_the_forecast_earlier_than_no_progress(board: httpx.Client) -> None:
    csrf = login(board, "olga")
    b = declare(
        board,
        csrf,
        title="progress",
        start="2024-08-03T11:00",
        failure_end="2024-08-03T14:30",
        drill=True,
        clock="simulated",
    )
    iid = b["incident"]["id"]
    h = {"x-csrf-token": csrf}
    board.post(f"/api/incidents/{iid}/clock", json={"sim_now": "2024-08-03T20:00"}, headers=h)
    before = board.get(f"/api/incidents/{iid}").json()["forecast"]
    # work faster than planned: the first 40 planned tasks done by 20:00
    for t in b["tasks"][:40]:
        r = board.post(
            f"/api/incidents/{iid}/events",
            json={"task": t["id"], "kind": "done", "at": "2024-08-03T19:59"},
            headers=h,
        )
        assert r.status_code == 201, r.text
    after = r.json()["forecast"]
    # strictly earlier (care by over an hour at seed 0): a board that ignored the
    # progress would give the same bands
    assert _t(after["all"]["p50"]) < _t(before["all"]["p50"])
    assert _t(after["tiers"]["care"]["p50"]) < _t(before["tiers"]["care"]["p50"]) - timedelta(
        minutes=30
    )


def test_unplanned_task_blocking_a_component_delays_what_needs_it(board: httpx.Client) -> None:
    csrf = login(board, "olga")
    h = {"x-csrf-token": csrf}
    b = declare(
        board,
        csrf,
        title="unplanned",
        start="2024-08-03T11:00",
        failure_end="2024-08-03T14:30",
        drill=True,
        clock="simulated",
    )
    iid = b["incident"]["id"]
    plan_fns = {f["id"]: f for f in b["plan"]["functions"]}
    lab = plan_fns["lab-results"]
    first = lab["critical_path"][-1].partition("/")[0]  # the last component lab results needs
    before = board.get(f"/api/incidents/{iid}").json()["forecast"]
    r = board.post(
        f"/api/incidents/{iid}/unplanned",
        headers=h,
        json={
            "key": "restore-lis-config",
            "description": "config lost",
            "estimate": "5d",
            "blocks": [first],
        },
    )
    assert r.status_code == 201, r.text
    after = r.json()["forecast"]
    lab_after = next(f for f in after["functions"] if f["id"] == "lab-results")
    lab_before = next(f for f in before["functions"] if f["id"] == "lab-results")
    start = _t(b["plan"]["start"])
    # blocked for 5 days from the (simulated) start: back no earlier than that
    assert (_t(lab_after["p50"]) - start).total_seconds() >= 5 * 86400
    assert _t(lab_after["p50"]) > _t(lab_before["p50"])
    # marking it done releases the block
    r = board.post(
        f"/api/incidents/{iid}/events",
        headers=h,
        json={"task": "restore-lis-config", "kind": "done"},
    )
    assert r.status_code == 201
    lab_done = next(f for f in r.json()["forecast"]["functions"] if f["id"] == "lab-results")
    assert _t(lab_done["p50"]) < _t(lab_after["p50"])


def test_bad_input_gets_a_clear_4xx(board: httpx.Client) -> None:
    csrf = login(board, "olga")
    h = {"x-csrf-token": csrf}
    iid = declare(board, csrf, title="errors")["incident"]["id"]
    r = board.post(
        f"/api/incidents/{iid}/events", json={"task": "lis-ap/restart", "kind": "done"}, headers=h
    )
    assert r.status_code == 422
    assert "no task 'lis-ap/restart'" in r.json()["error"]
    r = board.post("/api/incidents", json={"title": "x", "scenario": "colo-power-cutt"}, headers=h)
    assert r.status_code == 422 and "colo-power-cut" in (r.json()["suggestion"] or "")
    r = board.get("/api/incidents/999")
    assert r.status_code == 404
    r = board.post("/api/incidents", json={"title": "x", "fail": ["site:nowhere"]}, headers=h)
    assert r.status_code == 422
    r = board.post(
        f"/api/incidents/{iid}/announcements", json={"tier": "vip", "eta": "x"}, headers=h
    )
    assert r.status_code == 422 and "unknown tier" in r.json()["error"]


def test_stale_version_is_refused_with_409(board: httpx.Client) -> None:
    csrf = login(board, "olga")
    h = {"x-csrf-token": csrf}
    b = declare(board, csrf, title="stale")
    iid, task = b["incident"]["id"], b["tasks"][0]["id"]
    ok = board.post(
        f"/api/incidents/{iid}/events",
        headers=h,
        json={"task": task, "kind": "started", "expected_version": 1},
    )
    assert ok.status_code == 201 and ok.json()["version"] == 2
    stale = board.post(
        f"/api/incidents/{iid}/events",
        headers=h,
        json={"task": task, "kind": "done", "expected_version": 1},
    )
    assert stale.status_code == 409
    assert "reload" in stale.json()["suggestion"]


def test_status_messages_and_announcements_and_close(board: httpx.Client) -> None:
    csrf = login(board, "olga")
    h = {"x-csrf-token": csrf}
    b = declare(board, csrf, title="messages")
    iid = b["incident"]["id"]
    r = board.post(
        f"/api/incidents/{iid}/messages", json={"body": "Lab results by phone."}, headers=h
    )
    assert r.status_code == 201
    mid = r.json()["messages"][0]["id"]
    assert "Lab results by phone." not in board.get("/status").text  # a draft is not public
    assert board.post(f"/api/incidents/{iid}/messages/{mid}/publish", headers=h).status_code == 200
    time.sleep(1.1)  # the public status is cached for a second
    assert "Lab results by phone." in board.get("/status").text
    eta = b["forecast"]["tiers"]["care"]["p80"]
    r = board.post(
        f"/api/incidents/{iid}/announcements", json={"tier": "care", "eta": eta}, headers=h
    )
    assert r.status_code == 201
    page = board.get(f"/incidents/{iid}")
    assert page.status_code == 200 and 'class="announced"' in page.text
    r = board.post(f"/api/incidents/{iid}/close", headers=h)
    assert r.status_code == 200 and r.json()["incident"]["state"] == "closed"
    assert r.json()["review"]["forecast_accuracy"]["forecasts"]
    again = board.post(f"/api/incidents/{iid}/messages", json={"body": "x"}, headers=h)
    assert again.status_code == 409 and "closed" in again.json()["error"]


def test_every_change_is_in_the_audit_log_with_before_and_after(board: httpx.Client) -> None:
    csrf = login(board, "olga")
    b = declare(board, csrf, title="audited")
    iid, task = b["incident"]["id"], b["tasks"][0]["id"]
    board.post(
        f"/api/incidents/{iid}/events",
        json={"task": task, "kind": "started", "comment": "on it"},
        headers={"x-csrf-token": csrf},
    )
    login(board, "ada")
    rows = board.get("/api/admin/audit").json()
    mine = [r for r in rows if r["target"] == f"incident:{iid}"]
    assert [r["action"] for r in mine] == ["task.started", "incident.declare"]
    assert mine[0]["user"] == "olga" and mine[0]["after"]["comment"] == "on it"
    assert mine[1]["before"] is None and mine[1]["after"]["title"] == "audited"
    assert board.get("/admin/audit").status_code == 200


def test_board_page_renders_tasks_chart_and_forms(board: httpx.Client, tmp_path: Path) -> None:
    csrf = login(board, "olga")
    iid = declare(board, csrf, title="page")["incident"]["id"]
    page = board.get(f"/incidents/{iid}").text
    assert "<svg" in page and "eta-care-p80" in page
    assert 'class="eta-pace"' in page and "learnt pace" in page  # the re-forecast learns
    assert page.count('name="csrf_token"') > 100  # every form carries the token
    assert board.get(f"/incidents/{iid}/eta.svg").headers["content-type"].startswith("image/svg")


def test_power_back_later_than_assumed_moves_every_eta_past_it(board: httpx.Client) -> None:
    csrf = login(board, "olga")
    h = {"x-csrf-token": csrf}
    b = declare(
        board, csrf, title="long cut", start="2024-08-03T11:00", drill=True, clock="simulated"
    )
    iid = b["incident"]["id"]
    assert b["plan"]["failure_end"].startswith("2024-08-03T14:30")  # the scenario's 3.5 h
    board.post(f"/api/incidents/{iid}/clock", json={"sim_now": "2024-08-04T09:00"}, headers=h)
    r = board.post(f"/api/incidents/{iid}/failure-end", json={"at": "2024-08-04T08:00"}, headers=h)
    assert r.status_code == 200, r.text
    power = _t("2024-08-04T08:00+02:00")
    for f in r.json()["forecast"]["functions"]:
        if f["was_down"]:
            assert _t(f["p50"]) >= power, f
    assert board.get(f"/api/incidents/{iid}").json()["incident"]["failure_end_at"]
    r = board.post(f"/api/incidents/{iid}/failure-end", json={"at": "2024-08-05T08:00"}, headers=h)
    assert r.status_code == 422 and "future" in r.json()["error"]


def test_verified_is_a_second_persons_check(board: httpx.Client) -> None:
    csrf = login(board, "olga")
    b = declare(board, csrf, title="four eyes")
    iid, task = b["incident"]["id"], b["tasks"][0]["id"]
    url = f"/api/incidents/{iid}/events"
    r = board.post(url, json={"task": task, "kind": "verified"}, headers={"x-csrf-token": csrf})
    assert r.status_code == 422 and "not done" in r.json()["error"]
    board.post(url, json={"task": task, "kind": "done"}, headers={"x-csrf-token": csrf})
    r = board.post(url, json={"task": task, "kind": "verified"}, headers={"x-csrf-token": csrf})
    assert r.status_code == 422 and "second person" in r.json()["suggestion"]
    acsrf = login(board, "ada")
    r = board.post(url, json={"task": task, "kind": "verified"}, headers={"x-csrf-token": acsrf})
    assert r.status_code == 201
    row = next(t for t in board.get(f"/api/incidents/{iid}").json()["tasks"] if t["id"] == task)
    assert row["state"] == "verified" and row["verified"]["user"] == "ada"


def test_version_endpoint_follows_every_change(board: httpx.Client) -> None:
    csrf = login(board, "olga")
    b = declare(board, csrf, title="poll")
    iid, task = b["incident"]["id"], b["tasks"][0]["id"]
    assert board.get(f"/api/incidents/{iid}/version").json()["version"] == 1
    board.post(
        f"/api/incidents/{iid}/events",
        json={"task": task, "kind": "started"},
        headers={"x-csrf-token": csrf},
    )
    assert board.get(f"/api/incidents/{iid}/version").json()["version"] == 2
    page = board.get(f"/incidents/{iid}").text
    assert 'data-version="2"' in page and "/static/board.js" in page
    assert board.get("/static/board.js").status_code == 200


def test_declare_from_ad_hoc_failures(board: httpx.Client) -> None:
    csrf = login(board, "olga")
    h = {"x-csrf-token": csrf}
    r = board.post(
        "/api/incidents",
        headers=h,
        json={"title": "site", "fail": ["site:colo-paris"], "start": "2024-04-26T02:00"},
    )
    assert r.status_code == 422 and "came back" in r.json()["error"]
    r = board.post(
        "/api/incidents",
        headers=h,
        json={
            "title": "site",
            "fail": ["site:colo-paris"],
            "start": "2024-04-26T02:00",
            "failure_end": "2024-04-28T02:00",
        },
    )
    assert r.status_code == 201, r.text
    b = r.json()
    assert b["incident"]["scenario"] is None and b["incident"]["fail"] == ["site:colo-paris"]
    # the same failures and duration as the model's colo-site-loss scenario: same plan
    from blackstart import planning

    expected = planning.plan(bs.load(bs.example_path()), "colo-site-loss").to_dict()
    assert [t["id"] for t in b["tasks"]] == [t["id"] for t in expected["tasks"]]
    assert b["plan"]["failure_end"] == expected["failure_end"]
