"""Work that spans shifts: a step handed over to the next shift, per step or per team,
in the list scheduler (the Monte Carlo forecast's) and in the CP-SAT plan.

The oracle is a hand-made calendar: one person 08:00-18:00 on weekdays, one on call all
weekend (Sat 00:00 - Mon 00:00, the only stretch longer than 10 h), nobody on weeknights.
The scenario starts Monday 5 August 2024 09:00 (minute 0) and its failure ends at 10:00;
the restart (30 min) ends at 10:30 (minute 90), when the 16 h verify is ready. By hand:

- handed over with cost ``h`` (``h < 450``): Mon 10:30-18:00 is 450 min; the rest,
  ``960 - 450 + h``, from Tue 08:00 (minute 1380): when ``510 + h <= 600`` it ends at
  ``1380 + 510 + h``; for ``h = 120`` the 630 min left do not fit Tuesday, whose 600 min
  leave ``30 + 120``: it ends Wed 08:00 (minute 2820) + 150;
- not handed over: it waits for the weekend stretch, Sat 00:00 (minute 6660), and ends
  Sat 16:00 (minute 7620).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from blackstart import planning
from blackstart.engine.durations import median_durations
from blackstart.engine.optimize import optimize
from blackstart.engine.schedule import run_once
from blackstart.errors import ModelError
from blackstart.model.load import load_data

from ._recovery_checks import assert_valid, steps, team, tiny

READY = 90
TUE_0800, WED_0800, SAT_0000 = 1380, 2820, 6660
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def office(handover: Any = "30min") -> dict[str, Any]:
    t = team(1, hours="08:00-18:00", days=WEEKDAYS, weekend=1)
    t["handover"] = handover
    return t


def model_data(verify: str = "16h", step_handover: Any = None, team_handover: Any = "30min") -> Any:
    rec = steps(restart="30min", verify=verify)
    if step_handover is not None:
        rec["handover"] = step_handover
    return tiny(
        {"app": {"kind": "application", "site": "dc", "recovery": rec}},
        {"f": {"tier": "care", "requires": ["app"]}},
        {"ops": office(team_handover)},
    )


def plan_of(data: Any) -> tuple[planning.Context, Any]:
    ctx = planning.context(load_data(data), "s")
    d = median_durations(ctx.problem)
    sched = run_once(ctx.problem, d)
    assert_valid(ctx.model, ctx.scenario, ctx.problem, sched, d, node_of=ctx.graph.index)
    return ctx, sched


def verify_end(ctx: planning.Context, sched: Any) -> int:
    return int(sched.end[ctx.task_index()["app/verify"]])


def closed_form(h: int | None) -> int:
    """The verify's end by hand (module docstring)."""
    if h is None:
        return SAT_0000 + 960
    left = 960 - 450 + h  # Monday 10:30-18:00 is 450 min
    if left <= 600:
        return TUE_0800 + left
    return WED_0800 + left - 600 + h


@pytest.mark.parametrize("h", [0, 30, 90, 120])
def test_handed_over_step_ends_as_computed_by_hand(h: int) -> None:
    ctx, sched = plan_of(model_data(team_handover=f"{h}min"))
    k = ctx.task_index()["app/verify"]
    assert verify_end(ctx, sched) == closed_form(h)
    pieces = sched.pieces_of(k)
    assert pieces[0] == (READY, 600 - 60)  # Mon 10:30-18:00
    assert pieces[1][0] == TUE_0800
    assert len(pieces) == (2 if h <= 90 else 3)


@pytest.mark.parametrize(
    ("step_handover", "team_handover", "h"),
    [
        ("45min", "30min", 45),  # the step's cost wins over the team's
        ({"verify": "1h"}, "30min", 60),  # per step
        ({"restart": False}, "20min", 20),  # another step forbidden: the team's cost
        ("30min", False, 30),  # the step may although its team never does
        (False, "30min", None),  # the step may not
        ({"verify": False}, "30min", None),
        (None, False, None),  # the team never hands over
    ],
)
def test_step_setting_over_team_default(
    step_handover: Any, team_handover: Any, h: int | None
) -> None:
    ctx, sched = plan_of(model_data(step_handover=step_handover, team_handover=team_handover))
    assert verify_end(ctx, sched) == closed_form(h)
    if h is None:  # waited for the weekend, in one piece
        k = ctx.task_index()["app/verify"]
        assert sched.pieces_of(k) == [(SAT_0000, SAT_0000 + 960)]


