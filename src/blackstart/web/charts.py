"""Server-rendered SVG charts of the pages: the recovery Gantt chart by team (off-hours
shaded, bars labelled where the label fits, a critical path drawn over the rest, a
folded lane), ETA bands (P50/P80/P95) and a critical path's breakdown.

Owns drawing only: inputs are minutes from a start time and labels, output is an SVG
string (no JavaScript, no external resource). Calendar logic (which minutes are off
hours) and the words of the tooltips are the caller's
(:mod:`blackstart.web.recovery_views`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup, escape

WIDTH = 1200
LABEL_W = 190
ROW_H = 16
AXIS_H = 34
TIER_COLOUR = {"vital": "#b3261e", "care": "#9a5b00", "administrative": "#44617b"}
ACTION_COLOUR = {
    "boot": "#3f7fbf",
    "restart": "#0b5cad",
    "restore": "#5a3fa0",
    "data_check": "#b26a00",
    "verify": "#1e7a3c",
}
STEP_COLOUR = {
    "outage": "#9aa3ab",
    "waiting_for_person": "#e0a100",
    "working": "#0b5cad",
    "verifying": "#1e7a3c",
}


@dataclass(frozen=True)
class Bar:
    """One task on the Gantt chart, in minutes from the start."""

    label: str
    """The tooltip (with the day: the caller writes it)."""
    start: float
    end: float
    action: str
    name: str = ""
    """The text drawn inside the bar where it fits (e.g. the task id)."""
    short: str = ""
    """A shorter text drawn instead where only it fits (e.g. the component)."""
    critical: bool = False
    """On the critical path drawn over the chart (the other bars are dimmed)."""


@dataclass(frozen=True)
class Band:
    """One ETA row: P50, P80 and P95 in minutes from the start."""

    label: str
    p50: float
    p80: float
    p95: float
    tier: str
    rto: float | None = None


def _scale(span: float, width: float = WIDTH) -> float:
    return (width - LABEL_W - 20) / max(span, 1.0)


def _tick_step(span: float) -> int:
    for step in (15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080):
        if span / step <= 12:
            return step
    return 20160


def _axis(t0: datetime, span: float, top: float, height: float, width: float = WIDTH) -> list[str]:
    """Vertical grid lines with local-time labels at round times."""
    k = _scale(span, width)
    step = _tick_step(span * WIDTH / width)
    local0 = t0.replace(second=0, microsecond=0)
    first = (-(local0.hour * 60 + local0.minute)) % step if step <= 1440 else 0
    out = []
    m = float(first)
    while m <= span:
        x = LABEL_W + m * k
        when = t0 + timedelta(minutes=m)
        text = when.strftime("%a %H:%M") if step < 1440 else when.strftime("%a %d %b")
        out.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + height}" '
            'stroke="#d8dde2" stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{top - 6}" font-size="10" text-anchor="middle" '
            f'fill="#68717a">{escape(text)}</text>'
        )
        m += step
    return out


def _svg(height: float, body: list[str], title: str, width: float = WIDTH) -> Markup:
    return Markup(
        f'<svg class="chart{" zoomed" if width > WIDTH else ""}" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="{escape(title)}" font-family="system-ui, sans-serif">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _lanes(bars: Sequence[Bar]) -> list[int]:
    """Greedy lane of each bar so that bars in one lane do not overlap."""
    ends: list[float] = []
    out = []
    for b in bars:
        for i, e in enumerate(ends):
            if e <= b.start:
                ends[i] = b.end
                out.append(i)
                break
        else:
            ends.append(b.end)
            out.append(len(ends) - 1)
    return out


BAR_FONT = 10
"""Font size of the labels inside the bars (monospace, so their width is known)."""
CHAR_EM = 0.61
"""Advance of one monospace character in ems (DejaVu Sans Mono: 0.602; a little over)."""
BAR_PAD = 3.0
"""Space left and right of a label inside its bar, in pixels."""


def label_width(text: str) -> float:
    """The width in pixels a bar label takes (monospace at :data:`BAR_FONT`)."""
    return len(text) * CHAR_EM * BAR_FONT


def label_fits(text: str, room: float) -> bool:
    """Whether ``text`` fits, with its padding, in ``room`` pixels of bar."""
    return bool(text) and label_width(text) + 2 * BAR_PAD <= room


def _room(xs: Sequence[tuple[float, float]], lanes: Sequence[int]) -> list[float]:
    """Free width of each bar ``(x, w)`` (given in order of ``x``): to its end, or to the
    next bar of its lane if that one starts inside it (only in a folded lane do bars
    overlap; a later bar is painted over an earlier one)."""
    out = [w for _, w in xs]
    last: dict[int, int] = {}
    for i, ((x, _), lane) in enumerate(zip(xs, lanes, strict=True)):
        j = last.get(lane)
        if j is not None:
            out[j] = min(out[j], x - xs[j][0])
        last[lane] = i
    return out


def _team_bars(
    bars: Sequence[Bar], lanes: Sequence[int], y: float, k: float, highlight: bool
) -> list[str]:
    """A team's bars, then the labels that fit in them."""
    xs = [(LABEL_W + b.start * k, max((b.end - b.start) * k, 1.5)) for b in bars]
    out: list[str] = []
    for bar, lane, (x, w) in zip(bars, lanes, xs, strict=True):
        colour = ACTION_COLOUR.get(bar.action, "#0b5cad")
        cls = "task" + ((" critical" if bar.critical else " dimmed") if highlight else "")
        extra = ' stroke="#14212e" stroke-width="1.5"' if highlight and bar.critical else ""
        extra += ' opacity="0.3"' if highlight and not bar.critical else ""
        out.append(
            f'<rect class="{cls}" data-task="{escape(bar.name)}" x="{x:.1f}" '
            f'y="{y + 3 + lane * ROW_H:.1f}" width="{w:.1f}" height="{ROW_H - 3}" '
            f'fill="{colour}" rx="2"{extra}><title>{escape(bar.label)}</title></rect>'
        )
    for bar, lane, (x, _), room in zip(bars, lanes, xs, _room(xs, lanes), strict=True):
        text = next((t for t in (bar.name, bar.short) if label_fits(t, room)), None)
        if text is not None:
            dim = ' opacity="0.5"' if highlight and not bar.critical else ""
            out.append(
                f'<text class="bar-label" data-task="{escape(bar.name)}" '
                f'x="{x + BAR_PAD:.1f}" y="{y + 3 + lane * ROW_H + ROW_H - 6:.1f}" '
                f'font-size="{BAR_FONT}" font-family="DejaVu Sans Mono, monospace" '
                f'fill="#fff" pointer-events="none"{dim}>{escape(text)}</text>'
            )
    return out


