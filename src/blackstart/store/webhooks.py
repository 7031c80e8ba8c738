"""Webhook subscribers of the public status: a URL and its signing secret, nothing else
(no name, no e-mail: the least data that does the job) and what it follows
(:class:`~blackstart.store.scope.Scope`, migration ``0009_subscription_scope``),
removable at any time (GDPR erasure). Table ``status_webhooks`` (migration 0006). Owns
the table; delivery is :mod:`blackstart.web.webhooks`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import Integer, String, Text, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from blackstart.store.incident_rows import now
from blackstart.store.incident_tables import UtcDateTime
from blackstart.store.scope import EVERYTHING, Scope
from blackstart.store.store import Store, StoreError
from blackstart.store.tables import Base


class StatusWebhook(Base):
    __tablename__ = "status_webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(2000), nullable=False, unique=True)
    secret: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    functions: Mapped[str | None] = mapped_column(Text, nullable=True)
    places: Mapped[str | None] = mapped_column(Text, nullable=True)


@dataclass(frozen=True)
class Webhook:
    url: str
    secret: str
    scope: Scope = EVERYTHING


def add_webhook(store: Store, url: str, scope: Scope = EVERYTHING) -> Webhook:
    """Subscribe ``url``; return it with its new signing secret."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StoreError(
            f"not a webhook URL: {url!r}", suggestion="https://host/path (http for tests)"
        )
    hook = Webhook(url, secrets.token_urlsafe(32), scope)
    functions, places = scope.columns()
    try:
        with store.session() as s, s.begin():
            s.add(
                StatusWebhook(
                    url=url,
                    secret=hook.secret,
                    created_at=now(),
                    functions=functions,
                    places=places,
                )
            )
    except IntegrityError:
        raise StoreError(
            f"{url} is already subscribed", suggestion="remove it first to get a new secret"
        ) from None
    return hook


def remove_webhook(store: Store, url: str) -> bool:
    """Erase the subscriber (and its secret); whether there was one."""
    with store.session() as s, s.begin():
        done = s.execute(delete(StatusWebhook).where(StatusWebhook.url == url))
    return bool(getattr(done, "rowcount", 0))


def webhooks(store: Store) -> list[Webhook]:
    with store.session() as s:
        return [
            Webhook(r.url, r.secret, Scope.from_columns(r.functions, r.places))
            for r in s.scalars(select(StatusWebhook).order_by(StatusWebhook.id))
        ]
