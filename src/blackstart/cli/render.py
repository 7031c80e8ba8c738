"""Rich rendering of results and problems for the terminal. Formatting only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from blackstart.errors import Problem
from blackstart.units import format_seconds

if TYPE_CHECKING:  # the API (pydantic, scipy) is imported by the commands that need it
    from blackstart.api import ImpactReport

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
    for w in report.warnings:
        console.print(Text("warning: ", style="bold yellow") + Text(w))
    by_tier = " · ".join(f"{t} {n}" for t, n in s["functions_down_by_tier"].items())
    total = s["functions_down"] + s["functions_up"]
    console.print(
        Text(f"\nFunctions down: {s['functions_down']} of {total}", style="bold")
        + Text(f"  ({by_tier}; patient safety {s['patient_safety_down']})")
    )
    hit = report.establishments_hit()
    if hit:
        console.print(Text(f"Establishments hit: {len(hit)}", style="bold"))
        for est, n in hit.items():
            console.print(f"  {est}: " + " · ".join(f"{t} {k}" for t, k in n.items()))
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


def _short(iso: str) -> str:
    """``2024-08-04T21:37+02:00`` -> ``Sun 04 21:37``."""
    from datetime import datetime

    return datetime.fromisoformat(iso).strftime("%a %d %H:%M")


def _hours(seconds: float) -> str:
    return format_seconds(seconds) if seconds else "–"


def plan(console: Console, payload: dict[str, Any], *, max_tasks: int = 30) -> None:
    """When each function is back (by tier) with its RTO, then the schedule by start."""
    console.print(
        f"[bold]Recovery plan[/] — scenario {payload['scenario']}: failure "
        f"{_short(payload['start'])} → {_short(payload['failure_end'])} (median durations)"
    )
    fns = Table(title="Functions", title_justify="left", title_style="bold")
    for col in ("tier", "function", "back", "after", "RTO", "met"):
        fns.add_column(col)
    for f in payload["functions"]:
        met = "–" if f["rto_met"] is None else ("[green]yes[/]" if f["rto_met"] else "[red]no[/]")
        fns.add_row(
            Text(f["tier"], style=TIER_STYLE[f["tier"]]),
            f["id"] + (" ⚕" if f["patient_safety"] else ""),
            _short(f["restored_at"]) if f["was_down"] else "never down",
            format_seconds(f["restored_after_s"]),
            format_seconds(f["rto_s"]) if f["rto_s"] is not None else "–",
            met,
        )
    console.print(fns)
    tiers = " · ".join(f"{t} {_short(v['restored_at'])}" for t, v in payload["tiers"].items())
    console.print(f"Tiers back: {tiers} · everything: {_short(payload['all']['restored_at'])}")
    tasks = Table(title=f"Schedule ({len(payload['tasks'])} steps)", title_justify="left",
                  title_style="bold")  # fmt: skip
    for col in ("start", "end", "step", "team", "waited"):
        tasks.add_column(col)
    for t in payload["tasks"][:max_tasks]:
        tasks.add_row(_short(t["start"]), _short(t["end"]), t["id"], t["team"] or "(automatic)",
                      _hours(t["waited_for_person_s"]))  # fmt: skip
    console.print(tasks)
    if len(payload["tasks"]) > max_tasks:
        console.print(f"  … {len(payload['tasks']) - max_tasks} more steps (--json lists all)",
                      style="dim")  # fmt: skip
    if "optimization" in payload:
        o = payload["optimization"]
        console.print(
            f"CP-SAT ({o['status']}, {o['time_limit_s']:g} s): weighted restoration "
            f"{o['cp_sat_objective_min']:.0f} vs list {o['list_objective_min']:.0f} min → "
            f"{100 * o['improvement']:.1f} % better; plan shown: {o['used']}"
        )
    for w in payload["warnings"]:
        console.print(f"[yellow]warning:[/] {w}")


def forecast(console: Console, payload: dict[str, Any]) -> None:
    """Bands per tier and everything, then per function with RTO and degraded-mode risks."""
    console.print(
        f"[bold]Forecast[/] — scenario {payload['scenario']}, {payload['runs']} runs, seed "
        f"{payload['seed']}, as of {_short(payload['as_of'])}"
    )
    tiers = Table(title="Back by (P50 / P80 / P95)", title_justify="left", title_style="bold")
    for col in ("", "P50", "P80", "P95"):
        tiers.add_column(col)
    for t, b in payload["tiers"].items():
        tiers.add_row(Text(t, style=TIER_STYLE[t]), _short(b["p50"]), _short(b["p80"]),
                      _short(b["p95"]))  # fmt: skip
    a = payload["all"]
    tiers.add_row(Text("everything", style="bold"), _short(a["p50"]), _short(a["p80"]),
                  _short(a["p95"]))  # fmt: skip
    console.print(tiers)
    fns = Table(title="Functions", title_justify="left", title_style="bold")
    for col in ("tier", "function", "P50", "P80", "P95", "P(RTO missed)", "P(fallback runs out)"):
        fns.add_column(col)
    for f in payload["functions"]:
        if not f["was_down"]:
            continue

        def pct(x: float | None) -> str:
            return "–" if x is None else f"{100 * x:.0f} %"

        fns.add_row(Text(f["tier"], style=TIER_STYLE[f["tier"]]), f["id"], _short(f["p50"]),
                    _short(f["p80"]), _short(f["p95"]), pct(f["rto_breach_probability"]),
                    pct(f["degraded_mode_exhaustion_probability"]))  # fmt: skip
    console.print(fns)
    if payload["runs_beyond_horizon"]:
        console.print(f"[yellow]warning:[/] {payload['runs_beyond_horizon']} runs needed staff "
                      "beyond the calendar horizon")  # fmt: skip


def explain(console: Console, payload: dict[str, Any]) -> None:
    """The critical path of one function with the time split by cause."""
    b = payload["breakdown_s"]
    console.print(
        f"[bold]{payload['function']}[/] ({payload['tier']}) back "
        f"{_short(payload['restored_at'])}, {format_seconds(payload['restored_after_s'])} "
        f"after the failure: outage {_hours(b['outage'])} · waiting for a person "
        f"{_hours(b['waiting_for_person'])} · working {_hours(b['working'])} · verifying "
        f"{_hours(b['verifying'])}"
    )
    table = Table(title="Critical path", title_justify="left", title_style="bold")
    for col in ("start", "end", "step", "team", "deps back after failure end", "waited for person"):
        table.add_column(col)
    for s in payload["steps"]:
        table.add_row(
            _short(s["start"]),
            _short(s["end"]),
            s["task"] or f"{s['component']} outage",
            s["team"] or "–",
            _hours(s["waiting_for_dependency_s"]),
            _hours(s["waiting_for_person_s"]),
        )
    console.print(table)


def concentration(console: Console, payload: dict[str, Any]) -> None:
    """One table per kind of concentration, worst first."""
    for key, title in (
        ("providers", "Providers"),
        ("owners", "Owner groups"),
        ("jurisdictions", "Jurisdictions"),
        ("sites", "Sites"),
    ):
        table = Table(title=f"{title}: what their failure takes down", title_justify="left",
                      title_style="bold")  # fmt: skip
        table.add_column(title[:-1].lower())
        for tier in ("vital", "care", "administrative"):
            table.add_column(tier, justify="right", style=TIER_STYLE[tier])
        table.add_column("note")
        for row in payload[key]:
            note = []
            if row.get("non_eu"):
                note.append("non-EU jurisdiction: health data under foreign law?")
            if row.get("owner"):
                note.append(f"owner {row['owner']}")
            if row.get("jurisdiction"):
                note.append(row["jurisdiction"])
            if row.get("providers"):
                note.append("providers " + ", ".join(row["providers"]))
            if row.get("shared_with"):
                note.append("shared with " + ", ".join(row["shared_with"]))
            t = row["by_tier"]
            table.add_row(row["id"], str(t["vital"]), str(t["care"]), str(t["administrative"]),
                          "; ".join(note))  # fmt: skip
        console.print(table)


def cutsets(console: Console, payload: dict[str, Any]) -> None:
    """Per target: count, order distribution, the smallest cut sets."""
    for t in payload["targets"]:
        dist = ", ".join(f"{n}×{o}" for o, n in enumerate(t["order_distribution"]) if n)
        kind = "minimal cut sets" if t["coherent"] else "prime implicants"
        how = []
        if payload.get("max_order") is not None:
            how.append(f"order ≤ {payload['max_order']}")
        if t.get("method") == "zbdd":
            how.append("bottom-up ZBDD")
        note = f" [dim]{', '.join(how)}[/]" if how else ""
        console.print(
            f"[bold]{t['id']}[/]: {t['cut_set_count']} {kind} (count×order: {dist}){note}"
        )
        for s in t["cut_sets"]:
            console.print("  {" + ", ".join(s) + "}")
        hidden = t["cut_set_count"] - len(t["cut_sets"])
        if hidden > 0:
            console.print(f"  … {hidden} more (--limit)", style="dim")


def probabilities(console: Console, payload: dict[str, Any]) -> None:
    """Exact probability beside its approximations."""
    table = Table(title="Top-event probability", title_justify="left", title_style="bold")
    for col in ("target", "exact", "rare event", "MCUB", "cut sets"):
        table.add_column(col, justify="right" if col != "target" else "left")
    for t in payload["targets"]:
        mcub = "–" if t["mcub"] is None else f"{t['mcub']:.6g}"
        rare = "–" if t["rare_event"] is None else f"{t['rare_event']:.6g}"
        count = "–" if t["cut_set_count"] is None else str(t["cut_set_count"])
        table.add_row(t["id"], f"{t['probability']:.6g}", rare, mcub, count)
    console.print(table)
    for t in payload["targets"]:
        if t.get("note"):
            console.print(f"[yellow]note:[/] {t['id']}: {t['note']}")
    if payload.get("unknown_probabilities"):
        console.print(f"[yellow]note:[/] {len(payload['unknown_probabilities'])} elements have "
                      "no failure data and count as never failing")  # fmt: skip


def importance(console: Console, payload: dict[str, Any], *, max_rows: int = 40) -> None:
    """Measures per basic event, most important first."""
    console.print(f"[bold]{payload['target']}[/]: P = {payload['probability']:.6g}")
    table = Table(title_justify="left")
    for col in ("event", "p", "Birnbaum", "Fussell–Vesely", "criticality", "RAW", "RRW"):
        table.add_column(col, justify="left" if col == "event" else "right")
    for e in payload["events"][:max_rows]:
        rrw = "∞ (top impossible without it)" if e["rrw_infinite"] else f"{e['rrw']:.4g}"
        table.add_row(e["event"], f"{e['probability']:.3g}", f"{e['birnbaum']:.4g}",
                      f"{e['fussell_vesely']:.4g}", f"{e['criticality']:.4g}",
                      f"{e['raw']:.4g}", rrw)  # fmt: skip
    console.print(table)


def spof(console: Console, payload: dict[str, Any], *, max_items: int = 8) -> None:
    """Single points of failure and common-cause pairs, by tier."""
    for w in payload.get("warnings", []):
        console.print(Text("warning: ", style="bold yellow") + Text(w))
    for f in payload["functions"]:
        singles = f["single_points_of_failure"]
        head = Text(f"{f['tier']:<15}", style=TIER_STYLE[f["tier"]]) + Text(f["id"], style="bold")
        pairs = len(f["pairs_with_common_cause"])
        head.append(
            f"  {len(singles)} single points of failure, "
            f"{pairs} redundant pairs with a common cause"
        )
        console.print(head)
        if singles:
            from blackstart.api import display

            names = [display(e) for e in singles[:max_items]]
            shown = ", ".join(names) + (" …" if len(singles) > max_items else "")
            console.print(Text("    SPOF: ", style="dim") + Text(shown))
        for p in f["pairs_with_common_cause"][:3]:
            text = f"{' + '.join(p['pair'])} share {', '.join(p['shared'])}"
            console.print(Text("    pair: ", style="dim") + Text(text))


def availability(console: Console, payload: dict[str, Any]) -> None:
    """Unavailability and downtime per function."""
    table = Table(title="Steady-state availability", title_justify="left", title_style="bold")
    for col in ("tier", "function", "unavailability", "downtime h/year"):
        table.add_column(col, justify="right" if col not in ("tier", "function") else "left")
    for f in payload["functions"]:
        table.add_row(
            Text(f["tier"], style=TIER_STYLE[f["tier"]]),
            f["id"],
            f"{f['unavailability']:.3g}",
            f"{f['downtime_hours_per_year']:.1f}",
        )
    console.print(table)
    if payload["unknown_probabilities"]:
        n = len(payload["unknown_probabilities"])
        console.print(
            f"[yellow]note:[/] {n} elements have no failure data (MTBF/MTTR or probability) "
            "and count as never failing"
        )


def improve(console: Console, payload: dict[str, Any]) -> None:
    """Changes ranked by downtime removed."""
    console.print(
        f"Expected vital + care downtime today: "
        f"[bold]{payload['care_downtime_hours_per_year']:.1f} h/year[/] (sum over functions)"
    )
    table = Table(title="Best changes", title_justify="left", title_style="bold")
    table.add_column("rank", justify="right")
    table.add_column("change")
    table.add_column("saves h/year", justify="right")
    for i, c in enumerate(payload["candidates"], 1):
        table.add_row(str(i), c["description"], f"{c['care_downtime_saved_hours_per_year']:.2f}")
    console.print(table)
    if payload["unknown_probabilities"]:
        console.print(
            f"[yellow]note:[/] {len(payload['unknown_probabilities'])} elements have no "
            "failure data and are not ranked"
        )
