"""Learning the pace (:mod:`blackstart.engine.pace`), the learning forecast, the
``forecast:`` section and the backtest's scoring (:mod:`blackstart.engine.backtest`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blackstart import api, planning
from blackstart.engine.backtest import Records, score
from blackstart.engine.forecast import Progress, forecast
from blackstart.engine.pace import (
    AT_LEAST,
    EXACT,
    Evidence,
    PacePrior,
    evidence_of,
    learn_pace,
)
from blackstart.errors import ModelError
from blackstart.model.load import load_data

from ._recovery_checks import steps, team, tiny

LOGNORMAL = {"lognormal": {"median": "1h", "p90": "2h"}}
SIGMA = np.log(2.0) / 1.2815515655446004  # the model's log-sd (median 1 h, p90 2 h)


def chain_model(n: int = 30, **prior: Any) -> dict[str, Any]:
    """``n`` independent applications, each a lognormal 1 h restart then a 10 min verify."""
    comps = {
        f"app{i}": {
            "kind": "application",
            "site": "dc",
            "recovery": steps(boot=None, restart=LOGNORMAL, verify="10min"),
        }
        for i in range(n)
    }
    data = tiny(comps, {"f": {"tier": "care", "requires": list(comps)}}, {"ops": team(n)})
    if prior:
        data["forecast"] = {"pace_prior": prior}
    return data


def restart_tasks(ctx: planning.Context) -> np.ndarray:
    return np.array(
        [i for i, lab in enumerate(ctx.problem.task_labels) if lab.endswith("/restart")]
    )


def test_posterior_matches_the_normal_normal_conjugate() -> None:
    """Lognormal durations of known σ, exact observations, only the overall factor free
    (team and action spreads 0), no contamination: log g | y is normal with precision
    1/τ² + n/σ² and mean τ_n²(μ0/τ² + Σ log(y_i/m)/σ²) (Gelman et al., BDA §2.5)."""
    ctx = planning.context(load_data(chain_model(12)), "s")
    tasks = restart_tasks(ctx)
    rng = np.random.default_rng(5)
    y = 60.0 * np.exp(np.log(1.7) + SIGMA * rng.standard_normal(len(tasks)))
    ev = Evidence(tasks, np.full(len(tasks), EXACT, np.int8), y)
    prior = PacePrior(median=1.2, p90=1.8, team_p90=1.0, action_p90=1.0, tail_df=np.inf)
    post = learn_pace(ctx.problem, ev, prior, seed=3, samples=20_000, contamination=0.0)
    tau = np.log(1.8 / 1.2) / 1.2815515655446004
    prec = 1 / tau**2 + len(y) / SIGMA**2
    mean = (np.log(1.2) / tau**2 + np.log(y / 60.0).sum() / SIGMA**2) / prec
    g = post.theta[:, 0]
    got_mean = float(np.sum(post.weights * g))
    got_sd = float(np.sqrt(np.sum(post.weights * (g - got_mean) ** 2)))
    assert got_mean == pytest.approx(mean, abs=0.02)
    assert got_sd == pytest.approx(prec**-0.5, rel=0.08)


def test_pace_one_truth_keeps_the_posterior_near_one() -> None:
    ctx = planning.context(load_data(chain_model(40)), "s")
    tasks = restart_tasks(ctx)
    y = 60.0 * np.exp(SIGMA * np.random.default_rng(1).standard_normal(len(tasks)))
    ev = Evidence(tasks, np.full(len(tasks), EXACT, np.int8), y)
    post = learn_pace(ctx.problem, ev, PacePrior(), seed=0).summary()
    overall = post["overall"]
    assert isinstance(overall, dict)
    assert 0.85 < overall["median"] < 1.18
    assert overall["p10"] < 1.0 < overall["p90"]


def test_no_evidence_gives_the_prior() -> None:
    ctx = planning.context(load_data(chain_model(3)), "s")
    ev = evidence_of(ctx.problem, 0, None, None)
    assert len(ev) == 0
    post = learn_pace(ctx.problem, ev, PacePrior(median=1.0, p90=1.5), seed=0, samples=20_000)
    # the prior's quantiles: a Student-t on the log scale with this median and p90
    s = post.factor_summary(post.theta[:, 0])
    assert s["median"] == pytest.approx(1.0, abs=0.02)
    assert s["p90"] == pytest.approx(1.5, rel=0.03)


def test_running_tasks_move_the_forecast() -> None:
    """Five restarts still running after 4 h (their model P90 is 2 h): censored
    observations that say the work is slow. The forecast of the rest moves later."""
    ctx = planning.context(load_data(chain_model(10)), "s")
    p = ctx.problem
    tasks = restart_tasks(ctx)
    started = np.full(p.n_tasks, -1, np.int64)
    started[tasks[:5]] = 60  # the failure ends at 60
    prog = Progress(as_of=60 + 240, started=started)
    ev = evidence_of(p, prog.as_of, None, started)
    assert ev.count(AT_LEAST) == 5 and len(ev) == 5
    post = learn_pace(p, ev, PacePrior(), seed=0)
    watch = np.array([v for _, v in ctx.function_nodes()], np.int64)
    plain = forecast(p, watch, runs=400, seed=2, progress=prog)
    learnt = forecast(p, watch, runs=400, seed=2, progress=prog, pace=post)
    overall = post.summary()["overall"]
    assert isinstance(overall, dict) and overall["p10"] > 1.2
    assert np.median(learnt.back[:, 0]) > np.median(plain.back[:, 0]) + 60


def test_same_seed_same_learnt_forecast() -> None:
    model = api.load(api.example_path())
    ctx = planning.context(model, "colo-power-cut")
    kw: dict[str, Any] = {
        "runs": 300,
        "as_of": "2024-08-04T12:00",
        "on_plan": True,
        "started": ["db-lis@2024-08-04T06:30"],
        "ctx": ctx,
    }
    a = planning.run_forecast(model, "colo-power-cut", seed=4, **kw).to_dict()
    b = planning.run_forecast(model, "colo-power-cut", seed=4, **kw).to_dict()
    c = planning.run_forecast(model, "colo-power-cut", seed=5, **kw).to_dict()
    for x in (a, b, c):
        x.pop("provenance")
    assert a == b
    assert a["pace"] != c["pace"]
    assert a["pace"]["learning"] and a["pace"]["evidence"]["done"] > 0


def test_forecast_section_is_validated() -> None:
    data = chain_model(2, median=1.5, p90=1.2)
    with pytest.raises(ModelError) as exc:
        load_data(data)
    assert any("p90" in p.message for p in exc.value.problems)
    data = chain_model(2, median=1.0, p09=1.2)
    with pytest.raises(ModelError) as exc:
        load_data(data)
    assert any(p.suggestion and "p90" in p.suggestion for p in exc.value.problems)
    ok = load_data(chain_model(2, median=1.1, p90=2.0))
    assert planning.pace_prior(ok) == PacePrior(1.1, 2.0, 1.15, 1.1)
    schema = api.json_schema()
    spec = schema["$defs"]["PacePriorSpec"]["properties"]
    assert set(spec) == {"median", "p90", "team_p90", "action_p90"}
    assert spec["p90"]["default"] == PacePrior().p90  # the documented default


def test_backtest_scores_a_hand_made_case() -> None:
    """Four forecasts of one group: truth 10, 20, 30, 40 h against the same band
    P50 = 25 h, P80 = 35 h, P95 = 45 h. Covered: P50 2 of 4, P80 3 of 4, P95 4 of 4; the
    one slip (40 > 35) happens with half the work done, so after a quarter too."""
    h = 60
    rec = Records(
        truth_id=np.array([0, 0, 1, 1]),
        as_of=np.array([0, 6 * h, 0, 6 * h]),
        group=np.zeros(4, np.int64),
        truth=np.array([10, 20, 30, 40]) * h,
        q=np.tile(np.array([25.0, 35.0, 45.0]) * h, (4, 1)),
        done_share=np.array([0.0, 0.1, 0.2, 0.5]),
    )
    s = score(rec)
    assert s["forecasts"] == 4
    assert (s["coverage_p50"], s["coverage_p80"], s["coverage_p95"]) == (0.5, 0.75, 1.0)
    assert s["p50_error_h"] == pytest.approx((15 + 5 + 5 + 15) / 4)
    assert s["p50_bias_h"] == pytest.approx((15 + 5 - 5 - 15) / 4)
    assert (s["slips"], s["slips_after_quarter"]) == (1, 1)
    assert s["sharpness_h"] == pytest.approx(20.0)
    assert score(rec, np.zeros(4, np.bool_)) == {"forecasts": 0}


def restore_model(n: int) -> dict[str, Any]:
    """``n`` databases whose restart fails with probability 0.2 (then a 4 h restore)."""
    rec = steps(boot=None, restart="30min", restore="4h", restart_fails=0.2, verify="10min")
    comps = {f"db{i}": {"kind": "database", "site": "dc", "recovery": rec} for i in range(n)}
    return tiny(comps, {"f": {"tier": "care", "requires": list(comps)}}, {"ops": team(n)})


def test_restart_failures_are_evidence() -> None:
    """Eight of ten restarts seen failing (restore started) against a model that says
    20 %: the odds factor's posterior rises well above 1, the two restarts seen to
    succeed need no restore, and the untouched components' restores become likelier."""
    ctx = planning.context(load_data(restore_model(14)), "s")
    p = ctx.problem
    idx = ctx.task_index()
    started = np.full(p.n_tasks, -1, np.int64)
    done = np.full(p.n_tasks, -1, np.int64)
    for i in range(10):
        done[idx[f"db{i}/restart"]] = 90
        started[idx[f"db{i}/restart"]] = 60
        if i < 8:
            started[idx[f"db{i}/restore"]] = 90  # failed: the restore runs
        else:
            started[idx[f"db{i}/verify"]] = 90  # succeeded: straight to verify
    ev = evidence_of(p, 120, done, started)
    assert len(ev.restore) == 10 and int(ev.failed.sum()) == 8
    post = learn_pace(p, ev, PacePrior(), seed=0)
    odds = post.summary()["restart_fails_odds"]
    assert isinstance(odds, dict) and odds["p10"] > 1.5
    prob = post.restore_prob(np.arange(len(post.weights)), p.task_prob)
    assert prob is not None
    assert (prob[:, idx["db0/restore"]] == 1).all() and (prob[:, idx["db9/restore"]] == 0).all()
    assert float(post.weights @ prob[:, idx["db12/restore"]]) > 0.3  # was 0.2


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 10_000),
            st.integers(0, 5_000),
            st.integers(0, 5_000),
            st.integers(0, 5_000),
            st.floats(0, 1),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_backtest_scores_are_consistent(rows: list[tuple[int, int, int, int, float]]) -> None:
    """For any band P50 ≤ P80 ≤ P95: coverages are shares, ordered; slips are the
    forecasts the P80 missed, those after a quarter of the work among them."""
    truth = np.array([r[0] for r in rows])
    q = np.cumsum(np.array([[r[1], r[2], r[3]] for r in rows], np.float64), axis=1)
    share = np.array([r[4] for r in rows])
    n = len(rows)
    rec = Records(np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64),
                  truth, q, share)  # fmt: skip
    s = score(rec)
    assert 0 <= s["coverage_p50"] <= s["coverage_p80"] <= s["coverage_p95"] <= 1
    assert s["slips"] == round((1 - s["coverage_p80"]) * n)
    assert 0 <= s["slips_after_quarter"] <= s["slips"]
    assert s["sharpness_h"] >= 0
