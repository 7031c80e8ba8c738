"""Users, sessions, CSRF and who may see what: the gate in front of every route.

- Passwords are hashed with argon2id (64 MiB, 3 passes, one lane), NFKC-normalised first
  (:mod:`.accounts`); an unknown name costs the same hash as a wrong password.
- A login opens a server-side session: the browser holds a random token in an HttpOnly,
  SameSite=Strict cookie, the store holds its SHA-256, the user and the session's CSRF
  token. Sessions survive a restart of the server.
- Every state-changing request (any method but GET, HEAD, OPTIONS) that needs a login
  carries the session's CSRF token, in the ``csrf_token`` form field or the
  ``X-CSRF-Token`` header: missing or wrong → 403. The login form itself is protected by
  a double-submit cookie.
- Logins are budgeted per (name, address), per account and server-wide, and password
  checks run in a bounded pool (:mod:`.login_guard`); failures go to the security log,
  not the audit log. A disabled user cannot log in.
- The CSRF token and the what-if's ``save_as`` are read from the body by the same parser
  the handlers use (:mod:`.request_body`: url-encoded or multipart, any case, the last of
  repeated fields), so the role check and the handler never disagree.
- Who may see what: ``/status``, ``/status.json``, ``/login`` and ``/static`` are public.
  The incident board, drills and ``/admin`` always need a login (``/admin``: an admin).
  Everything else (the analysis pages and ``/api/…``) is open while the store has no
  user at all, and needs a login as soon as one exists. A viewer changes nothing (403).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import quote

from anyio import to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.datastructures import FormData
from starlette.requests import Request

from blackstart.store.incidents import ROLES, IncidentStore, UserRow, now
from blackstart.store.security_log import UNKNOWN, SecurityLog
from blackstart.web.accounts import normalise_name, normalise_password
from blackstart.web.login_guard import PAIR_MAX, HashPool, LoginBudget, LoginRefused
from blackstart.web.request_body import parse_form, read_body

SESSION_COOKIE = "blackstart_session"
LOGIN_CSRF_COOKIE = "blackstart_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_TTL = timedelta(hours=12)
FLUSH_S = 1.0
NAMES_TTL_S = 5.0
MAX_FAILURES = PAIR_MAX
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC = (
    "/status",
    "/status.json",
    "/status.atom",
    "/status/history",
    "/status/history.json",
    "/api/v2/summary.json",
    "/status/subscribe",
    "/status/confirm",
    "/status/unsubscribe",
    "/status/sms/subscribe",
    "/status/sms/confirm",
    "/status/sms/inbound",
    "/api/status/scopes",
    "/api/status/subscriptions",
    "/api/status/subscriptions/confirm",
    "/login",
    "/favicon.ico",
)
PUBLIC_PREFIXES = ("/static/", "/s/")
"""``/s/TOKEN``: the STOP link of the SMS (:mod:`blackstart.web.sms`)."""
QUERY_POSTS = frozenset({"/api/what-if", "/api/what-if/forecast"})
"""POSTs that only compute an answer (a what-if and its forecast): a viewer may send them;
the what-if page's form too, unless it saves (``save_as``)."""
ALWAYS_LOGIN = ("/incidents", "/api/incidents", "/admin", "/api/admin", "/logout")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}

