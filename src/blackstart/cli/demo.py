"""``blackstart demo``: the seed incident replayed on the bundled example, as a continuity
manager would read it.

Owns the demo's story: what went down and why; *the plan* (every step at its usual,
median, duration: one schedule, one time per function) and *the forecast* (10,000 runs
with uncertain durations: bands), named apart; why the care function that is really last
in the plan is last; then what to do next: the three changes that save the most care
hours (``improve``) and the forecast against the public timeline of August 2024. Every
figure comes from :mod:`blackstart.api`, :mod:`~blackstart.planning` and
:mod:`~blackstart.resilience`; the public facts are those of ``docs/seed-incident.md``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console
from rich.text import Text

from blackstart.cli import render
from blackstart.cli.tables import Table, labelled, short_time

SCENARIO = "colo-power-cut"

PUBLIC = (
    ("care", "Mon 5 Aug ~10:00", "2024-08-05T10:00:00+02:00", True,
     "patient record, imaging and lab results, messaging, phones back in every hospital"),
    ("administrative", "Tue 6 Aug evening", "2024-08-06T20:00:00+02:00", False,
     "still incomplete, administrative applications last"),
)  # fmt: skip
"""(tier, when, as a time, back then or still down, what the press reported) —
docs/seed-incident.md §1."""


def _gap(delta: Any) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} h"


def _back(fn: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(fn["restored_at"])


def run(out: Console, model: Any, shown: str) -> None:
    """Print the demo on ``out`` for the example ``model`` (opened as ``shown``)."""
    from blackstart import advice, api, planning

    sc = model.scenarios[SCENARIO]
    out.rule(f"[bold]{model.name}[/]")
    out.print(f"Scenario [bold]{SCENARIO}[/]: {sc.description or ''}")
    start = model.scenario_start(SCENARIO)
    out.print(f"Starts {start:%a %d %b %Y %H:%M} and lasts {sc.duration / 3600:g} h.\n")
    render.impact(out, api.impact(model, scenario=SCENARIO), max_components=10)

    ctx = planning.context(model, SCENARIO)
    plan = planning.plan(model, SCENARIO, graph=ctx.graph).to_dict()
    out.rule("[bold]The plan: every step at its usual duration[/]")
    out.print(
        "One schedule, each recovery step taking its median time, staff calendars "
        "applied (blackstart plan). Tiers back:"
    )
    for tier, v in plan["tiers"].items():
        out.print(f"  {tier:<15} {short_time(v['restored_at'])}")
    out.print(f"  {'everything':<15} {short_time(plan['all']['restored_at'])}")
    care = [f for f in plan["functions"] if f["tier"] == "care" and f["was_down"]]
    last = max(care, key=_back)

    out.rule("[bold]The forecast: 10,000 runs with uncertain durations[/]")
    out.print(
        "The same recovery, every step's duration drawn from its range, restarts that "
        "fail redone (blackstart forecast): when each function is back in half the "
        "runs (P50), 80 % and 95 % of them.\n"
    )
    fc = planning.run_forecast(model, SCENARIO, runs=10_000, seed=0, ctx=ctx).to_dict()
    render.forecast(out, fc)
    band = next(f for f in fc["functions"] if f["id"] == last["id"])
    out.rule(f"[bold]Why {last['id']} is the last care function back[/]")
    out.print(
        f"In the plan, {last['id']} is the last care function back "
        f"({short_time(last['restored_at'])}); the forecast gives it P50 "
        f"{short_time(band['p50'])}, P95 {short_time(band['p95'])}. Its critical path in "
        "the plan:\n"
    )
    render.explain(out, planning.explain(model, SCENARIO, last["id"], graph=ctx.graph))

    out.rule("[bold]What next[/]")
    better = advice.improve(model, budget=3)
    table = Table(
        title="The three changes that save the most care hours", title_justify="left",
        title_style="bold",
    )  # fmt: skip
    table.add_column("#", justify="right")
    table.add_column("change")
    table.add_column("saves", justify="right")
    for i, c in enumerate(better["candidates"][:3], 1):
        table.add_row(str(i), c["description"], f"{c['care_downtime_saved_hours_per_year']:.1f}")
    out.print(table)
    out.print(
        f"saves: vital and care downtime removed, hours per year, of "
        f"{better['care_downtime_hours_per_year']:.0f} expected today (blackstart improve)",
        style="dim",
    )
    out.print(Text("\nThe forecast against the public timeline", style="bold"))
    for tier, when, at, back, what in PUBLIC:
        b = fc["tiers"][tier]
        reported = datetime.fromisoformat(at)
        p50, p95 = datetime.fromisoformat(b["p50"]), datetime.fromisoformat(b["p95"])
        if back:
            verdict = (
                "between P50 and P95" if p50 <= reported <= p95
                else f"{_gap(p50 - reported)} before the forecast P50" if reported < p50
                else "after the P95"
            )  # fmt: skip
        else:
            verdict = "as forecast: not back" if reported < p50 else "the forecast had it back"
        text = Text(f"forecast P50 {short_time(b['p50'])}, P95 {short_time(b['p95'])}; ")
        text.append(f"reported {when}: {what} ({verdict})")
        out.print(labelled(f"{tier:<15}", text, indent=2, style=render.TIER_STYLE[tier]))
    out.print(
        f"\nMore: blackstart --help · docs/seed-incident.md · the dashboard on this example: "
        f"blackstart demo --serve · the model: {shown}",
        style="dim",
    )
