"""SQLAlchemy 2 table definitions of the store (the migrations create the same schema).

Times are stored in UTC; SQLite drops the offset, so readers re-attach it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
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


class SweepRun(Base):
    """A risk sweep: its identity (model hash and parameters, hashed as ``key``), its
    parameters and how far it got. Rows of :class:`SweepResult` hang off it."""

    __tablename__ = "sweeps"
    __table_args__ = (UniqueConstraint("key", name="uq_sweeps_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    model_hash: Mapped[str] = mapped_column(String(128), nullable=False)
    model_name: Mapped[str] = mapped_column(String(200), nullable=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    scenarios: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SweepResult(Base):
    """One scenario of a sweep, computed: its key and its JSON row."""

    __tablename__ = "sweep_results"
    __table_args__ = (
        UniqueConstraint("sweep_id", "scenario_key", name="uq_sweep_results_scenario"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sweep_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("sweeps.id", ondelete="CASCADE"), nullable=False, index=True
    )
    scenario_key: Mapped[str] = mapped_column(String(600), nullable=False)
    care_hours_lost: Mapped[float] = mapped_column(Float, nullable=False)
    row: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
