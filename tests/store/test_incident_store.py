"""The incident tables on SQLite and PostgreSQL: migration 0003, times that keep their
instant whatever their offset, and optimistic concurrency at the store level."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect

from blackstart.store import Base, open_store
from blackstart.store.incidents import Conflict, IncidentStore

PARIS_SUMMER = timezone(timedelta(hours=2))


def _check(url: str) -> None:
    store = open_store(url)
    insp = inspect(store.engine)
    for table in (
        "users",
        "sessions",
        "incidents",
        "task_events",
        "unplanned_tasks",
        "forecasts",
        "announcements",
        "status_messages",
        "audit_log",
    ):
        assert {c["name"] for c in insp.get_columns(table)} == set(
            Base.metadata.tables[table].columns.keys()
        )
    ist = IncidentStore(store)
    start = datetime(2024, 8, 3, 11, 0, tzinfo=PARIS_SUMMER)
    row = ist.create_incident(
        by="t",
        title="t",
        scenario="s",
        fail=[],
        start_at=start,
        failure_end_at=None,
        drill=False,
        clock="real",
        sim_now=None,
        model_hash="h",
        plan={"tasks": []},
    )
    again = ist.incident(row.id)
    assert again is not None and again.start_at == start  # the same instant
    assert again.start_at.utcoffset() == timedelta(0)
    v = ist.add_event(row.id, task="a/restart", kind="done", at=start, user="u", comment="")
    assert v == 2
    with pytest.raises(Conflict):
        ist.add_event(
            row.id, task="a/verify", kind="done", at=start, user="u", comment="", expected_version=1
        )
    snap = ist.snapshot(row.id)
    assert snap is not None and [e.task for e in snap.events] == ["a/restart"]
    assert snap.events[0].at == start
    store.close()


def test_incident_tables_on_sqlite(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    _check(f"sqlite:///{tmp_path / 'i.db'}")


def test_incident_tables_on_postgresql(postgres_url: str) -> None:
    _check(postgres_url)