def gantt(
    t0: datetime,
    rows: dict[str, list[Bar]],
    off_hours: dict[str, list[tuple[float, float]]],
    *,
    failure_end: float,
    folded: frozenset[str] = frozenset(),
    zoom: int = 1,
) -> Markup:
    """Tasks by team, one lane per concurrent task (all in one lane for the teams in
    ``folded``); off-hours shaded grey; the end of the failure as a dashed red line; each
    bar labelled with its name, else its short name, where one fits; when some bars are
    ``critical``, those outlined and the rest dimmed. ``zoom`` times wider than the
    other charts."""
    width = WIDTH * zoom
    span = max([b.end for bars in rows.values() for b in bars] + [failure_end, 60.0])
    k = _scale(span, width)
    highlight = any(b.critical for bars in rows.values() for b in bars)
    body: list[str] = []
    y = float(AXIS_H)
    grid_top = y
    for team, unsorted in rows.items():
        bars = sorted(unsorted, key=lambda b: (b.start, b.end))
        lanes = [0] * len(bars) if team in folded else _lanes(bars)
        n = max(lanes, default=0) + 1
        h = (2 if team in folded else n) * ROW_H + 6  # room for "N steps, folded"
        fold = ' data-folded="true"' if team in folded else ""
        body.append(f'<g class="team" data-team="{escape(team)}" data-lanes="{n}"{fold}>')
        for a, b in off_hours.get(team, []):
            a, b = max(a, 0.0), min(b, span)
            if b > a:
                body.append(
                    f'<rect class="off-hours" x="{LABEL_W + a * k:.1f}" y="{y:.1f}" '
                    f'width="{(b - a) * k:.1f}" height="{h}" fill="#eceff2"/>'
                )
        body.append(
            f'<line x1="0" y1="{y + h:.1f}" x2="{width}" y2="{y + h:.1f}" '
            'stroke="#d8dde2"/>'
            f'<text x="4" y="{y + 13:.1f}" font-size="12" font-weight="600">'
            f"{escape(team)}</text>"
        )
        if team in folded:
            body.append(
                f'<text x="4" y="{y + 13 + ROW_H:.1f}" font-size="10" fill="#55606a">'
                f"{len(bars)} steps, folded</text>"
            )
        body.extend(_team_bars(bars, lanes, y, k, highlight))
        body.append("</g>")
        y += h
    body[:0] = _axis(t0, span, grid_top, y - grid_top, width)
    xf = LABEL_W + failure_end * k
    body.append(
        f'<line x1="{xf:.1f}" y1="{grid_top}" x2="{xf:.1f}" y2="{y:.1f}" '
        'stroke="#b3261e" stroke-dasharray="4 3"><title>failure ends</title></line>'
    )
    title = "Recovery plan by team (grey: off hours)"
    if highlight:
        title += "; the critical path outlined, other steps dimmed"
    return _svg(y + 8, body, title, width)


