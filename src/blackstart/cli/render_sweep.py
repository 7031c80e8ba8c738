"""Rich rendering of a sweep's risk matrix for the terminal. Formatting only."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from blackstart.cli.tables import Table
from blackstart.units import format_seconds


def _n(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f} %"


def sweep(console: Console, payload: dict[str, Any], *, top: int = 25) -> None:
    """The most costly scenarios, then the establishments hit (in a region)."""
    w = payload["care_weights"]
    console.print(
        f"[bold]Risk sweep[/] — {payload['model']}: {payload['scenarios']} scenarios "
        f"(over {', '.join(payload['over'])}; {', '.join(payload['durations'])}; "
        f"{', '.join(s['label'] for s in payload['starts'])}), {payload['runs']} runs each, "
        f"seed {payload['seed']}"
    )
    est = payload.get("establishments") or []
    table = Table(
        title=f"Ranked by expected care-hours lost (vital ×{w['vital']:g}, care ×{w['care']:g})",
        title_justify="left",
        title_style="bold",
    )
    cols = [
        "#",
        "what",
        "for",
        "start",
        "care-h lost",
        "fn down",
        "vital P50/P95 h",
        "P(vital RTO)",
        "care P50/P95 h",
        "P(care RTO)",
    ]
    if est:
        cols.append("establishments hit (care-h)")
    for c in cols:
        table.add_column(c, justify="left" if c in ("what", "start") else "right")
    for i, r in enumerate(payload["rows"][:top], 1):
        v, c = r["tiers"]["vital"], r["tiers"]["care"]
        cells = [
            str(i),
            r["what"],
            format_seconds(int(r["duration_s"])),
            r["start"],
            _n(r["care_hours_lost"]),
            str(r["functions_down"]),
            f"{_n(v['p50_h'])} / {_n(v['p95_h'])}",
            _pct(v["rto_breach_probability"]),
            f"{_n(c['p50_h'])} / {_n(c['p95_h'])}",
            _pct(c["rto_breach_probability"]),
        ]
        if est:
            hit = r.get("by_establishment", {})
            cells.append(
                ", ".join(
                    f"{e} {_n(x['care_hours_lost'], 0)}"
                    for e, x in hit.items()
                    if x["functions_down"]
                )
            )
        table.add_row(*cells)
    console.print(table)
    if len(payload["rows"]) > top:
        console.print(f"… {len(payload['rows']) - top} more (--top N, --json, --html FILE)")
    for line in payload.get("warnings", []):
        console.print(f"[yellow]warning:[/] {line}")
