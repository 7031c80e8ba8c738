"""E-mail subscriptions to the public status: the public subscribe form (double opt-in:
a confirmation link is mailed first), the confirm link, and the one-click unsubscribe
(RFC 8058: a GET shows a button, a POST erases; mails carry ``List-Unsubscribe`` and
``List-Unsubscribe-Post``), and one mail per published update to every confirmed
subscriber the update concerns (:mod:`.notify`: all of them for a subscriber of
everything, else only if it touches the functions and places chosen), in their language
and speaking only of what they follow, over SMTP (one connection per update; one
rendering per language and distinct view).

The form may choose functions and places (:mod:`.scopes`: opaque keys, names shown). The
confirmation link carries that choice, so it takes effect only once the address's owner
follows the link — for a new address, and for one already subscribed changing its choice.

No login anywhere: the random token in each link is the only key. The form is
rate-limited per client address (:data:`MAX_PER_WINDOW` in :data:`WINDOW_S`). Owns the
routes and the mails; the rows are :mod:`blackstart.store.subscribers`'.
"""

from __future__ import annotations

import json
import logging
import smtplib
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, Response

from blackstart.errors import UsageError
from blackstart.store import subscribers as subs
from blackstart.store.scope import Scope
from blackstart.store.store import StoreError
from blackstart.web import i18n, scopes
from blackstart.web.board import IncidentService
from blackstart.web.errors import error_response
from blackstart.web.notify import Update
from blackstart.web.render import templates

log = logging.getLogger("blackstart.subscriptions")
MAX_PER_WINDOW = 5
WINDOW_S = 600.0
router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class MailConfig:
    """Where mails go out and what links point to."""

    host: str
    port: int
    sender: str
    public_url: str
    """The address the public reaches this server at (links in mails)."""


