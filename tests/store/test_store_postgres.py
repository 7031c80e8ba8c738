"""The same store on a real PostgreSQL server started by the tests (``tests/postgres.py``)."""

from __future__ import annotations

import pytest
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from blackstart.store import Base, StoreError, open_store


def test_migrations_on_postgresql_create_every_table(postgres_url: str) -> None:
    store = open_store(postgres_url)
    insp = inspect(store.engine)
    for table in Base.metadata.sorted_tables:
        assert {c["name"] for c in insp.get_columns(table.name)} == set(table.columns.keys())
    store.close()
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() is not None
    engine.dispose()


def test_rows_persist_across_reopen_on_postgresql(postgres_url: str) -> None:
    store = open_store(postgres_url)
    store.record_model("h1", "model one")
    store.save_what_if("colo down", ["site:colo"], "3h30m", model_hash="h1")
    store.close()
    store = open_store(postgres_url)
    [row] = store.saved_what_ifs()
    assert (row.name, row.fail, row.duration) == ("colo down", ("site:colo",), "3h30m")
    assert row.created_at.tzinfo is not None
    with pytest.raises(StoreError, match="already saved"):
        store.save_what_if("colo down", ["site:other"], None, model_hash="h1")
    assert store.path is None
    store.close()
