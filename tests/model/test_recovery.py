"""Recovery semantics (:mod:`blackstart.model.recovery`): staff calendars, which
components need which steps, kind defaults, candidate teams and priorities.

Calendars are checked at hand-computed minutes (from the scenario start), in UTC terms,
so that a DST or weekday mistake shows as a wrong minute.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from blackstart.engine.schedule import ACTIONS, DIST_FIXED, DIST_UNIFORM, RecoveryProblem
from blackstart.errors import ModelError, UsageError
from blackstart.model.compile import compile_model
from blackstart.model.load import load_data, load_model
from blackstart.model.model import Model
from blackstart.model.recovery import (
    HORIZON_DAYS,
    KIND_DEFAULTS,
    build_problem,
    recovery_of,
    scenario_of,
)

WORKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def model_data(
    teams: dict[str, Any],
    components: dict[str, Any] | None = None,
    *,
    start: str = "2024-08-05T09:00",
    fail: tuple[str, ...] = ("site:dc",),
    duration: str = "1h",
    functions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "name": "m",
        "timezone": "Europe/Paris",
        "providers": {"vendor": {"kind": "saas"}, "colo-op": {"kind": "colocation"}},
        "sites": {
            "dc": {"kind": "datacenter"},
            "dc2": {"kind": "datacenter"},
            "colo": {"kind": "colocation", "provider": "colo-op"},
        },
        "components": components or {"app": {"kind": "application", "site": "dc"}},
        "functions": functions or {"f": {"tier": "care", "requires": ["app"]}},
        "teams": teams,
        "scenarios": {"s": {"start": start, "fail": list(fail), "duration": duration}},
    }


def problem_of(
    data: dict[str, Any], scenario: str = "s"
) -> tuple[Model, RecoveryProblem, list[str]]:
    model = load_data(data)
    graph = compile_model(model)
    problem, warnings = build_problem(model, graph, scenario_of(model, scenario))
    return model, problem, warnings


def calendar(team: dict[str, Any], start: str) -> np.ndarray:
    _, problem, _ = problem_of(model_data({"apps": team}, start=start))
    assert problem.team_names == ("apps",)
    return problem.capacity[0]


def minute(start: str, at: str) -> int:
    """Minutes from ``start`` to ``at`` (both Paris wall times), in absolute time."""
    tz = ZoneInfo("Europe/Paris")
    a = datetime.fromisoformat(start).replace(tzinfo=tz)
    b = datetime.fromisoformat(at).replace(tzinfo=tz)
    return int((b.timestamp() - a.timestamp()) // 60)


OFFICE = {
    "skills": ["apps"],
    "weekday": {"hours": "08:00-18:00", "people": 4},
    "weekend": {"on_call": 1},
    "night": {"on_call": 2},
    "call_in": "1h",
}


# --------------------------------------------------------------------------- calendars


def test_calendar_across_the_autumn_dst_change() -> None:
    """Saturday 26 October 2024, 10:00 CEST (08:00 UTC); clocks go back on Sunday 27 at
    03:00 CEST, so Sunday has 25 hours and Monday 28, 08:00 CET is 07:00 UTC: 47 h after
    the start."""
    start = "2024-10-26T10:00"
    cap = calendar(OFFICE, start)
    assert len(cap) == HORIZON_DAYS * 1440
    assert (cap[:60] == 0).all()  # weekend on-call still on the way (call_in 1 h)
    sunday = 14 * 60  # Sunday 00:00 CEST
    monday = sunday + 25 * 60  # Monday 00:00 CET
    assert monday == minute(start, "2024-10-28T00:00") == 2340
    assert (cap[60:monday] == 1).all()  # Saturday and the long Sunday: weekend on-call
    opens = 47 * 60
    assert opens == minute(start, "2024-10-28T08:00")
    assert (cap[monday:opens] == 2).all()  # Monday night: night on-call
    assert cap[opens - 1] == 2 and cap[opens] == 4
    closes = opens + 10 * 60  # 18:00 CET
    assert (cap[opens:closes] == 4).all()
    assert cap[closes] == 2


def test_calendar_across_the_spring_dst_change() -> None:
    """Saturday 30 March 2024, 12:00 CET; Sunday 31 has 23 hours; Monday 1 April
    08:00 CEST is 06:00 UTC."""
    start = "2024-03-30T12:00"
    cap = calendar(OFFICE, start)
    opens = minute(start, "2024-04-01T08:00")
    assert opens == (12 + 23 + 8) * 60
    assert cap[opens - 1] == 2 and cap[opens] == 4
    assert cap[opens + 600 - 1] == 4 and cap[opens + 600] == 2


def test_calendar_weekday_night_weekend_and_call_in() -> None:
    """Friday 17:00: people at work at once; after 18:00 the night on-call, who needs
    1 h 30 to arrive; from Saturday 00:00 the weekend on-call; Monday 08:00 people."""
    team = {
        "skills": ["apps"],
        "weekday": {"hours": "08:00-18:00", "people": 5},
        "weekend": {"on_call": 1},
        "night": {"on_call": 2},
        "call_in": "1h30min",
    }
    cap = calendar(team, "2024-08-02T17:00")
    assert (cap[:60] == 5).all()  # at work already: no call-in delay
    assert (cap[60:90] == 0).all()  # night on-call not there yet
    assert (cap[90:420] == 2).all()  # Friday night
    saturday, monday = 420, 420 + 2 * 1440
    assert (cap[saturday:monday] == 1).all()
    assert (cap[monday : monday + 480] == 2).all()  # Monday 00:00-08:00
    assert (cap[monday + 480 : monday + 1080] == 5).all()  # Monday 08:00-18:00
    # a Wednesday night, two weeks later: night on-call, no call-in delay any more
    wednesday_night = minute("2024-08-02T17:00", "2024-08-14T03:00")
    assert cap[wednesday_night] == 2


def test_calendar_on_call_absent_at_the_start_on_a_weekend() -> None:
    cap = calendar({**OFFICE, "call_in": "45min"}, "2024-08-03T11:00")
    assert (cap[:45] == 0).all() and cap[45] == 1


def test_calendar_custom_days_and_round_the_clock() -> None:
    team = {
        "skills": ["apps"],
        "weekday": {"hours": "00:00-24:00", "people": 2,
                    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
        "call_in": "15min",
    }  # fmt: skip
    cap = calendar(team, "2024-10-26T10:00")
    assert (cap == 2).all()  # at work from the first minute, through the DST change
    weekend_only = {
        "skills": ["apps"],
        "weekday": {"hours": "10:00-16:00", "people": 3, "days": ["sat", "sun"]},
        "weekend": {"on_call": 1},  # the other days
        "call_in": "0min",
    }
    cap = calendar(weekend_only, "2024-08-03T09:00")  # a Saturday
    assert cap[0] == 0  # Saturday is a working day: night on-call (0) before 10:00
    assert (cap[60:420] == 3).all() and cap[420] == 0
    monday_noon = minute("2024-08-03T09:00", "2024-08-05T12:00")
    assert cap[monday_noon] == 1  # Monday is not a working day: weekend on-call


def test_calendar_in_the_team_time_zone() -> None:
    """A team in New York helping a Paris scenario: Monday 09:00 Paris is 03:00 EDT; its
    hours 09:00-17:00 EDT are 15:00-23:00 Paris."""
    team = {
        "skills": ["apps"],
        "timezone": "America/New_York",
        "weekday": {"hours": "09:00-17:00", "people": 6},
        "call_in": "0min",
    }
    cap = calendar(team, "2024-08-05T09:00")
    assert (cap[:360] == 0).all()
    assert (cap[360:840] == 6).all() and cap[840] == 0


def test_overnight_shift_is_rejected_with_a_located_problem(tmp_path: Path) -> None:
    """Working hours that cross midnight are refused (nights are ``night.on_call``), with
    the file, line, column and key of the hours, and what to write instead."""
    path = tmp_path / "teams.yaml"
    path.write_text(
        "name: m\n"
        "teams:\n"
        "  apps:\n"
        "    skills: [apps]\n"
        '    weekday: {hours: "22:00-06:00", people: 3}\n',
        "utf-8",
    )
    with pytest.raises(ModelError) as info:
        load_model(path)
    (problem,) = info.value.problems
    assert (problem.code, problem.line, problem.key) == ("bad-value", 5, "teams.apps.weekday.hours")
    assert problem.file is not None and problem.file.endswith("teams.yaml")
    assert "'22:00-06:00' must end after they start" in problem.message
    assert "night: {on_call: N}" in problem.message


# --------------------------------------------------------------------------- steps


def labels_by_component(problem: RecoveryProblem) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for label in problem.task_labels:
        cid, _, action = label.partition("/")
        out.setdefault(cid, []).append(action)
    return out


TEAMS = {
    "facilities": {"skills": ["power"], "weekday": {"people": 2}},
    "sys": {"skills": ["systems"], "weekday": {"people": 2}},
    "apps": {"skills": ["apps"], "weekday": {"people": 2}},
    "apps-2": {"skills": ["apps"], "weekday": {"people": 2}},
}

HIT_MODEL: dict[str, Any] = {
    "pdu": {"kind": "power", "site": "dc"},
    "srv": {"kind": "compute", "site": "dc", "requires": ["pdu"]},
    "other-srv": {"kind": "compute", "site": "dc"},  # same building, needs nothing there
    "app": {"kind": "application", "site": "dc2", "requires": ["srv"], "team": "apps-2"},
    "ext": {"kind": "application", "provider": "vendor"},
    "colo-srv": {"kind": "compute", "site": "colo"},
    "fine": {"kind": "compute", "site": "dc2"},
}


def test_hit_components_get_every_step_others_only_verify() -> None:
    """A down component in the building of the failed one is hit (every step); a
    component elsewhere, down only because what it needs was down, just needs its verify.
    A component of the same building that needs nothing there is not down at all."""
    data = model_data(TEAMS, HIT_MODEL, fail=("component:pdu",),
                      functions={"f": {"tier": "care", "requires": ["app"]}})  # fmt: skip
    _, problem, warnings = problem_of(data)
    assert warnings == []
    assert labels_by_component(problem) == {
        "pdu": ["restart", "verify"],  # kind power: restart, verify
        "srv": ["boot", "verify"],  # kind compute: boot, verify
        "app": ["verify"],
    }
    pdu = problem.task_labels.index("pdu/restart")
    node = problem.task_node[pdu]
    assert problem.inj_end[node] == 60
    assert problem.inj_end[problem.task_node[problem.task_labels.index("srv/boot")]] == 0


@pytest.mark.parametrize(
    ("fail", "hit"),
    [
        (("provider:vendor",), {"ext"}),
        (("provider:colo-op",), {"colo-srv"}),  # a site operated by a failed provider
        (("site:colo",), {"colo-srv"}),
    ],
)
def test_provider_and_site_failures_hit(fail: tuple[str, ...], hit: set[str]) -> None:
    data = model_data(TEAMS, HIT_MODEL, fail=fail,
                      functions={"f": {"tier": "care", "requires": ["ext"]}})  # fmt: skip
    _, problem, _ = problem_of(data)
    steps = labels_by_component(problem)
    assert set(steps) == hit
    for cid in hit:
        kind = HIT_MODEL[cid]["kind"]
        defaults = [a for a in ACTIONS if getattr(KIND_DEFAULTS[kind], a) is not None]
        assert steps[cid] == defaults


def test_own_recovery_overrides_kind_defaults_field_by_field() -> None:
    comps = {"srv": {"kind": "compute", "site": "dc", "recovery": {"verify": "5min"}}}
    data = model_data(TEAMS, comps, functions={"f": {"tier": "care", "requires": ["srv"]}})
    model, problem, _ = problem_of(data)
    rec = recovery_of(model, "srv")
    assert rec.boot == KIND_DEFAULTS["compute"].boot  # kept
    assert rec.skill == "systems"  # kept
    boot, verify = problem.task_labels.index("srv/boot"), problem.task_labels.index("srv/verify")
    assert problem.dist_kind[boot] == DIST_UNIFORM
    assert problem.dist_params[boot].tolist() == [10.0, 20.0, 0.0]  # 10min..20min
    assert problem.dist_kind[verify] == DIST_FIXED
    assert problem.dist_params[verify, :2].tolist() == [5.0, 5.0]
    # a step can be removed by setting it to null
    comps = {"srv": {"kind": "compute", "site": "dc", "recovery": {"boot": None}}}
    data = model_data(TEAMS, comps, functions={"f": {"tier": "care", "requires": ["srv"]}})
    _, problem, _ = problem_of(data)
    assert problem.task_labels == ("srv/verify",)


def test_restore_probability_and_automatic_steps() -> None:
    comps = {
        "db": {
            "kind": "database",
            "site": "dc",
            "team": "apps",
            "recovery": {"restart_fails": 0.25, "skill": "apps"},
        }
    }
    data = model_data(TEAMS, comps, functions={"f": {"tier": "care", "requires": ["db"]}})
    _, problem, _ = problem_of(data)
    assert labels_by_component(problem)["db"] == ["restart", "restore", "data_check", "verify"]
    for k, label in enumerate(problem.task_labels):
        teams = problem.cand_team[problem.cand_ptr[k] : problem.cand_ptr[k + 1]].tolist()
        if label == "db/restore":
            assert problem.task_prob[k] == 0.25
            assert teams == []  # automatic
        else:
            assert problem.task_prob[k] == 1.0
            # the component's own team first, then the others with the skill
            assert [problem.team_names[t] for t in teams] == ["apps", "apps-2"]


def test_skill_falls_back_to_the_own_team_then_automatic() -> None:
    teams = {"apps": {"skills": ["apps"], "weekday": {"people": 2}}}
    comps = {
        # kind database: default skill 'database', which no team has
        "owned": {"kind": "database", "site": "dc", "team": "apps"},
        "orphan": {"kind": "database", "site": "dc"},
    }
    functions = {"f": {"tier": "care", "requires": ["owned", "orphan"]}}
    _, problem, warnings = problem_of(model_data(teams, comps, functions=functions))
    for k, label in enumerate(problem.task_labels):
        teams_k = problem.cand_team[problem.cand_ptr[k] : problem.cand_ptr[k + 1]].tolist()
        if label.startswith("owned/") and not label.endswith("/restore"):
            assert teams_k == [0], label
        if label.startswith("orphan/"):
            assert teams_k == [], label
    assert any("no team can restart orphan" in w for w in warnings)
    assert not any("owned" in w for w in warnings)


def test_priorities_follow_tier_then_patient_safety() -> None:
    comps = {
        f"app-{x}": {"kind": "application", "site": "dc", "recovery": {"skill": "apps"}}
        for x in ("admin", "care", "care-safe", "vital")
    }
    functions = {
        "f-admin": {"tier": "administrative", "requires": ["app-admin"]},
        "f-care": {"tier": "care", "requires": ["app-care"]},
        "f-care-safe": {"tier": "care", "patient_safety": True, "requires": ["app-care-safe"]},
        "f-vital": {"tier": "vital", "requires": ["app-vital"]},
    }
    model, problem, _ = problem_of(model_data(TEAMS, comps, functions=functions))
    graph = compile_model(model)
    rank = {x: problem.priority[graph.index[f"component:app-{x}"]]
            for x in ("vital", "care-safe", "care", "admin")}  # fmt: skip
    assert rank["vital"] < rank["care-safe"] < rank["care"] < rank["admin"]


# --------------------------------------------------------------------------- scenarios


def test_scenario_of_named_and_ad_hoc() -> None:
    model = load_data(model_data(TEAMS, HIT_MODEL, start="2024-08-03T11:00", duration="3.5h"))
    sc = scenario_of(model, "s")
    assert sc.duration_min == 210
    assert sc.start.utcoffset() is not None and sc.start.isoformat() == "2024-08-03T11:00:00+02:00"
    longer = scenario_of(model, "s", duration_s=90.5)
    assert longer.duration_min == 2  # whole minutes, rounded up
    with pytest.raises(UsageError) as exc:
        scenario_of(model, "S2")
    assert exc.value.suggestion is not None
    with pytest.raises(UsageError):
        scenario_of(model, fail=["site:dc"])  # ad hoc: needs a start and a duration
    ad_hoc = scenario_of(model, fail=["site:dc"], start=sc.start, duration_s=600)
    assert (ad_hoc.name, ad_hoc.duration_min, ad_hoc.fail) == ("ad-hoc", 10, ("site:dc",))


def test_build_problem_rejects_unknown_failures() -> None:
    model = load_data(model_data(TEAMS, HIT_MODEL))
    graph = compile_model(model)
    sc = scenario_of(model, fail=["site:nowhere"], start=model.scenario_start("s"), duration_s=60)
    with pytest.raises(UsageError):
        build_problem(model, graph, sc)
