"""The list scheduler (:mod:`blackstart.engine.schedule`) and its CP-SAT counterpart
(:mod:`blackstart.engine.optimize`).

Invariants are checked by the independent checker of ``_recovery_checks`` on the bundled
example and on generated models, for median and sampled durations; tiny models give
hand-computed answers (minutes from the scenario start).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pytest

from blackstart import api, planning
from blackstart.engine.durations import median_durations, sample_durations
from blackstart.engine.optimize import optimize, weighted_completion
from blackstart.engine.schedule import HANDOVER, Schedule, run_once
from blackstart.generate import generate_model
from blackstart.model.load import load_data
from blackstart.model.model import Model

from ._recovery_checks import assert_valid, check_schedule, headcount, steps, team, tiny

EXAMPLE_SCENARIOS = (
    "colo-power-cut",
    "colo-site-loss",
    "colo-provider-failure",
    "secondary-dc-power-cut",
    "carrier-a-outage",
    "regional-blackout",
)


@cache
def example() -> Model:
    return api.load(api.example_path())


@cache
def generated(seed: int, components: int = 2000) -> Model:
    return load_data(generate_model(components, seed=seed))


_contexts: dict[tuple[int, str], planning.Context] = {}


def ctx_of(model: Model, scenario: str) -> planning.Context:
    """The scenario's context, built once per test session (models are cached above)."""
    key = (id(model), scenario)
    if key not in _contexts:
        _contexts[key] = planning.context(model, scenario)
    return _contexts[key]


def check(ctx: planning.Context, durations: Any, sched: Schedule | None = None) -> Schedule:
    sched = sched if sched is not None else run_once(ctx.problem, durations)
    assert_valid(ctx.model, ctx.scenario, ctx.problem, sched, durations, node_of=ctx.graph.index)
    return sched


# --------------------------------------------------------------------------- invariants


@pytest.mark.parametrize("scenario", EXAMPLE_SCENARIOS)
def test_checker_calendar_matches_the_problem(scenario: str) -> None:
    """The checker's calendar (vectorised, zoneinfo) and build_problem's agree minute by
    minute over the whole horizon, so the staff check below is not circular."""
    ctx = ctx_of(example(), scenario)
    p = ctx.problem
    for i, name in enumerate(p.team_names):
        expected = headcount(ctx.model.teams[name], "Europe/Paris", ctx.scenario.start, p.horizon)
        diff = np.flatnonzero(expected != p.capacity[i])
        assert len(diff) == 0, f"{name}: calendars differ from minute {diff[0]}"


@pytest.mark.parametrize("scenario", EXAMPLE_SCENARIOS)
def test_example_plan_satisfies_invariants(scenario: str) -> None:
    ctx = ctx_of(example(), scenario)
    sched = check(ctx, median_durations(ctx.problem))
    assert not sched.beyond_horizon


@pytest.mark.parametrize("scenario", ["colo-power-cut", "colo-site-loss", "secondary-dc-power-cut"])
def test_example_sampled_schedules_satisfy_invariants(scenario: str) -> None:
    ctx = ctx_of(example(), scenario)
    rows = sample_durations(ctx.problem, np.random.default_rng(7), 4)
    for row in rows:
        check(ctx, row)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("scenario", ["colo-power-cut", "colo-operator-down", "dc-fire"])
def test_generated_schedules_satisfy_invariants(seed: int, scenario: str) -> None:
    model = generated(seed)
    ctx = ctx_of(model, scenario)
    assert ctx.problem.n_tasks > 500
    check(ctx, median_durations(ctx.problem))
    for row in sample_durations(ctx.problem, np.random.default_rng(seed), 2):
        check(ctx, row)


def test_generated_calendars_match_the_problem() -> None:
    model = generated(0)
    ctx = ctx_of(model, "dc-fire")  # March 10: the horizon crosses the March 31 change
    p = ctx.problem
    for i, name in enumerate(p.team_names):
        expected = headcount(model.teams[name], "Europe/Paris", ctx.scenario.start, p.horizon)
        assert np.array_equal(expected, p.capacity[i]), name


