"""The review of a closed incident, and the exercise report of a drill.

Owns: planned vs actual per task, how every kept forecast did against what happened (did
the P80 hold, per tier?), the critical path that really happened (the engine's backward
walk, :func:`blackstart.engine.critical.critical_path`, over the *recorded* task times),
and for a drill the exercise report continuity programmes ask for once a year: scenario,
timeline, RTO met or not per function, gaps found. Pure: store rows in, a dict out.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np

from blackstart import incident, planning
from blackstart.api import display
from blackstart.engine.critical import critical_path, requirement_time
from blackstart.engine.schedule import Schedule
from blackstart.model.schema import TIERS
from blackstart.store.incidents import ForecastRow, Snapshot

NOT_BACK = 10**9
LATE_FACTOR = 1.5
"""A task that took more than this times its planned duration is a gap."""


def _t(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def planned_vs_actual(snap: Snapshot) -> list[dict[str, Any]]:
    """Each planned task: planned start/end, recorded start/done/verified, the slip."""
    states = incident.task_states(snap)
    rows = []
    for t in snap.incident.plan["tasks"]:
        st = states.get(t["id"], {})
        fin = st.get("done") or st.get("verified")
        started = st.get("started")
        row: dict[str, Any] = {
            "task": t["id"],
            "team": t["team"],
            "planned_start": t["start"],
            "planned_end": t["end"],
            "planned_s": t["duration_s"],
            "started": started.at.isoformat() if started else None,
            "done": fin.at.isoformat() if fin else None,
            "verified": st["verified"].at.isoformat() if "verified" in st else None,
            "slip_s": int((fin.at - _t(t["end"])).total_seconds()) if fin else None,
            "actual_s": (int((fin.at - started.at).total_seconds()) if fin and started else None),
        }
        rows.append(row)
    return rows


def forecast_accuracy(forecasts: list[ForecastRow], final: dict[str, Any]) -> dict[str, Any]:
    """For every kept forecast and tier: the P80, what happened, whether the P80 held."""
    actual = incident.tier_restored_at(final)
    rows = []
    for f in forecasts:
        for tier in TIERS:
            p80 = f.payload["tiers"][tier]["p80"]
            back = actual[tier]
            rows.append(
                {
                    "as_of": f.payload["as_of"],
                    "tier": tier,
                    "p50": f.payload["tiers"][tier]["p50"],
                    "p80": p80,
                    "actual": back,
                    "p80_held": None if back is None else _t(back) <= _t(p80),
                }
            )
    judged = [r for r in rows if r["p80_held"] is not None]
    held = sum(1 for r in judged if r["p80_held"])
    return {
        "actual": actual,
        "forecasts": rows,
        "p80_held_share": round(held / len(judged), 4) if judged else None,
    }


def actual_critical_path(ctx: planning.Context, snap: Snapshot) -> dict[str, Any]:
    """The chain of recorded steps that decided when the last function came back."""
    p = ctx.problem
    start = ctx.scenario.start
    index = ctx.task_index()
    st = np.zeros(p.n_tasks, np.int64)
    en = np.zeros(p.n_tasks, np.int64)
    for task, ev in incident.task_states(snap).items():
        k = index.get(task)
        fin = ev.get("done") or ev.get("verified")
        if k is None or fin is None:
            continue
        en[k] = int((fin.at - start).total_seconds() // 60)
        began = ev["started"].at if "started" in ev else fin.at
        st[k] = min(en[k], int((began - start).total_seconds() // 60))
    back = np.zeros(p.n, np.int64)
    for v in range(p.n):  # nodes are in topological order: children first
        if not p.down[v]:
            continue
        t = max(requirement_time(p, back, v), int(p.inj_end[v]))
        a, b = int(p.task_ptr[v]), int(p.task_ptr[v + 1])
        if b > a:
            done = [int(en[k]) for k in range(a, b) if en[k] > 0]
            t = max(done) if done and en[b - 1] > 0 else NOT_BACK
        back[v] = max(t, 0) if t < NOT_BACK else NOT_BACK
    fnodes = [(f, v) for f, v in ctx.function_nodes() if p.down[v] and back[v] < NOT_BACK]
    if not fnodes:
        return {"function": None, "steps": []}
    fid, v = max(fnodes, key=lambda fv: (int(back[fv[1]]), fv[0]))
    sched = Schedule(st, en, np.full(p.n_tasks, -1, np.int64), st, back, False)
    steps = []
    for s in critical_path(p, sched, v):
        steps.append(
            {
                "component": display(ctx.graph.names[s.node]),
                "task": p.task_labels[s.task] if s.task >= 0 else None,
                "start": ctx.iso(s.start),
                "end": ctx.iso(s.end),
            }
        )
    return {"function": fid, "restored_at": ctx.iso(int(back[v])), "steps": steps}


def exercise_report(
    ctx: planning.Context, snap: Snapshot, final: dict[str, Any], tasks: list[dict[str, Any]]
) -> dict[str, Any]:
    """Scenario, timeline, RTO met or not per function, gaps found."""
    model = ctx.model
    inc = snap.incident
    back = incident.restored_at(final)
    rto_rows = []
    gaps: list[str] = []
    for f in final["functions"]:
        if not f["was_down"]:
            continue
        fn = model.functions[f["id"]]
        at = back[f["id"]]
        deadline = inc.start_at + timedelta(seconds=fn.rto) if fn.rto is not None else None
        met = None if deadline is None else (at is not None and _t(at) <= deadline)
        rto_rows.append(
            {
                "function": f["id"],
                "name": fn.name,
                "tier": fn.tier,
                "rto_s": fn.rto,
                "restored_at": at,
                "rto_met": met,
            }
        )
        if at is None:
            gaps.append(f"{fn.name} was not restored when the exercise ended")
        elif met is False:
            gaps.append(f"{fn.name} missed its RTO ({fn.rto // 3600 if fn.rto else 0} h)")
    for u in snap.unplanned:
        gaps.append(
            f"unplanned task '{u.key}' was needed: add it to the plan "
            f"({u.description or 'no description'})"
        )
    for t in tasks:
        if t["actual_s"] and t["planned_s"] and t["actual_s"] > LATE_FACTOR * t["planned_s"]:
            gaps.append(
                f"{t['task']} took {t['actual_s'] // 60} min against {t['planned_s'] // 60} planned"
            )
    timeline = sorted(
        [
            {
                "at": e.at.isoformat(),
                "what": f"{e.task} {e.kind}",
                "who": e.user,
                "comment": e.comment,
            }
            for e in snap.events
        ]
        + [
            {
                "at": m.published_at.isoformat(),
                "what": "status published",
                "who": m.published_by,
                "comment": m.body,
            }
            for m in snap.messages
            if m.published_at
        ]
        + [
            {
                "at": a.announced_at.isoformat(),
                "what": f"ETA announced for {a.tier}: {a.eta.isoformat()}",
                "who": a.user,
                "comment": "",
            }
            for a in snap.announcements
        ],
        key=lambda r: _t(str(r["at"])),
    )
    return {
        "scenario": inc.scenario or "ad-hoc: " + ", ".join(inc.fail),
        "clock": inc.clock,
        "start": inc.start_at.isoformat(),
        "timeline": timeline,
        "rto": rto_rows,
        "gaps": gaps,
    }


def review(
    ctx: planning.Context, snap: Snapshot, forecasts: list[ForecastRow], final: dict[str, Any]
) -> dict[str, Any]:
    """The review of a closed incident (with the exercise report if it was a drill)."""
    tasks = planned_vs_actual(snap)
    out: dict[str, Any] = {
        "closed_as_of": final["as_of"],
        "tasks": tasks,
        "forecast_accuracy": forecast_accuracy(forecasts, final),
        "critical_path": actual_critical_path(ctx, snap),
        "unplanned": [u.to_dict() for u in snap.unplanned],
    }
    if snap.incident.drill:
        out["exercise_report"] = exercise_report(ctx, snap, final, tasks)
    return out
