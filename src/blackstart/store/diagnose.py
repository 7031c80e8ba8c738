"""Alert integrations, the alerts they send, and the observations operators record.

Owns the tables of migration 0005 and their queries (:class:`AlertStore`):

- an *integration* is one sender of alerts (an Alertmanager, a monitoring tool's generic
  webhook) with its own bearer token; only the token's SHA-256 is stored (the token is
  32 random bytes, so a fast hash is enough), and a revoked integration stays listed;
- an *alert* is one row per (integration, fingerprint), updated each time it is sent
  again: firing, then resolved. ``ref`` is the element it was mapped to, if any;
- an *observation* is what a person reports (``function:lab-results`` down), kept until
  withdrawn.

Adding and revoking integrations, and recording or withdrawing observations, go to the
audit log. Times are UTC.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from blackstart.store.incident_rows import now
from blackstart.store.incident_tables import AuditEntry, UtcDateTime
from blackstart.store.store import Store, StoreError
from blackstart.store.tables import Base

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")
STATES = ("down", "up")


class Integration(Base):
    """A sender of alerts and the hash of its bearer token."""

    __tablename__ = "integrations"
    __table_args__ = (
        UniqueConstraint("name", name="uq_integrations_name"),
        UniqueConstraint("token_hash", name="uq_integrations_token_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Alert(Base):
    """The latest state of one alert (integration, fingerprint)."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("integration_id", "fingerprint", name="uq_alerts_fingerprint"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id"), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(200), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    labels: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    annotations: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    ref: Mapped[str | None] = mapped_column(String(300), nullable=True)
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    first_received_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    last_received_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    received: Mapped[int] = mapped_column(Integer, nullable=False)


class Observation(Base):
    """What a person reported: an element seen down or up."""

    __tablename__ = "observations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ref: Mapped[str] = mapped_column(String(300), nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)
    user: Mapped[str] = mapped_column(String(100), nullable=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


def token_hash(token: str) -> str:
    """SHA-256 (hex) of a bearer token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _utc(when: datetime | str | None) -> datetime | None:
    """An aggregate's time (SQLite returns text and drops the offset) as aware UTC."""
    if when is None:
        return None
    parsed = datetime.fromisoformat(when) if isinstance(when, str) else when
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat(timespec="seconds")


@dataclass(frozen=True)
class IntegrationRow:
    id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None
    alerts: int = 0
    last_alert_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "created_at": _iso(self.created_at),
                "revoked_at": _iso(self.revoked_at), "alerts": self.alerts,
                "last_alert_at": _iso(self.last_alert_at)}  # fmt: skip


@dataclass(frozen=True)
class AlertIn:
    """One alert as received, before it is stored."""

    fingerprint: str
    status: str
    name: str
    labels: dict[str, str]
    annotations: dict[str, str]
    ref: str | None
    starts_at: datetime | None
    ends_at: datetime | None


@dataclass(frozen=True)
class AlertRow:
    id: int
    integration: str
    fingerprint: str
    status: str
    name: str
    labels: dict[str, Any]
    annotations: dict[str, Any]
    ref: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    last_received_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "integration": self.integration, "fingerprint": self.fingerprint,
                "status": self.status, "name": self.name, "labels": self.labels,
                "annotations": self.annotations, "ref": self.ref,
                "starts_at": _iso(self.starts_at), "ends_at": _iso(self.ends_at),
                "last_received_at": _iso(self.last_received_at)}  # fmt: skip


@dataclass(frozen=True)
class ObservationRow:
    id: int
    ref: str
    state: str
    note: str
    user: str
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "ref": self.ref, "state": self.state, "note": self.note,
                "user": self.user, "at": _iso(self.at)}  # fmt: skip


