"""SQLAlchemy 2 tables of live incidents, users, sessions and the audit log (migration 0003
creates the same schema).

An incident row carries a ``version`` bumped by every change to it (optimistic
concurrency: see :mod:`blackstart.store.incidents`). Task events, forecasts, announced
ETAs and status messages are rows of their own, appended, never rewritten (a status
message's draft → published step is the one update). ``audit_log`` is append-only: the
store has no update or delete path for it, and a trigger refuses both on SQLite and
PostgreSQL; since migration 0004 it is also a hash chain (:mod:`.audit_chain`), and
failed logins go to ``security_log`` instead. Times are UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from blackstart.store.tables import Base


class UtcDateTime(TypeDecorator[datetime]):
    """An aware time stored in UTC (SQLite keeps no offset: a time at +02:00 would come
    back two hours off) and read back aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a naive time cannot be stored: give its offset")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class User(Base):
    """A person who may log in: a role (viewer, operator, admin) and an argon2 hash."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("name", name="uq_users_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(300), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    disabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    """A disabled user cannot log in and has no session (migration 0004)."""


class LoginSession(Base):
    """A logged-in browser: the SHA-256 of its cookie token, its CSRF token, its expiry."""

    __tablename__ = "sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    csrf: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class Incident(Base):
    """A live recovery (or a drill): what failed, when, its stored plan, its version."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    scenario: Mapped[str | None] = mapped_column(String(200), nullable=True)
    fail: Mapped[list[Any]] = mapped_column(JSON, nullable=False)
    start_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    failure_end_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """When power or the provider came back (``None``: the scenario's duration)."""
    drill: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    clock: Mapped[str] = mapped_column(String(20), nullable=False, default="real")
    sim_now: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """Current time of a simulated clock."""
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="open")
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    model_hash: Mapped[str] = mapped_column(String(128), nullable=False)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    review: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    public_eta: Mapped[str] = mapped_column(
        String(20), nullable=False, default="live", server_default="live"
    )
    """What ``/status`` shows while a function is down: ``live`` (the latest forecast's
    P50–P80) or ``announced`` (the ETA a person announced for its tier)."""


class TaskEvent(Base):
    """A task marked started, done or verified (who, when on the incident's clock, why)."""

    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), nullable=False)
    task: Mapped[str] = mapped_column(String(300), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    user: Mapped[str] = mapped_column(String(100), nullable=False)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class UnplannedTask(Base):
    """A task the plan did not have, added during the incident, with its dependencies."""

    __tablename__ = "unplanned_tasks"
    __table_args__ = (UniqueConstraint("incident_id", "key", name="uq_unplanned_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), nullable=False)
    key: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    estimate_s: Mapped[int] = mapped_column(Integer, nullable=False)
    after: Mapped[list[Any]] = mapped_column(JSON, nullable=False)
    blocks: Mapped[list[Any]] = mapped_column(JSON, nullable=False)
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class ForecastRecord(Base):
    """One re-forecast of an incident: as of when, for which incident version, P50/P80/P95
    per tier, for everything and per function."""

    __tablename__ = "forecasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), nullable=False)
    incident_version: Mapped[int] = mapped_column(Integer, nullable=False)
    as_of: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)


class Announcement(Base):
    """An ETA announced to staff or the public, for a tier or for everything."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), nullable=False)
    tier: Mapped[str] = mapped_column(String(30), nullable=False)
    eta: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    announced_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    user: Mapped[str] = mapped_column(String(100), nullable=False)


class StatusMessage(Base):
    """A status message: drafted on the board, then published on ``/status``."""

    __tablename__ = "status_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="draft")
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    published_by: Mapped[str | None] = mapped_column(String(100))
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AuditEntry(Base):
    """One change: who, what, on what, when, the state before and after. Append-only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    user: Mapped[str] = mapped_column(String(100), nullable=False)
    action: Mapped[str] = mapped_column(String(100), nullable=False)
    target: Mapped[str] = mapped_column(String(300), nullable=False)
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The hash of the entry before (migration 0004: see :mod:`.audit_chain`)."""
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuditHead(Base):
    """The one row saying how many audit entries there are and the last one's hash."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entries: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class SecurityEvent(Base):
    """Failed logins and refusals, aggregated: one row per (kind, subject, address) and
    hour, with a count, kept apart from the audit log so a flood cannot bury it."""

    __tablename__ = "security_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(50), nullable=False)
    subject: Mapped[str] = mapped_column(String(100), nullable=False)
    address: Mapped[str] = mapped_column(String(100), nullable=False)
    first_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    last_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
