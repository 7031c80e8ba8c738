"""The language of the command line's human output: English or French.

Chosen by ``--lang fr|en`` (before the command: ``blackstart --lang fr impact …``), else
by the environment: ``BLACKSTART_LANG``, then the POSIX locale variables in their order of
precedence (``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``LANG=fr_FR.UTF-8`` gives French),
else English. English by default because the output of a terminal is read by scripts too
and the command names and options are English; a French locale says otherwise.

Only the human output of the most used commands is translated (``impact``, ``spof``,
``plan``, ``forecast``, ``explain``, ``status``): headings, column names and sentences.
JSON never changes (its keys are the API), and neither do ids, error messages (exit 1,
in English: they quote the model's keys) nor ``--help``.

The catalog is ``blackstart/locale/<lang>/LC_MESSAGES/cli.po`` (msgid: the English text,
``%(name)s`` placeholders), read with Babel on first use in French only, so an English
run imports nothing more.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

LANGS = ("en", "fr")
DEFAULT = "en"
ENV = "BLACKSTART_LANG"
_state = {"lang": DEFAULT}

DYNAMIC = (
    "vital", "care", "administrative", "tier", "back", "after", "met", "start", "end",
    "step", "waited", "deps back", "yes", "no", "model", "warning:", "Recovery plan",
    "Forecast",
)  # fmt: skip
"""msgids the renderers pass through a variable or an f-string (tiers, column names):
listed so that the catalog walk (tests/cli/test_cli_lang.py) knows them."""


def from_environment(environ: Mapping[str, str] | None = None) -> str:
    """``fr`` if ``BLACKSTART_LANG`` or else the first set of ``LC_ALL``, ``LC_MESSAGES``,
    ``LANG`` names French, else ``en`` (``C``, ``POSIX``, ``de_DE``… give English).

    >>> from_environment({"LANG": "fr_FR.UTF-8"})
    'fr'
    >>> from_environment({"LC_ALL": "C.UTF-8", "LANG": "fr_FR.UTF-8"})
    'en'
    """
    env = os.environ if environ is None else environ
    for name in (ENV, "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "").strip()
        if value:
            return "fr" if value.lower()[:2] == "fr" else "en"
    return DEFAULT


def set_lang(lang: str | None) -> None:
    """The language of this invocation (``None``: from the environment)."""
    _state["lang"] = lang if lang in LANGS else from_environment()


def current() -> str:
    return _state["lang"]


@cache
def _catalog(lang: str) -> dict[str, str]:
    if lang == "en":
        return {}
    from babel.messages.pofile import read_po

    path = resources.files("blackstart") / "locale" / lang / "LC_MESSAGES" / "cli.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain="cli")
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}


def _(text: str, **values: Any) -> str:
    """``text`` in the current language, its ``%(name)s`` placeholders filled from
    ``values`` (the English text when the catalog has no entry)."""
    out = _catalog(_state["lang"]).get(text, text)
    return out % values if values else out


def tier(name: str | None) -> str:
    """A tier's name in the current language (``care`` → ``soins``)."""
    return _(name) if name else ""
