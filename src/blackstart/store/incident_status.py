"""The public state of an incident (Statuspage's vocabulary plus ours): investigating,
identified, recovering, monitoring, resolved — each change kept with its time and author
in the ``incident_states`` table (migration 0006), through the incident's versioned
:meth:`~blackstart.store.incidents.IncidentStore.change` (so it is audited and refused on
a stale version or a closed incident). Owns that table; not the board's rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from blackstart.store.incident_rows import _a, now
from blackstart.store.incident_tables import Incident, UtcDateTime
from blackstart.store.incidents import IncidentStore
from blackstart.store.tables import Base

PUBLIC_STATES = ("investigating", "identified", "recovering", "monitoring", "resolved")


class IncidentState(Base):
    """One public state change of an incident."""

    __tablename__ = "incident_states"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    user: Mapped[str] = mapped_column(String(100), nullable=False)


@dataclass(frozen=True)
class StateRow:
    state: str
    at: datetime
    user: str

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "at": self.at.isoformat(timespec="seconds"), "user": self.user}


def set_state(
    store: IncidentStore,
    incident_id: int,
    state: str,
    *,
    user: str,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> int:
    """Record the incident's new public state; return the incident's new version."""
    if state not in PUBLIC_STATES:
        raise ValueError(f"unknown state {state!r}")
    when = at or now()

    def apply(s: Session, _row: Incident) -> tuple[Any, Any]:
        before = s.scalar(
            select(IncidentState.state)
            .where(IncidentState.incident_id == incident_id)
            .order_by(IncidentState.id.desc())
            .limit(1)
        )
        s.add(IncidentState(incident_id=incident_id, state=state, at=when, user=user))
        return before, {"state": state, "at": when.isoformat()}

    return store.change(incident_id, user, "state.set", apply, expected_version=expected_version)


def states(store: IncidentStore, incident_id: int) -> list[StateRow]:
    """The incident's public states, oldest first."""
    with store.store.session() as s:
        return [
            StateRow(r.state, _a(r.at), r.user)
            for r in s.scalars(
                select(IncidentState)
                .where(IncidentState.incident_id == incident_id)
                .order_by(IncidentState.id)
            )
        ]


def public_timeline(store: IncidentStore, incidents: list[Any]) -> dict[str, Any]:
    """The public ``state`` (the latest of the live incidents, ``investigating`` until one
    is set) and the ``timeline`` of state changes (oldest first; each incident starts as
    investigating when declared), without authors: ``{"state": …, "timeline": […]}``."""
    timeline: list[tuple[datetime, str]] = []
    for inc in incidents:
        rows = states(store, inc.id)
        if not rows or rows[0].state != "investigating":
            timeline.append((inc.created_at, "investigating"))
        timeline += [(r.at, r.state) for r in rows]
    timeline.sort(key=lambda t: t[0])
    return {
        "state": timeline[-1][1] if timeline else None,
        "timeline": [{"state": s, "at": at.isoformat(timespec="seconds")} for at, s in timeline],
    }
