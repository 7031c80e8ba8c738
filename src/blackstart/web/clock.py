"""One clock for every page: times shown in one stated zone, and relative times.

Owns how a time is written on a page: :func:`when` (``2024-08-03 14:30`` in the page's
zone), :func:`day_time` (``today 15:00``, ``tomorrow 09:10``, ``Fri 15:00``) and
:func:`relative` (``in 2 h``, ``12 min ago``). Times arrive as ISO strings or datetimes
with any offset (the store keeps UTC); a naive time is taken as already in the zone, so a
typed ``2024-08-05T10:00`` comes back as ``10:00``. The zone of a page is the incident's
(its scenario's time zone, else the model's), said once per page by the base template.

Words are English, or French when the page speaks it (``lang="fr"`` in the context, the
public status page): ``aujourd'hui 15:00``, ``ven. 3 août 15:00``, ``dans 2 h``.

The Jinja filters read the zone from the template context (``tz``), set by
:func:`context` for every page and overridden by the board for its incident. Does not
compute anything else; the incident's "now" (a drill's simulated clock) is handed in.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from jinja2 import pass_context
from jinja2.runtime import Context

DEFAULT_ZONE = "UTC"


def zone_of(model: Any, scenario: str | None = None) -> str:
    """The zone an incident's times are shown in: its scenario's, else the model's."""
    sc = model.scenarios.get(scenario) if scenario else None
    return str(getattr(sc, "timezone", None) or model.timezone or DEFAULT_ZONE)


def to_local(value: str | datetime | None, tz: str) -> datetime | None:
    """``value`` in zone ``tz`` (a naive value is taken as already local)."""
    if value is None or value == "":
        return None
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    zone = ZoneInfo(tz)
    return when.replace(tzinfo=zone) if when.tzinfo is None else when.astimezone(zone)


def when(value: str | datetime | None, tz: str, lang: str = "en") -> str:
    """``2024-08-03 14:30`` in ``tz`` (``lang="fr"``: ``3 août 2024 14:30``, Babel's
    CLDR date); an em dash for nothing."""
    local = to_local(value, tz)
    if local is None:
        return "—"
    if lang == "fr":
        return f"{format_date(local, 'd MMM y', locale='fr')} {local.strftime('%H:%M')}"
    return local.strftime("%Y-%m-%d %H:%M")


def typed(value: str | datetime | None, tz: str) -> str:
    """The value a ``datetime-local`` field shows: ``2024-08-03T14:30`` in ``tz``."""
    local = to_local(value, tz)
    return "" if local is None else local.strftime("%Y-%m-%dT%H:%M")


_DAYS = {
    "en": {0: "today", 1: "tomorrow", -1: "yesterday"},
    "fr": {0: "aujourd'hui", 1: "demain", -1: "hier"},
}


def day_time(
    value: str | datetime | None, tz: str, now: str | datetime | None, lang: str = "en"
) -> str:
    """``today 15:00``, ``tomorrow 15:00``, ``yesterday 15:00`` or ``Fri 3 Aug 15:00``
    (``lang="fr"``: ``aujourd'hui 15:00``, ``ven. 3 août 15:00``)."""
    local = to_local(value, tz)
    if local is None:
        return "—"
    ref = to_local(now, tz) if now is not None else None
    hm = local.strftime("%H:%M")
    if ref is not None:
        days = (local.date() - ref.date()).days
        named = _DAYS.get(lang, _DAYS["en"]).get(days)
        if named:
            return f"{named} {hm}"
    if lang == "fr":
        return f"{format_date(local, 'EEE d MMM', locale='fr')} {hm}"
    return f"{local.strftime('%a')} {local.day} {local.strftime('%b')} {hm}"


def between(
    start: str | datetime | None,
    end: str | datetime | None,
    tz: str,
    now: str | datetime | None,
    lang: str = "en",
) -> tuple[str, str]:
    """The two ends of a range in words, the day said once when both fall on the same
    day: ``("today 15:00", "23:45")``, ``("Fri 3 Aug 15:00", "Sat 4 Aug 09:00")``."""
    a, b = day_time(start, tz, now, lang), day_time(end, tz, now, lang)
    la, lb = to_local(start, tz), to_local(end, tz)
    if la is not None and lb is not None and la.date() == lb.date():
        b = lb.strftime("%H:%M")
    return a, b


def relative(value: str | datetime | None, now: str | datetime | None, lang: str = "en") -> str:
    """``in 2 h 10 min``, ``12 min ago``, ``now`` (to the minute); in French ``dans 2 h
    10 min``, ``il y a 12 min``, ``maintenant``."""
    a, b = to_local(value, DEFAULT_ZONE), to_local(now, DEFAULT_ZONE)
    if a is None or b is None:
        return ""
    minutes = round((a - b) / timedelta(minutes=1))
    if minutes == 0:
        return "maintenant" if lang == "fr" else "now"
    days, rest = divmod(abs(minutes), 1440)
    hours, mins = divmod(rest, 60)
    day_unit = "j" if lang == "fr" else "d"
    parts = [f"{days} {day_unit}" if days else "", f"{hours} h" if hours else ""]
    if not days:
        parts.append(f"{mins} min" if mins else "")
    text = " ".join(p for p in parts if p) or "0 min"
    if lang == "fr":
        return f"dans {text}" if minutes > 0 else f"il y a {text}"
    return f"in {text}" if minutes > 0 else f"{text} ago"


# --------------------------------------------------------------------------- Jinja


def _tz(ctx: Context) -> str:
    return str(ctx.get("tz") or DEFAULT_ZONE)


def _lang(ctx: Context) -> str:
    return str(ctx.get("lang") or "en")


@pass_context
def when_filter(ctx: Context, value: str | datetime | None) -> str:
    return when(value, _tz(ctx), _lang(ctx))


@pass_context
def typed_filter(ctx: Context, value: str | datetime | None) -> str:
    return typed(value, _tz(ctx))


@pass_context
def day_filter(ctx: Context, value: str | datetime | None, now: Any = None) -> str:
    return day_time(value, _tz(ctx), now, _lang(ctx))


@pass_context
def between_filter(ctx: Context, start: Any, end: Any, now: Any = None) -> tuple[str, str]:
    return between(start, end, _tz(ctx), now, _lang(ctx))


@pass_context
def ago_filter(ctx: Context, value: str | datetime | None, now: Any = None) -> str:
    return relative(value, now, _lang(ctx))


def install_filters(env: Any) -> None:
    """Register ``when``, ``typed``, ``day``, ``between`` and ``ago`` on a Jinja
    environment."""
    env.filters["between"] = between_filter
    env.filters["when"] = when_filter
    env.filters["typed"] = typed_filter
    env.filters["day"] = day_filter
    env.filters["ago"] = ago_filter
