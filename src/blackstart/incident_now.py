"""What the crisis cell should do now, and whether a mark or an announcement is safe.

Owns the board's "now" panel (:func:`now_panel`: tasks ready to start and overdue by
team, the next step on the critical path of the slowest vital and care functions, when
the next public update is due), the checks of a mark (:func:`order_warnings`: done
before its prerequisites, before the failure ended), which marks a person may still
make or undo (:func:`valid_marks`, :func:`undoable`), and the chance that an announced
ETA is kept (:func:`chance_kept`, :func:`standing_announcements`). Pure: takes the
board's payload and the recovery problem's precedence, returns plain data. Does not
touch the database or HTTP.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from blackstart.engine.precedence import prerequisites, waits_for_failure_end
from blackstart.engine.schedule import RecoveryProblem
from blackstart.errors import UsageError

PUBLIC_UPDATE_EVERY = timedelta(hours=1)
"""How often the public page should get a new message during an open incident."""
UNDO_WINDOW = timedelta(minutes=5)
"""How long after recording it (wall clock) a person may undo their own mark."""
FINISHED = ("done", "verified")


class NeedsConfirmation(UsageError):
    """A change that looks wrong but may be right: done again with ``confirm`` it goes
    through. ``warnings`` says why, in the operator's words."""

    def __init__(self, warnings: list[str]) -> None:
        self.warnings = warnings
        super().__init__("; ".join(warnings), suggestion="confirm to record it anyway")