def test_checker_catches_violations() -> None:
    """The checker is not vacuous: each kind of tampering is reported."""
    ctx = ctx_of(example(), "colo-power-cut")
    p = ctx.problem
    d = median_durations(p)
    good = run_once(p, d)
    labels = p.task_labels

    def tampered(**changes: Any) -> list[str]:
        fields = {f: getattr(good, f).copy() for f in ("start", "end", "team", "ready", "back")}
        for name, (k, value) in changes.items():
            fields[name][k] = value
        sched = Schedule(**fields, beyond_horizon=False)
        return check_schedule(ctx.model, ctx.scenario, p, sched, d, node_of=ctx.graph.index)

    first = labels.index("colo-power-distribution/restart")
    k = labels.index("colo-san-array-1/restart")
    # before its prerequisites are back (and before the failure ends)
    bad = tampered(start=(first, 0), end=(first, int(d[first])))
    assert any("before" in b for b in bad)
    # a manual step done by a team without the skill
    network = p.team_names.index("network")
    assert any("cannot do" in b for b in tampered(team=(k, network)))
    # an automatic step given to a team
    boot = labels.index("colo-san-array-1/boot")
    assert any("automatic" in b for b in tampered(team=(boot, 0)))
    # a manual step moved to the night of Saturday 3 August, where the datacenter team
    # (one on call) is already busy with the power restart: head-count exceeded
    second = labels.index("colo-power-distribution/verify")
    s0 = int(good.start[first])
    bad = tampered(
        start=(second, s0), end=(second, s0 + int(d[second])), team=(second, int(good.team[first]))
    )
    assert any("head-count" in b for b in bad)


# --------------------------------------------------------------------------- known answers


def run_tiny(data: dict[str, Any]) -> tuple[planning.Context, Schedule]:
    model = load_data(data)
    ctx = planning.context(model, "s")
    durations = median_durations(ctx.problem)
    sched = run_once(ctx.problem, durations)
    check(ctx, durations, sched)
    return ctx, sched


def back(ctx: planning.Context, sched: Schedule, label: str) -> int:
    return int(sched.back[ctx.graph.index[label]])


def when(ctx: planning.Context, sched: Schedule, task: str) -> tuple[int, int]:
    k = ctx.task_index()[task]
    return int(sched.start[k]), int(sched.end[k])


FIXED_APP = steps(restart="30min", verify="30min")


def two_apps(people: int) -> dict[str, Any]:
    # declared administrative first, so that only the priority can put the vital one first
    return tiny(
        {
            "app-admin": {"kind": "application", "site": "dc", "recovery": FIXED_APP},
            "app-vital": {"kind": "application", "site": "dc", "recovery": FIXED_APP},
        },
        {
            "f-admin": {"tier": "administrative", "requires": ["app-admin"]},
            "f-vital": {"tier": "vital", "requires": ["app-vital"]},
        },
        {"ops": team(people)},
    )


def test_one_person_serialises_in_priority_order() -> None:
    # failure ends at 60; vital restart 60-90, verify 90-120; then administrative
    ctx, sched = run_tiny(two_apps(1))
    assert when(ctx, sched, "app-vital/restart") == (60, 90)
    assert when(ctx, sched, "app-vital/verify") == (90, 120)
    assert when(ctx, sched, "app-admin/restart") == (120, 150)
    assert when(ctx, sched, "app-admin/verify") == (150, 180)
    assert back(ctx, sched, "function:f-vital") == 120
    assert back(ctx, sched, "function:f-admin") == 180
    assert (sched.team[sched.end > sched.start] == 0).all()


def test_two_people_work_in_parallel() -> None:
    ctx, sched = run_tiny(two_apps(2))
    assert back(ctx, sched, "function:f-vital") == 120
    assert back(ctx, sched, "function:f-admin") == 120


def test_verify_waits_for_monday_across_the_dst_change() -> None:
    """Saturday 26 October 2024, 10:00 Paris (08:00 UTC); no weekend on-call. The boot
    runs by itself; the verify waits for Monday 28, 08:00 CET = 07:00 UTC, 47 h after the
    start (not 46 h: Sunday 27 has 25 hours)."""
    data = tiny(
        {"srv": {"kind": "compute", "site": "dc", "recovery": steps(boot="10min", verify="30min")}},
        {"f": {"tier": "care", "requires": ["srv"]}},
        {"ops": team(2, hours="08:00-18:00", days=["mon", "tue", "wed", "thu", "fri"])},
        start="2024-10-26T10:00",
    )
    ctx, sched = run_tiny(data)
    assert when(ctx, sched, "srv/boot") == (60, 70)
    assert when(ctx, sched, "srv/verify") == (47 * 60, 47 * 60 + 30)
    k = ctx.task_index()["srv/verify"]
    assert sched.ready[k] == 70
    assert ctx.iso(sched.start[k]) == "2024-10-28T08:00+01:00"
    assert back(ctx, sched, "function:f") == 47 * 60 + 30


