"""``blackstart plan``, ``forecast`` and ``explain`` through the real Typer app: JSON
payloads, calendar times with their offsets, exit codes and suggestions."""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from blackstart import api
from blackstart.cli.app import app

EXAMPLE = str(api.example_path())
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}[+-]\d{2}:\d{2}$")


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def ok_json(*args: str) -> dict[str, Any]:
    res = invoke(*args, "--json")
    assert res.exit_code == 0, res.output
    payload: dict[str, Any] = json.loads(res.stdout)
    return payload


@cache
def example_plan() -> dict[str, Any]:
    return ok_json("plan", EXAMPLE, "--scenario", "colo-power-cut")


@cache
def example_forecast(*extra: str) -> dict[str, Any]:
    return ok_json("forecast", EXAMPLE, "-s", "colo-power-cut", "--runs", "500", *extra)


def t(text: str) -> datetime:
    assert ISO.match(text), text
    return datetime.fromisoformat(text)


# --------------------------------------------------------------------------- plan


def test_plan_json_shape() -> None:
    p = example_plan()
    assert p["scenario"] == "colo-power-cut"
    assert p["start"] == "2024-08-03T11:00+02:00"
    assert p["failure_end"] == "2024-08-03T14:30+02:00"
    assert p["tasks"] and p["functions"]
    ids = set()
    for task in p["tasks"]:
        assert {"id", "component", "action", "team", "start", "end"} <= set(task)
        assert task["id"] == f"{task['component']}/{task['action']}"
        assert task["action"] in ("boot", "restart", "restore", "data_check", "verify")
        assert (task["team"] is None) == (task["action"] in ("boot", "restore"))
        assert t(task["start"]) < t(task["end"])
        assert t(task["start"]) >= t(p["failure_end"])
        assert task["start"].endswith("+02:00")  # August in Europe/Paris
        ids.add(task["id"])
    assert len(ids) == len(p["tasks"])
    starts = [t(task["start"]) for task in p["tasks"]]
    assert starts == sorted(starts)
    for f in p["functions"]:
        assert {"id", "tier", "restored_at", "critical_path"} <= set(f)
        assert f["tier"] in ("vital", "care", "administrative")
        restored = t(f["restored_at"])
        assert set(f["critical_path"]) <= ids
        if f["was_down"]:
            assert f["critical_path"]
            last = next(x for x in p["tasks"] if x["id"] == f["critical_path"][-1])
            assert t(last["end"]) == restored
        else:
            assert f["critical_path"] == [] and f["restored_at"] == p["start"]
        assert f["restored_after_s"] == (restored - t(p["start"])).total_seconds()
    assert set(p["tiers"]) == {"vital", "care", "administrative"}
    latest = max(t(f["restored_at"]) for f in p["functions"])
    assert t(p["all"]["restored_at"]) == latest


def test_plan_offsets_follow_the_season() -> None:
    p = ok_json("plan", EXAMPLE, "-s", "regional-blackout")
    assert p["start"] == "2024-01-15T18:00+01:00"
    assert all(x["start"].endswith("+01:00") for x in p["tasks"])


def test_plan_optimize() -> None:
    p = ok_json("plan", EXAMPLE, "-s", "colo-power-cut", "--optimize", "--time-limit", "2")
    opt = p["optimization"]
    assert opt["improvement"] >= 0
    assert opt["used"] in ("cp-sat", "list")
    assert opt["cp_sat_objective_min"] <= opt["list_objective_min"]
    assert opt["lower_bound_min"] <= opt["cp_sat_objective_min"] + 1e-6
    assert opt["status"] in ("OPTIMAL", "FEASIBLE")
    assert p["tasks"] and p["functions"]


# --------------------------------------------------------------------------- forecast