def bands(t0: datetime, rows: Sequence[Band], *, failure_end: float, title: str) -> Markup:
    """One row per function: a thin line P50–P95, a thick bar P50–P80, a dot at P50; the
    RTO (if any) as a small black tick."""
    span = max([r.p95 for r in rows] + [failure_end, 60.0]) * 1.02
    k = _scale(span)
    top = float(AXIS_H)
    body: list[str] = []
    y = top
    for r in rows:
        c = TIER_COLOUR.get(r.tier, "#0b5cad")
        x50, x80, x95 = (LABEL_W + v * k for v in (r.p50, r.p80, r.p95))
        mid = y + ROW_H / 2
        body.append(
            f'<g class="band" data-id="{escape(r.label)}">'
            f'<text x="{LABEL_W - 6}" y="{mid + 4:.1f}" font-size="11" text-anchor="end">'
            f"{escape(r.label)}</text>"
            f'<line x1="{x50:.1f}" y1="{mid:.1f}" x2="{x95:.1f}" y2="{mid:.1f}" stroke="{c}" '
            'stroke-width="2"/>'
            f'<rect x="{x50:.1f}" y="{mid - 4:.1f}" width="{max(x80 - x50, 1.5):.1f}" '
            f'height="8" fill="{c}" opacity="0.55"/>'
            f'<circle cx="{x50:.1f}" cy="{mid:.1f}" r="3.5" fill="{c}"/>'
            f"<title>{escape(r.label)}: P50 {r.p50:.0f} min, P80 {r.p80:.0f} min, "
            f"P95 {r.p95:.0f} min</title>"
        )
        if r.rto is not None and r.rto <= span:
            xr = LABEL_W + r.rto * k
            body.append(
                f'<line x1="{xr:.1f}" y1="{mid - 6:.1f}" x2="{xr:.1f}" '
                f'y2="{mid + 6:.1f}" stroke="#000" stroke-width="1.5"/>'
            )
        body.append("</g>")
        y += ROW_H + 2
    body[:0] = _axis(t0, span, top, y - top)
    xf = LABEL_W + failure_end * k
    body.append(
        f'<line x1="{xf:.1f}" y1="{top}" x2="{xf:.1f}" y2="{y:.1f}" stroke="#b3261e" '
        'stroke-dasharray="4 3"><title>failure ends</title></line>'
    )
    return _svg(y + 8, body, title)


def breakdown(parts: dict[str, float]) -> Markup:
    """A critical path's time split (outage, waiting for a person, working, verifying)
    as one stacked bar with a legend."""
    total = sum(parts.values()) or 1.0
    width = WIDTH - 20
    x = 10.0
    body: list[str] = []
    for name, seconds in parts.items():
        w = width * seconds / total
        if w > 0:
            body.append(
                f'<rect class="part" data-part="{escape(name)}" x="{x:.1f}" y="6" '
                f'width="{w:.1f}" height="18" fill="{STEP_COLOUR.get(name, "#888")}">'
                f"<title>{escape(name)}: {seconds / 60:.0f} min</title></rect>"
            )
        x += w
    lx = 10.0
    for name, seconds in parts.items():
        body.append(
            f'<rect x="{lx:.1f}" y="32" width="10" height="10" '
            f'fill="{STEP_COLOUR.get(name, "#888")}"/>'
            f'<text x="{lx + 14:.1f}" y="41" font-size="11">'
            f"{escape(name.replace('_', ' '))} {seconds / 3600:.1f} h</text>"
        )
        lx += 210
    return _svg(50, body, "Critical path breakdown")
