"""The review on close and the drill's exercise report, with answers derived by hand: a
drill on a simulated clock where every component's last step is recorded done at the same
time T, ten days after the start, so every function that was down came back exactly at T."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

import blackstart.api as bs
from blackstart.web import create_app
from blackstart.web.board import IncidentService

START = "2024-08-03T11:00+02:00"


def _t(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


@pytest.fixture(scope="module")
def closed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    db = tmp_path_factory.mktemp("review") / "r.db"
    app = create_app(bs.example_path(), f"sqlite:///{db}")
    svc: IncidentService = app.state.incidents
    row = svc.declare(
        "olga",
        title="annual exercise",
        scenario="colo-power-cut",
        fail=[],
        start=START,
        failure_end=None,
        drill=True,
        clock="simulated",
    )
    board = svc.board(row.id)
    t = _t(START) + timedelta(days=10)
    svc.set_clock(row.id, "olga", sim_now=t.isoformat())
    svc.add_unplanned(
        row.id,
        "olga",
        key="call-vendor",
        description="LIS licence server",
        estimate="1h",
        after=[],
        blocks=[],
    )
    last: dict[str, str] = {}
    for task in board["tasks"]:
        last[task["component"]] = task["id"]
    for task in last.values():
        svc.record(row.id, "olga", task=task, kind="done", at=t.isoformat())
    svc.record(row.id, "olga", task="call-vendor", kind="done", at=t.isoformat())
    svc.close(row.id, "ada")
    app.state.dashboard.close()
    return {"board": svc.board(row.id), "t": t, "model": svc.dash.model}


def test_every_function_down_is_back_at_t(closed: dict[str, Any]) -> None:
    acc = closed["board"]["review"]["forecast_accuracy"]
    for tier, back in acc["actual"].items():
        assert back is not None and _t(back) == closed["t"], tier


def test_p80_held_in_every_forecast_but_the_one_made_at_the_start(closed: dict[str, Any]) -> None:
    """As of the start, the P80 is a few days out: T (ten days) is later, so it did not
    hold. Every later forecast was made at T with work still to do: its P80 is ≥ T."""
    rows = closed["board"]["review"]["forecast_accuracy"]["forecasts"]
    first_as_of = rows[0]["as_of"]
    for r in rows:
        assert r["p80_held"] is (r["as_of"] != first_as_of), r
    n = len({r["as_of"] + str(i // 3) for i, r in enumerate(rows)})
    share = closed["board"]["review"]["forecast_accuracy"]["p80_held_share"]
    assert share == pytest.approx((n - 1) / n, abs=1e-4)


def test_planned_vs_actual_slip_is_done_minus_planned_end(closed: dict[str, Any]) -> None:
    tasks = {t["task"]: t for t in closed["board"]["review"]["tasks"]}
    plan = {t["id"]: t for t in closed["board"]["tasks"]}
    for tid, row in tasks.items():
        if row["done"] is None:
            continue
        expected = (closed["t"] - _t(plan[tid]["end"])).total_seconds()
        assert row["slip_s"] == int(expected)


def test_exercise_report_rto_and_gaps(closed: dict[str, Any]) -> None:
    report = closed["board"]["review"]["exercise_report"]
    model = closed["model"]
    ten_days = 10 * 86400
    assert report["scenario"] == "colo-power-cut" and report["clock"] == "simulated"
    for row in report["rto"]:
        rto = model.functions[row["function"]].rto
        assert row["rto_met"] == (None if rto is None else ten_days <= rto)
    missed = [r["name"] for r in report["rto"] if r["rto_met"] is False]
    assert missed
    for name in missed:
        assert any(name in g and "missed its RTO" in g for g in report["gaps"])
    assert any("call-vendor" in g for g in report["gaps"])
    times = [_t(e["at"]) for e in report["timeline"]]
    assert times == sorted(times)


def test_critical_path_ends_when_the_last_function_came_back(closed: dict[str, Any]) -> None:
    cp = closed["board"]["review"]["critical_path"]
    assert cp["function"] is not None
    assert _t(cp["restored_at"]) == closed["t"]
