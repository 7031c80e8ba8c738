"""SMS subscribers of the public status: the public form (a phone number in E.164, a
6-digit code sent to it and typed back: double opt-in), the STOP link in every SMS
(``/s/TOKEN``: a GET shows a button, a POST erases the number) and a reply ``STOP``
forwarded by the gateway (``/status/sms/inbound``), and one SMS per
published update to every confirmed subscriber the update concerns (:mod:`.notify`), in
their language, through the operator's HTTP gateway (:mod:`.sms_gateway`).

An SMS is at most 160 GSM 03.38 characters (one message, never split): the organisation
and the incident's state, then one line per function (and place) the subscriber follows
that is not up (one per place when the subscriber chose places), as many as fit, then
``+N more`` and ``Info/STOP LINK`` (that page links to the status page and erases the
number with one button).
Characters outside GSM-7 are written without their accent (``ô`` → ``o``), so the
gateway never falls back to UCS-2 (70 characters). It says only what the public page
says (:mod:`.scopes` filters the public payload). Owns the routes and the texts; the
rows are :mod:`blackstart.store.sms`'.
"""

from __future__ import annotations

import hmac
import logging
import os
import unicodedata
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from blackstart.errors import UsageError
from blackstart.store import sms as rows
from blackstart.store.store import StoreError
from blackstart.web import i18n, scopes
from blackstart.web.board import IncidentService
from blackstart.web.errors import error_response
from blackstart.web.notify import Update
from blackstart.web.render import templates
from blackstart.web.sms_gateway import INBOUND_TOKEN_ENV, SmsGateway
from blackstart.web.subscriptions import RateLimit, _lang, _page, allowed

log = logging.getLogger("blackstart.sms")
router = APIRouter(include_in_schema=False)
LIMIT = 160

# GSM 03.38 default alphabet, and its extension table (two septets each).
_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_EXTENDED = set("^{}\\[~]|€")
_SLOTS = "\x00\x1e\x1f"  # placeholders of fit(), kept as they are
_SUBSTITUTES = {
    "’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"', "–": "-", "—": "-",
    "…": "...", "\u00a0": " ", "\u202f": " ", "ç": "c", "·": "-",
}  # fmt: skip


def gsm7(text: str) -> str:
    """``text`` in the GSM-7 alphabet: typographic signs replaced, other letters without
    their accent, anything else ``?``.

    >>> gsm7("Hôpital Nord – août")
    'Hopital Nord - aout'
    """
    out = []
    for ch in text:
        ch = _SUBSTITUTES.get(ch, ch)
        if ch in _SLOTS or all(c in _BASIC or c in _EXTENDED for c in ch):
            out.append(ch)
            continue
        bare = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(bare if bare and all(c in _BASIC or c in _EXTENDED for c in bare) else "?")
    return "".join(out)


def septets(text: str) -> int:
    """Length of a GSM-7 text in septets (extension characters count two)."""
    return sum(2 if c in _EXTENDED else 1 for c in text)


def fit(header: str, items: list[tuple[str, str]], more: str, tail: str, limit: int = LIMIT) -> str:
    """``header``, as many ``items`` as fit, ``more`` (with ``\\x00`` for the count of
    the others) and ``tail``, one per line, in at most ``limit`` septets. An item is
    ``(label, text)`` with ``\\x1e`` in ``text`` where the label goes; the first item's
    label is shortened if needed (a name cut short beats no news). The header may carry a
    ``\\x1f``: what follows it is dropped when no item would fit otherwise."""
    header, tail, more = gsm7(header), gsm7(tail), gsm7(more)
    room = limit - septets(tail) - 1
    short = header.split("\x1f", 1)[0]
    text, placed = _fill(header.replace("\x1f", ""), items, more, room)
    if placed == 0 and items and short != header:
        text, placed = _fill(short, items, more, room)
    return text + "\n" + tail


