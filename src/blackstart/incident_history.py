"""The public history of an incident: its timeline, and how what was announced compared
with what happened.

What was announced, and where it is stored:

- **ETAs** a person announced on the board for a tier or for everything (table
  ``announcements``): a promise "back by then". The return is the time the tier's last
  down function came back (everything: the last of all).
- **Ranges** the public page showed for each down function (P50–P80 of the latest
  forecast, table ``forecasts``) at each public update (a public state change, table
  ``incident_states``, or a published message), while the page showed the live range —
  not while it showed an announced ETA instead (the ``incident.public-eta`` choices in the
  audit log). Each distinct range of a function counts once, when first shown.

When a function came back is read from the incident's latest forecast: a function is
back at its P50 once it is back in every run (P95 not after the forecast's time), which
is the case once its recovery steps are marked done (:func:`blackstart.incident.
restored_at`).

Outcomes: a range is ``kept`` when the return fell inside it, ``early`` before it,
``late`` after it; an ETA ("back by") is ``kept`` when the return fell at or before it
(``position`` ``before``, the margin in ``delta_s``), ``late`` after it. ``delta_s`` is the
signed distance in seconds from the nearest end (negative: before; 0 inside). A return
not known yet is ``pending``, or ``late`` (``at_least``) once the announced end is past.

Only public text: function display names, tiers, states, published messages, times.
Pure: store rows in, dicts out.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from blackstart import incident
from blackstart.model.model import Model
from blackstart.model.schema import TIERS

HISTORY_DAYS = 90


def _t(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


def in_history(inc: Any, now: datetime, days: int = HISTORY_DAYS) -> bool:
    """Whether an incident belongs to the public history at ``now``: not a drill, and
    still open or closed within the last ``days`` days."""
    if inc.drill:
        return False
    last = inc.closed_at if inc.closed_at is not None else now
    return bool(last >= now - timedelta(days=days))


def compare(
    start: datetime, end: datetime, actual: datetime | None, now: datetime, *, point: bool
) -> dict[str, Any]:
    """Where the return fell against an announced range ``[start, end]`` (``point``: an
    ETA, ``start == end``, read as "back by")."""
    if actual is None:
        if now > end:
            return {
                "outcome": "late",
                "position": "after",
                "delta_s": _s(now - end),
                "at_least": True,
            }
        return {"outcome": "pending", "position": None, "delta_s": None}
    if actual < start:
        return {
            "outcome": "kept" if point else "early",
            "position": "before",
            "delta_s": _s(actual - start),
        }
    if actual > end:
        return {"outcome": "late", "position": "after", "delta_s": _s(actual - end)}
    return {"outcome": "kept", "position": "at" if point else "inside", "delta_s": 0}


def _s(d: timedelta) -> int:
    return round(d.total_seconds())


def _display(model: Model, fid: str) -> str:
    fn = model.functions[fid]
    return fn.public_name or fn.name or fid.replace("-", " ").capitalize()


def returns(final: dict[str, Any] | None) -> tuple[dict[str, datetime | None], dict[str, str]]:
    """Per down function id: when it was back (``None``: not yet); and its tier."""
    if final is None:
        return {}, {}
    back = incident.restored_at(final)
    down = [f for f in final["functions"] if f["was_down"]]
    return (
        {f["id"]: (None if (at := back[f["id"]]) is None else _t(at)) for f in down},
        {f["id"]: f["tier"] for f in down},
    )


def tier_back(
    tier: str, back: dict[str, datetime | None], tiers: dict[str, str]
) -> tuple[bool, datetime | None]:
    """Whether ``tier`` (or ``all``) had a function down, and when its last one was back
    (``None``: one is not back yet)."""
    ids = [f for f in back if tier == "all" or tiers[f] == tier]
    if not ids:
        return False, None
    times = [back[f] for f in ids]
    return True, (None if any(t is None for t in times) else max(t for t in times if t))


def history_of(
    model: Model,
    inc: Any,
    *,
    states: list[tuple[datetime, str]],
    messages: list[tuple[datetime, str]],
    announcements: list[tuple[datetime, str, datetime]],
    forecasts: list[dict[str, Any]],
    modes: list[tuple[datetime, str]],
    now: datetime,
) -> dict[str, Any]:
    """One incident's public history. ``states``: (at, public state); ``messages``:
    (published at, body); ``announcements``: (announced at, tier or ``all``, ETA);
    ``forecasts``: the kept forecast summaries, oldest first; ``modes``: (at, ``live`` or
    ``announced``) choices of what the page showed."""
    timeline: list[dict[str, Any]] = []
    if not states or states[0][1] != "investigating":
        timeline.append({"at": _iso(inc.created_at), "state": "investigating"})
    timeline += [{"at": _iso(at), "state": s} for at, s in states]
    timeline += [{"at": _iso(at), "message": body} for at, body in messages]
    timeline.sort(key=lambda e: _t(e["at"]))
    final = forecasts[-1] if forecasts else None
    back, tiers = returns(final)

    rows: list[dict[str, Any]] = []
    for at, tier, eta in sorted(announcements, key=lambda a: a[0]):
        hit, actual = tier_back(tier, back, tiers)
        if not hit:
            continue
        rows.append(
            {
                "kind": "eta",
                "tier": tier,
                "announced_at": _iso(at),
                "from": _iso(eta),
                "to": _iso(eta),
                "actual": _iso(actual) if actual else None,
                **compare(eta, eta, actual, now, point=True),
            }
        )

    updates = sorted({_t(e["at"]) for e in timeline})
    shown: set[tuple[str, str, str]] = set()
    for at in updates:
        fc = next((f for f in reversed(forecasts) if _t(f["as_of"]) <= at), None)
        if fc is None:
            continue
        mode = next((m for t, m in reversed(modes) if t <= at), "live")
        said = {tier for t, tier, _ in announcements if t <= at}
        for f in fc["functions"]:
            fid = f["id"]
            if fid not in back or fid not in model.functions:
                continue
            if incident.function_state(f, fc["as_of"]) != "down":
                continue
            actual = back[fid]
            if actual is not None and actual <= at:
                continue
            if mode == "announced" and (f["tier"] in said or "all" in said):
                continue  # the page showed the announced ETA, not this range
            key = (fid, f["p50"], f["p80"])
            if key in shown:
                continue
            shown.add(key)
            rows.append(
                {
                    "kind": "range",
                    "function": _display(model, fid),
                    "tier": f["tier"],
                    "announced_at": _iso(at),
                    "from": f["p50"],
                    "to": f["p80"],
                    "actual": _iso(actual) if actual else None,
                    **compare(_t(f["p50"]), _t(f["p80"]), actual, now, point=False),
                }
            )
    counts = {
        k: sum(1 for r in rows if r["outcome"] == k) for k in ("kept", "early", "late", "pending")
    }
    resolved = [e["at"] for e in timeline if e.get("state") == "resolved"]
    affected = []
    for fid in back:
        if fid not in model.functions:
            continue
        fn = model.functions[fid]
        item: dict[str, Any] = {"name": _display(model, fid), "tier": tiers[fid]}
        if fn.names and not fn.public_name:
            item["names"] = fn.names
        item["back_at"] = _iso(back[fid]) if back[fid] else None  # type: ignore[arg-type]
        affected.append(item)
    affected.sort(key=lambda a: (TIERS.index(a["tier"]), a["name"].lower()))
    return {
        "id": hashlib.sha256(f"incident\x1f{_iso(inc.created_at)}".encode()).hexdigest()[:12],
        "started_at": timeline[0]["at"] if timeline else _iso(inc.created_at),
        "resolved_at": resolved[-1] if resolved else None,
        "state": next((e["state"] for e in reversed(timeline) if "state" in e), "investigating"),
        "affected": affected,
        "timeline": timeline,
        "announced": rows,
        "outcomes": counts,
    }
