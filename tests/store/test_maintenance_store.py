"""Maintenance windows in the store (migration 0008), on SQLite and on a real PostgreSQL:
a window round-trips with its times in UTC and its forecast, cancelling is recorded once
and audited, the ``since`` bound and the live-only listing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from blackstart.store import StoreError, open_store
from blackstart.store import maintenance as rows
from blackstart.store.incidents import IncidentStore

PARIS = timezone(timedelta(hours=1))


def _check(url: str) -> None:
    store = open_store(url)
    try:
        start = datetime(2026, 12, 5, 22, 0, tzinfo=PARIS)
        fc = {"all": {"p50": "2026-12-07T10:00+01:00"}, "functions": []}
        a = rows.add(
            store,
            name="Onduleurs",
            message="m",
            scenario="s",
            start=start,
            end=start + timedelta(hours=4),
            forecast=fc,
            user="olga",
        )
        b = rows.add(
            store,
            name="Old",
            message="",
            scenario="s",
            start=start - timedelta(days=200),
            end=start - timedelta(days=200) + timedelta(hours=1),
            forecast=fc,
            user="olga",
        )
        got = rows.get(store, a.id)
        assert got is not None and got.start_at == start and got.start_at.tzinfo is not None
        assert got.end_at - got.start_at == timedelta(hours=4) and got.forecast == fc
        assert [r.id for r in rows.all_windows(store)] == [b.id, a.id]  # soonest first
        since = start - timedelta(days=1)
        assert [r.id for r in rows.all_windows(store, since=since)] == [a.id]
        cancelled = rows.cancel(store, a.id, user="ada")
        assert cancelled.cancelled_by == "ada" and cancelled.cancelled_at is not None
        with pytest.raises(StoreError, match="already cancelled"):
            rows.cancel(store, a.id, user="ada")
        with pytest.raises(StoreError, match="no maintenance window 999"):
            rows.cancel(store, 999, user="ada")
        assert [r.id for r in rows.all_windows(store, cancelled=False)] == [b.id]
        audit = IncidentStore(store).audit_log()
        actions = [(e.action, e.target, e.user) for e in audit if e.target.startswith("maint")]
        assert actions == [
            ("maintenance.cancel", f"maintenance:{a.id}", "ada"),
            ("maintenance.declare", f"maintenance:{b.id}", "olga"),
            ("maintenance.declare", f"maintenance:{a.id}", "olga"),
        ]
    finally:
        store.close()


def test_maintenance_on_sqlite(tmp_path: Path) -> None:
    _check(f"sqlite:///{tmp_path / 'm.db'}")


def test_maintenance_on_postgresql(postgres_url: str) -> None:
    _check(postgres_url)
