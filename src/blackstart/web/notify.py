"""What a published update of the public status concerns: the (function, place) pairs a
scoped subscriber may follow (:class:`~blackstart.store.scope.Scope`).

Between the status the subscribers were last told and the new one:

- a pair whose public state or ETA changed (a function going down or coming back at a
  place, its announced range moving) concerns that pair;
- a maintenance window declared, cancelled or changing on the public page (planned, in
  progress, each function's state and range) concerns every place of each function it
  takes down (a window is group-wide: it has no places of its own);
- a change of the incident itself (a message published, a state such as *identified* or
  *resolved*) concerns every pair not fully up before or after it: every function at
  every place the incident touches.

Both are read from the public payload (:meth:`blackstart.web.board.IncidentService
.public_status`) with the private order of its rows (:func:`blackstart.web.scopes
.row_ids`), so a subscriber is told exactly when what it follows changed *on the public
page*. A subscriber of everything is told of every update. Owns that computation; the
sending is :mod:`.webhooks`, :mod:`.subscriptions` and :mod:`.sms`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from blackstart.incident import place_name
from blackstart.maintenance import display_name
from blackstart.model.model import Model
from blackstart.store.scope import Pair, Scope
from blackstart.web.scopes import row_ids

View = dict[Pair, tuple[str, Any]]
_TIMES = ("updated_at", "now")


@dataclass(frozen=True)
class Update:
    """One published update and the pairs it concerns."""

    pairs: frozenset[Pair]
    payload: dict[str, Any]

    def concerns(self, scope: Scope) -> bool:
        return scope.everything or scope.matches(self.pairs)


def view(payload: dict[str, Any], model: Model) -> View:
    """State and ETA of every (function, place) pair on the public page."""
    out: View = {}
    ids = row_ids(model)
    for t in payload["tiers"]:
        for fid, row in zip(ids[t["tier"]], t["functions"], strict=True):
            places = model.places.get(fid)
            if not places:
                out[(fid, "")] = (row["state"], row.get("eta"))
                continue
            if "places" not in row:  # no per-place forecast: the row speaks for all
                for p in places:
                    out[(fid, p)] = (row["state"], row.get("eta"))
                continue
            lines = {line["name"]: line for line in row["places"]}
            for p in places:
                line = lines.get(place_name(model, p))
                out[(fid, p)] = (line["state"], line.get("eta")) if line else ("up", None)
    return out


def _news(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k not in ("tiers", *_TIMES)}


def _maintenance_pairs(
    before: dict[str, Any] | None, after: dict[str, Any], model: Model
) -> set[Pair]:
    """Every place of every function of a maintenance window that changed between the
    two payloads (windows name their functions by public name)."""
    old = {w["id"]: w for w in (before or {}).get("maintenance") or []}
    new = {w["id"]: w for w in after.get("maintenance") or []}
    names = {
        f["name"]
        for wid in old.keys() | new.keys()
        if old.get(wid) != new.get(wid)
        for w in (old.get(wid), new.get(wid))
        if w is not None
        for f in w.get("functions", [])
    }
    if not names:
        return set()
    by_name = {display_name(model, fid): fid for fid in model.functions}
    pairs: set[Pair] = set()
    for name in names:
        fid = by_name.get(name)
        if fid is not None:
            pairs |= {(fid, p) for p in (model.places.get(fid) or ("",))}
    return pairs


def concerned(
    before: dict[str, Any] | None, after: dict[str, Any], model: Model
) -> frozenset[Pair]:
    """The pairs the update from ``before`` to ``after`` concerns (see the module)."""
    new = view(after, model)
    old = view(before, model) if before is not None else {k: ("up", None) for k in new}
    pairs = {k for k in new.keys() | old.keys() if new.get(k) != old.get(k)}
    if before is None or _news(before) != _news(after):
        pairs |= {k for k, (state, _) in new.items() if state != "up"}
        pairs |= {k for k, (state, _) in old.items() if state != "up"}
    pairs |= _maintenance_pairs(before, after, model)
    return frozenset(pairs)


def fingerprint(payload: dict[str, Any]) -> dict[str, Any]:
    """What the public sees, less the update time: equal fingerprints, no update."""
    return {k: v for k, v in payload.items() if k not in _TIMES}


def every_pair(model: Model) -> frozenset[Pair]:
    """Every (function, place) pair of the model: what an update concerns when what it
    concerns cannot be worked out (better tell too many than nobody)."""
    return frozenset(
        (fid, place) for fid in model.functions for place in (model.places.get(fid) or ("",))
    )