def test_forecast_agrees_with_the_plan() -> None:
    """Fixed durations: every Monte Carlo run is the hand-computed schedule."""
    for setting, h in (("30min", 30), (False, None)):
        model = load_data(model_data(step_handover=setting))
        fc = planning.run_forecast(model, "s", runs=50, learn=False).to_dict()
        [f] = [r for r in fc["functions"] if r["id"] == "f"]
        ctx = planning.context(model, "s")
        assert f["p50"] == f["p95"] == ctx.iso(closed_form(h))


def test_no_long_enough_stretch_and_no_handover_is_beyond_the_horizon() -> None:
    """A 60 h step that may not be handed over fits in no stretch of the calendar."""
    ctx = planning.context(load_data(model_data(verify="60h", step_handover=False)), "s")
    sched = run_once(ctx.problem, median_durations(ctx.problem))
    assert sched.beyond_horizon
    ctx, sched = plan_of(model_data(verify="60h"))
    assert not sched.beyond_horizon


@pytest.mark.parametrize("h", [30, 120])
def test_cp_sat_finds_the_split_by_itself(h: int) -> None:
    """CP-SAT, hinted with the schedule that waits for the weekend, finds the
    hand-computed split and proves it optimal; its pieces pass the checker."""
    allowed = planning.context(load_data(model_data(team_handover=f"{h}min")), "s")
    forbidden = planning.context(load_data(model_data(step_handover=False)), "s")
    d = median_durations(allowed.problem)
    hint = run_once(forbidden.problem, d)
    k = allowed.task_index()["app/verify"]
    assert hint.end[k] == closed_form(None)
    opt = optimize(allowed.problem, d, allowed.weights(), hint, time_limit_s=10)
    assert opt.status == "OPTIMAL"
    assert opt.schedule.end[k] == closed_form(h)
    assert len(opt.schedule.pieces_of(k)) == (2 if h <= 90 else 3)
    assert_valid(
        allowed.model, allowed.scenario, allowed.problem, opt.schedule, d,
        node_of=allowed.graph.index,
    )  # fmt: skip
    # and where the step may not be handed over, CP-SAT keeps it whole
    opt = optimize(forbidden.problem, d, forbidden.weights(), hint, time_limit_s=10)
    assert opt.schedule.end[k] == closed_form(None)
    assert opt.schedule.pieces_of(k) == [(SAT_0000, SAT_0000 + 960)]


# --------------------------------------------------------------------------- property


calendars = st.fixed_dictionaries(
    {
        "open": st.integers(0, 14),
        "length": st.integers(1, 10),
        "days": st.lists(st.sampled_from([*WEEKDAYS, "sat", "sun"]), min_size=1, unique=True),
        "weekend": st.integers(0, 1),
        "night": st.sampled_from([0, 0, 1]),
    }
)