def _t(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def precedence(problem: RecoveryProblem) -> tuple[dict[str, list[str]], set[str]]:
    """Per task label its prerequisite labels, and the labels waiting for the failure end."""
    labels = problem.task_labels
    pre = prerequisites(problem)
    return (
        {labels[k]: [labels[j] for j in pre[k]] for k in range(problem.n_tasks)},
        {labels[k] for k in range(problem.n_tasks) if waits_for_failure_end(problem, k)},
    )


def order_warnings(
    task: str,
    kind: str,
    at: datetime,
    *,
    states: dict[str, str],
    prereqs: dict[str, list[str]],
    waiters: set[str],
    failure_end: datetime | None,
) -> list[str]:
    """Why marking ``task`` ``kind`` at ``at`` looks impossible (empty if it does not).

    ``states`` maps every task on the board to its state (todo/started/done/verified).
    """
    out = []
    pending = [p for p in on_board(task, prereqs, states) if states[p] not in FINISHED]
    if pending:
        names = ", ".join(pending[:3]) + (
            f" and {len(pending) - 3} more" if len(pending) > 3 else ""
        )
        out.append(f"'{task}' is marked {kind} before its prerequisites are done: {names}")
    if task in waiters and failure_end is not None and at < failure_end:
        out.append(
            f"'{task}' is marked {kind} before the failure ended "
            f"({failure_end.isoformat(timespec='minutes')}): the power or the provider was "
            "still out"
        )
    return out


def on_board(task: str, prereqs: dict[str, list[str]], states: dict[str, str]) -> list[str]:
    """The prerequisites of ``task`` that are on the board, looking through the ones that
    are not (a restore the plan skipped stands for its own prerequisites)."""
    out: list[str] = []
    seen: set[str] = set()
    stack = list(prereqs.get(task, []))
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        if p in states:
            out.append(p)
        else:
            stack.extend(prereqs.get(p, []))
    return sorted(out)


def valid_marks(state: str) -> list[str]:
    """The marks that make sense next for a task in ``state``."""
    return {"todo": ["started", "done"], "started": ["done"], "done": ["verified"]}.get(state, [])


def undoable(
    events: list[dict[str, Any]], task: str, user: str, wall_now: datetime
) -> dict[str, Any] | None:
    """The last live mark of ``task`` if ``user`` made it less than :data:`UNDO_WINDOW`
    ago (wall clock), else ``None``."""
    live: list[dict[str, Any]] = []
    for e in events:
        if e["task"] != task:
            continue
        if e["kind"].startswith("undo-"):
            undone = e["kind"][5:]
            live = [x for x in live if x["kind"] != undone]
        else:
            live = [x for x in live if x["kind"] != e["kind"]] + [e]
    if not live:
        return None
    last = live[-1]
    if last["user"] != user or wall_now - _t(last["recorded_at"]) > UNDO_WINDOW:
        return None
    return last


def chance_kept(eta: datetime, as_of: datetime, quantiles: dict[str, str]) -> float:
    """The probability that the work is back by ``eta``, read off the forecast's
    P50/P80/P95 by linear interpolation of the distribution function through
    ``(as_of, 0)``, ``(P50, .5)``, ``(P80, .8)``, ``(P95, .95)``, and reaching 1 an
    interval (P95 − P80) after P95. An interpolation, not a fit: it is exact at the
    quantiles the forecast kept."""
    points = [(as_of, 0.0)] + [
        (_t(quantiles[q]), p) for q, p in (("p50", 0.5), ("p80", 0.8), ("p95", 0.95))
    ]
    points.append((points[-1][0] + (points[-1][0] - points[-2][0]), 1.0))
    if eta <= points[0][0]:
        return 0.0
    for (t0, p0), (t1, p1) in itertools.pairwise(points):
        if eta <= t1:
            span = (t1 - t0).total_seconds()
            return p1 if span <= 0 else p0 + (p1 - p0) * (eta - t0).total_seconds() / span
    return 1.0


def standing_announcements(board: dict[str, Any]) -> list[dict[str, Any]]:
    """Each announcement still standing (the latest per tier; a later one for the same
    tier replaces it) against the latest forecast: its ETA, the current P80, the chance
    it is kept (:func:`chance_kept`) and ``kept`` (the ETA is at or after the P80: at
    least 80 % of the runs are back by then) or ``at risk``. Empty without a forecast."""
    fc = board.get("forecast")
    if not fc:
        return []
    latest: dict[str, dict[str, Any]] = {}
    for a in board["announcements"]:  # in the order they were made
        latest[a["tier"]] = a
    out = []
    for tier, a in latest.items():
        q = fc["all"] if tier == "all" else fc["tiers"].get(tier)
        if q is None:
            continue
        eta, p80 = _t(a["eta"]), _t(q["p80"])
        out.append(
            {
                "tier": tier,
                "eta": a["eta"],
                "announced_at": a["announced_at"],
                "user": a["user"],
                "p80": q["p80"],
                "chance": chance_kept(eta, _t(fc["as_of"]), q),
                "verdict": "kept" if eta >= p80 else "at risk",
            }
        )
    return out


def now_panel(
    board: dict[str, Any],
    *,
    prereqs: dict[str, list[str]],
    waiters: set[str],
    now: datetime,
) -> dict[str, Any]:
    """The "now" panel of the board (see the module docstring)."""
    tasks = board["tasks"]
    states = {t["id"]: t["state"] for t in tasks} | {
        u["key"]: u["state"] for u in board["unplanned"]
    }
    failure_end = _t(board["incident"]["failure_end_at"] or board["plan"]["failure_end"])
    ready: dict[str, list[dict[str, Any]]] = {}
    overdue: dict[str, list[dict[str, Any]]] = {}
    for t in tasks:
        if t["team"] is None or t["state"] in FINISHED:
            continue
        team = t["team"]
        late = _t(t["end"]) < now
        row = {"id": t["id"], "state": t["state"], "start": t["start"], "end": t["end"]}
        row["overdue"] = late
        if late:
            overdue.setdefault(team, []).append(row)
        if t["state"] == "todo" and not order_warnings(
            t["id"], "started", now, states=states, prereqs=prereqs, waiters=waiters,
            failure_end=failure_end,
        ):  # fmt: skip
            ready.setdefault(team, []).append(row)
    return {
        "ready": dict(sorted(ready.items())),
        "overdue": dict(sorted(overdue.items())),
        "critical": _critical(board, states),
        "next_update": _next_update(board, now),
    }


def _critical(board: dict[str, Any], states: dict[str, str]) -> list[dict[str, Any]]:
    """Per tier vital and care: its slowest down function (latest P80) and the first step
    of its critical path not yet done."""
    fc = board.get("forecast") or {}
    p80 = {f["id"]: f["p80"] for f in fc.get("functions", []) if f.get("was_down")}
    out = []
    for tier in ("vital", "care"):
        rows = [f for f in board["plan"]["functions"] if f["tier"] == tier and f["was_down"]]
        if p80:
            rows = [f for f in rows if f["id"] in p80] or rows
        if not rows:
            continue
        slowest = max(rows, key=lambda f: (_t(p80.get(f["id"], f["restored_at"])), f["id"]))
        step = next((s for s in slowest["critical_path"] if states.get(s) not in FINISHED), None)
        if step is None:
            continue
        out.append({
            "tier": tier,
            "function": slowest["id"],
            "p80": p80.get(slowest["id"], slowest["restored_at"]),
            "task": step,
            "state": states.get(step, "todo"),
        })  # fmt: skip
    return out


def _next_update(board: dict[str, Any], now: datetime) -> dict[str, Any]:
    """When the next public message is due: an interval after the last one published
    (or now, if none was)."""
    published = [_t(m["published_at"]) for m in board["messages"] if m.get("published_at")]
    if board["incident"].get("drill") or board["incident"].get("state") != "open":
        return {"due": None, "last": max(published).isoformat() if published else None}
    due = max(published) + PUBLIC_UPDATE_EVERY if published else now
    return {
        "due": due.isoformat(),
        "last": max(published).isoformat() if published else None,
        "overdue": due <= now,
    }


def announced_table(
    table: dict[str, list[dict[str, Any]]], announcements: list[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """The public table with each down function's ETA replaced by the latest ETA announced
    for its tier (else for everything), marked ``announced``; functions of a tier with no
    announcement keep their live range."""
    latest: dict[str, str] = {}
    for a in sorted(announcements, key=lambda a: a["announced_at"]):
        latest[a["tier"]] = a["eta"]
    out: dict[str, list[dict[str, Any]]] = {}
    for tier, rows in table.items():
        eta = latest.get(tier) or latest.get("all")
        out[tier] = [
            {**r, "eta": {"from": eta, "to": eta, "announced": True}}
            if eta is not None and "eta" in r
            else r
            for r in rows
        ]
    return out


def public_says(inc: dict[str, Any], announcements: list[dict[str, Any]]) -> str:
    """What the public page shows for this incident's ETAs, in words for the board."""
    if inc.get("drill"):
        return "nothing: a drill never reaches the public page"
    if inc.get("public_eta") == "announced":
        if not announcements:
            return "the live range (no ETA announced yet, so nothing else to show)"
        return "the announced ETAs"
    return "the live range of the latest forecast (P50 to P80), which moves on every change"
