"""The outermost layer of the dashboard: who the client is, what a request may carry, and
the headers every response gets. Pure ASGI, in front of everything else (the status fast
path included).

- **Client address.** The peer address, unless the peer is one of ``trusted_proxies``
  (``blackstart serve --trusted-proxy``): then the rightmost address of
  ``X-Forwarded-For`` that is not itself a trusted proxy, and ``X-Forwarded-Proto`` for the
  scheme. From anyone else those headers are ignored, so rotating them neither escapes the
  login budgets nor forges the address in the logs. (uvicorn's own proxy-header handling
  is switched off: :func:`server_config`.)
- **Body size.** A declared ``Content-Length`` over :data:`MAX_BODY` is answered 413 at
  once; a chunked body is read up to the limit and answered 413 beyond it.
- **Host.** While the store has no user (the analysis pages are open), only a loopback
  Host (``localhost``, ``127.0.0.1``, ``[::1]``, any port) or one of ``allowed_hosts`` is
  served (400 otherwise): a page of another site whose name was rebound to 127.0.0.1
  (DNS rebinding) cannot read the dashboard.
- **Origin.** A state-changing request (not GET, HEAD, OPTIONS) whose ``Origin`` is not
  this site (or is ``null``), or that a browser marks ``Sec-Fetch-Site: cross-site``, is
  refused (403), on top of the CSRF token.
- **Headers.** Every response: ``X-Frame-Options: DENY``, a CSP with
  ``frame-ancestors 'none'``, ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: same-origin`` (not ``no-referrer``: with it a browser sends
  ``Origin: null`` on form posts, which the Origin check must refuse),
  ``Cross-Origin-Opener-Policy: same-origin``; and
  ``Cache-Control: no-store`` on everything but the static files and the public status
  (which say their own).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from anyio import to_thread

from blackstart.web.request_body import MAX_BODY, replay

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-frame-options", b"DENY"),
    (
        b"content-security-policy",
        b"frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
CACHEABLE_PREFIXES = ("/static/", "/status", "/favicon.ico")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_proxies(values: Iterable[str]) -> tuple[Network, ...]:
    """Addresses or networks (``10.0.0.5``, ``10.0.0.0/24``); ``ValueError`` if one is bad."""
    nets = []
    for value in values:
        try:
            nets.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"--trusted-proxy {value!r} is not an IP address or network (e.g. 10.0.0.5 "
                "or 10.0.0.0/24)"
            ) from None
    return tuple(nets)


@dataclass
class SecurityConfig:
    """What :class:`SecurityGate` trusts and allows."""

    trusted_proxies: tuple[Network, ...] = ()
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)
    max_body: int = MAX_BODY

    def trusts(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.trusted_proxies)


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


def _host_name(host: str) -> str:
    """``example.org:8000`` → ``example.org``; ``[::1]:80`` → ``[::1]``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


async def _reply(send: Send, status: int, error: str, suggestion: str) -> None:
    body = json.dumps({"error": error, "suggestion": suggestion}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class SecurityGate:
    """ASGI middleware: client address, body size, Host, Origin, headers (module doc)."""

    def __init__(
        self, app: ASGIApp, config: SecurityConfig, users_exist: Callable[[], bool]
    ) -> None:
        self.app, self.config, self.users_exist = app, config, users_exist
        self._open: bool | None = None

    def _resolve_client(self, scope: Scope) -> None:
        client = scope.get("client")
        peer = str(client[0]) if client else ""
        if not self.config.trusts(peer):
            return
        forwarded = _header(scope, b"x-forwarded-for")
        if forwarded:
            hops = [h.strip() for h in forwarded.split(",") if h.strip()]
            address = peer
            for hop in reversed(hops):
                address = hop
                if not self.config.trusts(hop):
                    break
            try:
                ipaddress.ip_address(address)
                scope["client"] = (address, 0)
            except ValueError:
                pass
        proto = (_header(scope, b"x-forwarded-proto") or "").strip().lower()
        if proto in ("http", "https"):
            scope["scheme"] = proto
        host = (_header(scope, b"x-forwarded-host") or "").split(",")[0].strip()
        if host:
            scope["headers"] = [
                *((k, v) for k, v in scope.get("headers", []) if k != b"host"),
                (b"host", host.encode("latin-1")),
            ]

    async def _no_users(self) -> bool:
        if self._open is False:
            return False
        exist = await to_thread.run_sync(self.users_exist)
        self._open = not exist
        return self._open

    def _origin_ok(self, scope: Scope) -> bool:
        site = (_header(scope, b"sec-fetch-site") or "").strip().lower()
        if site == "cross-site":
            return False
        origin = _header(scope, b"origin")
        if origin is None:
            return True
        if origin.strip().lower() == "null":
            return False
        host = _header(scope, b"host") or ""
        parts = urlsplit(origin.strip())
        return bool(parts.netloc) and parts.netloc.lower() == host.strip().lower()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self._resolve_client(scope)
        path: str = scope.get("path", "")
        no_store = not path.startswith(CACHEABLE_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in HEADERS if k not in present]
                if no_store and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        refusal = await self._refusal(scope)
        if refusal:
            await _reply(send_with_headers, *refusal)
            return
        length = _header(scope, b"content-length")
        if length is not None:
            if not length.strip().isdigit() or int(length) > self.config.max_body:
                await _too_large(send_with_headers, self.config.max_body)
                return
        elif scope["method"] not in SAFE_METHODS:
            chunks, size = [], 0
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    break
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.config.max_body:
                    await _too_large(send_with_headers, self.config.max_body)
                    return
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
            receive = replay(b"".join(chunks), receive)
        await self.app(scope, receive, send_with_headers)

    async def _refusal(self, scope: Scope) -> tuple[int, str, str] | None:
        host = _host_name(_header(scope, b"host") or "")
        allowed = host in LOOPBACK_HOSTS or host in self.config.allowed_hosts
        if not allowed and await self._no_users():
            return (
                400,
                f"host {host!r} is not served while the store has no user",
                "open the dashboard at http://127.0.0.1:PORT/, add a user "
                "(blackstart user add NAME --role admin), or pass --allowed-host",
            )
        if scope["method"] not in SAFE_METHODS and not self._origin_ok(scope):
            return (
                403,
                "cross-site request refused (Origin is not this site)",
                "submit the form from the dashboard itself",
            )
        return None


async def _too_large(send: Send, limit: int) -> None:
    await _reply(
        send,
        413,
        f"the request body is over {limit // 1_000_000} MB",
        "send less: split the change, or shorten the text",
    )


def server_config(app: Any, *, host: str, port: int, **options: Any) -> Any:
    """The uvicorn configuration ``blackstart serve`` runs: uvicorn's own proxy headers
    off (the gate above decides whom to trust), no server banner."""
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        proxy_headers=False,
        server_header=False,
        log_level=options.pop("log_level", "warning"),
        **options,
    )