def test_forecast_json_shape_and_order() -> None:
    fc = example_forecast()
    assert fc["runs"] == 500 and fc["seed"] == 0
    keys = {"p50", "p80", "p95", "rto_breach_probability", "degraded_mode_exhaustion_probability"}
    for f in fc["functions"]:
        assert keys <= set(f)
        assert t(f["p50"]) <= t(f["p80"]) <= t(f["p95"])
        for k in ("rto_breach_probability", "degraded_mode_exhaustion_probability"):
            assert f[k] is None or 0 <= f[k] <= 1
    assert set(fc["tiers"]) == {"vital", "care", "administrative"}
    for band in [*fc["tiers"].values(), fc["all"]]:
        assert set(band) == {"p50", "p80", "p95"}
        assert t(band["p50"]) <= t(band["p80"]) <= t(band["p95"])
    latest = max(t(f["p50"]) for f in fc["functions"])
    assert t(fc["all"]["p50"]) >= latest  # everything is back when the last function is


def spread_s(band: dict[str, str]) -> float:
    return (t(band["p95"]) - t(band["p50"])).total_seconds()


def consistent_progress(as_of: str) -> list[str]:
    """``--done COMPONENT@END`` for every component whose planned steps ended by
    ``as_of``: a progress report that went as planned."""
    ends: dict[str, str] = {}
    for task in example_plan()["tasks"]:
        ends[task["component"]] = max(ends.get(task["component"], ""), task["end"])
    return [x for c, end in ends.items() if t(end) <= t(as_of) for x in ("--done", f"{c}@{end}")]


def test_progress_as_planned_tightens_the_forecast() -> None:
    base = example_forecast()
    as_of = "2024-08-04T12:00+02:00"
    done = consistent_progress(as_of)
    assert len(done) > 20
    later = example_forecast("--as-of", as_of, *done)
    assert later["as_of"] == as_of
    assert spread_s(later["all"]) <= spread_s(base["all"])
    for tier in ("vital", "care"):
        assert spread_s(later["tiers"][tier]) <= spread_s(base["tiers"][tier]), tier
    # nothing left at all: no spread
    everything = example_forecast(
        "--as-of", "2024-08-20T12:00",
        *[x for task in example_plan()["tasks"] for x in ("--done", task["component"])],
    )  # fmt: skip
    assert everything["all"]["p50"] == everything["all"]["p95"] == "2024-08-20T12:00+02:00"


def test_demo_progress_does_not_widen_the_spread() -> None:
    """The progress command suggested by ``blackstart demo``."""
    base = example_forecast()
    later = example_forecast(
        "--as-of", "2024-08-04T12:00", "--on-plan", "--started", "db-lis@2024-08-04T11:30"
    )  # fmt: skip
    assert later["as_of"] == "2024-08-04T12:00+02:00"
    assert later["provenance"]["settings"]["on_plan"] is True
    # the work reported by Sunday noon is on the vital and care paths: their bands narrow;
    # the administrative tier's weekday work is untouched, its P95 must not get later
    for tier in ("vital", "care"):
        assert spread_s(later["tiers"][tier]) < spread_s(base["tiers"][tier]), tier
    assert later["all"]["p95"] <= base["all"]["p95"]


@pytest.mark.parametrize(
    ("args", "message", "suggestion"),
    [
        (["plan", EXAMPLE, "-s", "colo-powr-cut"], "no scenario 'colo-powr-cut'",
         "colo-power-cut"),
        (["forecast", EXAMPLE, "-s", "colo-powr-cut"], "no scenario", "colo-power-cut"),
        (["forecast", EXAMPLE, "-s", "colo-power-cut", "--as-of", "+20h", "--done",
          "colo-san-aray-1"], "no recovery task 'colo-san-aray-1'", "colo-san-array-1"),
        (["forecast", EXAMPLE, "-s", "colo-power-cut", "--done", "colo-san-array-1"],
         "need --as-of", None),
        (["forecast", EXAMPLE, "-s", "colo-power-cut", "--as-of", "tomorrow"],
         "cannot read time 'tomorrow'", "2024-08-04T09:00"),
        (["forecast", EXAMPLE, "-s", "colo-power-cut", "--as-of", "+20h", "--done",
          "colo-san-array-1@+30h"], "done after --as-of", None),
        (["forecast", EXAMPLE, "-s", "colo-power-cut", "--as-of", "+20h", "--started",
          "colo-san-array-1/restart"], "give the start time, e.g. colo-san-array-1/restart@", None),
        (["forecast", EXAMPLE, "-s", "colo-power-cut", "--as-of", "+20h", "--started",
          "colo-san-array-1/restart@+21h"], "started after --as-of", None),
        (["explain", EXAMPLE, "-s", "colo-power-cut", "--function", "lab-result"],
         "no function 'lab-result'", "lab-results"),
    ],
)  # fmt: skip
def test_input_errors_exit_1_with_suggestions(
    args: list[str], message: str, suggestion: str | None
) -> None:
    res = invoke(*args)
    assert res.exit_code == 1
    text = " ".join(res.stderr.split())  # the error console wraps lines
    assert "error:" in text and message in text
    assert suggestion is None or suggestion in text
    as_json = invoke(*args, "--json")
    assert as_json.exit_code == 1
    payload = json.loads(as_json.stdout)
    assert payload["ok"] is False
    (error,) = payload["errors"]
    assert error["code"] == "input" and message in error["message"]
    assert suggestion is None or suggestion in (error["suggestion"] or "")


