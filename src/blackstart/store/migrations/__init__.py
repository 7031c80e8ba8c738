"""Alembic migrations of the store (applied by :func:`blackstart.store.open_store`)."""