def parse_smtp(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--smtp: expected HOST:PORT, not {text!r}", suggestion="localhost:25")
    return host, int(port)


def _render(name: str, lang: str, tz: Any, **context: Any) -> tuple[str, str]:
    """A mail template: its first line is the subject, the rest the body."""
    text = templates.env.get_template(name).render(**context, **i18n.context(lang, tz))
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


class Mailer:
    def __init__(self, config: MailConfig, service: IncidentService) -> None:
        self.config, self.service = config, service
        self.sent = 0

    def _message(self, to: str, subject: str, body: str, unsubscribe: str | None) -> EmailMessage:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.config.sender, to, subject
        if unsubscribe:
            msg["List-Unsubscribe"] = f"<{unsubscribe}>"
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg.set_content(body)
        return msg

    def _link(self, path: str, token: str) -> str:
        return f"{self.config.public_url.rstrip('/')}{path}?token={quote(token)}"

    def send_confirmation(self, sub: subs.Subscriber, scope: Scope) -> None:
        model = self.service.dash.model
        fk, pk = scopes.keys(model, scope)
        query = urlencode([("token", sub.token)] + [("f", k) for k in fk] + [("p", k) for k in pk])
        subject, body = _render(
            "status_confirm_email.txt",
            sub.lang,
            self.service.tz,
            confirm_url=f"{self.config.public_url.rstrip('/')}/status/confirm?{query}",
            scope_text=scopes.describe(model, scope, sub.lang),
        )
        with smtplib.SMTP(self.config.host, self.config.port, timeout=10) as smtp:
            smtp.send_message(self._message(sub.email, subject, body, None))
            self.sent += 1

    def send_update(self, update: Update) -> None:
        """One mail to every confirmed subscriber ``update`` concerns (called once per
        public change)."""
        people = [p for p in subs.confirmed(self.service.store.store) if update.concerns(p.scope)]
        if not people:
            return
        model = self.service.dash.model
        slot = "\x00unsubscribe\x00"
        views: dict[str, tuple[str, dict[str, Any]]] = {}  # scope -> what it sees
        texts: dict[tuple[str, str], tuple[str, str]] = {}  # one per language and view
        with smtplib.SMTP(self.config.host, self.config.port, timeout=30) as smtp:
            for p in people:
                scope_key = p.scope.key()
                if scope_key not in views:  # many scopes see the same rows
                    seen = scopes.scoped(update.payload, model, p.scope)
                    views[scope_key] = (json.dumps(seen["tiers"], sort_keys=True), seen)
                view, seen = views[scope_key]
                key = (p.lang, view)
                if key not in texts:
                    texts[key] = _render(
                        "status_email.txt", p.lang, self.service.tz, s=seen, unsubscribe_url=slot
                    )
                subject, body = texts[key]
                link = self._link("/status/unsubscribe", p.token)
                smtp.send_message(self._message(p.email, subject, body.replace(slot, link), link))
                self.sent += 1


class RateLimit:
    def __init__(self) -> None:
        self._hits: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def allow(self, who: str) -> bool:
        now = time.monotonic()
        with self._lock:
            hits = [t for t in self._hits.get(who, []) if now - t < WINDOW_S]
            if len(hits) >= MAX_PER_WINDOW:
                self._hits[who] = hits
                return False
            self._hits[who] = [*hits, now]
            return True


def _page(
    request: Request, kind: str, lang: str, status: int = 200, token: str = "", **more: Any
) -> Response:
    svc: IncidentService = request.app.state.incidents
    context = {"kind": kind, "token": token, **more, **i18n.context(lang, svc.tz)}
    request.state.lang = lang
    return templates.TemplateResponse(request, "status_subscribe.html", context, status_code=status)


def _lang(request: Request, given: str | None = None) -> str:
    return i18n.negotiate(
        given or request.query_params.get("lang"), request.headers.get("accept-language")
    )


@router.post("/status/subscribe", response_class=HTMLResponse)
def subscribe(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    lang: Annotated[str, Form(max_length=5)] = "",
    function: Annotated[list[str] | None, Form(max_length=200)] = None,
    place: Annotated[list[str] | None, Form(max_length=200)] = None,
) -> Response:
    if not allowed(request):
        return error_response(
            request, 429, "too many subscriptions from this address", "try again later"
        )
    chosen = _lang(request, lang)
    scope = scopes.parse(request.app.state.dashboard.model, function or [], place or [])
    subscribe_email(request, email, chosen, scope)
    return _page(request, "pending", chosen, 202)


def allowed(request: Request) -> bool:
    """Whether the client may subscribe again now (:class:`RateLimit`)."""
    who = request.client.host if request.client else "?"
    limit: RateLimit = request.app.state.subscribe_limit
    return limit.allow(who)


def subscribe_email(request: Request, email: str, lang: str, scope: Scope) -> None:
    """Record a pending subscription and mail its confirmation link (which carries
    ``scope``); a :class:`UsageError` for a bad address."""
    mailer: Mailer | None = getattr(request.app.state, "mailer", None)
    if mailer is None:
        raise UsageError("this server offers no e-mail subscription", suggestion="use SMS")
    if not email.strip():
        raise UsageError("an e-mail address is needed", suggestion="name@example.org")
    try:
        sub = subs.subscribe(mailer.service.store.store, email, lang, scope)
    except StoreError as exc:
        raise UsageError(exc.message, suggestion=exc.suggestion) from None
    try:
        mailer.send_confirmation(sub, scope)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("confirmation mail not sent: %s", exc)


@router.get("/status/confirm", response_class=HTMLResponse)
def confirm(request: Request, token: str = "") -> Response:
    model = request.app.state.dashboard.model
    try:
        scope = scopes.parse(
            model, request.query_params.getlist("f"), request.query_params.getlist("p")
        )
    except UsageError:
        return _page(request, "invalid", _lang(request), 404)
    sub = subs.confirm(request.app.state.incidents.store.store, token, scope) if token else None
    if sub is None:
        return _page(request, "invalid", _lang(request), 404)
    return _page(request, "confirmed", sub.lang, scope_text=scopes.describe(model, scope, sub.lang))


@router.get("/status/unsubscribe", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str = "") -> Response:
    """A GET never unsubscribes (link scanners follow links): it shows the button."""
    return _page(request, "ask", _lang(request), token=token)


@router.post("/status/unsubscribe", response_class=HTMLResponse)
def unsubscribe(request: Request, token: str = "") -> Response:
    gone = bool(token) and subs.unsubscribe(request.app.state.incidents.store.store, token)
    return _page(request, "gone" if gone else "invalid", _lang(request), 200 if gone else 404)


def install(app: FastAPI, config: MailConfig) -> Mailer:
    """Offer e-mail subscriptions on ``app``; mails go out through ``config``."""
    svc: IncidentService = app.state.incidents
    mailer = Mailer(config, svc)
    app.state.mailer = mailer
    if not hasattr(app.state, "subscribe_limit"):
        app.state.subscribe_limit = RateLimit()
    svc.subscribe = True
    app.include_router(router)
    app.state.webhooks.also.append(mailer.send_update)
    return mailer
