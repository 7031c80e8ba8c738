"""The ETA-history chart of an incident, as inline SVG (no script, no external resource).

x: when each forecast was made (its as-of time); y: the ETA it gave. Per tier, the P50
(dashed) and the P80 (solid) lines; the ETAs announced, as diamonds at (when announced,
ETA announced) in the tier's colour. A forecast that tightens as work progresses shows
as lines converging; an announced ETA above the P80 line was a promise it could keep.
The x-axis runs from the incident's start to its "now" (a drill's simulated clock), with a
"now" line; labels are in the page's zone; the legend sits below the plot.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from blackstart.model.schema import TIERS

COLOURS = {"vital": "#b3261e", "care": "#9a5b00", "administrative": "#44617b", "all": "#14212e"}
W, H = 860, 380
LEFT, RIGHT, TOP, BOTTOM = 120, 20, 20, 70


def _t(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def _label(ts: float, tz: Any) -> str:
    return datetime.fromtimestamp(ts, tz).strftime("%a %d %H:%M")


def svg(board: dict[str, Any], tz_name: str | None = None) -> str:
    """The chart of a board payload (:meth:`IncidentService.board`), labels in
    ``tz_name`` (default: the forecasts' own offset)."""
    fcs = board["forecasts"]
    anns = board["announcements"]
    if not fcs:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="40" role="img">'
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
    for i in range(5):
        y = y0 + (y1 - y0) * i / 4
        parts.append(
            f'<text x="{LEFT - 6}" y="{py(y) + 4:.1f}" text-anchor="end" '
            f'font-size="11">{escape(_label(y, tz))}</text>'
        )
        parts.append(
            f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{py(y):.1f}" y2="{py(y):.1f}" '
            'stroke="#e8ebee"/>'
        )
    for i in range(4):
        x = x0 + (x1 - x0) * i / 3
        parts.append(
            f'<text x="{px(x):.1f}" y="{H - BOTTOM + 16}" text-anchor="middle" '
            f'font-size="11">{escape(_label(x, tz))}</text>'
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
            parts.append(
                f'<polyline class="eta-{tier}-{q}" points="{pts}" fill="none" '
                f'stroke="{c}" stroke-width="2"{dash}/>'
            )
            for f in fcs:
                parts.append(
                    f'<circle cx="{px(_t(f["as_of"])):.1f}" '
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
    lx, ly = LEFT, H - 10  # the legend sits below the plot, never over it
    for i, tier in enumerate(TIERS):
        parts.append(
            f'<text x="{lx + i * 170}" y="{ly}" font-size="11" '
            f'fill="{COLOURS[tier]}">{tier}: ‒ ‒ P50, — P80</text>'
        )
    parts.append(f'<text x="{lx + 510}" y="{ly}" font-size="11">◇ announced ETA</text>')
    parts.append("</svg>")
    return "\n".join(parts)
