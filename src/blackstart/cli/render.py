"""Rich rendering of results and problems for the terminal. Formatting only."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from blackstart.api import ImpactReport
from blackstart.errors import Problem
from blackstart.units import format_seconds

TIER_STYLE = {"vital": "bold red", "care": "yellow", "administrative": "cyan"}


def problems(console: Console, found: tuple[Problem, ...] | list[Problem]) -> None:
    """One compiler-style line per problem (``file:line:col: error[code]: …``), then a
    count: greppable, and clickable in editors and terminals."""
    for p in found:
        line = Text(p.where, style="bold")
        line.append(": ")
        line.append(f"error[{p.code}]", style="bold red")
        line.append(f": {p.message}")
        if p.key:
            line.append(f" ({p.key})", style="dim")
        if p.suggestion:
            line.append(f" — {p.suggestion}", style="green")
        console.print(line, soft_wrap=True)
    n = len(found)
    console.print(
        f"{n} problem{'s' if n != 1 else ''} found; the model was not loaded.", style="bold red"
    )


def chain_text(chain: tuple[str, ...]) -> str:
    """``lab-results ← lab-app ← … ← site:dc-north``."""
    return " ← ".join(chain)


def impact(console: Console, report: ImpactReport, *, max_components: int = 40) -> None:
    """Functions down by tier with causes and chains, then components, then what is up."""
    d = report.to_dict()
    s = d["summary"]
    head = f"Failed: {', '.join(report.failed)}"
    if report.scenario:
        head = f"Scenario [bold]{report.scenario}[/] — " + head
    console.print(head)
    table = Table(
        title=f"Functions down ({s['functions_down']} of "
        f"{s['functions_down'] + s['functions_up']})",
        title_justify="left",
    )
    table.add_column("tier", no_wrap=True)
    table.add_column("function", no_wrap=True)
    table.add_column("RTO", justify="right")
    table.add_column("causes")
    table.add_column("causal chain")
    for f in report.functions_down:
        name = Text(f.id)
        if f.patient_safety:
            name.append(" ⚕ patient safety", style="bold red")
        table.add_row(
            Text(f.tier or "", style=TIER_STYLE.get(f.tier or "", "")),
            name,
            format_seconds(f.rto_s) if f.rto_s is not None else "–",
            ", ".join(f.causes),
            chain_text(f.chain),
        )
    console.print(table)
    comps = Table(title=f"Components down ({s['components_down']})", title_justify="left")
    comps.add_column("component", no_wrap=True)
    comps.add_column("kind")
    comps.add_column("site")
    comps.add_column("causal chain")
    for c in report.components_down[:max_components]:
        comps.add_row(c.id, c.kind or "", c.site or "", chain_text(c.chain))
    console.print(comps)
    hidden = len(report.components_down) - max_components
    if hidden > 0:
        console.print(f"  … and {hidden} more (use --json for all)", style="dim")
    if report.sites_down or report.providers_down:
        console.print(
            "Sites down: "
            + (", ".join(report.sites_down) or "none")
            + " · Providers down: "
            + (", ".join(report.providers_down) or "none")
        )
    console.print(
        Text("Still up: ", style="green") + Text(", ".join(report.functions_up) or "nothing")
    )
    console.print(
        f"[dim]model {d['provenance']['model_hash'][:12]} · blackstart "
        f"{d['provenance']['blackstart']}[/]"
    )


def show(console: Console, summary: dict[str, Any]) -> None:
    """Counts, functions by tier, and what each site and provider hosts."""
    console.print(
        f"[bold]{summary['name']}[/]"
        + (f" — {summary['description']}" if summary["description"] else "")
    )
    counts = Table(title="Counts", title_justify="left")
    for k in summary["counts"]:
        counts.add_column(k, justify="right")
    counts.add_row(*[str(v) for v in summary["counts"].values()])
    console.print(counts)
    kinds = Table(title="Components by kind", title_justify="left")
    kinds.add_column("kind")
    kinds.add_column("count", justify="right")
    for k, v in summary["components_by_kind"].items():
        kinds.add_row(k, str(v))
    console.print(kinds)
    tiers = Table(title="Functions by tier", title_justify="left")
    tiers.add_column("tier")
    tiers.add_column("functions")
    for t, fs in summary["functions_by_tier"].items():
        tiers.add_row(Text(t, style=TIER_STYLE[t]), ", ".join(fs) or "–")
    console.print(tiers)
    sites = Table(title="Sites", title_justify="left")
    for col in ("site", "kind", "operator", "shared with", "hosts"):
        sites.add_column(col)
    for sid, s in summary["sites"].items():
        sites.add_row(
            sid,
            s["kind"],
            s["provider"] or "–",
            ", ".join(s["shared_with"]) or "–",
            f"{len(s['components'])} components",
        )
    console.print(sites)
    provs = Table(title="Providers", title_justify="left")
    for col in ("provider", "kind", "owner", "jurisdiction", "operates", "hosts"):
        provs.add_column(col)
    for pid, p in summary["providers"].items():
        provs.add_row(
            pid,
            p["kind"],
            p["owner"] or "–",
            p["jurisdiction"] or "–",
            ", ".join(p["operates_sites"]) or "–",
            f"{len(p['components'])} components",
        )
    console.print(provs)