def chain_model(cal: dict[str, Any], durations: list[int], handover: Any) -> Any:
    close = min(24, cal["open"] + cal["length"])
    hours = f"{cal['open']:02d}:00-{close:02d}:00"
    t = team(1, hours=hours, days=cal["days"], weekend=cal["weekend"], night=cal["night"])
    t["handover"] = handover
    names = ("restart", "data_check", "verify")
    rec = steps(**{a: f"{m}min" for a, m in zip(names, durations, strict=False)})
    return tiny(
        {"app": {"kind": "application", "site": "dc", "recovery": rec}},
        {"f": {"tier": "care", "requires": ["app"]}},
        {"ops": t},
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cal=calendars,
    durations=st.lists(st.integers(10, 30 * 60), min_size=1, max_size=3),
    h=st.integers(0, 12 * 60),
)
def test_handover_never_ends_a_chain_later(
    cal: dict[str, Any], durations: list[int], h: int
) -> None:
    """Property: for one component whose manual steps one person of one team does, under
    any weekly calendar and any handover cost ``h >= 0``, the component is back no later
    when its steps may be handed over than when they may not (which waits for stretches
    long enough for each step); and exactly when they may not if ``h`` is at least the
    team's longest staffed stretch (no piece would be worth its handover). The list
    scheduler's schedule and CP-SAT's (hinted with the schedule that does not hand over)
    pass the checker, and CP-SAT ends the chain exactly when the list scheduler does
    (its greedy is optimal for one chain)."""
    allowed = planning.context(load_data(chain_model(cal, durations, f"{h}min")), "s")
    forbidden = planning.context(load_data(chain_model(cal, durations, False)), "s")
    d = median_durations(allowed.problem)
    with_h = run_once(allowed.problem, d)
    without = run_once(forbidden.problem, d)
    v = allowed.graph.index["component:app"]
    if with_h.beyond_horizon:
        assert without.beyond_horizon
        return
    assert_valid(allowed.model, allowed.scenario, allowed.problem, with_h, d,
                 node_of=allowed.graph.index)  # fmt: skip
    if not without.beyond_horizon:
        assert_valid(forbidden.model, forbidden.scenario, forbidden.problem, without, d,
                     node_of=forbidden.graph.index)  # fmt: skip
        assert with_h.back[v] <= without.back[v]
    cap = allowed.problem.capacity[0]
    staffed = np.concatenate([[0], (cap > 0).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(staffed))
    longest = int((edges[1::2] - edges[0::2]).max())
    if h >= longest:
        assert with_h.pieces is not None and len(with_h.pieces) == 0
        assert without.beyond_horizon or with_h.back[v] == without.back[v]
    event(f"pieces {len(with_h.pieces) // 2 if with_h.pieces is not None else 0}")
    hint = without if not without.beyond_horizon else with_h
    if max(len(with_h.pieces_of(k)) for k in range(allowed.problem.n_tasks)) > 6:
        return  # more pieces than the CP-SAT model is given room for
    opt = optimize(allowed.problem, d, allowed.weights(), hint, time_limit_s=5)
    event(f"cp-sat {opt.status}")
    if opt.status == "OPTIMAL":
        assert opt.schedule.back[v] == with_h.back[v]
        assert_valid(allowed.model, allowed.scenario, allowed.problem, opt.schedule, d,
                     node_of=allowed.graph.index)  # fmt: skip


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("where", "value", "facts", "suggestion"),
    [
        ("step", True, ("handover: true is not a cost", "false"), None),
        ("team", True, ("handover: true is not a cost",), None),
        ("step", "2 hours", ("unknown unit 'hours'",), None),
        ("step", {"verfy": "1h"}, ("unknown key 'verfy'",), "did you mean 'verify'"),
        ("step", {"boot": "1h"}, ("handover of 'boot'", "runs by itself"), None),
        ("step", {"restore": False}, ("handover of 'restore'",), None),
        ("team", "-5min", ("cannot read duration '-5min'",), None),
    ],
)
def test_bad_handover_names_file_line_and_key(
    tmp_path: Any, where: str, value: Any, facts: tuple[str, ...], suggestion: str | None
) -> None:
    import yaml

    from blackstart.model.load import load_model

    data = model_data(step_handover=value if where == "step" else None,
                      team_handover=value if where == "team" else "30min")  # fmt: skip
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(ModelError) as info:
        load_model(path)
    # (an invalid team also leaves its skill unknown: that consequence is reported too)
    [p] = [x for x in info.value.problems if "handover" in (x.key or "")]
    assert p.file == "m.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    section = lines.index("components:" if where == "step" else "teams:")
    at = next(i for i in range(section, len(lines)) if lines[i].strip().startswith("handover:"))
    # a scalar is located on the handover line, a mapping at its first key (next line)
    assert p.line == at + 1 + (1 if isinstance(value, dict) else 0)
    key = "components.app.recovery.handover" if where == "step" else "teams.ops.handover"
    assert p.key is not None and p.key.startswith(key)
    for fact in facts:
        assert fact in p.message, (fact, p.message)
    if suggestion is not None:
        assert p.suggestion is not None and suggestion in p.suggestion


@pytest.mark.parametrize(("setting", "end"), [("30min", TUE_0800 + 120 + 30), (False, 660)])
def test_step_in_progress_at_the_end_of_the_shift(setting: Any, end: int) -> None:
    """A 3 h verify started Monday 17:00 (minute 480), an hour before the shift ends: handed
    over, its last 2 h plus the handover are worked Tuesday from 08:00; if it may not be
    handed over, the person who started it works it through to 20:00 (minute 660)."""
    ctx = planning.context(load_data(model_data(verify="3h", step_handover=setting)), "s")
    p = ctx.problem
    k = ctx.task_index()["app/verify"]
    fixed_start = np.full(p.n_tasks, -1, np.int64)
    fixed_end = np.full(p.n_tasks, -1, np.int64)
    fixed_start[k] = 480
    r = ctx.task_index()["app/restart"]
    fixed_start[r], fixed_end[r] = 90, 120
    d = median_durations(p)
    sched = run_once(p, d, fixed_start=fixed_start, fixed_end=fixed_end)
    assert (sched.start[k], sched.end[k]) == (480, end)
    expected = [(480, 540), (TUE_0800, end)] if setting else [(480, 660)]
    assert sched.pieces_of(k) == expected
