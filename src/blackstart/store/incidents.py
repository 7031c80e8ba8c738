"""Queries of live incidents, users, sessions and the audit log.

Every change to an incident goes through :meth:`IncidentStore.change`: in one transaction
it bumps the incident's ``version`` with ``UPDATE … WHERE version = v`` (optimistic
concurrency), appends its rows and one audit entry. When another change got there first
the update matches no row: a change that named the version it saw (``expected_version``)
is refused with :class:`Conflict` (HTTP 409); one that did not is retried on the new
version, since appending an event commutes with any other change. Nothing is
acknowledged before its transaction commits, so a killed server loses nothing
acknowledged. Does not know about HTTP, passwords or models.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from blackstart.store.incident_tables import (
    Announcement,
    AuditEntry,
    ForecastRecord,
    Incident,
    LoginSession,
    StatusMessage,
    TaskEvent,
    UnplannedTask,
    User,
)
from blackstart.store.store import Store, StoreError

ROLES = ("viewer", "operator", "admin")
EVENT_KINDS = ("started", "done", "verified")
RETRIES = 50


class Conflict(StoreError):
    """The incident changed since the version the caller saw (HTTP 409)."""


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

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role}


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


Change = Callable[[Session, Incident], tuple[Any, Any]]
"""Adds the change's rows to the session; returns (before, after) for the audit log."""


