"""Rich rendering of results and problems for the terminal. Formatting only."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from blackstart.cli.lang import _
from blackstart.cli.lang import current as current_lang
from blackstart.cli.lang import tier as tw
from blackstart.cli.tables import Table, labelled, short_time
from blackstart.errors import Problem
from blackstart.units import format_seconds as _format_seconds

if TYPE_CHECKING:  # the API (pydantic, scipy) is imported by the commands that need it
    from blackstart.api import ImpactReport


def format_seconds(seconds: float) -> str:
    """``1d13h49min`` (in French ``1j13h49min``: *jour*)."""
    text = _format_seconds(seconds)
    return text.replace("d", "j") if current_lang() == "fr" else text


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


def _where(f: Any) -> str:
    """``down at hospital-west (1 of 5)`` / ``down everywhere (5 of 5)`` in the current
    language (:meth:`blackstart.api.FunctionImpact.where`'s words)."""
    if f.down_at is None or f.delivered_at is None:
        return _("down")
    n, total = len(f.down_at), len(f.delivered_at)
    if not f.partial:
        return _("down everywhere (%(n)s of %(total)s)", n=total, total=total)
    return _("down at %(places)s (%(n)s of %(total)s)", places=", ".join(f.down_at), n=n,
             total=total)  # fmt: skip


def impact(console: Console, report: ImpactReport, *, max_components: int = 40) -> None:
    """Functions down grouped by tier, each with its causes and causal chain; then the
    components down, the sites and providers down, and what is still up. Laid out as
    lines rather than a wide table so it reads in an 80-column crisis-room terminal."""
    d = report.to_dict()
    s = d["summary"]
    head = Text(_("Failed: "), style="bold") + Text(", ".join(report.failed))
    if report.scenario:
        head = Text(_("Scenario %(name)s — ", name=report.scenario), style="bold") + head
    console.print(head)
    for w in report.warnings:
        console.print(Text(_("warning: "), style="bold yellow") + Text(w))
    by_tier = " · ".join(f"{tw(t)} {n}" for t, n in s["functions_down_by_tier"].items())
    total = s["functions_down"] + s["functions_up"]
    down = s["functions_down"]
    console.print(
        Text(
            "\n"
            + (
                _("Functions down somewhere: %(down)s of %(total)s", down=down, total=total)
                if report.places_hit is not None
                else _("Functions down: %(down)s of %(total)s", down=down, total=total)
            ),
            style="bold",
        )
        + Text(
            "  ("
            + _("%(by_tier)s; patient safety %(n)s", by_tier=by_tier, n=s["patient_safety_down"])
            + ")"
        )
    )
    hit = report.establishments_hit()
    if hit:
        console.print(Text(_("Establishments hit: %(n)s", n=len(hit)), style="bold"))
        for est, n in hit.items():
            console.print(f"  {est}: " + " · ".join(f"{tw(t)} {k}" for t, k in n.items()))
    if report.places_hit is not None:
        hit_places = {p: n for p, n in report.places_hit.items() if any(n.values())}
        console.print(
            Text(
                _(
                    "Places hit: %(n)s of %(total)s",
                    n=len(hit_places),
                    total=len(report.places_hit),
                ),
                style="bold",
            )
            + Text(
                "  (" + _("partial: %(n)s down at some places only", n=s["functions_partial"]) + ")"
            )
        )
        for place, n in hit_places.items():
            console.print(f"  {place}: " + " · ".join(f"{tw(t)} {k}" for t, k in n.items()))
    tier = None
    for f in report.functions_down:
        if f.tier != tier:
            tier = f.tier
            console.print(Text(tw(tier).upper(), style=TIER_STYLE.get(tier or "", "")))
        line = Text("  ◐ " if f.partial else "  ✗ ", style="red") + Text(f.id, style="bold")
        if f.delivered_at is not None:
            line.append(f": {_where(f)}", style="bold" if f.partial else "")
        if f.patient_safety:
            line.append("  ⚕ " + _("patient safety"), style="bold red")
        if f.rto_s is not None:
            line.append(f"  {_('RTO')} {format_seconds(f.rto_s)}", style="dim")
        console.print(line)
        console.print(labelled(_("cause: "), ", ".join(f.causes)))
        console.print(labelled(_("chain: "), chain_text(f.chain)))
    if report.functions_up:
        console.print(
            Text("\n" + _("Still up: "), style="bold green") + Text(", ".join(report.functions_up))
        )
    comps = Table(
        title="\n" + _("Components down (%(n)s)", n=s["components_down"]),
        title_justify="left",
        title_style="bold",
    )
    causes = {", ".join(c.causes) for c in report.components_down}
    one_cause = len(causes) == 1
    wide = console.width >= 110
    comps.add_column(_("component"), no_wrap=True)
    comps.add_column(_("functions"), justify="right")
    comps.add_column(_("kind"))
    if wide:
        comps.add_column(_("site"))
    comps.add_column(_("via"), no_wrap=True)
    if not one_cause:
        comps.add_column(_("root cause"))
    weight = _components_weight(report)
    ranked = sorted(report.components_down, key=lambda c: (-weight.get(c.id, (0, 0))[0],
                    -weight.get(c.id, (0, 0))[1], c.id))  # fmt: skip
    for c in ranked[:max_components]:
        via = c.chain[1] if len(c.chain) > 1 else _("(failed itself)")
        row = [c.id, str(weight.get(c.id, (0, 0))[1]), c.kind or ""]
        row += [c.site or "", via] if wide else [via]
        comps.add_row(*row, *([] if one_cause else [", ".join(c.causes)]))
    console.print(comps)
    legend = _("functions: how many of the functions down it is on the causal chain of")
    if one_cause and causes:
        legend += _("; root cause of all: %(cause)s", cause=causes.pop())
    console.print(legend, style="dim")
    hidden = len(report.components_down) - max_components
    if hidden > 0:
        console.print(
            "  "
            + _("… and %(n)s more, fewer functions on their chains (--json lists all)", n=hidden),
            style="dim",
        )
    console.print(
        _("Sites down: ")
        + (", ".join(report.sites_down) or _("none"))
        + " · "
        + _("Providers down: ")
        + (", ".join(report.providers_down) or _("none"))
    )
    console.print(
        f"[dim]{_('model')} {d['provenance']['model_hash'][:12]} · blackstart "
        f"{d['provenance']['blackstart']}[/]"
    )


SHOW_NAMES = 10
"""Names listed per tier by ``show`` before "… and N more"."""
SHOW_ROWS = 20
"""Sites and providers listed by ``show`` (those hosting the most first)."""


def _some(names: list[str], limit: int = SHOW_NAMES) -> str:
    if len(names) <= limit:
        return ", ".join(names) or "–"
    return ", ".join(names[:limit]) + f", … and {len(names) - limit} more"


def _components_weight(report: ImpactReport) -> dict[str, tuple[int, int]]:
    """Component id -> (tier weight, number of functions down) over the causal chains of
    the functions down: the components whose return brings back the most (vital first)."""
    rank = {"vital": 100, "care": 10, "administrative": 1}
    out: dict[str, tuple[int, int]] = {}
    for f in report.functions_down:
        for cid in set(f.chain[1:]):
            w, n = out.get(cid, (0, 0))
            out[cid] = (w + rank.get(f.tier or "", 1), n + 1)
    return out


def show(console: Console, summary: dict[str, Any]) -> None:
    """Counts, functions by tier, and what each site and provider hosts; a large model
    is summarised (the first names of each tier, the sites and providers hosting the
    most), ``--json`` lists everything."""
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
    tiers.add_column("n", justify="right")
    tiers.add_column("functions")
    for t, fs in summary["functions_by_tier"].items():
        tiers.add_row(Text(t, style=TIER_STYLE[t]), str(len(fs)), _some(fs))
    console.print(tiers)
    hidden = 0
    sites = Table(title="Sites", title_justify="left")
    for col in ("site", "kind", "operator", "shared with", "hosts"):
        sites.add_column(col)
    ranked = sorted(summary["sites"].items(), key=lambda kv: -len(kv[1]["components"]))
    for sid, s in ranked[:SHOW_ROWS]:
        sites.add_row(
            sid,
            s["kind"],
            s["provider"] or "–",
            _some(s["shared_with"], 4),
            f"{len(s['components'])} components",
        )
    hidden += max(0, len(ranked) - SHOW_ROWS)
    console.print(sites)
    if len(ranked) > SHOW_ROWS:
        console.print(f"  … and {len(ranked) - SHOW_ROWS} more sites", style="dim")
    provs = Table(title="Providers", title_justify="left")
    for col in ("provider", "kind", "owner", "jurisdiction", "operates", "hosts"):
        provs.add_column(col)
    ranked = sorted(summary["providers"].items(), key=lambda kv: -len(kv[1]["components"]))
    for pid, p in ranked[:SHOW_ROWS]:
        provs.add_row(
            pid,
            p["kind"],
            p["owner"] or "–",
            p["jurisdiction"] or "–",
            _some(p["operates_sites"], 4),
            f"{len(p['components'])} components",
        )
    console.print(provs)
    if len(ranked) > SHOW_ROWS:
        console.print(f"  … and {len(ranked) - SHOW_ROWS} more providers", style="dim")
    if hidden or any(len(fs) > SHOW_NAMES for fs in summary["functions_by_tier"].values()):
        console.print("[dim]--json lists every function, site and provider[/]")


_FR_DAYS = ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")
"""Weekdays in French, three letters like the English ones (the tables slice them)."""


def _short(iso: str) -> str:
    """``2024-08-04T21:37+02:00`` -> ``Sun 21:37`` (in French ``dim 21:37``)."""
    if current_lang() == "fr":
        when = datetime.fromisoformat(iso)
        return f"{_FR_DAYS[when.weekday()]} {when:%H:%M}"
    return short_time(iso)


def _hours(seconds: float) -> str:
    return format_seconds(seconds) if seconds else "–"


def plan(console: Console, payload: dict[str, Any], *, max_tasks: int = 30) -> None:
    """When each function is back (by tier) with its RTO, then the schedule by start:
    the schedule if every step takes its usual time, named so, pointing at the forecast
    for the times to announce."""
    console.print(
        f"[bold]{_('Recovery plan')}[/] — "
        + _(
            "scenario %(name)s: failure %(start)s → %(end)s (median durations)",
            name=payload["scenario"],
            start=_short(payload["start"]),
            end=_short(payload["failure_end"]),
        )
    )
    console.print(
        _(
            "The schedule if every step takes its usual time (median durations); the times to "
            "announce are the forecast's P80: blackstart forecast"
        ),
        style="dim",
    )
    fns = Table(title=_("Functions"), title_justify="left", title_style="bold")
    for col in ("tier", "function", "back", "after", "RTO", "met"):
        fns.add_column(_(col))
    for f in payload["functions"]:
        met = "–" if f["rto_met"] is None else (
            f"[green]{_('yes')}[/]" if f["rto_met"] else f"[red]{_('no')}[/]"
        )  # fmt: skip
        fns.add_row(
            Text(tw(f["tier"]), style=TIER_STYLE[f["tier"]]),
            f["id"] + (" ⚕" if f["patient_safety"] else ""),
            _short(f["restored_at"]) if f["was_down"] else _("never down"),
            format_seconds(f["restored_after_s"]),
            format_seconds(f["rto_s"]) if f["rto_s"] is not None else "–",
            met,
        )
    console.print(fns)
    tiers = " · ".join(f"{tw(t)} {_short(v['restored_at'])}" for t, v in payload["tiers"].items())
    console.print(
        _("Back if every step takes its usual time: %(tiers)s · everything: %(all)s",
          tiers=tiers, all=_short(payload["all"]["restored_at"]))
    )  # fmt: skip
    for place, by in payload.get("tiers_by_place", {}).items():
        back = " · ".join(f"{tw(t)} {_short(v['restored_at'])}" for t, v in by.items())
        console.print("  " + _("at %(place)s: %(back)s", place=place, back=back))
    tasks = Table(title=_("Schedule (%(n)s steps)", n=len(payload["tasks"])),
                  title_justify="left", title_style="bold")  # fmt: skip
    for col in ("start", "end", "step", "team", "waited"):
        tasks.add_column(_(col))
    for t in payload["tasks"][:max_tasks]:
        tasks.add_row(_short(t["start"]), _short(t["end"]), t["id"], t["team"] or _("(automatic)"),
                      _hours(t["waited_for_person_s"]))  # fmt: skip
    console.print(tasks)
    if len(payload["tasks"]) > max_tasks:
        console.print("  " + _("… %(n)s more steps (--json lists all)",
                               n=len(payload["tasks"]) - max_tasks), style="dim")  # fmt: skip
    if "optimization" in payload:
        o = payload["optimization"]
        console.print(
            f"CP-SAT ({o['status']}, {o['time_limit_s']:g} s): weighted restoration "
            f"{o['cp_sat_objective_min']:.0f} vs list {o['list_objective_min']:.0f} min → "
            f"{100 * o['improvement']:.1f} % better; plan shown: {o['used']}"
        )
    for w in payload["warnings"]:
        console.print(f"[yellow]{_('warning:')}[/] {w}")


def forecast(console: Console, payload: dict[str, Any]) -> None:
    """Bands per tier and everything, then per function with RTO and degraded-mode risks."""
    console.print(
        f"[bold]{_('Forecast')}[/] — "
        + _(
            "scenario %(name)s, %(runs)s runs, seed %(seed)s, as of %(as_of)s",
            name=payload["scenario"],
            runs=payload["runs"],
            seed=payload["seed"],
            as_of=_short(payload["as_of"]),
        )
    )
    tiers = Table(title=_("Back by (P50 / P80 / P95)"), title_justify="left", title_style="bold")
    for col in ("", "P50", "P80", "P95"):
        tiers.add_column(col)
    for t, b in payload["tiers"].items():
        tiers.add_row(Text(tw(t), style=TIER_STYLE[t]), _short(b["p50"]), _short(b["p80"]),
                      _short(b["p95"]))  # fmt: skip
    a = payload["all"]
    tiers.add_row(Text(_("everything"), style="bold"), _short(a["p50"]), _short(a["p80"]),
                  _short(a["p95"]))  # fmt: skip
    console.print(tiers)
    by_place = payload.get("tiers_by_place", {})
    if by_place:
        places = Table(title=_("Back by, at each place (P50 – P95)"), title_justify="left",
                       title_style="bold")  # fmt: skip
        tier_names = list(payload["tiers"])
        for col in (_("place"), *(tw(t) for t in tier_names)):
            places.add_column(col)
        for place, by in by_place.items():
            places.add_row(place, *(f"{_short(by[t]['p50'])} – {_short(by[t]['p95'])}"
                                    if t in by else "–" for t in tier_names))  # fmt: skip
        console.print(places)
    fns = Table(title=_("Functions"), title_justify="left", title_style="bold")
    for col in (_("function"), "P50", "P80", "P95"):
        fns.add_column(col)
    fns.add_column(_("RTO") + "✗", justify="right")
    fns.add_column(_("ends"), justify="right")

    def pct(x: float | None) -> str:
        return "–" if x is None else f"{100 * x:.0f} %"

    tier = None
    for f in payload["functions"]:
        if not f["was_down"]:
            continue
        if f["tier"] != tier:
            tier = f["tier"]
            fns.add_row(Text(tw(tier).upper(), style=TIER_STYLE[tier]))
        fns.add_row(f["id"], _short(f["p50"]), _short(f["p80"]), _short(f["p95"]),
                    pct(f["rto_breach_probability"]),
                    pct(f["degraded_mode_exhaustion_probability"]))  # fmt: skip
        hit = [p for p in f.get("places", []) if p["was_down"]]
        if hit and len(hit) < len(f["places"]):  # down at some places only: say where
            for p in hit:
                fns.add_row("", "  " + _("at %(place)s", place=p["place"]), _short(p["p50"]),
                            _short(p["p80"]),
                            _short(p["p95"]), pct(p["rto_breach_probability"]), "")  # fmt: skip
    console.print(fns)
    console.print(_("RTO✗: probability of missing the RTO · ends: of the degraded mode (the "
                    "fallback procedure) running out first"), style="dim")  # fmt: skip
    pace_lines(console, payload.get("pace"))
    if payload["runs_beyond_horizon"]:
        console.print(f"[yellow]{_('warning:')}[/] " + _(
            "%(n)s runs needed staff beyond the calendar horizon",
            n=payload["runs_beyond_horizon"]))  # fmt: skip
    for w in payload["warnings"]:
        console.print(f"[yellow]{_('warning:')}[/] {w}")


def pace_lines(console: Console, pace: dict[str, Any] | None) -> None:
    """The learnt pace: overall and per team with evidence, 80 % interval."""
    if not pace:
        return
    if not pace.get("learning"):
        console.print(_("Pace: not learnt (--no-learn): the model's durations as written"))
        return
    ev = pace["evidence"]
    o = pace["overall"]
    console.print(
        _(
            "Pace learnt from %(done)s done, %(running)s running and %(unknown)s "
            "done-without-start steps: overall ×%(median)s (80 %% %(p10)s–%(p90)s); "
            "×1 = the model, ×2 = twice as slow",
            done=ev["done"],
            running=ev["running"],
            unknown=ev["done_start_unknown"],
            median=f"{o['median']:.2f}",
            p10=f"{o['p10']:.2f}",
            p90=f"{o['p90']:.2f}",
        )
    )
    if ev["done"] + ev["running"] + ev["done_start_unknown"] == 0:
        return
    table = Table(title=_("Pace per team (median, 80 % interval)"), title_justify="left",
                  title_style="bold")  # fmt: skip
    for col in (_("team"), _("pace"), "80 %"):
        table.add_column(col)
    for name, v in pace["teams"].items():
        table.add_row(name, f"×{v['median']:.2f}", f"{v['p10']:.2f}–{v['p90']:.2f}")
    console.print(table)


def explain(console: Console, payload: dict[str, Any]) -> None:
    """The critical path of one function with the time split by cause."""
    b = payload["breakdown_s"]
    console.print(
        f"[bold]{payload['function']}[/] ({tw(payload['tier'])}) "
        + _(
            "back %(when)s, %(after)s after the failure: outage %(outage)s · waiting for a "
            "person %(waiting)s · working %(working)s · verifying %(verifying)s",
            when=_short(payload["restored_at"]),
            after=format_seconds(payload["restored_after_s"]),
            outage=_hours(b["outage"]),
            waiting=_hours(b["waiting_for_person"]),
            working=_hours(b["working"]),
            verifying=_hours(b["verifying"]),
        )
    )
    wide = console.width >= 110
    table = Table(title=_("Critical path"), title_justify="left", title_style="bold")
    table.add_column(_("when"), no_wrap=True)
    table.add_column(_("step"), no_wrap=True)
    table.add_column(_("team"), no_wrap=True)
    for col in (*(("deps back",) if wide else ()), "waited"):
        table.add_column(_(col))
    for s in payload["steps"]:
        end = _short(s["end"])
        same_day = end[:3] == _short(s["start"])[:3]
        table.add_row(
            f"{_short(s['start'])}–{end[4:] if same_day else end}",
            s["task"] or _("%(component)s outage", component=s["component"]),
            s["team"] or "–",
            *((_hours(s["waiting_for_dependency_s"]),) if wide else ()),
            _hours(s["waiting_for_person_s"]),
        )
    console.print(table)
    console.print(
        _("waited: for a person of the team (off hours, busy)")
        + (
            " · " + _("deps back: after the failure ended, when what it needs was back")
            if wide
            else ""
        ),
        style="dim",
    )


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
            if row.get("partial"):
                note.append(f"{len(row['partial'])} more down at some places only")
            t = row["by_tier"]
            table.add_row(row["id"], str(t["vital"]), str(t["care"]), str(t["administrative"]),
                          "; ".join(note))  # fmt: skip
        console.print(table)


def cutsets(console: Console, payload: dict[str, Any]) -> None:
    """Per target: count, order distribution, the smallest cut sets."""
    for t in payload["targets"]:
        dist = ", ".join(f"{n}×{o}" for o, n in enumerate(t["order_distribution"]) if n)
        kind = t.get("kind") or ("minimal cut sets" if t["coherent"] else "minimal solutions")
        how = []
        if payload.get("max_order") is not None:
            how.append(f"order ≤ {payload['max_order']}")
        if t.get("method") == "zbdd":
            how.append("bottom-up ZBDD")
        note = f" [dim]{', '.join(how)}[/]" if how else ""
        console.print(
            f"[bold]{t['id']}[/]: {t['cut_set_count']} {kind} (count×order: {dist}){note}"
        )
        if t.get("probability") is not None:
            console.print(f"  exact P = {t['probability']:.6g}")
        if payload.get("prime_implicants"):
            console.print("  counted, not listed", style="dim")
            continue
        for s in t["cut_sets"]:
            console.print("  {" + ", ".join(s) + "}")
        hidden = t["cut_set_count"] - len(t["cut_sets"])
        if hidden > 0:
            console.print(f"  … {hidden} more (--limit)", style="dim")


def probabilities(console: Console, payload: dict[str, Any]) -> None:
    """Exact probability, beside its approximations when they were asked for."""
    approx = payload.get("approximations", True)
    cols = ("target", "exact", "rare event", "MCUB", "cut sets") if approx else ("target", "exact")
    table = Table(title="Top-event probability", title_justify="left", title_style="bold")
    for col in cols:
        table.add_column(col, justify="right" if col != "target" else "left")
    for t in payload["targets"]:
        if not approx:
            table.add_row(t["id"], f"{t['probability']:.6g}")
            continue
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
        console.print(Text(_("warning: "), style="bold yellow") + Text(w))
    for f in payload["functions"]:
        singles = f["single_points_of_failure"]
        head = Text(f"{tw(f['tier']):<15}", style=TIER_STYLE[f["tier"]])
        head += Text(f["id"], style="bold")
        pairs = len(f["pairs_with_common_cause"])
        head.append(
            "  "
            + _(
                "%(n)s single points of failure, %(pairs)s redundant pairs with a common cause",
                n=len(singles),
                pairs=pairs,
            )
        )
        console.print(head)
        if singles:
            from blackstart.api import display

            names = [display(e) for e in singles[:max_items]]
            more = len(singles) - max_items
            shown = ", ".join(names) + (", " + _("… and %(n)s more", n=more) if more > 0 else "")
            console.print(labelled(_("SPOF: "), shown, indent=4))
        for p in f["pairs_with_common_cause"][:3]:
            text = _("%(pair)s share %(shared)s", pair=" + ".join(p["pair"]),
                     shared=", ".join(p["shared"]))  # fmt: skip
            console.print(labelled(_("pair: "), text, indent=4))


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
    """Changes ranked by downtime removed per unit of cost; what could not be ranked."""
    console.print(
        f"Expected vital + care downtime today: "
        f"[bold]{payload['care_downtime_hours_per_year']:.1f} h/year[/] "
        f"({payload['weighting']})"
    )
    table = Table(title="Best changes", title_justify="left", title_style="bold")
    table.add_column("rank", justify="right")
    table.add_column("change")
    table.add_column("saves h/year", justify="right")
    table.add_column("cost", justify="right")
    table.add_column("h/year per cost", justify="right")
    table.add_column("places reached")
    for i, c in enumerate(payload["candidates"], 1):
        per = c["saved_per_cost"]
        table.add_row(
            str(i),
            c["description"],
            f"{c['care_downtime_saved_hours_per_year']:.2f}",
            f"{c['cost']:g}",
            "∞" if per is None else f"{per:.2f}",
            ", ".join(c["places_reached"]) or "—",
        )
    console.print(table)
    console.print(f"[dim]costs: {payload['costs']}[/]")
    if payload["not_ranked"]:
        names = ", ".join(r["component"] for r in payload["not_ranked"][:12])
        more = len(payload["not_ranked"]) - 12
        console.print(
            f"[yellow]not ranked:[/] {len(payload['not_ranked'])} components have no failure "
            f"data (failure: mtbf/mttr or probability) and count as never failing: {names}"
            + (f" … and {more} more (--json lists all)" if more > 0 else "")
        )
