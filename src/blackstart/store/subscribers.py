"""E-mail subscribers of the public status, with double opt-in: a subscription is
pending until its address follows the link sent to it; the same random token makes the
one-click unsubscribe link, and unsubscribing erases the row (address included: GDPR).
Only what is needed is kept: the address, the language, the token, two times. Table
``status_subscribers`` (migration 0006). Sending is :mod:`blackstart.web.subscriptions`.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from blackstart.store.incident_rows import now
from blackstart.store.incident_tables import UtcDateTime
from blackstart.store.store import Store, StoreError
from blackstart.store.tables import Base

_EMAIL = re.compile(r"^[^@\s<>,;\"]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")


class StatusSubscriber(Base):
    __tablename__ = "status_subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), nullable=False, unique=True)
    lang: Mapped[str] = mapped_column(String(5), nullable=False)
    token: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


@dataclass(frozen=True)
class Subscriber:
    email: str
    lang: str
    token: str
    confirmed: bool


def subscribe(store: Store, email: str, lang: str) -> Subscriber:
    """A pending subscription (a new token each time: asking again re-sends the link)."""
    email = email.strip()
    if not _EMAIL.match(email):
        raise StoreError(f"not an e-mail address: {email!r}", suggestion="name@example.org")
    token = secrets.token_urlsafe(24)
    with store.session() as s, s.begin():
        row = s.scalars(select(StatusSubscriber).where(StatusSubscriber.email == email)).first()
        if row is None:
            row = StatusSubscriber(email=email, lang=lang, token=token, created_at=now())
            s.add(row)
        elif row.confirmed_at is None:
            row.token, row.lang = token, lang
        return Subscriber(row.email, row.lang, row.token, row.confirmed_at is not None)


def confirm(store: Store, token: str) -> Subscriber | None:
    with store.session() as s, s.begin():
        row = s.scalars(select(StatusSubscriber).where(StatusSubscriber.token == token)).first()
        if row is None:
            return None
        if row.confirmed_at is None:
            row.confirmed_at = now()
        return Subscriber(row.email, row.lang, row.token, True)


def unsubscribe(store: Store, token: str) -> bool:
    """Erase the subscriber of ``token``; whether there was one."""
    with store.session() as s, s.begin():
        done = s.execute(delete(StatusSubscriber).where(StatusSubscriber.token == token))
    return bool(getattr(done, "rowcount", 0))


def confirmed(store: Store) -> list[Subscriber]:
    with store.session() as s:
        rows = s.scalars(
            select(StatusSubscriber)
            .where(StatusSubscriber.confirmed_at.is_not(None))
            .order_by(StatusSubscriber.id)
        )
        return [Subscriber(r.email, r.lang, r.token, True) for r in rows]
