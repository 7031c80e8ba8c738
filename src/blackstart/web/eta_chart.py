"""The ETA-history chart of an incident, as inline SVG (no script, no external resource).

x: when each forecast was made (its as-of time); y: the ETA it gave. Per tier, the P50
(dashed) and the P80 (solid) lines; the ETAs announced, as diamonds at (when announced,
ETA announced) in the tier's colour. A forecast that tightens as work progresses shows
as lines converging; an announced ETA above the P80 line was a promise it could keep.
The x-axis runs from the incident's start to its "now" (a drill's simulated clock), with a
"now" line; ticks fall on round local times (each label once, however short the span);
one forecast draws as dots; the legend sits below the plot, wrapped so that no two items
overlap. The board also gives the chart's data as tables (``_eta_tables.html``).
"""

from __future__ import annotations

import math
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from blackstart.model.schema import TIERS

COLOURS = {"vital": "#b3261e", "care": "#9a5b00", "administrative": "#44617b", "all": "#14212e"}
W, H = 860, 400
LEFT, RIGHT, TOP, BOTTOM = 120, 20, 20, 90


def _t(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


TICK_STEPS_S = (300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800)
LEGEND_CHAR_PX = 6.6
"""Width of one legend character at font size 11 (sans-serif; a little over)."""


def ticks(lo: float, hi: float, tz: Any, most: int) -> tuple[list[float], str]:
    """At most ``most`` (or a few more for a long span) round local times in
    ``[lo, hi]`` (epoch seconds), and the ``strftime`` format of their labels."""
    step = next((s for s in TICK_STEPS_S if (hi - lo) / s <= most), TICK_STEPS_S[-1])
    offset = datetime.fromtimestamp(lo, tz).utcoffset()
    off = offset.total_seconds() if offset is not None else 0.0
    first = math.ceil((lo + off) / step) * step - off
    out = []
    t = first
    while t <= hi + 1e-6:
        out.append(t)
        t += step
    return out, ("%a %d %H:%M" if step < 86400 else "%a %d %b")


def _legend(items: list[tuple[str, str, str]], top: float) -> list[str]:
    """Legend items ``(swatch SVG at x=0, text, colour)`` left to right below the plot,
    wrapping to a new line rather than overlapping or leaving the chart."""
    out: list[str] = []
    x, y = float(LEFT), top
    for swatch, text, colour in items:
        width = 40 + len(text) * LEGEND_CHAR_PX
        if x + width > W - RIGHT and x > LEFT:
            x, y = float(LEFT), y + 16
        out.append(
            f'<g class="legend-item" transform="translate({x:.1f},{y:.1f})">{swatch}'
            f'<text x="36" y="4" font-size="11" fill="{colour}">{escape(text)}</text></g>'
        )
        x += width + 14
    return out


def svg(board: dict[str, Any], tz_name: str | None = None) -> str:
    """The chart of a board payload (:meth:`IncidentService.board`), labels in
    ``tz_name`` (default: the forecasts' own offset)."""
    fcs = board["forecasts"]
    anns = board["announcements"]
    if not fcs:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="40" role="img" '
            'aria-label="ETA history: no forecast yet">'
            '<text x="10" y="25">no forecast yet</text></svg>'
        )
    tz = ZoneInfo(tz_name) if tz_name else datetime.fromisoformat(fcs[0]["as_of"]).tzinfo
    start = _t(board["plan"]["start"]) if board.get("plan") else _t(fcs[0]["as_of"])
    now = _t(board["now"]) if board.get("now") else _t(fcs[-1]["as_of"])
    xs = [_t(f["as_of"]) for f in fcs] + [start, now]
    ys = [_t(f["tiers"][t][q]) for f in fcs for t in TIERS for q in ("p50", "p80")]
    ys += [_t(a["eta"]) for a in anns] + xs
    x0, x1 = min(xs), max(xs)
    if x1 - x0 < 600:
        x1 = x0 + 600
    y0, y1 = min(ys), max(ys)
    if y1 - y0 < 600:
        y1 = y0 + 600

    def px(x: float) -> float:
        return LEFT + (x - x0) / (x1 - x0) * (W - LEFT - RIGHT)

    def py(y: float) -> float:
        return H - BOTTOM - (y - y0) / (y1 - y0) * (H - TOP - BOTTOM)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" '
        f'height="{H}" role="img" aria-label="ETA history: P50 and P80 per tier over time">',
        f'<rect x="{LEFT}" y="{TOP}" width="{W - LEFT - RIGHT}" height="{H - TOP - BOTTOM}" '
        'fill="#fafbfc" stroke="#d8dde2"/>',
    ]
    yticks, yfmt = ticks(y0, y1, tz, 6)
    for y in yticks:
        label = datetime.fromtimestamp(y, tz).strftime(yfmt)
        parts.append(
            f'<text class="y-tick" x="{LEFT - 6}" y="{py(y) + 4:.1f}" text-anchor="end" '
            f'font-size="11">{escape(label)}</text>'
        )
        parts.append(
            f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{py(y):.1f}" y2="{py(y):.1f}" '
            'stroke="#e8ebee"/>'
        )
    xticks, xfmt = ticks(x0, x1, tz, 5)
    for x in xticks:
        label = datetime.fromtimestamp(x, tz).strftime(xfmt)
        # centred under its tick, but never past the chart's right edge
        lx = min(px(x), W - 2 - len(label) * LEGEND_CHAR_PX / 2)
        parts.append(
            f'<text class="x-tick" x="{lx:.1f}" y="{H - BOTTOM + 16}" '
            f'text-anchor="middle" font-size="11">{escape(label)}</text>'
            f'<line x1="{px(x):.1f}" x2="{px(x):.1f}" y1="{H - BOTTOM}" '
            f'y2="{H - BOTTOM + 4}" stroke="#68717a"/>'
        )
    parts.append(
        f'<text x="{(LEFT + W) / 2}" y="{H - BOTTOM + 32}" text-anchor="middle" '
        'font-size="11">forecast made at</text>'
    )
    parts.append(
        f'<line class="now" x1="{px(now):.1f}" x2="{px(now):.1f}" y1="{TOP}" '
        f'y2="{H - BOTTOM}" stroke="#14212e" stroke-dasharray="2 3"/>'
        f'<text x="{px(now) - 4:.1f}" y="{TOP + 12}" text-anchor="end" font-size="11">now</text>'
    )
    for tier in TIERS:
        c = COLOURS[tier]
        for q, dash in (("p50", ' stroke-dasharray="5 4"'), ("p80", "")):
            pts = " ".join(
                f"{px(_t(f['as_of'])):.1f},{py(_t(f['tiers'][tier][q])):.1f}" for f in fcs
            )
            if len(fcs) > 1:  # one forecast: its dots alone
                parts.append(
                    f'<polyline class="eta-{tier}-{q}" points="{pts}" fill="none" '
                    f'stroke="{c}" stroke-width="2"{dash}/>'
                )
            for f in fcs:
                parts.append(
                    f'<circle class="point eta-{tier}-{q}" cx="{px(_t(f["as_of"])):.1f}" '
                    f'cy="{py(_t(f["tiers"][tier][q])):.1f}" r="2.5" fill="{c}">'
                    f"<title>{tier} {q.upper()} {escape(f['tiers'][tier][q])} "
                    f"(as of {escape(f['as_of'])})</title></circle>"
                )
    for f in fcs:  # the pace learnt at each re-forecast (×1: as the model says)
        pace = f.get("pace")
        if pace:
            parts.append(
                f'<text class="eta-pace" x="{px(_t(f["as_of"])):.1f}" y="{TOP + 30}" '
                f'text-anchor="middle" font-size="10" fill="#555">×{pace["median"]:.2f}'
                f"<title>learnt pace ×{pace['median']:.2f} (80 % {pace['p10']:.2f}–"
                f"{pace['p90']:.2f}) as of {escape(f['as_of'])}</title></text>"
            )
    for a in anns:
        c = COLOURS.get(a["tier"], "#000")
        # a drill's announcements are stamped by the wall clock: keep them on the axis
        x, y = px(min(max(_t(a["announced_at"]), x0), x1)), py(_t(a["eta"]))
        parts.append(
            f'<path class="announced" d="M{x:.1f},{y - 6:.1f} L{x + 6:.1f},{y:.1f} '
            f'L{x:.1f},{y + 6:.1f} L{x - 6:.1f},{y:.1f} Z" fill="#fff" stroke="{c}" '
            f'stroke-width="2"><title>announced for {escape(a["tier"])}: '
            f"{escape(a['eta'])}</title></path>"
        )
    items = [
        (
            f'<line x1="0" x2="14" y1="0" y2="0" stroke="{COLOURS[tier]}" stroke-width="2" '
            f'stroke-dasharray="5 4"/><line x1="18" x2="32" y1="0" y2="0" '
            f'stroke="{COLOURS[tier]}" stroke-width="2"/>',
            f"{tier}: P50 (dashed), P80",
            COLOURS[tier],
        )
        for tier in TIERS
    ]
    items.append(
        (
            '<path d="M16,-6 L22,0 L16,6 L10,0 Z" fill="#fff" stroke="#14212e" stroke-width="2"/>',
            "announced ETA",
            "#14212e",
        )
    )
    parts.extend(_legend(items, H - BOTTOM + 50))  # below the plot, never over it
    parts.append("</svg>")
    return "\n".join(parts)
