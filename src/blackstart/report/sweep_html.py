"""The sweep's risk matrix as one self-contained HTML page.

Owns the rendering of a sweep payload (:meth:`blackstart.sweep.SweepReport.to_dict`) as
HTML: a heat map per start time (what × duration, cells = expected care-hours lost),
the ranked scenarios with their tiers, and the establishments hit. Inline CSS, no
script, no external request: it opens offline and prints. Computes nothing new.
"""

from __future__ import annotations

from html import escape
from typing import Any

from blackstart.units import format_seconds

MAX_HEAT_ROWS = 60
MAX_RANKED = 200

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #ccc;padding:2px 6px;text-align:right;white-space:nowrap}
th{background:#f3f3f3}td.what,th.what{text-align:left}
.note{color:#666;font-size:.9em}
@media print{body{margin:0}h2{page-break-before:auto}}
"""


def _num(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"


def _color(value: float, top: float) -> str:
    """White (0) to dark red (``top``), on a square-root scale so small risks show."""
    share = 0.0 if top <= 0 else min(1.0, (value / top) ** 0.5)
    light = round(100 - 55 * share)
    return f"hsl(0,85%,{light}%)"


def _heat(payload: dict[str, Any], start: str) -> str:
    rows = [r for r in payload["rows"] if r["start"] == start]
    durations: list[int] = payload["durations_s"]
    labels: list[str] = payload["durations"]
    cells: dict[str, dict[int, float]] = {}
    for r in rows:
        cells.setdefault(r["what"], {})[int(r["duration_s"])] = float(r["care_hours_lost"])
    order = sorted(cells, key=lambda w: (-max(cells[w].values()), w))
    top = max((v for c in cells.values() for v in c.values()), default=0.0)
    shown = order[:MAX_HEAT_ROWS]
    head = "".join(f"<th>{escape(lb)}</th>" for lb in labels)
    body = []
    alone = {r["what"] for r in rows if r["kind"] == "incident"}
    for what in shown:
        tds = []
        if what in alone:  # the reference incident has one duration: its own
            own = next(iter(cells[what].values()))
            tds.append(
                f'<td colspan="{len(durations)}" style="background:{_color(own, top)}">'
                f"{_num(own)} (its own duration)</td>"
            )
            body.append(f'<tr><td class="what">{escape(what)}</td>{"".join(tds)}</tr>')
            continue
        for d in durations:
            v = cells[what].get(d)
            if v is None:
                tds.append("<td>–</td>")
            else:
                tds.append(f'<td style="background:{_color(v, top)}">{_num(v)}</td>')
        body.append(f'<tr><td class="what">{escape(what)}</td>{"".join(tds)}</tr>')
    note = (
        f'<p class="note">{len(order) - len(shown)} more rows with less risk not shown.</p>'
        if len(order) > len(shown)
        else ""
    )
    return (
        f"<h2>Expected care-hours lost — start {escape(start)}</h2>"
        f'<table><tr><th class="what">what fails</th>{head}</tr>{"".join(body)}</table>{note}'
    )


def _ranked(payload: dict[str, Any]) -> str:
    est = payload.get("establishments") or []
    head = (
        '<tr><th>#</th><th class="what">what</th><th>duration</th><th>start</th>'
        "<th>care-hours lost</th><th>functions down</th>"
        "<th>vital P50 h</th><th>vital P95 h</th><th>vital RTO breach</th>"
        "<th>care P50 h</th><th>care P95 h</th><th>care RTO breach</th>"
        + ('<th class="what">establishments hit</th>' if est else "")
        + "</tr>"
    )
    lines = []
    for i, r in enumerate(payload["rows"][:MAX_RANKED], 1):
        v, c = r["tiers"]["vital"], r["tiers"]["care"]
        hit = ""
        if est:
            parts = [
                f"{escape(e)} {_num(x['care_hours_lost'])}"
                for e, x in r.get("by_establishment", {}).items()
                if x["functions_down"]
            ]
            hit = f'<td class="what">{", ".join(parts)}</td>'
        lines.append(
            f'<tr><td>{i}</td><td class="what">{escape(r["what"])}</td>'
            f"<td>{escape(_dur(payload, r))}</td><td>{escape(r['start'])}</td>"
            f"<td>{_num(r['care_hours_lost'])}</td><td>{r['functions_down']}</td>"
            f"<td>{_num(v['p50_h'])}</td><td>{_num(v['p95_h'])}</td>"
            f"<td>{_num(v['rto_breach_probability'], 2)}</td>"
            f"<td>{_num(c['p50_h'])}</td><td>{_num(c['p95_h'])}</td>"
            f"<td>{_num(c['rto_breach_probability'], 2)}</td>{hit}</tr>"
        )
    more = len(payload["rows"]) - MAX_RANKED
    note = f'<p class="note">{more} more scenarios in the JSON output.</p>' if more > 0 else ""
    title = "<h2>Scenarios ranked by expected care-hours lost</h2>"
    return f"{title}<table>{head}{''.join(lines)}</table>{note}"


def _dur(payload: dict[str, Any], row: dict[str, Any]) -> str:
    return format_seconds(int(row["duration_s"]))


def _establishments(payload: dict[str, Any]) -> str:
    summary: dict[str, Any] = payload.get("by_establishment") or {}
    if not summary:
        return ""
    lines = []
    for e, x in summary.items():
        worst = (
            f'<td class="what">{escape(x["worst"])}</td><td>{_num(x["worst_care_hours_lost"])}</td>'
            if x["worst"]
            else "<td>–</td><td>–</td>"
        )
        lines.append(
            f'<tr><td class="what">{escape(e)}</td><td>{x["scenarios_hit"]}</td>{worst}</tr>'
        )
    return (
        '<h2>Establishments</h2><table><tr><th class="what">establishment</th>'
        '<th>scenarios that hit it</th><th class="what">worst scenario</th>'
        f"<th>its care-hours lost</th></tr>{''.join(lines)}</table>"
    )


def sweep_html(payload: dict[str, Any]) -> str:
    """The whole report as one HTML document."""
    w = payload["care_weights"]
    starts = [s["label"] for s in payload["starts"]]
    intro = (
        f"<p>{payload['scenarios']} scenarios (over {escape(', '.join(payload['over']))}; "
        f"durations {escape(', '.join(payload['durations']))}; starts "
        f"{escape(', '.join(starts))}), {payload['runs']} Monte Carlo runs each, seed "
        f'{payload["seed"]}.</p><p class="note">Care-hours lost: expected sum over functions '
        f"of hours down from the start, weighted vital {w['vital']:g}, care {w['care']:g}, "
        f"administrative {w['administrative']:g}. P50/P95: hours from the start until the "
        "tier's last function is back. RTO breach: probability that at least one function "
        "of the tier misses its RTO."
        + (
            f" Team rows: the team is away for the duration during incident "
            f"<b>{escape(payload['incident'])}</b> (row incident:…, with everybody present)."
            if payload.get("incident")
            else ""
        )
        + "</p>"
    )
    prov = payload.get("provenance", {})
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>Risk sweep — {escape(payload['model'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>Risk sweep — {escape(payload['model'])}</h1>",
        intro,
        *(_heat(payload, s) for s in starts),
        _establishments(payload),
        _ranked(payload),
        f'<p class="note">blackstart {escape(str(prov.get("blackstart", "")))}, model '
        f"{escape(str(prov.get('model_hash', ''))[:12])}, sweep {escape(payload['sweep'][:12])}, "
        f"generated {escape(str(prov.get('generated_at', '')))}.</p>",
        "</body></html>\n",
    ]
    return "".join(parts)
