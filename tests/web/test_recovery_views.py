"""What-if forecast, explain, the plan page's charts: the ad-hoc forecast of a scenario's
failures equals the named scenario's forecast (two code paths), off hours computed by hand,
the Gantt chart draws every task."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from blackstart import planning
from blackstart.model.model import Model
from blackstart.model.schema import Team
from blackstart.web.recovery_views import off_hours

PARIS = ZoneInfo("Europe/Paris")


def _bands(payload: dict[str, Any]) -> tuple[Any, Any]:
    return (
        payload["tiers"],
        [(f["id"], f["p50"], f["p80"], f["p95"]) for f in payload["functions"]],
    )


def test_what_if_forecast_equals_the_named_scenario(client: httpx.Client, model: Model) -> None:
    # colo-site-loss: site:colo-paris fails at 2024-04-26 02:00 Paris time for 2 days
    sc = model.scenarios["colo-site-loss"]
    assert sc.fail == ["site:colo-paris"]
    body = {"fail": ["site:colo-paris"], "duration": "2d", "start": "2024-04-26T02:00",
            "runs": 300, "seed": 7}  # fmt: skip
    r = client.post("/api/what-if/forecast", json=body)
    assert r.status_code == 200, r.text
    named = client.get(
        "/api/forecast", params={"scenario": "colo-site-loss", "runs": 300, "seed": 7}
    )
    assert _bands(r.json()) == _bands(named.json())
    assert r.json()["start"] == "2024-04-26T02:00+02:00"
    assert r.json()["failure_end"] == "2024-04-28T02:00+02:00"
    lab = next(f for f in r.json()["functions"] if f["id"] == "lab-results")
    assert lab["was_down"] and lab["p50"] <= lab["p80"] <= lab["p95"]


@pytest.mark.parametrize(
    ("body", "error", "suggestion"),
    [
        ({"fail": ["site:colo-paris"], "duration": "2"}, "duration", "3.5h"),
        ({"fail": ["site:colo-paris"], "duration": "30d"}, "out of range", "14d"),
        (
            {"fail": ["site:colo-paris"], "duration": "2h", "start": "1900-01-01T00:00"},
            "start",
            "1970",
        ),
        ({"fail": ["site:colo-pari"], "duration": "2h"}, "no site", "colo-paris"),
        ({"fail": ["site:colo-paris"], "duration": "2h", "runs": 0}, "runs", "openapi"),
    ],
)
def test_what_if_forecast_bad_input(
    client: httpx.Client, body: dict[str, Any], error: str, suggestion: str
) -> None:
    r = client.post("/api/what-if/forecast", json=body)
    assert r.status_code == 422, r.text
    assert error in r.json()["error"] and suggestion in r.json()["suggestion"]


def test_explain_is_planning_explain(client: httpx.Client, model: Model) -> None:
    r = client.get("/api/explain", params={"scenario": "colo-site-loss", "function": "lab-results"})
    assert r.status_code == 200
    expected = planning.explain(model, "colo-site-loss", "lab-results")
    assert r.json()["steps"] == expected["steps"]
    assert r.json()["restored_at"] == expected["restored_at"]
    bad = client.get("/api/explain", params={"scenario": "colo-site-loss", "function": "lab"})
    assert bad.status_code == 422 and "lab-results" in bad.json()["suggestion"]


def test_off_hours_by_hand() -> None:
    team = Team.model_validate(
        {
            "skills": ["x"],
            "timezone": "Europe/Paris",
            "weekday": {"hours": "08:00-18:00", "people": 2},
        }
    )
    # Friday 2024-04-26 02:00 Paris, 3 days: Fri 02:00-08:00 off (0-360 min), then
    # Fri 18:00 (960) until Mon 08:00 (4320 + 360) off, clipped at Mon 02:00 (4320)
    t0 = datetime(2024, 4, 26, 2, 0, tzinfo=PARIS)
    assert off_hours(team, "UTC", t0, 3 * 1440) == [(0.0, 360.0), (960.0, 4320.0)]
    # a Tuesday afternoon, 1 day: 18:00 Tue to 08:00 Wed off, then open until 14:00
    t1 = datetime(2024, 4, 30, 14, 0, tzinfo=PARIS)
    assert off_hours(team, "UTC", t1, 1440) == [(240.0, 1080.0)]


def test_plan_page_draws_gantt_bands_and_critical_path(client: httpx.Client) -> None:
    plan = client.get("/api/plan", params={"scenario": "colo-site-loss"}).json()
    r = client.get("/plan", params={"scenario": "colo-site-loss", "function": "lab-results"})
    assert r.status_code == 200
    assert r.text.count('<rect class="task') == len(plan["tasks"])
    assert 'class="off-hours"' in r.text
    down = [f for f in plan["functions"] if f["was_down"]]
    assert len(re.findall(r'<g class="band" data-id="[a-z-]+"', r.text)) == len(down) + 3
    explained = client.get(
        "/api/explain", params={"scenario": "colo-site-loss", "function": "lab-results"}
    ).json()
    for step in explained["steps"]:
        assert f"<code>{step['component']}</code>" in r.text
    on_path = {s["task"] for s in explained["steps"] if s["task"]}
    assert r.text.count('<rect class="task critical"') == len(on_path)
    assert 'data-part="waiting_for_person"' in r.text


def test_what_if_page_shows_forecast_bands(client: httpx.Client) -> None:
    r = client.get(
        "/what-if",
        params={"fail": "site:colo-paris", "duration": "6h", "start": "2024-08-03T14:30"},
    )
    assert r.status_code == 200
    assert 'id="forecast"' in r.text and "2024-08-03 14:30" in r.text
    assert 'data-id="lab-results"' in r.text
    r = client.get("/what-if", params={"fail": "site:colo-paris", "duration": "soon"})
    assert r.status_code == 422 and "duration" in r.text
