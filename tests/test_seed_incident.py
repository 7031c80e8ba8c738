"""The seed incident replayed: the example's forecast of ``colo-power-cut``, made when power
returned (Sat 3 Aug 2024, 14:30 Europe/Paris), against the public timeline of August 2024.

The windows below are external facts from the press timeline (DESIGN.md section 1), not
numbers read off the tool: the example's recovery data are calibrated to them
(docs/seed-incident.md), and this test keeps them calibrated.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pytest

from blackstart import api, planning
from blackstart.engine.forecast import forecast as engine_forecast
from blackstart.planning import run_forecast

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "hospital-group"
PARIS = ZoneInfo("Europe/Paris")
POWER_BACK = "2024-08-03T14:30"


def paris(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


# press timeline
NIGHT_SAT_SUN = (paris("2024-08-03T20:00"), paris("2024-08-04T10:00"))
CARE_MONDAY_MORNING = (paris("2024-08-04T20:00"), paris("2024-08-05T14:00"))
ADMIN_STILL_DOWN = paris("2024-08-06T18:00")  # Tue evening: administrative apps incomplete
FOLLOWING_MONDAY = paris("2024-08-12T00:00")  # "that week": the rest little by little
# the three published ETAs
ETA_1 = paris("2024-08-04T18:00")  # Sun "end of the afternoon"
ETA_2 = paris("2024-08-05T08:00")  # Sun 19:00: "before Monday morning"
ETA_3 = paris("2024-08-05T20:00")  # Mon ~10:00: "everything by end of day"


@pytest.fixture(scope="module")
def forecast() -> dict[str, Any]:
    model = api.load(EXAMPLE)
    payload: dict[str, Any] = run_forecast(
        model, "colo-power-cut", runs=2000, seed=0, as_of=POWER_BACK
    ).to_dict()
    return payload


def _band(forecast: dict[str, Any], key: str) -> dict[str, datetime]:
    if key.startswith("tier:"):
        row = forecast["tiers"][key.partition(":")[2]]
    else:
        row = next(f for f in forecast["functions"] if f["id"] == key)
    return {q: datetime.fromisoformat(row[q]) for q in ("p50", "p80", "p95")}


def test_forecast_is_made_when_power_returns(forecast: dict[str, Any]) -> None:
    assert datetime.fromisoformat(forecast["as_of"]) == paris(POWER_BACK)
    assert datetime.fromisoformat(forecast["failure_end"]) == paris(POWER_BACK)
    assert forecast["runs_beyond_horizon"] == 0


@pytest.mark.parametrize(
    "function", ["messaging", "telephony", "internet-access", "hospital-connectivity"]
)
def test_network_mail_and_phones_back_overnight_saturday_to_sunday(
    forecast: dict[str, Any], function: str
) -> None:
    lo, hi = NIGHT_SAT_SUN
    assert lo <= _band(forecast, function)["p50"] <= hi


def test_care_back_on_monday_morning(forecast: dict[str, Any]) -> None:
    lo, hi = CARE_MONDAY_MORNING
    assert lo <= _band(forecast, "tier:care")["p50"] <= hi


def test_administrative_back_days_later(forecast: dict[str, Any]) -> None:
    admin = _band(forecast, "tier:administrative")
    assert admin["p50"] > ADMIN_STILL_DOWN
    assert admin["p95"] < FOLLOWING_MONDAY


def test_tiers_come_back_in_the_reported_order(forecast: dict[str, Any]) -> None:
    overnight = max(
        _band(forecast, f)["p50"]
        for f in ("messaging", "telephony", "internet-access", "hospital-connectivity")
    )
    assert (
        overnight
        < _band(forecast, "tier:care")["p50"]
        < _band(forecast, "tier:administrative")["p50"]
    )


def test_emergency_dispatch_never_down(forecast: dict[str, Any]) -> None:
    dispatch = next(f for f in forecast["functions"] if f["id"] == "emergency-dispatch")
    assert not dispatch["was_down"]


def test_published_etas_against_the_bands(forecast: dict[str, Any]) -> None:
    care = _band(forecast, "tier:care")
    admin = _band(forecast, "tier:administrative")
    # ETA #1 was missed: the forecast made at power return already put care later
    assert care["p50"] > ETA_1
    # ETA #2 ("before Monday morning") was optimistic: care's median is after it
    assert care["p50"] > ETA_2
    # ETA #3 ("everything by end of Monday") was missed by days: administrative apps
    assert admin["p50"] > ETA_3


@pytest.fixture(scope="module")
def tier_runs() -> dict[str, npt.NDArray[np.int64]]:
    """Per tier, the minute (from the scenario start) it is back in each run of the same
    forecast (same seed and runs as :func:`forecast`)."""
    model = api.load(EXAMPLE)
    ctx = planning.context(model, "colo-power-cut")
    prog = planning.progress_of(ctx, POWER_BACK, [], [])
    nodes = ctx.function_nodes()
    res = engine_forecast(ctx.problem, np.array([v for _, v in nodes]), runs=2000, seed=0,
                          progress=prog)  # fmt: skip
    return {
        tier: res.group_max(
            [j for j, (f, _) in enumerate(nodes) if model.functions[f].tier == tier]
        )
        for tier in ("vital", "care", "administrative")
    }


# docs/seed-incident.md: the chance that each tier is back by each published ETA (§2; the
# example without its §5 work-around moved vital 75 -> 72 % and care 18 -> 17 % at ETA #2:
# Monte Carlo noise, the clinical recovery data being unchanged)
BACK_BY_ETA = {
    ETA_1: {"vital": 0.12, "care": 0.0, "administrative": 0.0},
    ETA_2: {"vital": 0.72, "care": 0.17, "administrative": 0.0},
    ETA_3: {"vital": 0.98, "care": 0.96, "administrative": 0.0},
}


def test_chance_of_each_published_eta(tier_runs: dict[str, npt.NDArray[np.int64]]) -> None:
    """The reading of docs/seed-incident.md holds: ETA #1 was out of reach for care (no
    run has it back by Sunday 18:00), ETA #2 a one-in-five chance, ETA #3 right for care
    and wrong for the administrative tier; and its table within Monte Carlo error
    (binomial, 5 standard errors at 2000 runs, plus the table's rounding to 1 %)."""
    start = paris("2024-08-03T11:00")
    n = 2000
    share = {
        eta: {
            t: float((b <= (eta - start).total_seconds() / 60).mean()) for t, b in tier_runs.items()
        }
        for eta in BACK_BY_ETA
    }
    assert share[ETA_1]["care"] == 0.0  # out of reach from the start
    assert 0.1 < share[ETA_2]["care"] < 0.3  # about one in five: optimistic
    assert share[ETA_3]["care"] > 0.9 and share[ETA_3]["administrative"] == 0.0
    for eta, row in BACK_BY_ETA.items():
        for tier, documented in row.items():
            slack = 5 * math.sqrt(max(documented * (1 - documented), 1 / n) / n) + 0.005
            assert abs(share[eta][tier] - documented) <= slack, (eta, tier, share[eta][tier])
