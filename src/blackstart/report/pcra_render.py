"""The layout of a continuity and recovery plan, independent of the file format.

Owns :func:`blocks`: the plan's data (:func:`blackstart.report.pcra.pcra_data`) as a
list of headings, paragraphs and tables in one language (:mod:`blackstart.report.
pcra_text`), durations for people, probabilities as percentages. :mod:`blackstart.report.
pcra_files` writes the same blocks as .html and .docx, so both formats hold the same
sections and figures.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from blackstart.report.pcra_text import TEXT, duration

Block = tuple[str, Any]
SECTIONS = (
    "s_scope",
    "s_bia",
    "s_deps",
    "s_degraded",
    "s_recovery",
    "s_forecast",
    "s_gaps",
    "s_tests",
    "s_signoff",
)


def _when(iso: str | None) -> str:
    return "" if not iso else datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")


def _args(args: dict[str, Any], lang: str) -> dict[str, Any]:
    """Durations (keys ending in ``_s``) as text, keys without the suffix."""
    out = {}
    for k, v in args.items():
        if k.endswith("_s"):
            out[k[:-2]] = duration(v, lang)
        elif k == "field":
            out[k] = TEXT[lang].get(v, v)
        else:
            out[k] = v
    return out


def _yes(value: bool | None, t: dict[str, str]) -> str:
    return "" if value is None else (t["yes"] if value else t["no"])


def _pct(p: float | None) -> str:
    return "" if p is None else f"{100 * p:.0f} %"


def blocks(data: dict[str, Any], lang: str = "fr") -> list[Block]:
    """The plan as headings (``h1``, ``h2``, ``h3``), paragraphs (``p``) and tables
    (``table``: header row, rows)."""
    t = TEXT[lang]

    def d(seconds: float | None) -> str:
        return duration(seconds, lang)

    fn, bia = data["function"], data["bia"]
    out: list[Block] = [
        ("h1", t["title"]),
        ("p", t["subtitle"].format(name=fn["name"] or fn["id"])),
        (
            "p",
            t["generated"].format(
                version=data["version"],
                model=data["model"]["name"],
                hash=data["model"]["hash"][:12],
            ),
        ),
        ("h2", t["s_scope"]),
    ]
    scope = [
        [t["function"], fn["name"] or ""],
        [t["id"], fn["id"]],
        [t["tier"], t["tier_" + fn["tier"]]],
        [t["owner"], fn["owner"] or t["none"]],
        [t["description"], fn["description"] or ""],
    ]
    if data["place"]:
        pl = data["place"]
        scope.append([t["place"], f"{pl['name'] or pl['id']} ({pl['id']})"])
    out.append(("table", ([t["element"], ""], scope)))
    if data["place"]:
        pl = data["place"]
        out.append(
            (
                "p",
                t["place_note"].format(
                    place=pl["id"],
                    kind=pl["kind"],
                    verdict=t["place_down"] if pl["down_if_lost"] else t["place_up"],
                ),
            )
        )
        if pl["dependencies_here"]:
            out.append(("p", t["place_deps"].format(items=", ".join(pl["dependencies_here"]))))
    out.append(("h2", t["s_bia"]))

    def h(hours: float | None) -> float | None:
        return None if hours is None else hours * 3600

    out.append(
        (
            "table",
            (
                [t["element"], ""],
                [
                    [t["tier"], t["tier_" + bia["Tier"]]],
                    [t["patient_safety"], t["yes"] if bia["Patient safety"] == "yes" else t["no"]],
                    [t["rto"], d(h(bia["RTO (h)"]))],
                    [t["mtpd"], d(h(bia["MTPD (h)"]))],
                    [t["rpo"], d(h(bia["RPO (h)"]))],
                    [t["degraded_mode"], bia["Degraded mode"] or t["none"]],
                    [t["holds_for"], d(h(bia["Holds for (h)"]))],
                    [t["covers_rto"], {"yes": t["yes"], "no": t["no"]}.get(bia["Covers RTO"], "")],
                ],
            ),
        )
    )
    out.append(("h3", t["impacts"]))
    out.append(
        (
            "table",
            (
                [t["after"], t["state"]],
                [[d(i["after_s"]), "; ".join(t[s] for s in i["states"])] for i in bia["impacts"]],
            ),
        )
    )
    out.append(("h2", t["s_deps"]))
    deps = data["dependencies"]
    for layer in deps["layers"]:
        out.append(("h3", t["layer_" + layer["layer"]]))
        out.append(
            (
                "table",
                (
                    [t["element"], t["kind"], t["site"], t["provider"], t["team"]],
                    [
                        [
                            f"{i['name'] or i['id']} ({i['id']})",
                            i.get("kind") or "",
                            i.get("site") or "",
                            i.get("provider") or "",
                            i.get("team") or "",
                        ]
                        for i in layer["items"]
                    ],
                ),
            )
        )
    out.append(("h3", t["spof"]))
    spofs = deps["single_points_of_failure"]
    out.append(("p", ", ".join(spofs) if spofs else t["spof_none"]))
    if deps["pairs_with_common_cause"]:
        out.append(("h3", t["common"]))
        out.append(
            (
                "table",
                (
                    [t["pair"], t["shared"]],
                    [
                        [" + ".join(p["pair"]), ", ".join(p["shared"])]
                        for p in deps["pairs_with_common_cause"]
                    ],
                ),
            )
        )
    out.append(("h2", t["s_degraded"]))
    dg = data["degraded"]
    if dg["procedure"] is None:
        out.append(("p", t["degraded_none"]))
    else:
        out.append(
            (
                "table",
                (
                    [t["element"], ""],
                    [
                        [t["procedure"], dg["procedure"]],
                        [t["holds_for"], d(dg["holds_for_s"])],
                        [t["covers_rto"], _yes(dg["covers_rto"], t)],
                    ],
                ),
            )
        )
        if dg["worst_scenario"] is not None and dg["holds_against_worst"] is not None:
            out.append(
                (
                    "p",
                    t["degraded_vs"].format(
                        scenario=dg["worst_scenario"],
                        p95=d(dg["worst_p95_s"]),
                        verdict=t["holds"] if dg["holds_against_worst"] else t["does_not_hold"],
                    ),
                )
            )
    out.append(("h2", t["s_recovery"]))
    rec = data["recovery"]
    if rec is None:
        out.append(("p", t["recovery_none"]))
    else:
        out.append(
            ("p", t["recovery_intro"].format(scenario=rec["scenario"], start=_when(rec["start"])))
        )
        out.append(
            (
                "table",
                (
                    [
                        t["step"],
                        t["task"],
                        t["team"],
                        t["skill"],
                        t["contact"],
                        t["start"],
                        t["end"],
                    ],
                    [
                        [
                            str(n),
                            s["task"] + (" ★" if s["critical"] else ""),
                            s["team_name"] or s["team"] or "",
                            s["skill"] or "",
                            s["contact"] or "",
                            _when(s["start"]),
                            _when(s["end"]),
                        ]
                        for n, s in enumerate(rec["steps"], 1)
                    ],
                ),
            )
        )
        out.append(("p", f"{t['critical_path']} (★) : " + " → ".join(rec["critical_path"])))
    out.append(("h2", t["s_forecast"]))
    fc = data["forecast"]
    rows = []
    for s in fc["scenarios"]:
        if not s["down"]:
            rows.append([s["id"], t["no"], t["not_down"], "", "", "", "", "", ""])
            continue
        rows.append(
            [
                s["id"],
                t["yes"],
                d(s["plan_restored_after_s"]),
                d(s["p50_s"]),
                d(s["p80_s"]),
                d(s["p95_s"]),
                _pct(s["rto_breach_probability"]),
                _pct(s["degraded_mode_exhaustion_probability"]),
                _yes(s["rto_achievable"], t),
            ]
        )
    out.append(
        (
            "table",
            (
                [
                    t["scenario"],
                    t["down"],
                    t["plan_back"],
                    t["p50"],
                    t["p80"],
                    t["p95"],
                    t["breach"],
                    t["exhaust"],
                    t["achievable"],
                ],
                rows,
            ),
        )
    )
    out.append(("p", t["achievable_note"].format(runs=fc["runs"], seed=fc["seed"])))
    out.append(("h2", t["s_gaps"]))
    if data["gaps"]:
        out.append(
            (
                "table",
                (
                    [t["gap"]],
                    [[t[g["gap"]].format(**_args(g["args"], lang))] for g in data["gaps"]],
                ),
            )
        )
    else:
        out.append(("p", t["gaps_none"]))
    out.append(("h3", t["changes"]))
    if data["changes"]:
        out.append(
            (
                "table",
                (
                    [t["change"], t["saved"]],
                    [
                        [c["description"], f"{c['care_downtime_saved_hours_per_year']:.2f}"]
                        for c in data["changes"]
                    ],
                ),
            )
        )
    else:
        out.append(("p", t["changes_none"]))
    out.append(("h2", t["s_tests"]))
    out.append(("h3", t["test_plan"]))
    out.append(
        (
            "table",
            (
                [t["test"], t["frequency"], t["success"]],
                [
                    [
                        t[x["test"]].format(**_args(x["args"], lang)),
                        t[x["frequency"]],
                        t[x["success"]].format(**_args(x["success_args"], lang)),
                    ]
                    for x in data["tests"]["plan"]
                ],
            ),
        )
    )
    out.append(("h3", t["history"]))
    hist = data["tests"]["history"]
    if hist is None:
        out.append(("p", t["history_no_db"]))
    elif not hist:
        out.append(("p", t["history_none"]))
    else:
        out.append(
            (
                "table",
                (
                    [
                        t["drill"],
                        t["date"],
                        t["scenario"],
                        t["status"],
                        t["concerned"],
                        t["restored"],
                        t["rto_met"],
                        t["findings"],
                    ],
                    [
                        [
                            f"#{x['id']} {x['title']}",
                            _when(x["date"]),
                            x["scenario"] or "",
                            x["state"],
                            _yes(x["concerned"], t),
                            _when(x["restored_at"]),
                            _yes(x["rto_met"], t),
                            "; ".join(x["findings"]),
                        ]
                        for x in hist
                    ],
                ),
            )
        )
    out.append(("h2", t["s_signoff"]))
    out.append(
        (
            "table",
            (
                [t["role"], t["name"], t["date"], t["signature"]],
                [
                    [t[r], fn["owner"] if r == "r_owner" and fn["owner"] else "", "", ""]
                    for r in ("r_owner", "r_continuity", "r_security", "r_cio", "r_director")
                ],
            ),
        )
    )
    return out
