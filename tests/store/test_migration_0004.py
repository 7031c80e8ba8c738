"""Migration 0004 on SQLite and PostgreSQL: a store at 0003 with audit entries already
written (the old way, without hashes) is upgraded; its entries are chained oldest first,
new ones continue the chain, the columns match the tables, and it downgrades back."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text

from blackstart.store import Base, open_store
from blackstart.store.incidents import IncidentStore
from blackstart.store.store import migrations_config

OLD_ROWS = [
    ("ada", "user.add", "user:olga", None, {"name": "olga", "role": "operator"}),
    ("olga", "incident.declare", "incident:1", None, {"title": "colo", "n": 1.5}),
    ("olga", "task.done", "incident:1", None, {"task": "san/restart", "comment": "é ✓"}),
]


def _at_0003_with_entries(url: str) -> None:
    engine = create_engine(url)
    command.upgrade(migrations_config(engine), "0003")
    with engine.begin() as conn:
        for i, (user, action, target, before, after) in enumerate(OLD_ROWS):
            conn.execute(
                text(
                    'INSERT INTO audit_log (at, "user", action, target, before, after) '
                    "VALUES (:at, :user, :action, :target, :before, :after)"
                ),
                {
                    "at": datetime(2024, 8, 3, 11, i, 30, 123456, tzinfo=UTC),
                    "user": user,
                    "action": action,
                    "target": target,
                    "before": json.dumps(before),
                    "after": json.dumps(after),
                },
            )
    engine.dispose()


def _expected_hashes() -> list[str]:
    """The chain recomputed here from the definition (an independent oracle): SHA-256 of
    the previous hash, a newline and the sorted compact JSON of the entry."""
    prev, out = "0" * 64, []
    for i, (user, action, target, before, after) in enumerate(OLD_ROWS):
        at = f"2024-08-03T11:{i:02d}:30.123456Z"
        content = json.dumps(
            [at, user, action, target, before, after],
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        prev = hashlib.sha256(f"{prev}\n{content}".encode()).hexdigest()
        out.append(prev)
    return out


def _check(url: str) -> None:
    _at_0003_with_entries(url)
    store = open_store(url)  # upgrades to head
    insp = inspect(store.engine)
    for table in ("users", "audit_log", "audit_head", "security_log"):
        assert {c["name"] for c in insp.get_columns(table)} == set(
            Base.metadata.tables[table].columns.keys()
        ), table
    with store.engine.connect() as conn:
        hashes = [r[0] for r in conn.execute(text("SELECT hash FROM audit_log ORDER BY id"))]
        assert conn.execute(text("SELECT disabled FROM users")).all() == []
    assert hashes == _expected_hashes()
    ist = IncidentStore(store)
    assert ist.verify_audit().to_dict() | {"problems": []} == {
        "ok": True,
        "entries": 3,
        "head": hashes[-1],
        "first_broken": None,
        "problems": [],
    }
    ist.record("cli", "user.passwd", "user:olga", None, {"sessions_ended": 0})
    verdict = ist.verify_audit()
    assert verdict.ok and verdict.entries == 4
    with store.engine.connect() as conn:
        prev = conn.execute(text("SELECT prev_hash FROM audit_log WHERE id = 4")).scalar()
    assert prev == hashes[-1]
    command.downgrade(migrations_config(store.engine), "0003")
    assert "audit_head" not in inspect(store.engine).get_table_names()
    store.close()


def test_migration_0004_on_sqlite(tmp_path: Path) -> None:
    _check(f"sqlite:///{tmp_path / 'm.db'}")


def test_migration_0004_on_postgresql(postgres_url: str) -> None:
    _check(postgres_url)
