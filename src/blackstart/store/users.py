"""Users, login sessions and the append-only audit log: the queries the auth layer needs.

:class:`UserQueries` is mixed into :class:`blackstart.store.incidents.IncidentStore`. The
audit log has no update or delete path here, the database refuses both (migration 0003's
triggers, and 0004's against ``INSERT OR REPLACE``), and every entry is chained to the one
before by its hash (:mod:`.audit_chain`). Names are stored as given (the caller normalises
them); two names that differ only in case are refused as look-alikes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from blackstart.store import audit_chain
from blackstart.store.incident_rows import AuditRow, UserRow, _a, now
from blackstart.store.incident_tables import AuditEntry, LoginSession, User
from blackstart.store.store import Store, StoreError

ROLES = ("viewer", "operator", "admin")
MAX_PAGE = 500


class Missing(StoreError):
    """The thing asked for does not exist (HTTP 404)."""


@dataclass(frozen=True)
class AuditFilter:
    """Which audit entries to show: by user, action (prefix), target (prefix), time range,
    and the page: entries older than ``before`` (an id), at most ``limit``."""

    user: str | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before: int | None = None
    limit: int = 100


@dataclass(frozen=True)
class SessionRow:
    created_at: datetime
    expires_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
        }


def _row(r: User) -> UserRow:
    return UserRow(r.id, r.name, r.role, r.password_hash, bool(r.disabled))


class UserQueries:
    """Users, sessions and the audit log on a :class:`Store`."""

    store: Store

    # ------------------------------------------------------------------ audit

    @staticmethod
    def _audit(s: Session, user: str, action: str, target: str, before: Any, after: Any) -> None:
        audit_chain.append(s, now(), user, action, target, before, after)

    def audit_log(self, *, limit: int = MAX_PAGE) -> list[AuditRow]:
        """The newest ``limit`` audit entries, newest first."""
        return self.audit_page(AuditFilter(limit=limit))

    def audit_page(self, f: AuditFilter) -> list[AuditRow]:
        """One page of the audit log, newest first (see :class:`AuditFilter`)."""
        q = select(AuditEntry).order_by(AuditEntry.id.desc())
        if f.user:
            q = q.where(AuditEntry.user == f.user)
        if f.action:
            q = q.where(AuditEntry.action.startswith(f.action, autoescape=True))
        if f.target:
            q = q.where(AuditEntry.target.startswith(f.target, autoescape=True))
        if f.since:
            q = q.where(AuditEntry.at >= f.since)
        if f.until:
            q = q.where(AuditEntry.at < f.until)
        if f.before is not None:
            q = q.where(AuditEntry.id < f.before)
        with self.store.session() as s:
            rows = s.scalars(q.limit(max(1, min(f.limit, MAX_PAGE))))
            return [
                AuditRow(r.id, _a(r.at), r.user, r.action, r.target, r.before, r.after)
                for r in rows
            ]

    def record(self, user: str, action: str, target: str, before: Any, after: Any) -> None:
        """Append an audit entry outside any incident change (login, user added, …)."""
        with self.store.session() as s, s.begin():
            self._audit(s, user, action, target, before, after)

    def verify_audit(self, *, expect_head: str | None = None) -> audit_chain.Verdict:
        """Check the audit chain and its guard triggers (:func:`.audit_chain.verify`)."""
        with self.store.session() as s:
            return audit_chain.verify(s, expect_head=expect_head)

    # ------------------------------------------------------------------ users

    def has_users(self) -> bool:
        with self.store.session() as s:
            return bool(s.scalar(select(func.count()).select_from(User)))

    def add_user(self, name: str, role: str, password_hash: str, *, by: str) -> UserRow:
        """A new user; :class:`StoreError` if the name (or one differing only in case)
        is taken."""
        if role not in ROLES:
            raise StoreError(f"unknown role '{role}'", suggestion="one of " + ", ".join(ROLES))
        row = User(name=name, role=role, password_hash=password_hash, created_at=now())
        taken = StoreError(f"a user named '{name}' exists", suggestion="choose another name")
        try:
            with self.store.session() as s, s.begin():
                names = s.scalars(select(User.name))
                if any(n.casefold() == name.casefold() for n in names):
                    raise taken
                s.add(row)
                s.flush()
                self._audit(s, by, "user.add", f"user:{name}", None, {"name": name, "role": role})
        except IntegrityError:
            raise taken from None
        return _row(row)

    def user(self, name: str) -> UserRow | None:
        with self.store.session() as s:
            r = s.scalars(select(User).where(User.name == name)).first()
            return None if r is None else _row(r)

    def users(self) -> list[UserRow]:
        with self.store.session() as s:
            return [_row(r) for r in s.scalars(select(User).order_by(User.name))]

    def _existing(self, s: Session, name: str) -> User:
        r = s.scalars(select(User).where(User.name == name)).first()
        if r is None:
            names = ", ".join(s.scalars(select(User.name).order_by(User.name))) or "none"
            raise Missing(f"no user '{name}'", suggestion=f"users: {names}")
        return r

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Store a re-hashed password (argon2 parameters upgraded)."""
        with self.store.session() as s, s.begin():
            s.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))

    def change_password(self, name: str, password_hash: str, *, by: str) -> int:
        """A new password; every session of the user ends. Returns the sessions ended."""
        with self.store.session() as s, s.begin():
            r = self._existing(s, name)
            r.password_hash = password_hash
            ended = self._end_sessions(s, r.id)
            self._audit(s, by, "user.passwd", f"user:{name}", None, {"sessions_ended": ended})
        return ended

    def set_disabled(self, name: str, disabled: bool, *, by: str) -> int:
        """Disable (every session ends) or enable a user. Returns the sessions ended."""
        with self.store.session() as s, s.begin():
            r = self._existing(s, name)
            before = bool(r.disabled)
            r.disabled = disabled
            ended = self._end_sessions(s, r.id) if disabled else 0
            action = "user.disable" if disabled else "user.enable"
            self._audit(
                s,
                by,
                action,
                f"user:{name}",
                {"disabled": before},
                {"disabled": disabled, "sessions_ended": ended},
            )
        return ended

    # ------------------------------------------------------------------ sessions

    @staticmethod
    def _end_sessions(s: Session, user_id: int) -> int:
        done = s.execute(delete(LoginSession).where(LoginSession.user_id == user_id))
        return int(getattr(done, "rowcount", 0) or 0)

    def sessions_of(self, name: str) -> list[SessionRow]:
        """The live sessions of a user, oldest first."""
        t = now()
        with self.store.session() as s:
            r = self._existing(s, name)
            rows = s.scalars(
                select(LoginSession)
                .where(LoginSession.user_id == r.id)
                .order_by(LoginSession.created_at)
            )
            return [
                SessionRow(_a(x.created_at), _a(x.expires_at)) for x in rows if _a(x.expires_at) > t
            ]

    def revoke_sessions(self, name: str, *, by: str) -> int:
        """End every session of a user; return how many."""
        with self.store.session() as s, s.begin():
            r = self._existing(s, name)
            ended = self._end_sessions(s, r.id)
            self._audit(s, by, "user.sessions-revoke", f"user:{name}", None, {"ended": ended})
        return ended

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
        """The user and CSRF token of a live session of an enabled user, or ``None``."""
        with self.store.session() as s:
            found = s.execute(
                select(LoginSession, User)
                .join(User, User.id == LoginSession.user_id)
                .where(LoginSession.token_hash == token_hash)
            ).first()
            if found is None:
                return None
            sess, u = found
            if _a(sess.expires_at) <= now() or u.disabled:
                return None
            return _row(u), sess.csrf

    def close_session(self, token_hash: str) -> None:
        with self.store.session() as s, s.begin():
            row = s.get(LoginSession, token_hash)
            if row is not None:
                s.delete(row)