def test_night_on_call_arrives_after_call_in() -> None:
    """Monday 20:00; failure ends 20:10; one person on call, 45 min to come in."""
    data = tiny(
        {
            "a": {"kind": "application", "site": "dc", "recovery": FIXED_APP},
            "b": {"kind": "application", "site": "dc", "recovery": FIXED_APP},
        },
        {"fa": {"tier": "vital", "requires": ["a"]}, "fb": {"tier": "care", "requires": ["b"]}},
        {"ops": team(5, hours="08:00-18:00", night=1, call_in="45min")},
        start="2024-08-05T20:00",
        duration="10min",
    )
    ctx, sched = run_tiny(data)
    assert when(ctx, sched, "a/restart") == (45, 75)
    assert when(ctx, sched, "a/verify") == (75, 105)
    assert when(ctx, sched, "b/restart") == (105, 135)
    assert back(ctx, sched, "function:fb") == 165


def db(site: str, restart: str) -> dict[str, Any]:
    return {"kind": "other", "site": site, "recovery": steps(restart=restart, verify="10min")}


@pytest.mark.parametrize(
    ("requires", "expected"),
    [
        ({"any_of": ["db-a", "db-b", "db-c"]}, 100),  # the first back
        ({"at_least": 2, "of": ["db-a", "db-b", "db-c"]}, 190),  # the second
        ({"all_of": ["db-a", "db-b", "db-c"]}, 280),  # the last
        ({"at_least": 2, "of": ["db-a", "db-b", "up"]}, 100),  # an up item counts as 0
    ],
)
def test_requirement_time_semantics(requires: Any, expected: int) -> None:
    """Three sites fail for 1 h; the databases are back at 60+30+10, 60+120+10 and
    60+210+10. The app, down only through them, needs just its verify (20 min)."""
    data = tiny(
        {
            "db-a": db("dc", "30min"),
            "db-b": db("dc2", "2h"),
            "db-c": db("dc3", "3h30min"),
            "up": {"kind": "other", "recovery": steps(restart="1min", verify="1min")},
            "app": {"kind": "other", "requires": requires, "recovery": steps(verify="20min")},
        },
        {"f": {"tier": "care", "requires": ["app"]}},
        {"ops": team(4)},
        fail=("site:dc", "site:dc2", "site:dc3"),
    )
    ctx, sched = run_tiny(data)
    assert [back(ctx, sched, f"component:db-{x}") for x in "abc"] == [100, 190, 280]
    assert [label for label in ctx.problem.task_labels if label.startswith("app/")] == [
        "app/verify"
    ]
    assert when(ctx, sched, "app/verify") == (expected, expected + 20)
    assert back(ctx, sched, "function:f") == expected + 20


@pytest.mark.parametrize(
    ("restart_fails", "expected"),
    [
        (1.0, {"restart": (60, 90), "restore": (90, 210), "data_check": (210, 240),
               "verify": (240, 270)}),
        (0.5, {"restart": (60, 90), "restore": (90, 210), "data_check": (210, 240),
               "verify": (240, 270)}),
        (0.4, {"restart": (60, 90), "restore": (90, 90), "data_check": (90, 120),
               "verify": (120, 150)}),
        (0.0, {"restart": (60, 90), "restore": (90, 90), "data_check": (90, 120),
               "verify": (120, 150)}),
    ],
)  # fmt: skip
def test_restore_branch_in_the_plan(restart_fails: float, expected: dict[str, Any]) -> None:
    """The plan (median durations) includes the restore when it is at least as likely as
    not; it runs by itself (no team)."""
    rec = steps(restart="30min", restore="2h", data_check="30min", verify="30min",
                restart_fails=restart_fails)  # fmt: skip
    data = tiny(
        {"san": {"kind": "storage", "site": "dc", "recovery": {**rec, "boot": None}}},
        {"f": {"tier": "vital", "requires": ["san"]}},
    )
    ctx, sched = run_tiny(data)
    for action, times in expected.items():
        assert when(ctx, sched, f"san/{action}") == times, action
    k = ctx.task_index()["san/restore"]
    assert sched.team[k] == -1
    assert ctx.problem.task_prob[k] == restart_fails
    assert back(ctx, sched, "function:f") == expected["verify"][1]