def test_bad_duration_is_an_input_error() -> None:
    res = invoke("forecast", EXAMPLE, "-s", "colo-power-cut", "--as-of", "+2x")
    assert res.exit_code == 1
    assert "unknown unit 'x'" in " ".join(res.stderr.split())


# --------------------------------------------------------------------------- explain


@pytest.mark.parametrize("function", ["lab-results", "telephony", "emergency-dispatch"])
def test_explain_breakdown_sums_to_the_restore_time(function: str) -> None:
    e = ok_json("explain", EXAMPLE, "-s", "colo-power-cut", "--function", function)
    assert e["function"] == function
    assert sum(e["breakdown_s"].values()) == e["restored_after_s"]
    plan = {f["id"]: f for f in example_plan()["functions"]}[function]
    assert e["restored_at"] == plan["restored_at"]
    assert [s["task"] for s in e["steps"] if s["task"]] == plan["critical_path"]
    if e["was_down"]:
        assert e["steps"][0]["action"] == "outage"
        assert e["breakdown_s"]["outage"] == 3.5 * 3600


# --------------------------------------------------------------------------- calendar times


@pytest.fixture
def dst_model(tmp_path: Path) -> str:
    """One server on a site that fails Saturday 26 October 2024, 10:00-11:00 Paris; its
    boot is automatic, its verify waits for the office on Monday 28 (CET by then)."""
    data = {
        "name": "dst",
        "timezone": "Europe/Paris",
        "sites": {"dc": {"kind": "datacenter"}},
        "components": {
            "srv": {"kind": "compute", "site": "dc",
                    "recovery": {"boot": "10min", "verify": "30min", "skill": "ops"}},
        },
        "functions": {"f": {"tier": "care", "requires": ["srv"]}},
        "teams": {"ops": {"skills": ["ops"], "weekday": {"hours": "08:00-18:00", "people": 2}}},
        "scenarios": {"s": {"start": "2024-10-26T10:00", "fail": ["site:dc"], "duration": "1h"}},
    }  # fmt: skip
    (tmp_path / "model.yaml").write_text(yaml.safe_dump(data), "utf-8")
    return str(tmp_path)


def test_plan_times_across_the_dst_change(dst_model: str) -> None:
    p = ok_json("plan", dst_model, "-s", "s")
    tasks = {x["id"]: x for x in p["tasks"]}
    assert tasks["srv/boot"]["start"] == "2024-10-26T11:00+02:00"
    assert tasks["srv/verify"]["start"] == "2024-10-28T08:00+01:00"
    (f,) = p["functions"]
    assert f["restored_at"] == "2024-10-28T08:30+01:00"
    assert f["restored_after_s"] == (47 * 60 + 30) * 60


def test_as_of_across_the_dst_change(dst_model: str) -> None:
    """A local --as-of and the same instant with its offset mean the same minute."""
    for as_of in ("2024-10-28T09:00", "2024-10-28T09:00+01:00", "+48h"):
        fc = ok_json("forecast", dst_model, "-s", "s", "--runs", "50", "--as-of", as_of,
                     "--done", "srv")  # fmt: skip
        assert fc["as_of"] == "2024-10-28T09:00+01:00", as_of
        (f,) = fc["functions"]
        assert f["p50"] == f["p95"] == "2024-10-28T09:00+01:00"
