"""Rows of the incident store as frozen dataclasses, detached from any session, and the
UTC helpers the queries share. Times are aware (UTC as stored)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from blackstart.store.incident_tables import Incident


def _aware(when: datetime | None) -> datetime | None:
    if when is None:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _a(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def now() -> datetime:
    """The current UTC time."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class UserRow:
    id: int
    name: str
    role: str
    password_hash: str
    disabled: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "disabled": self.disabled}


@dataclass(frozen=True)
class IncidentRow:
    id: int
    title: str
    scenario: str | None
    fail: tuple[str, ...]
    start_at: datetime
    failure_end_at: datetime | None
    drill: bool
    clock: str
    sim_now: datetime | None
    state: str
    closed_at: datetime | None
    model_hash: str
    plan: dict[str, Any]
    review: dict[str, Any] | None
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime
    public_eta: str = "live"

    def summary(self) -> dict[str, Any]:
        """Everything but the plan and review."""
        return {
            "id": self.id,
            "title": self.title,
            "scenario": self.scenario,
            "fail": list(self.fail),
            "start_at": self.start_at.isoformat(),
            "failure_end_at": self.failure_end_at.isoformat() if self.failure_end_at else None,
            "drill": self.drill,
            "clock": self.clock,
            "sim_now": self.sim_now.isoformat() if self.sim_now else None,
            "state": self.state,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "model_hash": self.model_hash,
            "version": self.version,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "public_eta": self.public_eta,
        }


def _incident(r: Incident) -> IncidentRow:
    return IncidentRow(
        r.id,
        r.title,
        r.scenario,
        tuple(str(x) for x in r.fail),
        _a(r.start_at),
        _aware(r.failure_end_at),
        bool(r.drill),
        r.clock,
        _aware(r.sim_now),
        r.state,
        _aware(r.closed_at),
        r.model_hash,
        dict(r.plan),
        r.review,
        r.version,
        r.created_by,
        _a(r.created_at),
        _a(r.updated_at),
        r.public_eta or "live",
    )


@dataclass(frozen=True)
class EventRow:
    id: int
    task: str
    kind: str
    at: datetime
    user: str
    comment: str
    recorded_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "task": self.task,
            "kind": self.kind,
            "at": self.at.isoformat(),
            "user": self.user,
            "comment": self.comment,
            "recorded_at": self.recorded_at.isoformat(),
        }


@dataclass(frozen=True)
class UnplannedRow:
    key: str
    description: str
    estimate_s: int
    after: tuple[str, ...]
    blocks: tuple[str, ...]
    created_by: str
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "description": self.description,
            "estimate_s": self.estimate_s,
            "after": list(self.after),
            "blocks": list(self.blocks),
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class ForecastRow:
    id: int
    incident_version: int
    as_of: datetime
    computed_at: datetime
    payload: dict[str, Any]


@dataclass(frozen=True)
class AnnouncementRow:
    tier: str
    eta: datetime
    announced_at: datetime
    user: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "eta": self.eta.isoformat(),
            "announced_at": self.announced_at.isoformat(),
            "user": self.user,
        }


@dataclass(frozen=True)
class MessageRow:
    id: int
    body: str
    state: str
    created_by: str
    created_at: datetime
    published_by: str | None
    published_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "body": self.body,
            "state": self.state,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "published_by": self.published_by,
            "published_at": self.published_at.isoformat() if self.published_at else None,
        }


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    user: str
    action: str
    target: str
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "user": self.user,
            "action": self.action,
            "target": self.target,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True)
class Snapshot:
    """An incident and everything recorded on it, read together."""

    incident: IncidentRow
    events: list[EventRow] = field(default_factory=list)
    unplanned: list[UnplannedRow] = field(default_factory=list)
    announcements: list[AnnouncementRow] = field(default_factory=list)
    messages: list[MessageRow] = field(default_factory=list)
