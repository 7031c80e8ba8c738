"""E-mail subscribers of the public status, with double opt-in: a subscription is
pending until its address follows the link sent to it; the same random token makes the
one-click unsubscribe link, and unsubscribing erases the row (address included: GDPR).
Only what is needed is kept: the address, the language, the token, two times, and what
the subscriber follows (:class:`~blackstart.store.scope.Scope`, migration
``0009_subscription_scope``); a subscription never confirmed is erased after
:data:`PENDING_DAYS`. Table ``status_subscribers`` (migration 0006). Sending is
:mod:`blackstart.web.subscriptions`.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from blackstart.store.incident_rows import now
from blackstart.store.incident_tables import UtcDateTime
from blackstart.store.scope import EVERYTHING, Scope
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
    functions: Mapped[str | None] = mapped_column(Text, nullable=True)
    places: Mapped[str | None] = mapped_column(Text, nullable=True)


PENDING_DAYS = 7
"""An address that never confirms is erased after this many days."""


@dataclass(frozen=True)
class Subscriber:
    email: str
    lang: str
    token: str
    confirmed: bool
    scope: Scope = EVERYTHING


def _of(row: StatusSubscriber) -> Subscriber:
    return Subscriber(
        row.email,
        row.lang,
        row.token,
        row.confirmed_at is not None,
        Scope.from_columns(row.functions, row.places),
    )


def subscribe(store: Store, email: str, lang: str, scope: Scope = EVERYTHING) -> Subscriber:
    """A pending subscription (a new token each time: asking again re-sends the link).
    An address already confirmed keeps its token and its scope: the new ``scope`` only
    applies once its owner follows the link (:func:`confirm`)."""
    email = email.strip()
    if not _EMAIL.match(email):
        raise StoreError(f"not an e-mail address: {email!r}", suggestion="name@example.org")
    token = secrets.token_urlsafe(24)
    functions, places = scope.columns()
    with store.session() as s, s.begin():
        s.execute(
            delete(StatusSubscriber).where(
                StatusSubscriber.confirmed_at.is_(None),
                StatusSubscriber.created_at < now() - timedelta(days=PENDING_DAYS),
            )
        )
        row = s.scalars(select(StatusSubscriber).where(StatusSubscriber.email == email)).first()
        if row is None:
            row = StatusSubscriber(
                email=email,
                lang=lang,
                token=token,
                created_at=now(),
                functions=functions,
                places=places,
            )
            s.add(row)
        elif row.confirmed_at is None:
            row.token, row.lang, row.functions, row.places = token, lang, functions, places
        return _of(row)


def confirm(store: Store, token: str, scope: Scope | None = None) -> Subscriber | None:
    """Confirm the subscription of ``token``; with ``scope`` (carried by the link that was
    mailed to the address), follow that from now on."""
    with store.session() as s, s.begin():
        row = s.scalars(select(StatusSubscriber).where(StatusSubscriber.token == token)).first()
        if row is None:
            return None
        if row.confirmed_at is None:
            row.confirmed_at = now()
        if scope is not None:
            row.functions, row.places = scope.columns()
        return _of(row)


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
        return [_of(r) for r in rows]


def erase(store: Store, email: str) -> bool:
    """Erase the subscriber with address ``email`` (a GDPR request received by other
    means than the link); whether there was one."""
    with store.session() as s, s.begin():
        done = s.execute(delete(StatusSubscriber).where(StatusSubscriber.email == email.strip()))
    return bool(getattr(done, "rowcount", 0))
