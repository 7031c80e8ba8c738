"""The Monte Carlo forecast (:mod:`blackstart.engine.forecast`), duration sampling
(:mod:`blackstart.engine.durations`) and progress conditioning (``planning.progress_of``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pytest

from blackstart import api, planning
from blackstart.engine.durations import median_durations, sample_durations
from blackstart.engine.forecast import BLOCK, Progress, forecast
from blackstart.engine.schedule import ACTIONS, run_many, run_once
from blackstart.errors import UsageError
from blackstart.generate import generate_model
from blackstart.model.load import load_data
from blackstart.model.model import Model
from blackstart.model.recovery import recovery_of

from ._recovery_checks import assert_valid, steps, team, tiny


@cache
def example() -> Model:
    return api.load(api.example_path())


@cache
def example_ctx(scenario: str) -> planning.Context:
    return planning.context(example(), scenario)


def fixed_durations(data: dict[str, Any]) -> dict[str, Any]:
    """The same model with every recovery step at a fixed duration (its lower bound, or
    its median for a lognormal) and no restart ever failing."""
    model = load_data(data)
    for cid, comp in data["components"].items():
        rec = recovery_of(model, cid)
        fixed: dict[str, Any] = {"restart_fails": 0.0}
        for action in ACTIONS:
            d = getattr(rec, action)
            if d is not None:
                seconds = d.median if d.kind == "lognormal" else d.low
                fixed[action] = f"{int(seconds)}s"
        if comp.get("recovery", {}).get("skill"):
            fixed["skill"] = comp["recovery"]["skill"]
        comp["recovery"] = fixed
    return data


@cache
def fixed_model() -> Model:
    return load_data(fixed_durations(generate_model(1000, seed=4)))


def watch_functions(ctx: planning.Context) -> np.ndarray:
    return np.array([v for _, v in ctx.function_nodes()], np.int64)


# --------------------------------------------------------------------------- fixed durations


@pytest.mark.parametrize("scenario", ["colo-power-cut", "dc-fire"])
def test_fixed_durations_forecast_equals_the_plan(scenario: str) -> None:
    model = fixed_model()
    ctx = planning.context(model, scenario)
    p = ctx.problem
    assert set(np.unique(p.dist_kind).tolist()) == {0}  # all fixed
    plan = run_once(p, median_durations(p))
    watch = watch_functions(ctx)
    assert p.down[watch].sum() >= 3
    res = forecast(p, watch, runs=64, seed=3)
    assert res.fits.all()
    assert (res.back == plan.back[watch][None, :]).all()  # every run is the plan
    q = res.quantiles()
    assert np.array_equal(q[0], plan.back[watch])
    # and through the API, in calendar times
    planned = {
        f["id"]: f["restored_at"] for f in planning.plan(model, scenario).to_dict()["functions"]
    }
    fc = planning.run_forecast(model, scenario, runs=64, seed=5, ctx=ctx, learn=False).to_dict()
    assert {f["id"]: f["p50"] for f in fc["functions"]} == planned
    assert all(f["p50"] == f["p95"] for f in fc["functions"])


def restore_model(restart_fails: float) -> dict[str, Any]:
    rec = steps(boot=None, restart="30min", restore="2h", data_check="30min",
                verify="30min", restart_fails=restart_fails)  # fmt: skip
    return tiny(
        {"san": {"kind": "storage", "site": "dc", "recovery": rec}},
        {"f": {"tier": "vital", "requires": ["san"]}},
        {"ops": team(1)},
    )


@pytest.mark.parametrize(("restart_fails", "share"), [(0.0, 0.0), (0.5, 0.5), (1.0, 1.0)])
def test_restore_branch_is_drawn_with_its_probability(restart_fails: float, share: float) -> None:
    """Failure ends at 60: without restore the function is back at 60+30+30+30 = 150,
    with the 2 h restore at 270."""
    model = load_data(restore_model(restart_fails))
    ctx = planning.context(model, "s")
    res = forecast(ctx.problem, watch_functions(ctx), runs=2000, seed=11)
    values = res.back[:, 0]
    assert set(np.unique(values).tolist()) <= {150, 270}
    assert (values == 270).mean() == pytest.approx(share, abs=0.04)


# --------------------------------------------------------------------------- progress


def all_components(ctx: planning.Context) -> list[str]:
    return sorted({label.partition("/")[0] for label in ctx.problem.task_labels})


@pytest.mark.parametrize("scenario", ["colo-power-cut", "colo-site-loss", "carrier-a-outage"])
def test_everything_done_as_of_t_gives_t(scenario: str) -> None:
    ctx = example_ctx(scenario)
    after = ctx.scenario.duration_min + 7 * 60
    fc = planning.run_forecast(
        example(), scenario, runs=200, seed=1, as_of=f"+{after}min",
        done=all_components(ctx), ctx=ctx,
    ).to_dict()  # fmt: skip
    t = ctx.iso(after)
    assert fc["as_of"] == t
    down = [f for f in fc["functions"] if f["was_down"]]
    assert down
    for f in down:
        assert (f["p50"], f["p80"], f["p95"]) == (t, t, t), f["id"]
    for tier, band in fc["tiers"].items():
        if any(f["tier"] == tier for f in down):
            assert band == {"p50": t, "p80": t, "p95": t}


def test_everything_done_on_a_generated_model() -> None:
    model = load_data(generate_model(1000, seed=2))
    ctx = planning.context(model, "colo-operator-down")
    p = ctx.problem
    t = ctx.scenario.duration_min + 600
    prog = Progress(as_of=t, done_end=np.full(p.n_tasks, t, np.int64))
    watch = watch_functions(ctx)
    res = forecast(p, watch, runs=32, seed=0, progress=prog)
    down = p.down[watch]
    assert down.sum() > 0
    assert (res.back[:, down] == t).all()
    assert (res.back[:, ~down] == 0).all()


def test_nothing_starts_before_as_of() -> None:
    """With progress known at T, every step not done or started starts at T or later;
    the rest of the invariants still hold."""
    ctx = example_ctx("colo-power-cut")
    p = ctx.problem
    prog = planning.progress_of(ctx, "+20h", ["colo-power-distribution", "colo-cage-pdu-a@+5h"], [])
    done = prog.done_end >= 0
    assert done.sum() >= 3
    d = median_durations(p)
    sched = run_once(p, d, fixed_start=prog.started, fixed_end=prog.done_end,
                     not_before=prog.as_of)  # fmt: skip
    todo = ~done & (d > 0)
    assert (sched.start[todo] >= 20 * 60).all()
    assert (sched.end[done] == prog.done_end[done]).all()
    # as-of alone: nothing done, the plan is shifted past T and remains valid
    bare = run_once(p, d, not_before=20 * 60)
    assert_valid(ctx.model, ctx.scenario, p, bare, d, node_of=ctx.graph.index,
                 not_before=20 * 60)  # fmt: skip


@pytest.mark.parametrize(
    ("dist", "elapsed", "low", "high"),
    [
        ("30min..90min", 60, 61, 90),  # uniform: the tail above 60
        ("30min", 45, 46, 46),  # fixed, overrun: at least one more minute
        ("30min..1h..3h", 150, 151, 180),  # triangular
        ({"lognormal": {"median": "1h", "p90": "3h"}}, 240, 241, 10**9),
    ],
)
def test_conditioned_durations_never_end_before_as_of(
    dist: Any, elapsed: int, low: int, high: int
) -> None:
    data = tiny(
        {"app": {"kind": "application", "site": "dc", "recovery": steps(restart=dist)}},
        {"f": {"tier": "care", "requires": ["app"]}},
    )
    model = load_data(data)
    ctx = planning.context(model, "s")
    p = ctx.problem
    k = ctx.task_index()["app/restart"]
    el = np.full(p.n_tasks, -1, np.int64)
    el[k] = elapsed
    d = sample_durations(p, np.random.default_rng(0), 3000, elapsed=el)
    assert d[:, k].min() >= low and d[:, k].max() <= high
    if low < high:
        assert len(np.unique(d[:, k])) > 5  # a distribution, not a constant
    # the forecast: started at 80 (after the failure end), known at 80 + elapsed
    as_of = 80 + elapsed
    prog = planning.progress_of(ctx, f"+{as_of}min", [], ["app/restart@+80min"])
    assert prog.started[k] == 80
    node = ctx.graph.index["component:app"]
    res = forecast(p, np.array([node]), runs=500, seed=2, progress=prog)
    verify = float(p.dist_params[ctx.task_index()["app/verify"], 0])
    assert res.back.min() >= as_of + 1 + verify  # restart ends after as_of, then verify


# --------------------------------------------------------------------------- determinism


def payload_numbers(report: planning.ForecastReport) -> dict[str, Any]:
    d = report.to_dict()
    return {k: d[k] for k in ("functions", "tiers", "all", "runs_beyond_horizon")}


def test_same_seed_same_numbers_other_seed_other_numbers() -> None:
    ctx = example_ctx("colo-power-cut")
    a = planning.run_forecast(example(), "colo-power-cut", runs=400, seed=42, ctx=ctx)
    b = planning.run_forecast(example(), "colo-power-cut", runs=400, seed=42, ctx=ctx)
    c = planning.run_forecast(example(), "colo-power-cut", runs=400, seed=43, ctx=ctx)
    assert payload_numbers(a) == payload_numbers(b)
    assert payload_numbers(a) != payload_numbers(c)
    assert a.to_dict()["seed"] == 42 and a.to_dict()["provenance"]["settings"]["seed"] == 42


def test_runs_are_a_prefix_of_more_runs() -> None:
    """Blocks are seeded independently, so 300 runs are the first 300 of 1500."""
    ctx = example_ctx("colo-power-cut")
    watch = watch_functions(ctx)
    short = forecast(ctx.problem, watch, runs=300, seed=9)
    long = forecast(ctx.problem, watch, runs=BLOCK + 476, seed=9)
    assert np.array_equal(short.back, long.back[:300])
    other = forecast(ctx.problem, watch, runs=300, seed=10)
    assert not np.array_equal(short.back, other.back)


def test_run_many_is_independent_of_chunks_and_matches_run_once() -> None:
    ctx = example_ctx("colo-site-loss")
    p = ctx.problem
    watch = watch_functions(ctx)
    durations = sample_durations(p, np.random.default_rng(5), 23)
    reference, ok = run_many(p, durations, watch, chunks=1)
    assert ok.all()
    for chunks in (2, 5, 23, None):
        out, ok2 = run_many(p, durations, watch, chunks=chunks)
        assert np.array_equal(out, reference), chunks
        assert np.array_equal(ok, ok2)
    for r in (0, 11, 22):
        assert np.array_equal(run_once(p, durations[r]).back[watch], reference[r])


def test_quantiles_and_probabilities() -> None:
    ctx = example_ctx("colo-power-cut")
    fc = planning.run_forecast(example(), "colo-power-cut", runs=500, seed=0, ctx=ctx).to_dict()
    assert fc["runs_beyond_horizon"] == 0
    for f in fc["functions"]:
        assert f["p50"] <= f["p80"] <= f["p95"]  # same offset: ISO strings sort as times
        for key in ("rto_breach_probability", "degraded_mode_exhaustion_probability"):
            assert f[key] is None or 0.0 <= f[key] <= 1.0
        if not f["was_down"]:
            assert f["p95"] == fc["start"]
            assert f["rto_breach_probability"] in (None, 0.0)
        if f["rto_s"] is None:
            assert f["rto_breach_probability"] is None


def test_done_component_is_back_when_done() -> None:
    """Power then app, both on the failed site (failure ends at 60). As of +5h the app is
    reported done: it is back at +5h, so is the function."""
    data = tiny(
        {
            "power": {"kind": "other", "site": "dc", "recovery": steps(restart="30min",
                                                                        verify="30min")},
            "app": {"kind": "other", "site": "dc", "requires": ["power"],
                    "recovery": steps(restart="30min", verify="30min")},
        },
        {"f": {"tier": "care", "requires": ["app"]}},
    )  # fmt: skip
    model = load_data(data)
    ctx = planning.context(model, "s")
    fc = planning.run_forecast(model, "s", runs=10, as_of="+5h", done=["app"], ctx=ctx)
    f = fc.to_dict()["functions"][0]
    assert f["p50"] == ctx.iso(300)  # actual: 06:00 later, power redone after as-of


def test_started_component_means_its_first_step() -> None:
    """Restart started at 70 (known at 80): restart 70-100, data check 100-130, verify
    130-160; the restore never happens (restart_fails 0)."""
    model = load_data(restore_model(0.0))
    ctx = planning.context(model, "s")
    watch = watch_functions(ctx)
    for started in ("san/restart@+70min", "san@+70min"):
        prog = planning.progress_of(ctx, "+80min", [], [started])
        res = forecast(ctx.problem, watch, runs=50, seed=0, progress=prog)
        assert set(res.back[:, 0].tolist()) == {160}, started


def test_runs_must_be_positive() -> None:
    with pytest.raises(UsageError):
        planning.run_forecast(example(), "colo-power-cut", runs=0)
