"""Scheduled maintenance, without a server: a window's status over time and each
function's state against hand-made forecasts (times chosen here, outcomes worked out by
hand), the invariants over any clock (hypothesis), and the checks of a declared window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import blackstart.api as bs
from blackstart import maintenance as mt
from blackstart.errors import UsageError
from blackstart.model.model import Model

H = timedelta(hours=1)


@pytest.fixture(scope="module")
def model() -> Model:
    return bs.load(bs.example_path())


START = datetime(2026, 12, 5, 21, tzinfo=UTC)  # Sat 22:00 in Paris
END = START + 4 * H


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


@dataclass(frozen=True)
class Row:
    id: int
    name: str
    message: str
    start_at: datetime
    end_at: datetime
    forecast: dict[str, Any]
    created_at: datetime


def _row(model: Model) -> Row:
    vital = sorted(f for f, fn in model.functions.items() if fn.tier == "vital")[0]
    admin = sorted(f for f, fn in model.functions.items() if fn.tier == "administrative")[0]
    up = sorted(f for f, fn in model.functions.items() if fn.tier == "care")[0]

    def fn(fid: str, tier: str, back: list[timedelta] | None) -> dict[str, Any]:
        if back is None:
            return {
                "id": fid,
                "tier": tier,
                "was_down": False,
                "p50": _iso(START),
                "p80": _iso(START),
                "p95": _iso(START),
            }
        p50, p80, p95 = (_iso(START + d) for d in back)
        return {"id": fid, "tier": tier, "was_down": True, "p50": p50, "p80": p80, "p95": p95}

    forecast = {
        "as_of": _iso(START),
        "tiers": {
            "vital": {
                "p50": _iso(START + 5 * H),
                "p80": _iso(START + 6 * H),
                "p95": _iso(START + 7 * H),
            }
        },
        "all": {
            "p50": _iso(START + 20 * H),
            "p80": _iso(START + 30 * H),
            "p95": _iso(START + 40 * H),
        },
        "functions": [
            fn(vital, "vital", [5 * H, 6 * H, 7 * H]),
            fn(admin, "administrative", [20 * H, 30 * H, 40 * H]),
            fn(up, "care", None),
        ],
    }
    return Row(1, "Onduleurs", "Travaux.", START, END, forecast, START - 48 * H)


@pytest.mark.parametrize(
    ("at", "status", "states"),
    [
        (-H, "scheduled", ["scheduled", "scheduled"]),
        (0 * H, "in_progress", ["maintenance", "maintenance"]),
        (3 * H, "in_progress", ["maintenance", "maintenance"]),
        (7 * H, "in_progress", ["restored", "maintenance"]),  # vital back at its P95
        (39 * H, "in_progress", ["restored", "maintenance"]),
        (40 * H, "completed", ["restored", "restored"]),  # everything's P95
    ],
)
def test_status_and_states_over_time(
    model: Model, at: timedelta, status: str, states: list[str]
) -> None:
    view = mt.public_window(model, _row(model), START + at)
    assert view["status"] == status
    assert [f["state"] for f in view["functions"]] == states
    assert [f["tier"] for f in view["functions"]] == ["vital", "administrative"]
    assert view["back"] == {
        "from": _iso(START + 20 * H),
        "to": _iso(START + 30 * H),
        "p95": _iso(START + 40 * H),
    }
    assert view["completed_at"] == (_iso(START + 40 * H) if status == "completed" else None)


def test_completed_not_before_the_planned_end(model: Model) -> None:
    row = _row(model)
    fc = {
        **row.forecast,
        "all": {"p50": _iso(START + H), "p80": _iso(START + H), "p95": _iso(START + 2 * H)},
    }
    assert mt.status_of(START, END, fc, END - timedelta(seconds=1)) == "in_progress"
    assert mt.status_of(START, END, fc, END) == "completed"


def test_marked_on_the_public_table_but_an_incident_wins(model: Model) -> None:
    view = mt.public_window(model, _row(model), START + H)
    names = [f["name"] for f in view["functions"]]
    tiers = [
        {"tier": "vital", "functions": [{"name": names[0], "state": "down"}]},
        {
            "tier": "administrative",
            "functions": [{"name": names[1], "state": "up"}, {"name": "Other", "state": "up"}],
        },
    ]
    mt.mark_functions(tiers, [view])
    assert [f["state"] for t in tiers for f in t["functions"]] == ["down", "maintenance", "up"]
    assert tiers[1]["functions"][0]["eta"] == {
        "from": _iso(START + 20 * H),
        "to": _iso(START + 30 * H),
    }


@given(st.lists(st.integers(min_value=-48 * 60, max_value=80 * 60), min_size=2, max_size=20))
def test_status_never_goes_back(minutes: list[int]) -> None:
    fc = {
        "all": {
            "p50": _iso(START + 20 * H),
            "p80": _iso(START + 30 * H),
            "p95": _iso(START + 40 * H),
        }
    }
    order = [
        mt.STATUSES.index(mt.status_of(START, END, fc, START + timedelta(minutes=m)))
        for m in sorted(minutes)
    ]
    assert order == sorted(order)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"scenario": "colo-power-cu"}, "did you mean 'colo-power-cut'"),
        ({"end": START}, "end after it starts"),
        ({"end": START + timedelta(days=15)}, "at most 14 days"),
        ({"now": END + H}, "already over"),
        ({"now": START - timedelta(days=400)}, "366 days ahead"),
        ({"name": " "}, "needs a name"),
        ({"name": "x" * 201}, "at most 200"),
        ({"message": "x" * 2001}, "at most 2000"),
    ],
)
def test_check_window_errors(model: Model, change: dict[str, Any], words: str) -> None:
    args: dict[str, Any] = {
        "name": "n",
        "message": "",
        "scenario": "colo-power-cut",
        "start": START,
        "end": END,
        "now": START - H,
        **change,
    }
    with pytest.raises(UsageError) as info:
        mt.check_window(model, **args)
    assert words in info.value.message + (info.value.suggestion or "")
    assert info.value.suggestion
