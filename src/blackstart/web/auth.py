"""Users, sessions, CSRF and who may see what: the gate in front of every route.

- Passwords are hashed with argon2id (argon2-cffi's defaults); an unknown name costs the
  same hash as a wrong password.
- A login opens a server-side session: the browser holds a random token in an HttpOnly,
  SameSite=Strict cookie, the store holds its SHA-256, the user and the session's CSRF
  token. Sessions survive a restart of the server.
- Every state-changing request (any method but GET, HEAD, OPTIONS) that needs a login
  carries the session's CSRF token, in the ``csrf_token`` form field or the
  ``X-CSRF-Token`` header: missing or wrong → 403. The login form itself is protected by
  a double-submit cookie.
- Logins are rate-limited per (name, address): :data:`MAX_FAILURES` failures within
  :data:`WINDOW_S` seconds lock that pair out until the window has passed (429).
- Who may see what: ``/status``, ``/status.json``, ``/login`` and ``/static`` are public.
  The incident board, drills and ``/admin`` always need a login (``/admin``: an admin).
  Everything else (the analysis pages and ``/api/…``) is open while the store has no
  user at all, and needs a login as soon as one exists. A viewer changes nothing (403).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, quote

from anyio import to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from blackstart.store.incidents import ROLES, IncidentStore, UserRow, now

SESSION_COOKIE = "blackstart_session"
LOGIN_CSRF_COOKIE = "blackstart_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_TTL = timedelta(hours=12)
MAX_FAILURES = 5
WINDOW_S = 300.0
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC = (
    "/status",
    "/status.json",
    "/status.atom",
    "/api/v2/summary.json",
    "/status/subscribe",
    "/status/confirm",
    "/status/unsubscribe",
    "/login",
    "/favicon.ico",
)
PUBLIC_PREFIXES = ("/static/",)
QUERY_POSTS = frozenset({"/api/what-if", "/api/what-if/forecast"})
"""POSTs that only compute an answer (a what-if and its forecast): a viewer may send them;
the what-if page's form too, unless it saves (``save_as``)."""
ALWAYS_LOGIN = ("/incidents", "/api/incidents", "/admin", "/api/admin", "/logout")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
MAX_FORM_BYTES = 1_000_000

_hasher = PasswordHasher()
_DUMMY = _hasher.hash("not a password of anyone")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def hash_password(password: str) -> str:
    """The argon2id hash of ``password``."""
    return _hasher.hash(password)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LoginRefused(Exception):
    """Wrong name or password (401), or too many failures (429, ``retry_after`` s)."""

    def __init__(self, message: str, status: int, retry_after: int = 0) -> None:
        super().__init__(message)
        self.message, self.status, self.retry_after = message, status, retry_after


@dataclass
class RateLimiter:
    """Failed logins per key within a sliding window."""

    max_failures: int = MAX_FAILURES
    window_s: float = WINDOW_S
    _failures: dict[tuple[str, str], deque[float]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, key: tuple[str, str]) -> int:
        """Seconds until ``key`` may try again (0: now)."""
        with self._lock:
            q = self._failures[key]
            t = time.monotonic()
            while q and q[0] <= t - self.window_s:
                q.popleft()
            if len(q) < self.max_failures:
                return 0
            return max(1, int(q[0] + self.window_s - t + 0.999))

    def failed(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures[key].append(time.monotonic())

    def succeeded(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.pop(key, None)


@dataclass
class Auth:
    """Logins and sessions over the store."""

    incidents: IncidentStore
    limiter: RateLimiter = field(default_factory=RateLimiter)
    _users_exist: bool = False

    def users_exist(self) -> bool:
        """Whether the store has a user (once true, stays true: users are never removed)."""
        if not self._users_exist:
            self._users_exist = self.incidents.has_users()
        return self._users_exist

    def login(self, name: str, password: str, address: str) -> tuple[str, str, UserRow]:
        """Check the password; open a session. Returns (cookie token, CSRF token, user)."""
        key = (name, address)
        wait = self.limiter.retry_after(key)
        if wait:
            raise LoginRefused(f"too many failed logins; try again in {wait} s", 429, wait)
        user = self.incidents.user(name)
        try:
            _hasher.verify(user.password_hash if user else _DUMMY, password)
            ok = user is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok or user is None:
            self.limiter.failed(key)
            self.incidents.record(name, "login.failed", f"user:{name}", None, {"from": address})
            raise LoginRefused("wrong name or password", 401)
        self.limiter.succeeded(key)
        if _hasher.check_needs_rehash(user.password_hash):
            self.incidents.set_password_hash(user.id, _hasher.hash(password))
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.incidents.open_session(token_hash(token), user.id, csrf, now() + SESSION_TTL)
        self.incidents.record(user.name, "login", f"user:{user.name}", None, {"from": address})
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
    """A 401/403 as JSON under ``/api/``, as a small page elsewhere."""
    import html
    import json

    if _wants_json(scope["path"]):
        body = json.dumps({"error": error, "suggestion": suggestion}).encode()
        await _reply(send, status, body, "application/json")
        return
    page = (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{status} · blackstart"
        f"</title><link rel=stylesheet href=/static/style.css><main><h1>{status}</h1>"
        f"<p class=error>{html.escape(error)}</p><p>{html.escape(suggestion)}</p>"
        f"<p><a href=/login>Log in</a> · <a href=/status>Public status</a></p></main>"
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
        found = await to_thread.run_sync(self.auth.session, jar.get(SESSION_COOKIE))
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
        body, receive = await _buffer(receive)
        given = header(scope, CSRF_HEADER.encode()) or _form_field(scope, body, CSRF_FIELD)
        if not given or not csrf or not secrets.compare_digest(given, csrf):
            await refuse(
                scope,
                send,
                403,
                "CSRF token missing or wrong",
                "reload the page and submit the form again",
            )
            return
        query_only = path in QUERY_POSTS or (
            path == "/what-if" and not (_form_field(scope, body, "save_as") or "").strip()
        )
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


async def _buffer(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole request body; return it and a ``receive`` that replays it."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_FORM_BYTES:
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _form_field(scope: Scope, body: bytes, name: str) -> str | None:
    ctype = header(scope, b"content-type") or ""
    if not ctype.startswith("application/x-www-form-urlencoded"):
        return None
    values = parse_qs(body.decode("utf-8", "replace")).get(name)
    return values[0] if values else None


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
