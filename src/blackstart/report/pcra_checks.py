"""The gaps, the proposed test plan and the exercise history of a continuity plan.

Owns the rules that turn a plan's figures (:func:`blackstart.report.pcra.pcra_data`) into
gaps (missing objectives, single points of failure, pairs with a common cause, RTO not
achievable, degraded mode shorter than the forecast, no exercise), the proposed tests
(degraded mode, recovery exercise, restores against the RPO, crisis directory) and the
reading of the stored drills. Gaps and tests are codes with arguments; the wording is in
:mod:`blackstart.report.pcra_text`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from blackstart.model.model import Model


def test_plan(
    model: Model, function: str, needs: list[str], worst: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Proposed tests: quarterly for vital, twice a year for care, yearly otherwise."""
    fn = model.functions[function]
    freq = {"vital": "quarterly", "care": "half_yearly"}.get(fn.tier, "yearly")
    out: list[dict[str, Any]] = []
    if fn.degraded_mode:
        out.append(
            {
                "test": "t_degraded",
                "args": {"procedure": fn.degraded_mode.procedure},
                "frequency": freq,
                "success": "t_degraded_ok",
                "success_args": {"holds_s": fn.degraded_mode.holds_for},
            }
        )
    if worst is not None:
        out.append(
            {
                "test": "t_recovery",
                "args": {"scenario": worst["id"]},
                "frequency": freq,
                "success": "t_recovery_ok",
                "success_args": {"rto_s": fn.rto},
            }
        )
    for cid in needs:
        if cid in model.components and model.components[cid].kind == "database":
            out.append(
                {
                    "test": "t_restore",
                    "args": {"element": cid},
                    "frequency": "yearly",
                    "success": "t_restore_ok",
                    "success_args": {"rpo_s": fn.rpo},
                }
            )
    out.append(
        {
            "test": "t_contacts",
            "args": {},
            "frequency": "half_yearly",
            "success": "t_contacts_ok",
            "success_args": {},
        }
    )
    return out


def gaps(model: Model, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's gaps, as ``{"gap": code, "args": {...}}``."""
    fn = model.functions[data["function"]["id"]]
    gaps: list[dict[str, Any]] = []
    for field, key in (("rto", "rto"), ("mtpd", "mtpd"), ("rpo", "rpo"), ("owner", "owner")):
        if getattr(fn, field) is None:
            gaps.append({"gap": "gap_missing", "args": {"field": key}})
    if fn.degraded_mode is None:
        gaps.append({"gap": "gap_no_degraded", "args": {}})
    for e in data["dependencies"]["single_points_of_failure"]:
        gaps.append({"gap": "gap_spof", "args": {"element": e}})
    for p in data["dependencies"]["pairs_with_common_cause"]:
        gaps.append(
            {
                "gap": "gap_pair",
                "args": {"pair": " + ".join(p["pair"]), "shared": ", ".join(p["shared"])},
            }
        )
    for s in data["forecast"]["scenarios"]:
        if s["down"] and s.get("rto_achievable") is False:
            gaps.append(
                {
                    "gap": "gap_rto",
                    "args": {"rto_s": fn.rto, "scenario": s["id"], "p80_s": s["p80_s"]},
                }
            )
        if (
            s["down"]
            and fn.degraded_mode
            and s["p95_s"]
            and s["p95_s"] > fn.degraded_mode.holds_for
        ):
            gaps.append(
                {
                    "gap": "gap_degraded",
                    "args": {
                        "holds_s": fn.degraded_mode.holds_for,
                        "scenario": s["id"],
                        "p95_s": s["p95_s"],
                    },
                }
            )
    history = data["tests"]["history"]
    if history is not None and not any(d["concerned"] for d in history):
        gaps.append({"gap": "gap_untested", "args": {}})
    return gaps


def drill_history(rows: Iterable[Any], function: str) -> list[dict[str, Any]]:
    """The stored exercises (incident rows with ``drill`` set), oldest first, with what
    they say about ``function``: hit or not, when it came back, RTO met, findings."""
    out = []
    for inc in sorted((r for r in rows if r.drill), key=lambda r: r.start_at):
        fns = {f["id"]: f for f in (inc.plan or {}).get("functions", [])}
        report = (inc.review or {}).get("exercise_report") or {}
        rto = next((r for r in report.get("rto", []) if r["function"] == function), None)
        out.append(
            {
                "id": inc.id,
                "title": inc.title,
                "date": inc.start_at.isoformat(),
                "scenario": inc.scenario,
                "state": inc.state,
                "concerned": bool(fns.get(function, {}).get("was_down")),
                "restored_at": rto["restored_at"] if rto else None,
                "rto_met": rto["rto_met"] if rto else None,
                "findings": list(report.get("gaps", [])),
            }
        )
    return out
