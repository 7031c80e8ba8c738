"""The security log's aggregation and the audit log's pages and filters, on SQLite and
PostgreSQL: counts per (kind, subject, address) within an hour, a new row after it;
audit pages newest first with no entry lost or repeated, prefix filters that treat
``%`` and ``_`` literally."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from blackstart.store import open_store
from blackstart.store.incidents import IncidentStore
from blackstart.store.security_log import UNKNOWN, SecurityLog
from blackstart.store.users import AuditFilter

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _check(url: str) -> None:
    store = open_store(url)
    log = SecurityLog(store)
    for minute in range(0, 50, 10):  # 5 failures within the hour: one row
        log.note("login.failed", UNKNOWN, "192.0.2.1", at=T0 + timedelta(minutes=minute))
    log.note("login.failed", UNKNOWN, "192.0.2.1", at=T0 + timedelta(minutes=70))  # new hour
    log.note("login.failed", "ada", "192.0.2.1", at=T0 + timedelta(minutes=5))
    log.note_many(
        {
            ("login.busy", UNKNOWN, "192.0.2.2"): (40, T0, T0 + timedelta(seconds=1)),
            ("login.failed", UNKNOWN, "192.0.2.1"): (3, T0, T0 + timedelta(minutes=71)),
        }
    )
    rows = log.entries(kind="login.failed", subject=UNKNOWN)
    assert [(r.count, r.first_at, r.last_at) for r in rows] == [
        (1 + 3, T0 + timedelta(minutes=70), T0 + timedelta(minutes=71)),
        (5, T0, T0 + timedelta(minutes=40)),
    ]
    assert [r.count for r in log.entries(kind="login.busy")] == [40]
    assert [r.count for r in log.entries(subject="ada")] == [1]

    ist = IncidentStore(store)
    for i in range(25):
        ist.record(
            "u" if i % 2 else "v", "task.done" if i % 5 else "x_%", f"incident:{i}", None, None
        )
    seen: list[int] = []
    before = None
    while True:
        page = ist.audit_page(AuditFilter(limit=10, before=before))
        if not page:
            break
        seen += [r.id for r in page]
        before = page[-1].id
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == 25
    assert len(ist.audit_page(AuditFilter(user="u"))) == 12
    assert len(ist.audit_page(AuditFilter(action="task."))) == 20
    assert len(ist.audit_page(AuditFilter(action="x_%"))) == 5
    assert ist.audit_page(AuditFilter(action="x%")) == []  # % is a character, not a wildcard
    assert len(ist.audit_page(AuditFilter(target="incident:1"))) == 11  # 1, 10 … 19
    assert ist.audit_page(AuditFilter(since=datetime.now(UTC) + timedelta(days=1))) == []
    assert ist.verify_audit().ok
    store.close()


def test_on_sqlite(tmp_path: Path) -> None:
    _check(f"sqlite:///{tmp_path / 's.db'}")


def test_on_postgresql(postgres_url: str) -> None:
    _check(postgres_url)
