"""Queries of live incidents (users, sessions and the audit log: :mod:`.users`).

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
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from blackstart.store.incident_rows import (
    AnnouncementRow,
    AuditRow,
    EventRow,
    ForecastRow,
    IncidentRow,
    MessageRow,
    Snapshot,
    UnplannedRow,
    UserRow,
    _a,
    _aware,
    _incident,
    now,
)
from blackstart.store.incident_tables import (
    Announcement,
    ForecastRecord,
    Incident,
    StatusMessage,
    TaskEvent,
    UnplannedTask,
)
from blackstart.store.store import Store, StoreError
from blackstart.store.users import ROLES, Missing, UserQueries

__all__ = [
    "EVENT_KINDS",
    "PUBLIC_ETA",
    "ROLES",
    "UNDO_KINDS",
    "AnnouncementRow",
    "AuditRow",
    "Conflict",
    "EventRow",
    "ForecastRow",
    "IncidentRow",
    "IncidentStore",
    "MessageRow",
    "Missing",
    "Snapshot",
    "UnplannedRow",
    "UserRow",
    "now",
]

EVENT_KINDS = ("started", "done", "verified")
PUBLIC_ETA = ("live", "announced")
"""What ``/status`` shows while a function is down: the live range or the announced ETA."""
UNDO_KINDS = tuple(f"undo-{k}" for k in EVENT_KINDS)
"""A compensating event: cancels the task's live mark of that kind (never a delete)."""
RETRIES = 50


Change = Callable[[Session, Incident], tuple[Any, Any]]
"""Adds the change's rows to the session; returns (before, after) for the audit log."""


class Conflict(StoreError):
    """The incident changed since the version the caller saw (HTTP 409)."""


class IncidentStore(UserQueries):
    """Incidents, users, sessions and the audit log on a :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

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
                raise Missing(f"no incident {incident_id}", suggestion="see /incidents")
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
        """Record a task started, done or verified, or the undo of such a mark."""
        if kind not in EVENT_KINDS + UNDO_KINDS:
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
        at: datetime | None = None,
    ) -> int:
        """Record an announced ETA, made at ``at`` on the incident's clock (a drill's
        simulated time; default: now)."""

        def apply(s: Session, _row: Incident) -> tuple[Any, Any]:
            s.add(
                Announcement(
                    incident_id=incident_id,
                    tier=tier,
                    eta=eta,
                    announced_at=at or now(),
                    user=user,
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
                raise Missing(
                    f"no status message {message_id} on incident {incident_id}",
                    suggestion="see the incident's messages",
                )
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

    def set_public_eta(
        self, incident_id: int, mode: str, *, user: str, expected_version: int | None = None
    ) -> int:
        """Choose what ``/status`` shows while a function is down: ``live`` or
        ``announced`` (see :data:`PUBLIC_ETA`)."""
        if mode not in PUBLIC_ETA:
            raise StoreError(f"unknown public ETA '{mode}'", suggestion=" or ".join(PUBLIC_ETA))

        def apply(_s: Session, row: Incident) -> tuple[Any, Any]:
            before = row.public_eta
            row.public_eta = mode
            return {"public_eta": before}, {"public_eta": mode}

        return self.change(
            incident_id, user, "incident.public-eta", apply, expected_version=expected_version
        )

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
