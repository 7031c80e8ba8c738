"""SMS subscribers of the public status, with double opt-in by code: a number is
pending until the 6-digit code sent to it is typed back (at most :data:`MAX_TRIES`
tries per code, at most :data:`CODES_PER_HOUR` codes per number and hour: each SMS costs
money); a random token makes the STOP link, and stopping erases the row (number
included: GDPR).

Only what is needed is kept: the number (E.164), the language, the token, the code's
hash (HMAC-SHA256 under the token, never the code), its time and tries, two times, and
what the subscriber follows (:class:`~blackstart.store.scope.Scope`). A number never
confirmed is erased after :data:`PENDING_DAYS`. Table ``status_sms_subscribers``
(migration ``0009_subscription_scope``); sending is :mod:`blackstart.web.sms`.
"""

from __future__ import annotations

import hashlib
import hmac
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

E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
"""ITU-T E.164: a plus, a country code, at most 15 digits in all."""
MAX_TRIES = 5
CODES_PER_HOUR = 3
PENDING_DAYS = 2
CODE_VALID_MIN = 30


class StatusSmsSubscriber(Base):
    __tablename__ = "status_sms_subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phone: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    lang: Mapped[str] = mapped_column(String(5), nullable=False)
    token: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    code_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    code_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    codes_sent: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    tries: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    functions: Mapped[str | None] = mapped_column(Text, nullable=True)
    places: Mapped[str | None] = mapped_column(Text, nullable=True)


@dataclass(frozen=True)
class SmsSubscriber:
    phone: str
    lang: str
    token: str
    confirmed: bool
    scope: Scope = EVERYTHING


def _of(row: StatusSmsSubscriber) -> SmsSubscriber:
    return SmsSubscriber(
        row.phone,
        row.lang,
        row.token,
        row.confirmed_at is not None,
        Scope.from_columns(row.functions, row.places),
    )


def normalise(phone: str) -> str:
    """``phone`` in E.164 (spaces, dots, dashes and brackets dropped; a French national
    number ``0X XX XX XX XX`` becomes ``+33 X…``), or a :class:`StoreError`.

    >>> normalise("06 12 34 56 78")
    '+33612345678'
    >>> normalise("+44 20 7946 0958")
    '+442079460958'
    """
    text = re.sub(r"[\s.\-()]", "", phone)
    if re.fullmatch(r"0[1-9][0-9]{8}", text):
        text = "+33" + text[1:]
    elif text.startswith("00"):
        text = "+" + text[2:]
    if not E164.match(text):
        raise StoreError(
            f"not a phone number in international form: {phone!r}",
            suggestion="+33612345678 (E.164: plus, country code, number)",
        )
    return text


def _hash(token: str, code: str) -> str:
    return hmac.new(token.encode(), code.encode(), hashlib.sha256).hexdigest()


def subscribe(store: Store, phone: str, lang: str) -> tuple[SmsSubscriber, str]:
    """A new code for ``phone`` (pending, or confirmed and changing its choice): the
    subscriber and the code to send. A :class:`StoreError` past :data:`CODES_PER_HOUR`."""
    phone = normalise(phone)
    code = f"{secrets.randbelow(10**6):06d}"
    at = now()
    with store.session() as s, s.begin():
        s.execute(
            delete(StatusSmsSubscriber).where(
                StatusSmsSubscriber.confirmed_at.is_(None),
                StatusSmsSubscriber.created_at < at - timedelta(days=PENDING_DAYS),
            )
        )
        row = s.scalars(
            select(StatusSmsSubscriber).where(StatusSmsSubscriber.phone == phone)
        ).first()
        if row is None:
            row = StatusSmsSubscriber(
                phone=phone,
                lang=lang,
                token=secrets.token_urlsafe(9),
                created_at=at,
                codes_sent=0,
                tries=0,
            )
            s.add(row)
        elif row.code_sent_at is not None and at - row.code_sent_at < timedelta(hours=1):
            if row.codes_sent >= CODES_PER_HOUR:
                raise StoreError(
                    "too many codes sent to this number", suggestion="try again in an hour"
                )
        else:
            row.codes_sent = 0
        if row.confirmed_at is None:
            row.lang = lang
        row.code_hash, row.code_sent_at, row.tries = _hash(row.token, code), at, 0
        row.codes_sent += 1
        return _of(row), code


def confirm(store: Store, phone: str, code: str, scope: Scope) -> SmsSubscriber | None:
    """Check the code typed back for ``phone``; if right, the number is confirmed and
    follows ``scope``. ``None`` if wrong, expired or tried too often."""
    try:
        phone = normalise(phone)
    except StoreError:
        return None
    with store.session() as s, s.begin():
        row = s.scalars(
            select(StatusSmsSubscriber).where(StatusSmsSubscriber.phone == phone)
        ).first()
        if row is None or row.code_hash is None or row.code_sent_at is None:
            return None
        expired = now() - row.code_sent_at > timedelta(minutes=CODE_VALID_MIN)
        row.tries += 1
        if expired or row.tries > MAX_TRIES:
            row.code_hash = None
            return None
        if not hmac.compare_digest(row.code_hash, _hash(row.token, code.strip())):
            return None
        row.code_hash, row.tries = None, 0
        if row.confirmed_at is None:
            row.confirmed_at = now()
        row.functions, row.places = scope.columns()
        return _of(row)


def unsubscribe(store: Store, token: str) -> bool:
    """Erase the subscriber of ``token`` (the STOP link); whether there was one."""
    with store.session() as s, s.begin():
        done = s.execute(delete(StatusSmsSubscriber).where(StatusSmsSubscriber.token == token))
    return bool(getattr(done, "rowcount", 0))


def erase(store: Store, phone: str) -> bool:
    """Erase the subscriber with number ``phone``; whether there was one."""
    try:
        phone = normalise(phone)
    except StoreError:
        return False
    with store.session() as s, s.begin():
        done = s.execute(delete(StatusSmsSubscriber).where(StatusSmsSubscriber.phone == phone))
    return bool(getattr(done, "rowcount", 0))


def confirmed(store: Store) -> list[SmsSubscriber]:
    with store.session() as s:
        rows = s.scalars(
            select(StatusSmsSubscriber)
            .where(StatusSmsSubscriber.confirmed_at.is_not(None))
            .order_by(StatusSmsSubscriber.id)
        )
        return [_of(r) for r in rows]
