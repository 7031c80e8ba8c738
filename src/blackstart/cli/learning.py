"""``blackstart backtest``: are the forecast's bands honest? Registered on the main app at
the end of :mod:`blackstart.cli.app`.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from blackstart.cli.app import _guard, _present, err

METRICS = (
    ("coverage_p50", "P50 cover", "{:.0%}"),
    ("coverage_p80", "P80 cover", "{:.0%}"),
    ("coverage_p95", "P95 cover", "{:.0%}"),
    ("p50_error_h", "P50 error h", "{:.1f}"),
    ("slips", "slips", "{}"),
    ("slips_after_quarter", "slips ≥25 %", "{}"),
    ("sharpness_h", "P95−P50 h", "{:.1f}"),
    ("forecasts", "forecasts", "{}"),
)


def _rows(payload: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    rows = []
    for tier in ("vital", "care", "administrative", "everything", "all_tiers"):
        for key, label in (("learning", "learning"), ("no_learning", "no learning")):
            s = payload[key][tier]
            cells = [fmt.format(s[m]) if m in s else "–" for m, _, fmt in METRICS]
            rows.append((tier, label, cells))
    return rows


def render(console: Console, payload: dict[str, Any]) -> None:
    """Per tier, the scores with and without learning side by side."""
    team = ", ".join(f"{k}×{v}" for k, v in payload["team_pace"].items())
    console.print(
        f"[bold]Backtest[/] — scenario {payload['scenario']}, true pace ×{payload['pace']}"
        + (f" ({team})" if team else "")
        + f", {payload['truths']} truths, re-forecast every {payload['every_s'] // 3600} h, "
        f"{payload['runs']} runs each"
    )
    table = Table(title_justify="left")
    for col in ("tier", "forecaster", *(label for _, label, _ in METRICS)):
        table.add_column(col)
    for tier, label, cells in _rows(payload):
        table.add_row(tier, label, *cells)
    console.print(table)


def to_html(payload: dict[str, Any]) -> str:
    """The same table as one self-contained HTML page."""
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label, _ in METRICS)
    body = "".join(
        f"<tr><td>{tier}</td><td>{label}</td>"
        + "".join(f"<td>{html.escape(c)}</td>" for c in cells)
        + "</tr>"
        for tier, label, cells in _rows(payload)
    )
    title = f"Backtest of {html.escape(payload['scenario'])}, true pace ×{payload['pace']}"
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title><style>"
        "body{font-family:sans-serif}td,th{padding:2px 8px;border-bottom:1px solid #ddd}"
        f"</style></head><body><h1>{title}</h1><p>{payload['truths']} simulated incidents, "
        f"re-forecast every {payload['every_s'] // 3600} h. Coverage: share of forecasts the "
        "truth fell at or below; a slip: the truth later than the announced P80.</p>"
        f"<table><tr><th>tier</th><th>forecaster</th>{head}</tr>{body}</table></body></html>"
    )


def backtest(
    model: Annotated[Path, typer.Argument(help="Model file or directory.", show_default=False)],
    scenario: Annotated[str, typer.Option("--scenario", "-s", help="Scenario name.")],
    pace: Annotated[
        float, typer.Option("--pace", help="True pace of all work (2 = twice the model).")
    ] = 1.0,
    team_pace: Annotated[
        list[str] | None,
        typer.Option(
            "--team-pace",
            help="TEAM=K: that team's work K times slower; repeatable.",
            show_default=False,
        ),
    ] = None,
    truths: Annotated[int, typer.Option("--truths", min=1, help="Simulated incidents.")] = 20,
    every: Annotated[str, typer.Option("--every", help="Re-forecast interval.")] = "6h",
    runs: Annotated[int, typer.Option("--runs", "-n", min=10, help="Runs per forecast.")] = 300,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    html_out: Annotated[
        Path | None,
        typer.Option("--html", help="Also write the table as HTML.", show_default=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Are the ETAs honest? Draw true incidents from a copy of the model whose work runs at
    a hidden pace, re-forecast from their progress, and score per tier the coverage of the
    P50/P80/P95, the P50 error, slips and sharpness, with and without learning."""
    from blackstart import api
    from blackstart.backtesting import parse_team_pace, run_backtest

    m = _guard(as_json, lambda: api.load(model))
    payload = _guard(as_json, lambda: run_backtest(
        m, scenario, pace=pace, team_pace=parse_team_pace(team_pace or []), truths=truths,
        every=every, runs=runs, seed=seed))  # fmt: skip
    if html_out is not None:
        html_out.write_text(to_html(payload), encoding="utf-8")
        err.print(f"wrote {html_out}")
    _present(as_json, payload, render)
