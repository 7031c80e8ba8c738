"""No lost updates: truly concurrent operators (threads, each with its own connection and
session) against the live server, on SQLite and on PostgreSQL.

- Changes that do not name a version are all kept: N concurrent events → N events
  stored, the version bumped exactly N times, one audit entry each.
- Changes that name the version they saw: exactly one wins, the others get 409 and
  nothing of theirs is stored.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

import blackstart.api as bs
from blackstart.web import create_app
from tests.web._board import add_users, declare, login
from tests.web.conftest import serve

THREADS = 8


def _race(n: int, work: Callable[[int], httpx.Response]) -> list[httpx.Response]:
    """Run ``work(i)`` in ``n`` threads released together."""
    barrier = threading.Barrier(n)
    results: list[httpx.Response | None] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def _check_no_lost_update(url: str) -> None:
    app = create_app(bs.example_path(), url)
    add_users(app)
    with serve(app) as client:
        base = str(client.base_url)
        csrf = login(client, "olga")
        b = declare(client, csrf, title="race")
        iid = b["incident"]["id"]
        tasks = [t["id"] for t in b["tasks"][: 2 * THREADS]]
        cookies = dict(client.cookies)

        def post(body: dict[str, object]) -> httpx.Response:
            with httpx.Client(base_url=base, cookies=cookies, timeout=120) as c:
                return c.post(
                    f"/api/incidents/{iid}/events", json=body, headers={"x-csrf-token": csrf}
                )

        # 1. no version named: every change kept
        done = _race(
            THREADS, lambda i: post({"task": tasks[i], "kind": "done", "comment": f"op{i}"})
        )
        assert [r.status_code for r in done] == [201] * THREADS, [r.text for r in done]
        assert sorted(r.json()["version"] for r in done) == list(range(2, THREADS + 2))
        board = client.get(f"/api/incidents/{iid}").json()
        assert board["incident"]["version"] == 1 + THREADS
        assert sorted(e["comment"] for e in board["events"]) == sorted(
            f"op{i}" for i in range(THREADS)
        )
        # 2. all name the same version: exactly one wins
        seen = board["incident"]["version"]
        raced = _race(
            THREADS,
            lambda i: post(
                {"task": tasks[THREADS + i], "kind": "started", "expected_version": seen}
            ),
        )
        codes = sorted(r.status_code for r in raced)
        assert codes == [201] + [409] * (THREADS - 1), [r.text for r in raced]
        after = client.get(f"/api/incidents/{iid}").json()
        assert after["incident"]["version"] == seen + 1
        assert len(after["events"]) == THREADS + 1
        login(client, "ada")
        audit = [
            r for r in client.get("/api/admin/audit").json() if r["target"] == f"incident:{iid}"
        ]
        assert len(audit) == 1 + THREADS + 1  # declare, N events, the one winner


def test_no_lost_update_on_sqlite(tmp_path: Path) -> None:
    _check_no_lost_update(f"sqlite:///{tmp_path / 'race.db'}")


def test_no_lost_update_on_postgresql(postgres_url: str) -> None:
    _check_no_lost_update(postgres_url)


@pytest.mark.parametrize("verb", ["UPDATE audit_log SET user = 'x'", "DELETE FROM audit_log"])
def test_the_audit_log_refuses_update_and_delete_on_sqlite(tmp_path: Path, verb: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    from blackstart.store import open_store
    from blackstart.store.incidents import IncidentStore

    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    IncidentStore(store).record("ada", "login", "user:ada", None, {"from": "here"})
    with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text(verb))
    assert len(IncidentStore(store).audit_log()) == 1
    store.close()


@pytest.mark.parametrize(
    "verb",
    ["UPDATE audit_log SET \"user\" = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"],
)
def test_the_audit_log_refuses_update_and_delete_on_postgresql(
    postgres_url: str, verb: str
) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    from blackstart.store import open_store
    from blackstart.store.incidents import IncidentStore

    store = open_store(postgres_url)
    IncidentStore(store).record("ada", "login", "user:ada", None, {"from": "here"})
    with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text(verb))
    assert len(IncidentStore(store).audit_log()) == 1
    store.close()