def _fill(header: str, items: list[tuple[str, str]], more: str, room: int) -> tuple[str, int]:
    """The lines of :func:`fit` in ``room`` septets, and how many items they hold."""
    header = header if septets(header) <= room else header[: max(room - 3, 0)] + "..."
    body, placed = [header], 0
    for k, (label, text) in enumerate(items):
        rest = len(items) - k - 1
        note = [more.replace("\x00", str(rest))] if rest else []
        label, text = gsm7(label), gsm7(text)
        line = text.replace("\x1e", label)
        if septets("\n".join([*body, line, *note])) > room and k == 0:
            spare = room - septets("\n".join([*body, text.replace("\x1e", ""), *note])) - 1
            if spare >= 8:
                line = text.replace("\x1e", label[: spare - 1].rstrip() + ".")
        if septets("\n".join([*body, line, *note])) <= room:
            body.append(line)
            placed += 1
            continue
        note = [more.replace("\x00", str(len(items) - k))]
        if septets("\n".join([*body, *note])) <= room:
            body += note
        break
    return "\n".join(body), placed


class SmsChannel:
    """Sends codes and updates through the gateway (on the gateway's own thread)."""

    def __init__(self, gateway: SmsGateway, service: IncidentService, public_url: str) -> None:
        self.gateway, self.service, self.public_url = gateway, service, public_url.rstrip("/")

    def _render(self, lang: str, **context: Any) -> str:
        ctx = i18n.context(lang, self.service.tz)
        tz = context["s"]["timezone"] if "s" in context else str(self.service.tz)
        return templates.env.get_template("status_sms.txt").render(**context, **ctx, tz=tz)

    def code_text(self, code: str, lang: str) -> str:
        return gsm7(self._render(lang, kind="code", code=code).strip())

    def update_text(
        self, payload: dict[str, Any], lang: str, token: str, *, per_place: bool = False
    ) -> str:
        """The SMS of an update: ends with ``Info/STOP LINK`` (the link's page shows
        the way to the status page and the button that erases the number)."""
        text = self._render(lang, kind="update", s=payload, per_place=per_place)
        lines = text.strip("\n").split("\n")
        items = [tuple(x.split("\x1f", 1)) for x in lines[1:-1] if "\x1f" in x]
        pairs = [(a, b) for a, b in items]
        return fit(lines[0], pairs, lines[-1], f"Info/STOP {self.stop_link(token)}")

    def stop_link(self, token: str) -> str:
        return f"{self.public_url}/s/{token}"

    def send_code(self, sub: rows.SmsSubscriber, code: str) -> None:
        self.gateway.enqueue([(sub.phone, self.code_text(code, sub.lang))])

    def send_update(self, update: Update) -> None:
        """Queue one SMS for every confirmed subscriber ``update`` concerns."""
        people = [p for p in rows.confirmed(self.service.store.store) if update.concerns(p.scope)]
        model = self.service.dash.model
        texts: dict[tuple[str, str, int], str] = {}  # one text per language and scope
        batch = []
        for p in people:
            key = (p.lang, p.scope.key(), len(p.token))
            if key not in texts:  # the text ends with the token: fitted once per length
                payload = scopes.scoped(update.payload, model, p.scope)
                texts[key] = self.update_text(
                    payload, p.lang, "#" * len(p.token), per_place=bool(p.scope.places)
                )
            batch.append((p.phone, texts[key][: -len(p.token)] + p.token))
        if batch:
            self.gateway.enqueue(batch)


def _channel(request: Request) -> SmsChannel:
    channel: SmsChannel = request.app.state.sms
    return channel


def subscribe_sms(request: Request, phone: str, lang: str) -> rows.SmsSubscriber:
    """Record a pending number (or a change of choice) and send it a code."""
    channel = _channel(request)
    try:
        sub, code = rows.subscribe(channel.service.store.store, phone, lang)
    except StoreError as exc:
        raise UsageError(exc.message, suggestion=exc.suggestion) from None
    channel.send_code(sub, code)
    return sub