class IncidentStore:
    """Incidents, users, sessions and the audit log on a :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # ------------------------------------------------------------------ audit

    @staticmethod
    def _audit(s: Session, user: str, action: str, target: str, before: Any, after: Any) -> None:
        s.add(
            AuditEntry(
                at=now(), user=user, action=action, target=target, before=before, after=after
            )
        )

    def audit_log(self, *, limit: int = 500) -> list[AuditRow]:
        """The newest ``limit`` audit entries, newest first."""
        with self.store.session() as s:
            rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
            return [
                AuditRow(r.id, _a(r.at), r.user, r.action, r.target, r.before, r.after)
                for r in rows
            ]

    def record(self, user: str, action: str, target: str, before: Any, after: Any) -> None:
        """Append an audit entry outside any incident change (login, user added, …)."""
        with self.store.session() as s, s.begin():
            self._audit(s, user, action, target, before, after)

    # ------------------------------------------------------------------ users

    def has_users(self) -> bool:
        with self.store.session() as s:
            return bool(s.scalar(select(func.count()).select_from(User)))

    def add_user(self, name: str, role: str, password_hash: str, *, by: str) -> UserRow:
        """A new user; :class:`StoreError` if the name is taken."""
        if role not in ROLES:
            raise StoreError(f"unknown role '{role}'", suggestion="one of " + ", ".join(ROLES))
        row = User(name=name, role=role, password_hash=password_hash, created_at=now())
        try:
            with self.store.session() as s, s.begin():
                s.add(row)
                s.flush()
                self._audit(s, by, "user.add", f"user:{name}", None, {"name": name, "role": role})
        except IntegrityError:
            raise StoreError(
                f"a user named '{name}' exists", suggestion="choose another name"
            ) from None
        return UserRow(row.id, name, role, password_hash)

    def user(self, name: str) -> UserRow | None:
        with self.store.session() as s:
            r = s.scalars(select(User).where(User.name == name)).first()
            return None if r is None else UserRow(r.id, r.name, r.role, r.password_hash)

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Store a re-hashed password (argon2 parameters upgraded)."""
        with self.store.session() as s, s.begin():
            s.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))

    # ------------------------------------------------------------------ sessions

    def open_session(self, token_hash: str, user_id: int, csrf: str, expires_at: datetime) -> None:
        with self.store.session() as s, s.begin():
            s.add(
                LoginSession(
                    token_hash=token_hash,
                    user_id=user_id,
                    csrf=csrf,
                    created_at=now(),
                    expires_at=expires_at,
                )
            )

    def session_user(self, token_hash: str) -> tuple[UserRow, str] | None:
        """The user and CSRF token of a live session, or ``None``."""
        with self.store.session() as s:
            found = s.execute(
                select(LoginSession, User)
                .join(User, User.id == LoginSession.user_id)
                .where(LoginSession.token_hash == token_hash)
            ).first()
            if found is None:
                return None
            sess, u = found
            if _a(sess.expires_at) <= now():
                return None
            return UserRow(u.id, u.name, u.role, u.password_hash), sess.csrf

    def close_session(self, token_hash: str) -> None:
        with self.store.session() as s, s.begin():
            row = s.get(LoginSession, token_hash)
            if row is not None:
                s.delete(row)

    # ------------------------------------------------------------------ incidents

    def create_incident(self, *, by: str, **values: Any) -> IncidentRow:
        t = now()
        row = Incident(version=1, created_by=by, created_at=t, updated_at=t, state="open", **values)
        with self.store.session() as s, s.begin():
            s.add(row)
            s.flush()
            summary = _incident(row).summary()
            self._audit(s, by, "incident.declare", f"incident:{row.id}", None, summary)
        return _incident(row)

    def incident(self, incident_id: int) -> IncidentRow | None:
        with self.store.session() as s:
            r = s.get(Incident, incident_id)
            return None if r is None else _incident(r)

    def incidents(self) -> list[IncidentRow]:
        with self.store.session() as s:
            return [_incident(r) for r in s.scalars(select(Incident).order_by(Incident.id.desc()))]

    def snapshot(self, incident_id: int) -> Snapshot | None:
        """The incident and its events, unplanned tasks, announcements and messages."""
        with self.store.session() as s, s.begin():
            r = s.get(Incident, incident_id)
            if r is None:
                return None
            events = [
                EventRow(e.id, e.task, e.kind, _a(e.at), e.user, e.comment, _a(e.recorded_at))
                for e in s.scalars(
                    select(TaskEvent)
                    .where(TaskEvent.incident_id == incident_id)
                    .order_by(TaskEvent.id)
                )
            ]
            unplanned = [
                UnplannedRow(
                    u.key,
                    u.description,
                    u.estimate_s,
                    tuple(u.after),
                    tuple(u.blocks),
                    u.created_by,
                    _a(u.created_at),
                )
                for u in s.scalars(
                    select(UnplannedTask)
                    .where(UnplannedTask.incident_id == incident_id)
                    .order_by(UnplannedTask.id)
                )
            ]
            announcements = [
                AnnouncementRow(a.tier, _a(a.eta), _a(a.announced_at), a.user)
                for a in s.scalars(
                    select(Announcement)
                    .where(Announcement.incident_id == incident_id)
                    .order_by(Announcement.id)
                )
            ]
            messages = [
                MessageRow(
                    m.id,
                    m.body,
                    m.state,
                    m.created_by,
                    _a(m.created_at),
                    m.published_by,
                    _aware(m.published_at),
                )
                for m in s.scalars(
                    select(StatusMessage)
                    .where(StatusMessage.incident_id == incident_id)
                    .order_by(StatusMessage.id)
                )
            ]
            return Snapshot(_incident(r), events, unplanned, announcements, messages)

    def change(
        self,
        incident_id: int,
        user: str,
        action: str,
        apply: Change,
        *,
        expected_version: int | None = None,
    ) -> int:
        """Apply one change under optimistic concurrency; return the new version.

        :class:`Conflict` if ``expected_version`` is given and stale, or if the incident is
        closed; ``StoreError`` if it does not exist.
        """
        for _ in range(RETRIES):
            with self.store.session() as s:
                current = s.scalar(select(Incident.version).where(Incident.id == incident_id))
            if current is None:
                raise StoreError(f"no incident {incident_id}")
            if expected_version is not None and current != expected_version:
                raise Conflict(
                    f"incident {incident_id} changed (version {current}, you saw "
                    f"{expected_version})",
                    suggestion="reload the board and try again",
                )
            with self.store.session() as s, s.begin():
                done = s.execute(
                    update(Incident)
                    .where(Incident.id == incident_id, Incident.version == current)
                    .values(version=current + 1, updated_at=now())
                )
                if getattr(done, "rowcount", 0) != 1:
                    s.rollback()
                    if expected_version is not None:
                        raise Conflict(
                            f"incident {incident_id} changed while you saved",
                            suggestion="reload the board and try again",
                        )
                    continue
                row = s.get(Incident, incident_id)
                assert row is not None
                if row.state == "closed":
                    s.rollback()
                    raise Conflict(
                        f"incident {incident_id} is closed",
                        suggestion="a closed incident cannot change",
                    )
                before, after = apply(s, row)
                self._audit(s, user, action, f"incident:{incident_id}", before, after)
                return current + 1
        raise Conflict(
            f"incident {incident_id}: too many concurrent changes", suggestion="try again"
        )

    def add_event(
        self,
        incident_id: int,
        *,
        task: str,
        kind: str,
        at: datetime,
        user: str,
        comment: str,
        expected_version: int | None = None,
    ) -> int:
        """Record a task started, done or verified."""
        if kind not in EVENT_KINDS:
            raise StoreError(f"unknown event '{kind}'", suggestion=", ".join(EVENT_KINDS))

        def apply(s: Session, _row: Incident) -> tuple[Any, Any]:
            s.add(
                TaskEvent(
                    incident_id=incident_id,
                    task=task,
                    kind=kind,
                    at=at,
                    user=user,
                    comment=comment,
                    recorded_at=now(),
                )
            )
            return None, {"task": task, "kind": kind, "at": at.isoformat(), "comment": comment}

        return self.change(
            incident_id, user, f"task.{kind}", apply, expected_version=expected_version
        )

    def add_unplanned(
        self,
        incident_id: int,
        *,
        key: str,
        description: str,
        estimate_s: int,
        after: list[str],
        blocks: list[str],
        user: str,
        expected_version: int | None = None,
    ) -> int:
        """Add a task the plan did not have."""

        def apply(s: Session, _row: Incident) -> tuple[Any, Any]:
            taken = s.scalar(
                select(UnplannedTask.id).where(
                    UnplannedTask.incident_id == incident_id, UnplannedTask.key == key
                )
            )
            if taken is not None:
                raise StoreError(f"an unplanned task '{key}' exists", suggestion="choose another")
            s.add(
                UnplannedTask(
                    incident_id=incident_id,
                    key=key,
                    description=description,
                    estimate_s=estimate_s,
                    after=after,
                    blocks=blocks,
                    created_by=user,
                    created_at=now(),
                )
            )
            return None, {
                "key": key,
                "description": description,
                "estimate_s": estimate_s,
                "after": after,
                "blocks": blocks,
            }

        return self.change(
            incident_id, user, "task.add-unplanned", apply, expected_version=expected_version
        )

    def announce(
        self,
        incident_id: int,
        *,
        tier: str,
        eta: datetime,
        user: str,
        expected_version: int | None = None,
    ) -> int:
        def apply(s: Session, _row: Incident) -> tuple[Any, Any]:
            s.add(
                Announcement(
                    incident_id=incident_id, tier=tier, eta=eta, announced_at=now(), user=user
                )
            )
            return None, {"tier": tier, "eta": eta.isoformat()}

        return self.change(
            incident_id, user, "eta.announce", apply, expected_version=expected_version
        )

    def draft_message(
        self, incident_id: int, *, body: str, user: str, expected_version: int | None = None
    ) -> int:
        def apply(s: Session, _row: Incident) -> tuple[Any, Any]:
            s.add(
                StatusMessage(
                    incident_id=incident_id,
                    body=body,
                    state="draft",
                    created_by=user,
                    created_at=now(),
                )
            )
            return None, {"body": body, "state": "draft"}

        return self.change(
            incident_id, user, "status.draft", apply, expected_version=expected_version
        )

    def publish_message(
        self, incident_id: int, message_id: int, *, user: str, expected_version: int | None = None
    ) -> int:
        def apply(s: Session, _row: Incident) -> tuple[Any, Any]:
            m = s.get(StatusMessage, message_id)
            if m is None or m.incident_id != incident_id:
                raise StoreError(f"no status message {message_id} on incident {incident_id}")
            if m.state == "published":
                raise Conflict(f"status message {message_id} is already published")
            before = {"id": m.id, "body": m.body, "state": m.state}
            m.state, m.published_by, m.published_at = "published", user, now()
            return before, {"id": m.id, "body": m.body, "state": m.state}

        return self.change(
            incident_id, user, "status.publish", apply, expected_version=expected_version
        )

    def set_clock(
        self, incident_id: int, sim_now: datetime, *, user: str, expected_version: int | None = None
    ) -> int:
        """Move a simulated clock."""

        def apply(_s: Session, row: Incident) -> tuple[Any, Any]:
            if row.clock != "simulated":
                raise StoreError(
                    f"incident {incident_id} runs on the real clock",
                    suggestion="only a simulated clock can be set",
                )
            before = _aware(row.sim_now)
            row.sim_now = sim_now
            return (
                {"sim_now": before.isoformat() if before else None},
                {"sim_now": sim_now.isoformat()},
            )

        return self.change(incident_id, user, "clock.set", apply, expected_version=expected_version)

    def set_failure_end(
        self, incident_id: int, at: datetime, *, user: str, expected_version: int | None = None
    ) -> int:
        """Record when power or the provider came back."""

        def apply(_s: Session, row: Incident) -> tuple[Any, Any]:
            before = _aware(row.failure_end_at)
            row.failure_end_at = at
            return (
                {"failure_end_at": before.isoformat() if before else None},
                {"failure_end_at": at.isoformat()},
            )

        return self.change(
            incident_id, user, "incident.failure-end", apply, expected_version=expected_version
        )

    def close(
        self,
        incident_id: int,
        *,
        at: datetime,
        review: dict[str, Any],
        user: str,
        expected_version: int | None = None,
    ) -> int:
        def apply(_s: Session, row: Incident) -> tuple[Any, Any]:
            row.state, row.closed_at, row.review = "closed", at, review
            return {"state": "open"}, {"state": "closed", "closed_at": at.isoformat()}

        return self.change(
            incident_id, user, "incident.close", apply, expected_version=expected_version
        )

    # ------------------------------------------------------------------ forecasts

    def add_forecast(
        self, incident_id: int, version: int, as_of: datetime, payload: dict[str, Any]
    ) -> None:
        """Keep a forecast (derived data: no version bump, no audit entry)."""
        with self.store.session() as s, s.begin():
            s.add(
                ForecastRecord(
                    incident_id=incident_id,
                    incident_version=version,
                    as_of=as_of,
                    computed_at=now(),
                    payload=payload,
                )
            )

    def forecasts(self, incident_id: int) -> list[ForecastRow]:
        """Every forecast kept for the incident, oldest first."""
        with self.store.session() as s:
            rows = s.scalars(
                select(ForecastRecord)
                .where(ForecastRecord.incident_id == incident_id)
                .order_by(ForecastRecord.id)
            )
            return [
                ForecastRow(
                    r.id, r.incident_version, _a(r.as_of), _a(r.computed_at), dict(r.payload)
                )
                for r in rows
            ]

    def latest_forecast(self, incident_id: int) -> ForecastRow | None:
        with self.store.session() as s:
            r = s.scalars(
                select(ForecastRecord)
                .where(ForecastRecord.incident_id == incident_id)
                .order_by(ForecastRecord.id.desc())
                .limit(1)
            ).first()
            return (
                None
                if r is None
                else ForecastRow(
                    r.id, r.incident_version, _a(r.as_of), _a(r.computed_at), dict(r.payload)
                )
            )
