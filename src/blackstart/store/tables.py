"""SQLAlchemy 2 table definitions of the store (the migrations create the same schema).

Times are stored in UTC; SQLite drops the offset, so readers re-attach it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of every store table."""


class ModelVersion(Base):
    """A distinct model (by content hash) the dashboard has served, first load time."""

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("hash", name="uq_model_versions_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hash: Mapped[str] = mapped_column(String(128), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class SavedWhatIf(Base):
    """A what-if saved under a name: the failed references and the failure duration."""

    __tablename__ = "saved_what_ifs"
    __table_args__ = (UniqueConstraint("name", name="uq_saved_what_ifs_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    fail: Mapped[list[Any]] = mapped_column(JSON, nullable=False)
    duration: Mapped[str | None] = mapped_column(String(64), nullable=True)
    model_hash: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
