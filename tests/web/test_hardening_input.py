"""Issue 17, findings 4, 5 and 10 through a real server: out-of-range ids, times,
durations and counts are refused (4xx with ``error`` and ``suggestion``) before anything
is stored; a stored change always answers 2xx; the keep-alive connection survives every
refusal; bodies over 1 MB answer 413; an unknown message answers 404."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

import blackstart.api as bs
from blackstart.web import create_app
from tests.web._board import add_users, declare, login
from tests.web.conftest import serve


@pytest.fixture(scope="module")
def operator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, str]]:
    db = tmp_path_factory.mktemp("hardening") / "h.db"
    app = create_app(bs.example_path(), f"sqlite:///{db}")
    add_users(app)
    with serve(app) as client:
        yield client, login(client, "olga")


def _refused(r: httpx.Response, status: int = 422) -> dict[str, object]:
    assert r.status_code == status, r.text
    body: dict[str, object] = r.json()
    assert isinstance(body["error"], str) and body["error"]
    assert "suggestion" in body
    return body


def _connections(client: httpx.Client) -> int:
    """How many TCP connections the client opened so far (keep-alive kept = 1)."""
    pool = client._transport._pool  # type: ignore[attr-defined]
    return len(pool.connections)


def test_a_huge_estimate_is_refused_and_nothing_is_stored(
    operator: tuple[httpx.Client, str],
) -> None:
    client, csrf = operator
    h = {"x-csrf-token": csrf}
    b = declare(client, csrf, title="estimate")
    iid, task = b["incident"]["id"], b["tasks"][0]["id"]  # type: ignore[index]
    url = f"/api/incidents/{iid}"
    body = _refused(
        client.post(f"{url}/unplanned", json={"key": "typo", "estimate": "3000000d"}, headers=h)
    )
    assert "366" in str(body["error"]) + str(body["suggestion"])
    for estimate in ("1" + "0" * 400 + "d", "367d", "53w"):
        _refused(
            client.post(f"{url}/unplanned", json={"key": "t", "estimate": estimate}, headers=h)
        )
    board = client.get(url).json()
    assert board["incident"]["version"] == 1 and board["unplanned"] == []
    # the incident still works: a mark, a year-long task, then the close all answer 2xx
    ok = client.post(f"{url}/events", json={"task": task, "kind": "started"}, headers=h)
    assert ok.status_code == 201, ok.text
    ok = client.post(f"{url}/unplanned", json={"key": "long", "estimate": "365d"}, headers=h)
    assert ok.status_code == 201, ok.text
    ok = client.post(f"{url}/events", json={"task": task, "kind": "done"}, headers=h)
    assert ok.status_code == 201, ok.text
    closed = client.post(f"{url}/close", headers=h)
    assert closed.status_code == 200, closed.text
    assert closed.json()["incident"]["state"] == "closed"


@pytest.mark.parametrize("bad", [2**31, 2**63, 2**64 + 7, 0, -1])
def test_ids_out_of_range_are_422_on_every_incident_path(
    operator: tuple[httpx.Client, str], bad: int
) -> None:
    client, csrf = operator
    h = {"x-csrf-token": csrf}
    before = _connections(client)
    for path in (f"/api/incidents/{bad}", f"/api/incidents/{bad}/version"):
        _refused(client.get(path))
    _refused(
        client.post(f"/api/incidents/{bad}/events", json={"task": "x", "kind": "done"}, headers=h)
    )
    _refused(client.post(f"/api/incidents/1/messages/{bad}/publish", headers=h))
    _refused(client.post(f"/api/incidents/{bad}/close", headers=h))
    page = client.get(f"/incidents/{bad}")
    assert page.status_code == 422 and "<html" in page.text.lower()
    assert _connections(client) == before  # no refusal dropped the keep-alive connection


@pytest.mark.parametrize("year", ["0001", "1999", "2100", "9999"])
def test_years_out_of_range_are_refused_in_declare_failure_end_and_announce(
    operator: tuple[httpx.Client, str], year: str
) -> None:
    client, csrf = operator
    h = {"x-csrf-token": csrf}
    when = f"{year}-08-03T11:00"
    for field in ("start", "failure_end"):
        body = {"title": "t", "scenario": "colo-power-cut", field: when}
        _refused(client.post("/api/incidents", json=body, headers=h))
    _refused(
        client.post("/api/incidents", json={"title": "t", "start": when + "+14:00"}, headers=h)
    )
    b = declare(client, csrf, title=f"years {year}")
    url = f"/api/incidents/{b['incident']['id']}"  # type: ignore[index]
    _refused(client.post(f"{url}/failure-end", json={"at": when}, headers=h))
    _refused(client.post(f"{url}/announcements", json={"tier": "care", "eta": when}, headers=h))
    _refused(
        client.post(f"{url}/events", json={"task": "x", "kind": "done", "at": when}, headers=h)
    )
    assert client.get(url).json()["incident"]["version"] == 1


def test_a_drill_clock_cannot_be_pushed_past_the_range(operator: tuple[httpx.Client, str]) -> None:
    client, csrf = operator
    h = {"x-csrf-token": csrf}
    b = declare(client, csrf, title="drill", drill=True, clock="simulated")
    url = f"/api/incidents/{b['incident']['id']}/clock"  # type: ignore[index]
    for step in ("1000000000d", "367d", "9" * 30 + "w"):
        _refused(client.post(url, json={"advance": step}, headers=h))
    _refused(client.post(url, json={"sim_now": "9999-12-31T23:59"}, headers=h))
    r = client.post(url, json={"advance": "2h"}, headers=h)
    assert r.status_code == 200, r.text


def test_an_unknown_message_is_404_and_an_unknown_incident_too(
    operator: tuple[httpx.Client, str],
) -> None:
    client, csrf = operator
    h = {"x-csrf-token": csrf}
    b = declare(client, csrf, title="messages")
    iid = b["incident"]["id"]  # type: ignore[index]
    _refused(client.post(f"/api/incidents/{iid}/messages/987654/publish", headers=h), 404)
    _refused(client.post("/api/incidents/987654/messages", json={"body": "x"}, headers=h), 404)


def test_a_body_over_one_megabyte_is_413(operator: tuple[httpx.Client, str]) -> None:
    client, csrf = operator
    h = {"x-csrf-token": csrf, "content-type": "application/json"}
    big = b'{"title": "' + b"x" * 1_100_000 + b'"}'
    _refused(client.post("/api/incidents", content=big, headers=h), 413)

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer encoding
        yield big[:500_000]
        yield big[500_000:]

    _refused(client.post("/api/incidents", content=chunks(), headers=h), 413)
    # just under the limit is read whole (and refused for what it says, not its size)
    fine = b'{"title": "' + b"x" * 900_000 + b'"}'
    r = client.post("/api/incidents", content=fine, headers=h)
    assert r.status_code == 422 and "title" in r.json()["error"]