def test_step_longer_than_any_window_is_continued_next_shift() -> None:
    """A 12 h verify for a team there only 08:00-18:00 on weekdays and never on call: no
    single stretch holds it, so it is handed over. Failure ends Mon 10:00, restart 30 min:
    the verify works Mon 10:30-18:00 (7.5 h), then Tue from 08:00 the 4.5 h left plus the
    30 min handover: it ends Tue 13:00 (minute 90 + 26.5 h)."""
    data = tiny(
        {"app": {"kind": "application", "site": "dc", "recovery": steps(verify="12h")}},
        {"f": {"tier": "care", "requires": ["app"]}},
        {"ops": team(3, hours="08:00-18:00", days=["mon", "tue", "wed", "thu", "fri"])},
    )
    model = load_data(data)
    ctx = planning.context(model, "s")
    d = median_durations(ctx.problem)
    sched = run_once(ctx.problem, d)
    assert not sched.beyond_horizon
    k = ctx.task_index()["app/verify"]
    assert sched.team[k] == 0
    assert (sched.start[k], sched.end[k]) == (90, 90 + 1590)
    assert HANDOVER == 30
    payload = planning.plan(model, "s").to_dict()
    assert any("handed over to the next shift" in w for w in payload["warnings"])
    # the team's own handover cost: 2 h instead of 30 min ends it at Tue 14:30
    data["teams"]["ops"]["handover"] = "2h"
    ctx = planning.context(load_data(data), "s")
    sched = run_once(ctx.problem, median_durations(ctx.problem))
    assert (sched.start[k], sched.end[k]) == (90, 90 + 1590 + 90)


def test_step_that_ends_beyond_the_horizon_is_flagged() -> None:
    """No one ever works for the team: even handed over, the step never ends."""
    data = tiny(
        {"app": {"kind": "application", "site": "dc", "recovery": steps(verify="12h")}},
        {"f": {"tier": "care", "requires": ["app"]}},
        {"ops": team(0)},
    )
    model = load_data(data)
    ctx = planning.context(model, "s")
    sched = run_once(ctx.problem, median_durations(ctx.problem))
    assert sched.beyond_horizon
    k = ctx.task_index()["app/verify"]
    assert sched.team[k] == -1
    assert sched.start[k] == sched.ready[k]
    payload = planning.plan(model, "s").to_dict()
    assert any("horizon" in w for w in payload["warnings"])


def test_no_capable_team_is_automatic_with_a_warning() -> None:
    # kind 'database' defaults to skill 'database', which no team has, and no own team
    data = tiny(
        {"db": {"kind": "database", "site": "dc", "recovery": {"restart": "30min",
                "verify": "30min", "data_check": "10min", "restart_fails": 0.0}}},
        {"f": {"tier": "care", "requires": ["db"]}},
    )  # fmt: skip
    ctx, sched = run_tiny(data)
    assert any("no team can restart db" in w for w in ctx.warnings)
    assert when(ctx, sched, "db/restart") == (60, 90)
    assert (sched.team == -1).all()


# --------------------------------------------------------------------------- CP-SAT


def test_cp_sat_proves_the_tiny_plan_optimal() -> None:
    model = load_data(two_apps(1))
    ctx = planning.context(model, "s")
    d = median_durations(ctx.problem)
    hint = run_once(ctx.problem, d)
    opt = optimize(ctx.problem, d, ctx.weights(), hint, time_limit_s=5)
    assert opt.status == "OPTIMAL"
    # vital (weight 100, not patient-safety) back at 120, administrative (1) at 180
    assert weighted_completion(hint, ctx.weights()) == 100 * 120 + 180
    assert weighted_completion(opt.schedule, ctx.weights()) == 100 * 120 + 180
    assert opt.objective == pytest.approx(100 * 120 + 180)
    check(ctx, d, opt.schedule)


@pytest.mark.parametrize(
    ("model_of", "scenario"),
    [(example, "colo-power-cut"), (lambda: generated(1, 300), "dc-fire")],
    ids=["example", "generated-300"],
)
def test_cp_sat_never_worse_than_the_list_scheduler(model_of: Any, scenario: str) -> None:
    ctx = ctx_of(model_of(), scenario)
    d = median_durations(ctx.problem)
    hint = run_once(ctx.problem, d)
    weights = ctx.weights()
    opt = optimize(ctx.problem, d, weights, hint, time_limit_s=3)
    assert opt.status in ("OPTIMAL", "FEASIBLE")
    assert weighted_completion(opt.schedule, weights) <= weighted_completion(hint, weights)
    assert opt.bound <= weighted_completion(opt.schedule, weights) + 1e-6
    check(ctx, d, opt.schedule)
