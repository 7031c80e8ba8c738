"""Scheduled maintenance windows (table ``maintenances``, migration 0008): a public name
and message, the scenario the maintenance takes down, the window (start, planned end) and
the forecast of when things come back, kept as computed when the window was declared.

Declaring and cancelling are audited (``maintenance.declare``, ``maintenance.cancel`` on
target ``maintenance:ID``); a cancelled window stays in the table (cancelled time and
who) and leaves the public pages. Rows only: the forecast and the public view are
:mod:`blackstart.maintenance`'s, the checks of what a person typed the web's and CLI's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from blackstart.store import audit_chain
from blackstart.store.incident_rows import _a, _aware, now
from blackstart.store.incident_tables import UtcDateTime
from blackstart.store.store import Store, StoreError
from blackstart.store.tables import Base


class Maintenance(Base):
    """One declared maintenance window."""

    __tablename__ = "maintenances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    scenario: Mapped[str] = mapped_column(String(200), nullable=False)
    start_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, index=True)
    end_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    forecast: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    cancelled_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


@dataclass(frozen=True)
class MaintenanceRow:
    id: int
    name: str
    message: str
    scenario: str
    start_at: datetime
    end_at: datetime
    forecast: dict[str, Any]
    created_by: str
    created_at: datetime
    cancelled_at: datetime | None
    cancelled_by: str | None

    def to_dict(self) -> dict[str, Any]:
        """The board's view (internal: scenario and authors included)."""

        def iso(t: datetime | None) -> str | None:
            return None if t is None else t.isoformat(timespec="seconds")

        return {
            "id": self.id,
            "name": self.name,
            "message": self.message,
            "scenario": self.scenario,
            "start": iso(self.start_at),
            "end": iso(self.end_at),
            "forecast": self.forecast,
            "created_by": self.created_by,
            "created_at": iso(self.created_at),
            "cancelled_at": iso(self.cancelled_at),
            "cancelled_by": self.cancelled_by,
        }


def _row(m: Maintenance) -> MaintenanceRow:
    return MaintenanceRow(
        m.id,
        m.name,
        m.message,
        m.scenario,
        _a(m.start_at),
        _a(m.end_at),
        dict(m.forecast),
        m.created_by,
        _a(m.created_at),
        _aware(m.cancelled_at),
        m.cancelled_by,
    )


def add(
    store: Store,
    *,
    name: str,
    message: str,
    scenario: str,
    start: datetime,
    end: datetime,
    forecast: dict[str, Any],
    user: str,
) -> MaintenanceRow:
    """Store a declared window (audited)."""
    with store.session() as s, s.begin():
        m = Maintenance(
            name=name,
            message=message,
            scenario=scenario,
            start_at=start,
            end_at=end,
            forecast=forecast,
            created_by=user,
            created_at=now(),
        )
        s.add(m)
        s.flush()
        row = _row(m)
        summary = {k: v for k, v in row.to_dict().items() if k != "forecast"}
        audit_chain.append(
            s, now(), user, "maintenance.declare", f"maintenance:{m.id}", None, summary
        )
    return row


def get(store: Store, maintenance_id: int) -> MaintenanceRow | None:
    with store.session() as s:
        m = s.get(Maintenance, maintenance_id)
        return None if m is None else _row(m)


def all_windows(
    store: Store, *, cancelled: bool = True, since: datetime | None = None
) -> list[MaintenanceRow]:
    """Every window, soonest start first (``cancelled=False``: only the live ones;
    ``since``: only those starting then or later)."""
    q = select(Maintenance).order_by(Maintenance.start_at, Maintenance.id)
    if not cancelled:
        q = q.where(Maintenance.cancelled_at.is_(None))
    if since is not None:
        q = q.where(Maintenance.start_at >= since)
    with store.session() as s:
        return [_row(m) for m in s.scalars(q)]


def cancel(store: Store, maintenance_id: int, *, user: str) -> MaintenanceRow:
    """Cancel a window (audited); a :class:`StoreError` if there is none or it already is."""
    with store.session() as s, s.begin():
        m = s.get(Maintenance, maintenance_id)
        if m is None:
            raise StoreError(
                f"no maintenance window {maintenance_id}",
                suggestion="see blackstart status maintenance list",
            )
        if m.cancelled_at is not None:
            raise StoreError(f"maintenance window {maintenance_id} is already cancelled")
        m.cancelled_at, m.cancelled_by = now(), user
        audit_chain.append(
            s,
            now(),
            user,
            "maintenance.cancel",
            f"maintenance:{m.id}",
            {"cancelled": False},
            {"cancelled": True},
        )
        return _row(m)
