"""The security log: failed logins, lockouts and throttling, aggregated, apart from the
audit log (a flood of failures must not push real changes out of view, nor grow a table
by one row per attempt).

One row per (kind, subject, address) per :data:`BUCKET`: a new failure within the bucket
adds one to ``count`` and moves ``last_at``. Unknown names are aggregated under one
subject (``UNKNOWN``) so that a flood of new names costs one row per address and hour.
Does not know about HTTP or passwords.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from blackstart.store.incident_rows import _a, now
from blackstart.store.incident_tables import SecurityEvent
from blackstart.store.store import Store

BUCKET = timedelta(hours=1)
UNKNOWN = "(unknown name)"
KINDS = ("login.failed", "login.locked", "login.throttled", "login.busy", "login.disabled")


@dataclass(frozen=True)
class SecurityRow:
    id: int
    kind: str
    subject: str
    address: str
    first_at: datetime
    last_at: datetime
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "subject": self.subject,
            "address": self.address,
            "first_at": self.first_at.isoformat(),
            "last_at": self.last_at.isoformat(),
            "count": self.count,
        }


class SecurityLog:
    """Aggregated security events on a :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def note(self, kind: str, subject: str, address: str, *, at: datetime | None = None) -> None:
        """Count one event of ``kind`` about ``subject`` (a user name or :data:`UNKNOWN`)."""
        at = at or now()
        self.note_many({(kind, subject, address): (1, at, at)})

    def note_many(self, counts: dict[tuple[str, str, str], tuple[int, datetime, datetime]]) -> None:
        """Count events in one transaction: (kind, subject, address) → (how many, first
        time, last time)."""
        if not counts:
            return
        with self.store.session() as s, s.begin():
            for (kind, subject, address), (n, first, last) in counts.items():
                subject, address = subject[:100], address[:100]
                done = s.execute(
                    update(SecurityEvent)
                    .where(
                        SecurityEvent.kind == kind,
                        SecurityEvent.subject == subject,
                        SecurityEvent.address == address,
                        SecurityEvent.first_at > last - BUCKET,
                    )
                    .values(count=SecurityEvent.count + n, last_at=last)
                )
                if getattr(done, "rowcount", 0) == 0:
                    s.add(
                        SecurityEvent(
                            kind=kind,
                            subject=subject,
                            address=address,
                            first_at=first,
                            last_at=last,
                            count=n,
                        )
                    )

    def entries(
        self, *, limit: int = 100, kind: str | None = None, subject: str | None = None
    ) -> list[SecurityRow]:
        """The newest aggregated rows (by last event), newest first."""
        q = select(SecurityEvent).order_by(SecurityEvent.last_at.desc(), SecurityEvent.id.desc())
        if kind:
            q = q.where(SecurityEvent.kind == kind)
        if subject:
            q = q.where(SecurityEvent.subject == subject)
        with self.store.session() as s:
            return [
                SecurityRow(
                    r.id, r.kind, r.subject, r.address, _a(r.first_at), _a(r.last_at), r.count
                )
                for r in s.scalars(q.limit(limit))
            ]
