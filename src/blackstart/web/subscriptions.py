"""E-mail subscriptions to the public status: the public subscribe form (double opt-in:
a confirmation link is mailed first), the confirm link, and the one-click unsubscribe
(RFC 8058: a GET shows a button, a POST erases; mails carry ``List-Unsubscribe`` and
``List-Unsubscribe-Post``), and one mail per published update to every confirmed
subscriber, in their language, over SMTP (one connection per update).

No login anywhere: the random token in each link is the only key. The form is
rate-limited per client address (:data:`MAX_PER_WINDOW` in :data:`WINDOW_S`). Owns the
routes and the mails; the rows are :mod:`blackstart.store.subscribers`'.
"""

from __future__ import annotations

import logging
import smtplib
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, Response

from blackstart.errors import UsageError
from blackstart.store import subscribers as subs
from blackstart.store.store import StoreError
from blackstart.web import i18n
from blackstart.web.board import IncidentService
from blackstart.web.errors import error_response
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

    def send_confirmation(self, sub: subs.Subscriber) -> None:
        subject, body = _render(
            "status_confirm_email.txt",
            sub.lang,
            self.service.tz,
            confirm_url=self._link("/status/confirm", sub.token),
        )
        with smtplib.SMTP(self.config.host, self.config.port, timeout=10) as smtp:
            smtp.send_message(self._message(sub.email, subject, body, None))
            self.sent += 1

    def send_update(self) -> None:
        """One mail to every confirmed subscriber (called once per public change)."""
        people = subs.confirmed(self.service.store.store)
        if not people:
            return
        payload = self.service.public_status()
        slot = "\x00unsubscribe\x00"
        texts: dict[str, tuple[str, str]] = {}  # one rendering per language
        with smtplib.SMTP(self.config.host, self.config.port, timeout=30) as smtp:
            for p in people:
                if p.lang not in texts:
                    texts[p.lang] = _render(
                        "status_email.txt", p.lang, self.service.tz, s=payload, unsubscribe_url=slot
                    )
                subject, body = texts[p.lang]
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


def _page(request: Request, kind: str, lang: str, status: int = 200, token: str = "") -> Response:
    svc: IncidentService = request.app.state.incidents
    context = {"kind": kind, "token": token, **i18n.context(lang, svc.tz)}
    request.state.lang = lang
    return templates.TemplateResponse(request, "status_subscribe.html", context, status_code=status)


def _lang(request: Request, given: str | None = None) -> str:
    return i18n.negotiate(
        given or request.query_params.get("lang"), request.headers.get("accept-language")
    )


@router.post("/status/subscribe", response_class=HTMLResponse)
def subscribe(
    request: Request,
    email: Annotated[str, Form(max_length=320)],
    lang: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    mailer: Mailer = request.app.state.mailer
    who = request.client.host if request.client else "?"
    if not request.app.state.subscribe_limit.allow(who):
        return error_response(
            request, 429, "too many subscriptions from this address", "try again later"
        )
    chosen = _lang(request, lang)
    try:
        sub = subs.subscribe(mailer.service.store.store, email, chosen)
    except StoreError as exc:
        raise UsageError(exc.message, suggestion=exc.suggestion) from None
    if not sub.confirmed:
        try:
            mailer.send_confirmation(sub)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("confirmation mail not sent: %s", exc)
    return _page(request, "pending", chosen, 202)


@router.get("/status/confirm", response_class=HTMLResponse)
def confirm(request: Request, token: str = "") -> Response:
    sub = subs.confirm(request.app.state.incidents.store.store, token) if token else None
    if sub is None:
        return _page(request, "invalid", _lang(request), 404)
    return _page(request, "confirmed", sub.lang)


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
    app.state.subscribe_limit = RateLimit()
    svc.subscribe = True
    app.include_router(router)
    app.state.webhooks.also.append(mailer.send_update)
    return mailer