@router.post("/status/sms/subscribe", response_class=HTMLResponse)
def subscribe(
    request: Request,
    phone: Annotated[str, Form(max_length=30)] = "",
    lang: Annotated[str, Form(max_length=5)] = "",
    function: Annotated[list[str] | None, Form(max_length=200)] = None,
    place: Annotated[list[str] | None, Form(max_length=200)] = None,
) -> Response:
    if not allowed(request):
        return error_response(
            request, 429, "too many subscriptions from this address", "try again later"
        )
    chosen = _lang(request, lang)
    model = request.app.state.dashboard.model
    scope = scopes.parse(model, function or [], place or [])
    sub = subscribe_sms(request, phone, chosen)
    fk, pk = scopes.keys(model, scope)
    return _page(request, "code", chosen, 202, phone=sub.phone, functions=fk, places=pk)


@router.post("/status/sms/confirm", response_class=HTMLResponse)
def confirm(
    request: Request,
    phone: Annotated[str, Form(max_length=30)],
    code: Annotated[str, Form(max_length=10)],
    lang: Annotated[str, Form(max_length=5)] = "",
    function: Annotated[list[str] | None, Form(max_length=200)] = None,
    place: Annotated[list[str] | None, Form(max_length=200)] = None,
) -> Response:
    model = request.app.state.dashboard.model
    scope = scopes.parse(model, function or [], place or [])
    sub = rows.confirm(_channel(request).service.store.store, phone, code, scope)
    chosen = _lang(request, lang)
    if sub is None:
        fk, pk = scopes.keys(model, scope)
        return _page(request, "wrong-code", chosen, 400, phone=phone, functions=fk, places=pk)
    return _page(request, "confirmed", sub.lang, scope_text=scopes.describe(model, scope, sub.lang))


STOP_WORDS = frozenset({"STOP", "ARRET", "ARRÊT", "STOP SMS", "UNSUBSCRIBE"})


@router.post("/status/sms/inbound")
def inbound(request: Request, body: dict[str, Any]) -> Response:
    """An SMS received by the gateway, forwarded as ``{"from": "+33…", "text": "STOP"}``
    with ``Authorization: Bearer $BLACKSTART_SMS_INBOUND_TOKEN``: a reply ``STOP`` (or
    ``ARRET``) erases the number, like the link. 404 when no inbound token is set."""

    def refuse(status: int, error: str, suggestion: str) -> Response:  # JSON: a machine asks
        return JSONResponse({"error": error, "suggestion": suggestion}, status)

    expected = os.environ.get(INBOUND_TOKEN_ENV)
    if not expected:
        return refuse(404, "no inbound SMS here", f"set {INBOUND_TOKEN_ENV}")
    given = request.headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
        return refuse(401, "wrong inbound token", "Authorization: Bearer …")
    sender, text = body.get("from"), body.get("text")
    if not isinstance(sender, str) or not isinstance(text, str):
        return refuse(422, "expected a sender and a text", '{"from": "+33…", "text": "STOP"}')
    stop = " ".join(text.split()).upper() in STOP_WORDS
    erased = stop and rows.erase(_channel(request).service.store.store, sender)
    return JSONResponse({"stop": stop, "erased": erased})


@router.get("/s/{token}", response_class=HTMLResponse)
def stop_page(request: Request, token: str) -> Response:
    """A GET never erases (link scanners follow links): it shows the button."""
    return _page(request, "ask", _lang(request), token=token, action=f"/s/{token}")


@router.post("/s/{token}", response_class=HTMLResponse)
def stop(request: Request, token: str) -> Response:
    gone = rows.unsubscribe(_channel(request).service.store.store, token)
    return _page(request, "gone" if gone else "invalid", _lang(request), 200 if gone else 404)


def install(app: FastAPI, gateway: SmsGateway, public_url: str) -> SmsChannel:
    """Offer SMS subscriptions on ``app``; SMS go out through ``gateway``."""
    svc: IncidentService = app.state.incidents
    channel = SmsChannel(gateway, svc, public_url)
    app.state.sms = channel
    if not hasattr(app.state, "subscribe_limit"):
        app.state.subscribe_limit = RateLimit()
    svc.sms = True
    app.include_router(router)
    app.state.webhooks.also.append(channel.send_update)
    return channel