log = logging.getLogger("blackstart.web")
_hasher = PasswordHasher(parallelism=1)
"""argon2id with the memory and passes of RFC 9106's second recommended option (64 MiB,
t = 3) on one lane instead of four: one check keeps one core busy, not four, so a flood
cannot take every core from the event loop. Hashes made with other parameters are
re-hashed at the next login."""
_DUMMY = _hasher.hash("not a password of anyone")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (NFKC-normalised first, as at every login)."""
    return _hasher.hash(normalise_password(password))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _verify(stored: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


@dataclass
class Auth:
    """Logins and sessions over the store, within the budgets of :mod:`.login_guard`."""

    incidents: IncidentStore
    budget: LoginBudget = field(default_factory=LoginBudget)
    pool: HashPool = field(default_factory=HashPool)
    security: SecurityLog | None = None
    _users_exist: bool = False
    _names: frozenset[str] = frozenset()
    _names_at: float = float("-inf")
    _pending: dict[tuple[str, str, str], tuple[int, datetime, datetime]] = field(
        default_factory=dict
    )
    _pending_lock: threading.Lock = field(default_factory=threading.Lock)
    _flushed_at: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.security is None:
            self.security = SecurityLog(self.incidents.store)

    def users_exist(self) -> bool:
        """Whether the store has a user (once true, stays true: users are never removed)."""
        if not self._users_exist:
            self._users_exist = self.incidents.has_users()
        return self._users_exist

    def note(self, kind: str, subject: str, address: str) -> bool:
        """Count a security event; return whether the counts are due to be written
        (:meth:`flush`). Counts are kept in memory and written at most every
        :data:`FLUSH_S` seconds in one transaction (a flood costs no write per attempt)."""
        t = now()
        key = (kind, subject, address)
        with self._pending_lock:
            n, first, _last = self._pending.get(key, (0, t, t))
            self._pending[key] = (n + 1, first, t)
            return time.monotonic() - self._flushed_at >= FLUSH_S

    async def count(self, kind: str, subject: str, address: str) -> None:
        """:meth:`note`, then write the counts in a worker thread if they are due."""
        if self.note(kind, subject, address):
            await to_thread.run_sync(self.flush)

    def flush(self) -> None:
        """Write the pending security-log counts now (a failed write is logged, never
        the login's answer)."""
        with self._pending_lock:
            pending, self._pending = self._pending, {}
            self._flushed_at = time.monotonic()
        try:
            assert self.security is not None
            self.security.note_many(pending)
        except Exception:
            log.exception("could not write %d security-log counts", len(pending))

    async def known(self, name: str) -> bool:
        """Whether ``name`` is a user's (names cached for :data:`NAMES_TTL_S` s)."""
        if time.monotonic() - self._names_at > NAMES_TTL_S:
            users = await to_thread.run_sync(self.incidents.users)
            self._names = frozenset(u.name for u in users)
            self._names_at = time.monotonic()
        return name in self._names

    async def login(self, name: str, password: str, address: str) -> tuple[str, str, UserRow]:
        """Check the password; open a session. Returns (cookie token, CSRF token, user).

        :class:`LoginRefused` with 401 (wrong name or password), 403 (disabled), 429 (a
        budget is spent) or 503 (the hash pool is full)."""
        name = normalise_name(name)[:100]
        password = normalise_password(password)
        try:
            return await self._login(name, password, address)
        except LoginRefused as exc:
            unknown = exc.kind == "login.failed.unknown" or not await self.known(name)
            kind = "login.failed" if exc.kind == "login.failed.unknown" else exc.kind
            if kind:
                await self.count(kind, UNKNOWN if unknown else name, address)
            raise

    async def _login(self, name: str, password: str, address: str) -> tuple[str, str, UserRow]:
        self.budget.check(name, address)
        wait = self.budget.flooded()
        if wait and not await self.known(name):
            raise LoginRefused(
                f"too many failed logins on this server; try again in {wait} s",
                429,
                wait,
                "login.throttled",
            )

        def check() -> tuple[UserRow | None, bool]:
            user = self.incidents.user(name)
            ok = _verify(user.password_hash if user else _DUMMY, password)
            return user, ok and user is not None

        user, ok = await self.pool.run(check)
        if not ok or user is None:
            locked = self.budget.failed(name, address, known=user is not None)
            if locked:
                await self.count("login.locked", name, address)
            kind = "login.failed" if user is not None else "login.failed.unknown"
            raise LoginRefused("wrong name or password", 401, 0, kind)
        if user.disabled:
            raise LoginRefused("this account is disabled", 403, 0, "login.disabled")
        self.budget.succeeded(name, address)
        if _hasher.check_needs_rehash(user.password_hash):
            new_hash = await self.pool.run(lambda: _hasher.hash(password))
            await to_thread.run_sync(self.incidents.set_password_hash, user.id, new_hash)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)

        def open_session() -> None:
            self.incidents.open_session(token_hash(token), user.id, csrf, now() + SESSION_TTL)
            self.incidents.record(user.name, "login", f"user:{user.name}", None, {"from": address})

        await to_thread.run_sync(open_session)
        return token, csrf, user

    def session(self, token: str | None) -> tuple[UserRow, str] | None:
        if not token:
            return None
        return self.incidents.session_user(token_hash(token))

    def logout(self, token: str | None, user: str) -> None:
        if token:
            self.incidents.close_session(token_hash(token))
            self.incidents.record(user, "logout", f"user:{user}", None, None)


def is_public(path: str) -> bool:
    return path in PUBLIC or path.startswith(PUBLIC_PREFIXES)


def always_login(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in ALWAYS_LOGIN)


def cookies(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is no cookie
                continue
    return {k: m.value for k, m in jar.items()}


def header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


def cookie_header(name: str, value: str, *, secure: bool, max_age: int | None) -> str:
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Strict"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


async def _reply(
    send: Send, status: int, body: bytes, ctype: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode())]
    await send(
        {"type": "http.response.start", "status": status, "headers": headers + (extra or [])}
    )
    await send({"type": "http.response.body", "body": body})


