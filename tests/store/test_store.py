"""The store on a real SQLite file: migrations create the schema, rows persist."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from blackstart.store import Base, StoreError, open_store
from blackstart.store.store import migrations_config


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def test_migration_creates_the_tables(tmp_path: Path) -> None:
    store = open_store(_url(tmp_path / "s.db"))
    store.close()
    engine = create_engine(_url(tmp_path / "s.db"))
    insp = inspect(engine)
    assert set(insp.get_table_names()) >= {
        "model_versions",
        "saved_what_ifs",
        "sweeps",
        "sweep_results",
        "alembic_version",
    }
    cols = {c["name"] for c in insp.get_columns("saved_what_ifs")}
    assert cols >= {"name", "fail", "duration", "created_at"}
    cols = {c["name"] for c in insp.get_columns("model_versions")}
    assert cols >= {"hash", "name", "loaded_at"}
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    head = ScriptDirectory.from_config(migrations_config(engine)).get_current_head()
    assert current == head and head is not None and head >= "0002"
    engine.dispose()


def test_migrations_match_the_models(tmp_path: Path) -> None:
    """The migrated schema has exactly the models' tables and columns."""
    store = open_store(_url(tmp_path / "s.db"))
    insp = inspect(store.engine)
    for table in Base.metadata.sorted_tables:
        assert {c["name"] for c in insp.get_columns(table.name)} == set(table.columns.keys())
    store.close()


def test_migrate_twice_is_harmless_and_rows_persist(tmp_path: Path) -> None:
    url = _url(tmp_path / "sub" / "s.db")
    store = open_store(url)
    first = store.record_model("h1", "model one")
    store.save_what_if("a", ["site:x"], "2d", model_hash="h1")
    store.close()
    store = open_store(url)
    assert store.record_model("h1", "model one").loaded_at == first.loaded_at
    store.record_model("h2", "model one")
    assert [v.hash for v in store.model_versions()] == ["h1", "h2"]
    [row] = store.saved_what_ifs()
    assert (row.name, row.fail, row.duration, row.model_hash) == ("a", ("site:x",), "2d", "h1")
    assert row.created_at.tzinfo is not None
    assert store.saved_what_if("b") is None
    with pytest.raises(StoreError, match="already saved"):
        store.save_what_if("a", ["site:y"], None, model_hash="h1")
    assert store.path == str(tmp_path / "sub" / "s.db")
    store.close()


def test_bad_url_is_a_store_error() -> None:
    with pytest.raises(StoreError):
        open_store("nonsense://")


def test_a_plain_path_is_a_sqlite_file(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "dir" / "plain.db"))
    store.record_model("h1", "model one")
    assert store.path == str(tmp_path / "dir" / "plain.db")
    assert (tmp_path / "dir" / "plain.db").stat().st_size > 0
    store.close()
