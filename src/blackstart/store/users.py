"""Users, login sessions and the append-only audit log: the queries the auth layer needs.

:class:`UserQueries` is mixed into :class:`blackstart.store.incidents.IncidentStore`. The
audit log has no update or delete path here, and the database refuses both (migration
0003's triggers).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from blackstart.store.incident_rows import AuditRow, UserRow, _a, now
from blackstart.store.incident_tables import AuditEntry, LoginSession, User
from blackstart.store.store import Store, StoreError

ROLES = ("viewer", "operator", "admin")


class UserQueries:
    """Users, sessions and the audit log on a :class:`Store`."""

    store: Store

    # ------------------------------------------------------------------ audit

    @staticmethod
    def _audit(s: Session, user: str, action: str, target: str, before: Any, after: Any) -> None:
        s.add(
            AuditEntry(
                at=now(), user=user, action=action, target=target, before=before, after=after
            )
        )

    def audit_log(self, *, limit: int = 500) -> list[AuditRow]:
        """The newest ``limit`` audit entries, newest first."""
        with self.store.session() as s:
            rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
            return [
                AuditRow(r.id, _a(r.at), r.user, r.action, r.target, r.before, r.after)
                for r in rows
            ]

    def record(self, user: str, action: str, target: str, before: Any, after: Any) -> None:
        """Append an audit entry outside any incident change (login, user added, …)."""
        with self.store.session() as s, s.begin():
            self._audit(s, user, action, target, before, after)

    # ------------------------------------------------------------------ users

    def has_users(self) -> bool:
        with self.store.session() as s:
            return bool(s.scalar(select(func.count()).select_from(User)))

    def add_user(self, name: str, role: str, password_hash: str, *, by: str) -> UserRow:
        """A new user; :class:`StoreError` if the name is taken."""
        if role not in ROLES:
            raise StoreError(f"unknown role '{role}'", suggestion="one of " + ", ".join(ROLES))
        row = User(name=name, role=role, password_hash=password_hash, created_at=now())
        try:
            with self.store.session() as s, s.begin():
                s.add(row)
                s.flush()
                self._audit(s, by, "user.add", f"user:{name}", None, {"name": name, "role": role})
        except IntegrityError:
            raise StoreError(
                f"a user named '{name}' exists", suggestion="choose another name"
            ) from None
        return UserRow(row.id, name, role, password_hash)

    def user(self, name: str) -> UserRow | None:
        with self.store.session() as s:
            r = s.scalars(select(User).where(User.name == name)).first()
            return None if r is None else UserRow(r.id, r.name, r.role, r.password_hash)

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Store a re-hashed password (argon2 parameters upgraded)."""
        with self.store.session() as s, s.begin():
            s.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))

    # ------------------------------------------------------------------ sessions

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
        """The user and CSRF token of a live session, or ``None``."""
        with self.store.session() as s:
            found = s.execute(
                select(LoginSession, User)
                .join(User, User.id == LoginSession.user_id)
                .where(LoginSession.token_hash == token_hash)
            ).first()
            if found is None:
                return None
            sess, u = found
            if _a(sess.expires_at) <= now():
                return None
            return UserRow(u.id, u.name, u.role, u.password_hash), sess.csrf

    def close_session(self, token_hash: str) -> None:
        with self.store.session() as s, s.begin():
            row = s.get(LoginSession, token_hash)
            if row is not None:
                s.delete(row)
