"""French and English for the public status page: which language a request wants, the
gettext catalog of that language, and dates written the local way in the site's zone.

Catalogs are gettext ``.po`` files under ``web/locale/<lang>/LC_MESSAGES/<domain>.po``
(``status``: the public pages; ``dashboard``: the pages behind the login, see
:mod:`blackstart.web.lang`),
shipped as package data and compiled in memory with Babel on first use (no build step,
so a wheel or an editable install work alike; a ``.mo`` is never needed). English is the
source language (msgids). Templates get ``_`` (gettext), ``lang``, ``when`` (a date in
the site's zone, per locale) and ``other_lang`` in their context: no global state, so
two requests in two languages can render at once.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from babel.core import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGS = ("fr", "en")
DEFAULT_LANG = "fr"
"""When a request states no preference: the users are French hospitals."""
DOMAIN = "status"


def po_path(lang: str, domain: str = DOMAIN) -> Any:
    """The catalog file of ``lang`` (and ``domain``) inside the package."""
    return resources.files("blackstart.web") / "locale" / lang / "LC_MESSAGES" / f"{domain}.po"


@cache
def translations(lang: str, domain: str = DOMAIN) -> gettext.NullTranslations:
    """The compiled catalog of ``lang`` (English: the msgids themselves)."""
    if lang == "en":
        return gettext.NullTranslations()
    with po_path(lang, domain).open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=domain)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def negotiate(query: str | None, accept_language: str | None, default: str = DEFAULT_LANG) -> str:
    """``?lang=`` if it names a language we have, else the best of ``Accept-Language``
    (RFC 9110 §12.5.4 quality values), else ``default`` (:data:`DEFAULT_LANG`).

    >>> negotiate(None, "en-GB,en;q=0.9,fr;q=0.8")
    'en'
    >>> negotiate("fr", "en")
    'fr'
    """
    if query and query.strip().lower()[:2] in LANGS:
        return query.strip().lower()[:2]
    best, best_q = None, 0.0
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        lang = tag.strip().lower()[:2]
        if lang in LANGS and (q > best_q or (q == best_q and best is None)):
            best, best_q = lang, q - i * 1e-6  # earlier wins a tie
    return best or default


def format_when(iso: str | None, lang: str, tz: ZoneInfo) -> str:
    """An ISO time written for ``lang`` in zone ``tz``: ``3 août 2024, 14:30`` or
    ``Aug 3, 2024, 14:30`` (24-hour clock in both, as French hospitals read time)."""
    if not iso:
        return "—"
    when = datetime.fromisoformat(iso).astimezone(tz)
    locale = Locale.parse(lang)
    return (
        f"{format_date(when, 'medium', locale=locale)}, {format_time(when, 'HH:mm', locale=locale)}"
    )


def context(lang: str, tz: ZoneInfo) -> dict[str, Any]:
    """What a public template needs to speak ``lang``."""
    tr = translations(lang)
    when: Callable[[str | None], str] = lambda iso: format_when(iso, lang, tz)  # noqa: E731
    return {
        "_": tr.gettext,
        "lang": lang,
        "other_lang": "en" if lang == "fr" else "fr",
        "when": when,
        "tz_name": str(tz),
    }
