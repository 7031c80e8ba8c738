"""The language of the dashboard and the incident board (the pages behind the login):
which language a request wants, the translator its templates call ``_``, and the cookie
that keeps a choice made with the switch in the page header.

Order: ``?lang=fr|en`` (the switch; the answer also sets the ``lang`` cookie for a year),
then the ``lang`` cookie, then ``Accept-Language``, then English. English by default
here, unlike the public page (French by default): a browser always states its language,
so the default only meets scripts and tools, which read English. A user's stored
preference is not kept (it would need a migration): the cookie plays that part.

Catalog: ``web/locale/<lang>/LC_MESSAGES/dashboard.po``, with the public page's catalog
(:mod:`.i18n`) behind it for the words both share (states, tiers). Messages made by the
server (inline errors and warnings, in English in the JSON API) are translated when shown:
exactly, or through a msgid with ``%(name)s`` placeholders matched as a pattern
(:func:`translate`), so an error keeps its values (task ids, times) in either language.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Callable
from functools import cache
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from blackstart.web import i18n

DOMAIN = "dashboard"
DEFAULT = "en"
COOKIE = "lang"
COOKIE_AGE_S = 365 * 86400
ENGLISH_ONLY: tuple[str, ...] = ()
"""Pages not translated yet, served in English whatever the choice (``lang="en"``): none
since the plan, explorer, resilience, what-if and maintenance pages were translated."""
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")

SERVER_MESSAGES = (
    "nothing: a drill never reaches the public page",
    "the live range (no ETA announced yet, so nothing else to show)",
    "the announced ETAs",
    "the live range of the latest forecast (P50 to P80), which moves on every change",
    "'%(task)s' is marked %(kind)s before its prerequisites are done: %(names)s",
    "'%(task)s' is marked %(kind)s before the failure ended (%(when)s): the power or the "
    "provider was still out",
    "this ETA is earlier than the P80 and has a %(percent)s %% chance of being kept",
    "nothing to undo on '%(task)s'",
    "you can undo your own mark within %(minutes)s min of making it",
    "'%(task)s' is not done yet",
    "mark it done first",
    "'%(task)s' was marked done by you",
    "verification is a second person's check",
    "that time is in the future of the incident's clock",
    "at most %(when)s",
    "the message is empty",
    "eta: give the announced time",
    "a simulated clock does not go back",
    "after %(when)s",
    "give the new time or how far to advance",
    "an unplanned task needs a short name without '@'",
    "task '%(key)s' is already on the board",
    "another name",
    "%(what)s: cannot read time %(text)s",
    "write e.g. 2024-08-03T14:30",
    "no task '%(task)s' on incident %(id)s",
    "see the task board",
    "did you mean %(names)s?",
    "wrong name or password",
    "this account is disabled",
    "CSRF token missing or wrong: reload the page",
    "no incident %(id)s",
    "see /incidents",
    "the status page goes down too: it runs on %(components)s — publish it off-site "
    "(blackstart status publish --to DIR|sftp://…, or serve --publish-to)",
    "the model given is not the one the incident was declared on: the contacts may differ",
    "%(name)s was not restored when the exercise ended",
    "%(name)s missed its RTO (%(hours)s h)",
    "unplanned task '%(key)s' was needed: add it to the plan (%(description)s)",
    "status published",
    "ETA announced for %(tier)s: %(eta)s",
    "this account is locked after %(n)s failed logins; try again in %(minutes)s min, or ask "
    "an admin to set a new password (blackstart user passwd)",
    "too many failed logins; try again in %(seconds)s s",
    "%(n)s failed logins for this account: wait %(seconds)s s before the next try",
    "the server is busy checking other logins; try again in a second",
    "too many failed logins on this server; try again in %(seconds)s s",
    "%(n)s alerts explained by %(who)s",
    "%(n)s alert explained by %(who)s",
    "posterior probabilities sum to 1 over the hypotheses evaluated: sets of at most "
    "max_failures candidates whose dependency cone holds an element seen down",
    "login needed",
    "log in at /login",
    "admins only",
    "ask an admin",
    "CSRF token missing or wrong",
    "reload the page and submit the form again",
    "viewers cannot change anything",
    "ask an admin for the operator role",
    "Public status",
    "nothing fails",
    "pick at least one element",
    "viewers cannot save",
    "saved as '%(name)s'",
    "not saved: %(why)s",
    "no node named like '%(q)s'",
    "try part of a name",
)
"""Messages made by the server (errors, warnings, the board's words for what /status shows)
that the board shows translated: msgids of the dashboard catalog that no template uses."""


@cache
def translator(lang: str) -> gettext.NullTranslations:
    """The dashboard catalog of ``lang``, falling back to the public page's."""
    if lang == "en":
        return gettext.NullTranslations()
    tr = i18n.translations(lang, DOMAIN)
    tr.add_fallback(i18n.translations(lang, i18n.DOMAIN))
    return tr


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """``(regex, msgid)`` of every server message with placeholders, longest first (only
    those: a template's msgid is always looked up exactly, then formatted)."""
    out = []
    for msgid in sorted(
        (i for i in SERVER_MESSAGES if _PLACEHOLDER.search(i)), key=len, reverse=True
    ):
        parts = _PLACEHOLDER.split(msgid)  # text, name, text, name, …
        rx = "".join(
            re.escape(p.replace("%%", "%")) if k % 2 == 0 else f"(?P<{p}>.+?)"
            for k, p in enumerate(parts)
        )
        out.append((re.compile(rx + r"\Z", re.S), msgid))
    return tuple(out)


def translate(text: Any, lang: str) -> Any:
    """``text`` in ``lang``: its catalog entry, else the entry whose placeholders match it
    (``nothing to undo on 'x'`` → ``rien à annuler sur « x »``), else ``text`` unchanged
    (and anything that is not text, such as a missing value, as it is)."""
    if not isinstance(text, str) or not text:
        return text
    tr = translator(lang)
    out = tr.gettext(text)
    if out != text or lang == "en":
        return out
    for rx, msgid in _patterns():
        m = rx.match(text)
        if m:
            return tr.gettext(msgid) % m.groupdict()
    return text


def _cookie(headers: Any) -> str | None:
    for key, value in headers:
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header: no preference
                return None
            if COOKIE in jar:
                return jar[COOKIE].value
    return None


def _accept(headers: Any) -> str | None:
    return next((v.decode("latin-1") for k, v in headers if k == b"accept-language"), None)


def _query(scope: Scope) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang")
    return values[-1] if values else None


def scope_lang(scope: Scope) -> str:
    """The language a request wants (see the module docstring for the order)."""
    headers = scope.get("headers", [])
    query, cookie = _query(scope), _cookie(headers)
    if query and query.strip().lower()[:2] in i18n.LANGS:
        return query.strip().lower()[:2]
    if cookie and cookie[:2] in i18n.LANGS:
        return cookie[:2]
    return i18n.negotiate(None, _accept(headers), default=DEFAULT)


def context(lang: str) -> dict[str, Any]:
    """What a dashboard template needs to speak ``lang``: ``_``, ``lang``, ``other_lang``."""
    gettext_: Callable[[Any], Any] = lambda text: translate(text, lang)  # noqa: E731
    return {"_": gettext_, "lang": lang, "other_lang": "en" if lang == "fr" else "fr"}


def function_namer(model: Any, lang: str) -> Callable[[str, str | None], str | None]:
    """``fname(function_id, shown)``: the function's name in ``lang`` when the model gives
    one per language (``name: {fr: …, en: …}``), else ``shown`` (``id@place`` too)."""

    def fname(function_id: str, shown: str | None = None) -> str | None:
        fn = model.functions.get(str(function_id).partition("@")[0]) if model else None
        names = fn.names if fn is not None else {}
        return names.get(lang, shown) if names else shown

    return fname


class LangCookie:
    """ASGI middleware: an answer to a request with ``?lang=fr|en`` sets the ``lang``
    cookie, so the choice holds on the next pages (and after the board reloads itself)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = _query(scope)
        lang = query.strip().lower()[:2] if query else None
        if lang not in i18n.LANGS:
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = f"{COOKIE}={lang}; Max-Age={COOKIE_AGE_S}; Path=/; SameSite=Lax"
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode())]
            await send(message)

        await self.app(scope, receive, send_with_cookie)
