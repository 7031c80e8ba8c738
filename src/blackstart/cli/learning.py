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

from blackstart.cli.options import err
from blackstart.cli.options import guard as _guard
from blackstart.cli.options import present as _present

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
    payload = _guard(
        as_json,
        lambda: run_backtest(
            m,
            scenario,
            pace=pace,
            team_pace=parse_team_pace(team_pace or []),
            truths=truths,
            every=every,
            runs=runs,
            seed=seed,
        ),
    )
    if html_out is not None:
        html_out.write_text(to_html(payload), encoding="utf-8")
        err.print(f"wrote {html_out}")
    _present(as_json, payload, render)


def calibrate(
    model: Annotated[Path, typer.Argument(help="Model file or directory.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Overlay file to write.")],
    history: Annotated[
        Path | None,
        typer.Option(
            "--history", help="CSV of past step lengths (incident,task,actual).", show_default=False
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Store URL: its closed incidents and drills.", show_default=False
        ),
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option(
            "--scenario",
            "-s",
            help="Scenario whose forecast the report compares (default: the model's first).",
            show_default=False,
        ),
    ] = None,
    truths: Annotated[
        int,
        typer.Option(
            "--truths",
            min=0,
            help="Incidents drawn from the calibrated model to score both forecasts on "
            "(0: no backtest).",
        ),
    ] = 2,
    no_backtest: Annotated[
        bool, typer.Option("--no-backtest", help="Skip the coverage before/after.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Learn across incidents: fit the step durations and the pace prior from past task
    times (a CSV, or the store's closed incidents and drills), write them as an overlay,
    and report how the overlay changes a scenario's first forecast (P50/P80/P95 per tier)
    and its calibration (coverage on incidents drawn from the calibrated model)."""
    from blackstart import api, calibration
    from blackstart.errors import UsageError

    def run() -> dict[str, Any]:
        if (history is None) == (db is None):
            raise UsageError("give exactly one of --history FILE.csv and --db URL")
        m = api.load(model)
        if scenario is not None and scenario not in m.scenarios:
            from blackstart.model.recovery import scenario_of

            scenario_of(m, scenario)  # raises, naming the closest scenario
        rows = (
            calibration.read_history_csv(history)
            if history is not None
            else calibration.history_from_store(db)
        )
        overlay, report = calibration.calibrate(m, rows)
        source = str(history) if history is not None else "the store"
        output.write_text(calibration.overlay_text(overlay, source, report), encoding="utf-8")
        report["output"] = str(output)
        if m.scenarios:
            after = calibration.calibrated_model(model, overlay, str(output))
            report["change"] = calibration.forecast_change(
                m, after, scenario, truths=0 if no_backtest else truths
            )
        return report

    report = _guard(as_json, run)
    _present(as_json, report, render_calibration)


def render_calibration(console: Console, r: dict[str, Any]) -> None:
    """The pace prior before and after, the steps refitted, the forecast change."""
    b, a = r["pace_prior"]["before"], r["pace_prior"]["after"]
    console.print(
        f"[bold]Calibrated[/] from {r['incidents']} incidents, {r['observations']} step "
        f"lengths → {r['output']}\npace prior: median ×{b['median']} → ×{a['median']}, "
        f"p90 ×{b['p90']} → ×{a['p90']}; {len(r['steps_refit'])} steps refitted (at least "
        f"{r['min_observations']} observations), {len(r['steps_kept'])} kept as modelled"
    )
    change = r.get("change")
    if change is None:
        return
    table = Table(
        title=f"First forecast of {change['scenario']} (P50 / P80 / P95)", title_justify="left"
    )
    for col in ("tier", "before", "after"):
        table.add_column(col)
    for tier, band in change["forecast"].items():
        table.add_row(
            tier,
            *(
                " / ".join(_short(band[k][b]) for b in ("p50", "p80", "p95"))
                for k in ("before", "after")
            ),
        )
    console.print(table)
    bt = change.get("backtest")
    if bt is None:
        return
    table = Table(
        title=f"Coverage on {bt['truths']} incidents drawn from the calibrated model "
        f"(pace ×{', ×'.join(str(p) for p in bt['truth_paces'])}), before → after",
        title_justify="left",
    )
    for col in ("tier", "P50 cover", "P80 cover", "P95 cover", "P50 error h", "forecasts"):
        table.add_column(col)
    for tier, s in bt["tiers"].items():
        b, a = s["before"], s["after"]
        if not b.get("forecasts"):
            continue
        cells = [
            f"{b[k]:.0%} → {a[k]:.0%}" for k in ("coverage_p50", "coverage_p80", "coverage_p95")
        ]
        cells.append(f"{b['p50_error_h']:.1f} → {a['p50_error_h']:.1f}")
        cells.append(str(b["forecasts"]))
        table.add_row(tier, *cells)
    console.print(table)


def _short(iso: str) -> str:
    """``2024-08-05T10:34+02:00`` as ``08-05 10:34``."""
    return iso[5:16].replace("T", " ")