def _wants_json(path: str) -> bool:
    return path.startswith("/api/") or path.endswith(".json")


async def refuse(scope: Scope, send: Send, status: int, error: str, suggestion: str) -> None:
    """A 401/403 as JSON under ``/api/``, as a small page elsewhere (in the page's
    language, :mod:`blackstart.web.lang`)."""
    import html
    import json

    from blackstart.web.lang import scope_lang, translate

    if _wants_json(scope["path"]):
        body = json.dumps({"error": error, "suggestion": suggestion}).encode()
        await _reply(send, status, body, "application/json")
        return
    lang = scope_lang(scope)

    def t(text: str) -> str:
        return html.escape(translate(text, lang))

    page = (
        f"<!doctype html><html lang={lang}><meta charset=utf-8><title>{status} · blackstart"
        f"</title><link rel=stylesheet href=/static/style.css><main><h1>{status}</h1>"
        f"<p class=error>{t(error)}</p><p>{t(suggestion)}</p>"
        f"<p><a href=/login>{t('Log in')}</a> · <a href=/status>{t('Public status')}</a></p>"
        "</main>"
    )
    await _reply(send, status, page.encode(), "text/html; charset=utf-8")


class AuthGate:
    """ASGI middleware: finds the session, enforces login, roles and CSRF (module doc)."""

    def __init__(self, app: ASGIApp, auth: Auth) -> None:
        self.app, self.auth = app, auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        state = scope.setdefault("state", {})
        state["user"], state["csrf"] = None, None
        if is_public(path) and path != "/login":
            await self.app(scope, receive, send)
            return
        jar = cookies(scope)
        token = jar.get(SESSION_COOKIE)
        found = await to_thread.run_sync(self.auth.session, token) if token else None
        user, csrf = found if found else (None, None)
        state["user"], state["csrf"] = user, csrf
        if path == "/login":
            await self.app(scope, receive, send)
            return
        needs = always_login(path) or await to_thread.run_sync(self.auth.users_exist)
        if not needs:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if user is None:
            if method == "GET" and not _wants_json(path):
                query = scope.get("query_string", b"").decode("latin-1")
                target = quote(path + (f"?{query}" if query else ""), safe="")
                await _reply(
                    send, 303, b"", "text/plain", [(b"location", f"/login?next={target}".encode())]
                )
                return
            await refuse(scope, send, 401, "login needed", "log in at /login")
            return
        if path.startswith(("/admin", "/api/admin")) and user.role != "admin":
            await refuse(scope, send, 403, "admins only", "ask an admin")
            return
        if method in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        body, receive = await read_body(receive)
        form = await parse_form(scope, body)
        given = header(scope, CSRF_HEADER.encode()) or _last(form, CSRF_FIELD)
        if not given or not csrf or not secrets.compare_digest(given, csrf):
            await refuse(
                scope,
                send,
                403,
                "CSRF token missing or wrong",
                "reload the page and submit the form again",
            )
            return
        query_only = path in QUERY_POSTS or (path == "/what-if" and not saves(form))
        if user.role == "viewer" and path != "/logout" and not query_only:
            await refuse(
                scope,
                send,
                403,
                "viewers cannot change anything",
                "ask an admin for the operator role",
            )
            return
        await self.app(scope, receive, send)


def _last(form: FormData | None, name: str) -> str | None:
    """The value a handler's ``Form()`` parameter gets: the last one (Starlette's rule)."""
    if form is None:
        return None
    value = form.get(name)
    return value if isinstance(value, str) else None


def saves(form: FormData | None) -> bool:
    """Whether a what-if form asks to save: any ``save_as`` value that is not blank, in
    whatever encoding, case or repetition the handler would accept."""
    if form is None:
        return False
    return any(not isinstance(v, str) or v.strip() for v in form.getlist("save_as"))


def client_address(scope: Scope) -> str:
    """The client's address: the peer, or the address a trusted proxy forwarded
    (resolved once by :class:`blackstart.web.security.SecurityGate`)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def user_name(request: Request) -> str:
    """The logged-in user's name, or ``anonymous`` (no user in the store yet)."""
    user = getattr(request.state, "user", None)
    return str(user.name) if user is not None else "anonymous"


def user_role(request: Request) -> str | None:
    """The logged-in user's role, or ``None``."""
    user = getattr(request.state, "user", None)
    return str(user.role) if user is not None else None
