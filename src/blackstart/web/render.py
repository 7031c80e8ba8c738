"""Jinja2 environment of the pages: templates and filters, nothing else."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from blackstart.web import clock, lang

TEMPLATES = Path(str(resources.files("blackstart.web") / "templates"))
STATIC = Path(str(resources.files("blackstart.web") / "static"))


def page_context(request: Request) -> dict[str, Any]:
    """What every page knows: the zone its times are in (``tz``), the open incidents
    (``open_incidents``: id, title, drill), for the banner of the base template, and its
    language (``_``, ``lang``, ``other_lang``: :mod:`.lang`; a page that chose its own
    language, like ``/status``, says so in ``request.state.lang``)."""
    state = request.app.state
    dash = getattr(state, "dashboard", None)
    zone = getattr(request.state, "tz", None)  # a page about one incident sets its zone
    if zone is None:
        zone = clock.zone_of(dash.model) if dash else clock.DEFAULT_ZONE
    chosen = getattr(request.state, "lang", None) or lang.scope_lang(request.scope)
    english_only = request.url.path.startswith(lang.ENGLISH_ONLY)
    if english_only:
        chosen = "en"  # a page not translated yet is English throughout, lang="en" too
    out: dict[str, Any] = {"tz": zone, "english_only": english_only, **lang.context(chosen)}
    out["fname"] = lang.function_namer(dash.model if dash else None, chosen)
    svc = getattr(state, "incidents", None)
    if svc is not None:
        out["open_incidents"] = [
            {"id": r.id, "title": r.title, "drill": r.drill}
            for r in svc.store.incidents()
            if r.state == "open"
        ]
    return out


templates = Jinja2Templates(directory=TEMPLATES, context_processors=[page_context])


@pass_context
def duration(ctx: Context, seconds: float | int | None) -> str:
    """``5400`` → ``1h30min``; ``None`` → an em dash; days are ``d`` (``j`` on a French
    page)."""
    if seconds is None:
        return "—"
    minutes = round(float(seconds) / 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    day = "j" if ctx.get("lang") == "fr" else "d"
    parts = [
        f"{days}{day}" if days else "",
        f"{hours}h" if hours else "",
        f"{mins}min" if mins else "",
    ]
    return "".join(parts) or "0min"


templates.env.filters["duration"] = duration
clock.install_filters(templates.env)
