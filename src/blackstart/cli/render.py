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
    """Functions down grouped by tier, each with its causes and causal chain; then the
    components down, the sites and providers down, and what is still up. Laid out as
    lines rather than a wide table so it reads in an 80-column crisis-room terminal."""
    d = report.to_dict()
    s = d["summary"]
    head = Text("Failed: ", style="bold") + Text(", ".join(report.failed))
    if report.scenario:
        head = Text(f"Scenario {report.scenario} — ", style="bold") + head
    console.print(head)
    by_tier = " · ".join(f"{t} {n}" for t, n in s["functions_down_by_tier"].items())
    total = s["functions_down"] + s["functions_up"]
    console.print(
        Text(f"\nFunctions down: {s['functions_down']} of {total}", style="bold")
        + Text(f"  ({by_tier}; patient safety {s['patient_safety_down']})")
    )
    tier = None
    for f in report.functions_down:
        if f.tier != tier:
            tier = f.tier
            console.print(Text(f"{(tier or '').upper()}", style=TIER_STYLE.get(tier or "", "")))
        line = Text("  ✗ ", style="red") + Text(f.id, style="bold")
        if f.patient_safety:
            line.append("  ⚕ patient safety", style="bold red")
        if f.rto_s is not None:
            line.append(f"  RTO {format_seconds(f.rto_s)}", style="dim")
        console.print(line)
        console.print(Text("      cause: ", style="dim") + Text(", ".join(f.causes)))
        console.print(Text("      chain: ", style="dim") + Text(chain_text(f.chain)))
    if report.functions_up:
        console.print(
            Text("\nStill up: ", style="bold green") + Text(", ".join(report.functions_up))
        )
    comps = Table(
        title=f"\nComponents down ({s['components_down']})",
        title_justify="left",
        title_style="bold",
    )
    comps.add_column("component", no_wrap=True)
    comps.add_column("kind")
    comps.add_column("site")
    comps.add_column("via")
    comps.add_column("root cause")
    for c in report.components_down[:max_components]:
        via = c.chain[1] if len(c.chain) > 1 else "(failed itself)"
        comps.add_row(c.id, c.kind or "", c.site or "", via, ", ".join(c.causes))
    console.print(comps)
    hidden = len(report.components_down) - max_components
    if hidden > 0:
        console.print(f"  … and {hidden} more (--json lists all, with chains)", style="dim")
    console.print(
        "Sites down: "
        + (", ".join(report.sites_down) or "none")
        + " · Providers down: "
        + (", ".join(report.providers_down) or "none")
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