class AlertStore:
    """Integrations, alerts and observations on a :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _audit(self, s: Any, user: str, action: str, target: str, after: Any) -> None:
        s.add(AuditEntry(at=now(), user=user, action=action, target=target, before=None,
                         after=after))  # fmt: skip

    # ------------------------------------------------------------------ integrations

    def add_integration(self, name: str, *, by: str) -> str:
        """Create an integration; return its bearer token (only its hash is stored)."""
        if not NAME.match(name):
            raise StoreError(f"bad integration name {name!r}",
                             suggestion="letters, digits, '-', '_', '.'; up to 100")  # fmt: skip
        token = "bsi_" + secrets.token_urlsafe(32)
        try:
            with self.store.session() as s, s.begin():
                s.add(Integration(name=name, token_hash=token_hash(token), created_at=now(),
                                  created_by=by))  # fmt: skip
                self._audit(s, by, "integration.add", f"integration:{name}", {"name": name})
        except IntegrityError:
            raise StoreError(f"an integration named '{name}' exists",
                             suggestion="choose another name") from None  # fmt: skip
        return token

    def revoke_integration(self, name: str, *, by: str) -> None:
        """Refuse the integration's token from now on."""
        with self.store.session() as s, s.begin():
            row = s.scalars(select(Integration).where(Integration.name == name)).first()
            if row is None:
                names = list(s.scalars(select(Integration.name)))
                listed = ", ".join(names) or "none"
                raise StoreError(f"no integration '{name}'", suggestion=f"integrations: {listed}")
            if row.revoked_at is not None:
                raise StoreError(f"integration '{name}' is already revoked")
            row.revoked_at = now()
            self._audit(s, by, "integration.revoke", f"integration:{name}", {"revoked": True})

    def integration_for(self, token: str) -> IntegrationRow | None:
        """The integration whose token this is (revoked or not), or ``None``."""
        with self.store.session() as s:
            r = s.scalars(
                select(Integration).where(Integration.token_hash == token_hash(token))
            ).first()
            return None if r is None else IntegrationRow(r.id, r.name, r.created_at, r.revoked_at)

    def integrations(self) -> list[IntegrationRow]:
        """Every integration with its alert count and last alert, by name."""
        with self.store.session() as s:
            stats = dict(
                (i, (n, last))
                for i, n, last in s.execute(
                    select(
                        Alert.integration_id, func.count(), func.max(Alert.last_received_at)
                    ).group_by(Alert.integration_id)
                ).all()
            )
            rows = s.scalars(select(Integration).order_by(Integration.name)).all()
            out = []
            for r in rows:
                n, last = stats.get(r.id, (0, None))
                last_at = _utc(last)
                out.append(IntegrationRow(r.id, r.name, r.created_at, r.revoked_at, n, last_at))
            return out

    # ------------------------------------------------------------------ alerts

    def record_alerts(self, integration_id: int, alerts: list[AlertIn]) -> dict[str, int]:
        """Store a batch (one transaction): new fingerprints added, known ones updated."""
        counts = {"new": 0, "updated": 0}
        at = now()
        with self.store.session() as s, s.begin():
            for a in alerts:
                row = s.scalars(
                    select(Alert).where(
                        Alert.integration_id == integration_id, Alert.fingerprint == a.fingerprint
                    )
                ).first()
                if row is None:
                    row = Alert(integration_id=integration_id, fingerprint=a.fingerprint,
                                first_received_at=at, received=0)  # fmt: skip
                    s.add(row)
                    counts["new"] += 1
                else:
                    counts["updated"] += 1
                row.status, row.name, row.ref = a.status, a.name, a.ref
                row.labels, row.annotations = dict(a.labels), dict(a.annotations)
                row.starts_at = a.starts_at or row.starts_at
                row.ends_at = a.ends_at
                row.last_received_at = at
                row.received = (row.received or 0) + 1
                s.flush()
        return counts

    def alerts(self, *, firing_only: bool = False) -> list[AlertRow]:
        """Alerts, oldest first (by first start)."""
        with self.store.session() as s:
            q = select(Alert, Integration.name).join(
                Integration, Integration.id == Alert.integration_id
            )
            if firing_only:
                q = q.where(Alert.status == "firing")
            q = q.order_by(Alert.first_received_at, Alert.id)
            return [
                AlertRow(
                    a.id,
                    iname,
                    a.fingerprint,
                    a.status,
                    a.name,
                    a.labels,
                    a.annotations,
                    a.ref,
                    a.starts_at,
                    a.ends_at,
                    a.last_received_at,
                )
                for a, iname in s.execute(q).all()
            ]

    # ------------------------------------------------------------------ observations

    def add_observation(self, ref: str, state: str, note: str, *, user: str) -> ObservationRow:
        """Record a person's report that ``ref`` is ``down`` or ``up``."""
        if state not in STATES:
            raise StoreError(f"unknown state '{state}'", suggestion="down or up")
        row = Observation(ref=ref, state=state, note=note, user=user, at=now())
        with self.store.session() as s, s.begin():
            s.add(row)
            s.flush()
            self._audit(s, user, "observation.add", ref, {"state": state, "note": note})
            return ObservationRow(row.id, ref, state, note, user, row.at)

    def withdraw_observation(self, observation_id: int, *, user: str) -> None:
        with self.store.session() as s, s.begin():
            row = s.get(Observation, observation_id)
            if row is None or row.withdrawn_at is not None:
                raise StoreError(f"no observation {observation_id} to withdraw")
            row.withdrawn_at = now()
            self._audit(s, user, "observation.withdraw", row.ref, {"id": observation_id})

    def observations(self) -> list[ObservationRow]:
        """Observations not withdrawn, oldest first."""
        with self.store.session() as s:
            rows = s.scalars(
                select(Observation)
                .where(Observation.withdrawn_at.is_(None))
                .order_by(Observation.at, Observation.id)
            )
            return [ObservationRow(r.id, r.ref, r.state, r.note, r.user, r.at) for r in rows]
