"""The pace posterior against independent oracles: the multivariate normal–normal
conjugate posterior (several teams), a Student-t prior by quadrature, the exact model's
first forecast in closed form, and the backtest's count of work done."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import integrate, optimize, stats

from blackstart import planning
from blackstart.engine.backtest import done_work
from blackstart.engine.forecast import forecast
from blackstart.engine.pace import EXACT, Evidence, PacePrior, evidence_of, learn_pace
from blackstart.model.load import load_data

from ._recovery_checks import steps, team, tiny

Z90 = stats.norm.ppf(0.9)
LOGNORMAL = {"lognormal": {"median": "1h", "p90": "2h"}}
SIGMA = np.log(2.0) / Z90


def two_team_model(n: int) -> dict[str, Any]:
    """``n`` applications restarted by team ``apps`` and ``n`` databases by ``dba``,
    each restart lognormal (median 1 h, p90 2 h)."""
    comps: dict[str, Any] = {}
    for i in range(n):
        for kind, skill in (("app", "apps"), ("db", "dba")):
            comps[f"{kind}{i}"] = {
                "kind": "application",
                "site": "dc",
                "recovery": steps(skill=skill, boot=None, restart=LOGNORMAL, verify="10min"),
            }
    teams = {"apps": team(n, skills=("apps",)), "dba": team(n, skills=("dba",))}
    return tiny(comps, {"f": {"tier": "care", "requires": list(comps)}}, teams)


def restarts(ctx: planning.Context, prefix: str) -> np.ndarray:
    labels = ctx.problem.task_labels
    return np.array(
        [i for i, lab in enumerate(labels) if lab.startswith(prefix) and lab.endswith("/restart")]
    )


def test_team_paces_match_the_multivariate_conjugate_posterior() -> None:
    """Normal priors (``tail_df = inf``), exact lognormal observations of two teams, one
    three times slower: ``log(y/m) = g + t_team + σε`` is a linear model, and the
    posterior of ``(g, t_apps, t_dba)`` is normal with precision ``XᵀX/σ² + P0`` and mean
    ``Σ(Xᵀz/σ² + P0 μ0)`` (Gelman et al., BDA §14.8). The importance sampler's weighted
    means and spreads of the team paces must agree."""
    ctx = planning.context(load_data(two_team_model(6)), "s")
    apps, dba = restarts(ctx, "app"), restarts(ctx, "db")
    rng = np.random.default_rng(11)
    za = np.log(1.2) + SIGMA * rng.standard_normal(len(apps))
    zb = np.log(3.0) + SIGMA * rng.standard_normal(len(dba))
    ev = Evidence(
        np.concatenate([apps, dba]),
        np.full(len(apps) + len(dba), EXACT, np.int8),
        60.0 * np.exp(np.concatenate([za, zb])),
    )
    prior = PacePrior(median=1.0, p90=1.5, team_p90=1.3, action_p90=1.0, tail_df=np.inf)
    post = learn_pace(ctx.problem, ev, prior, seed=2, samples=4000, contamination=0.0)
    tg, tt = np.log(1.5) / Z90, np.log(1.3) / Z90
    x = np.array([[1, 1, 0]] * len(apps) + [[1, 0, 1]] * len(dba), np.float64)
    p0 = np.diag([1 / tg**2, 1 / tt**2, 1 / tt**2])
    cov = np.linalg.inv(x.T @ x / SIGMA**2 + p0)
    mean = cov @ (x.T @ np.concatenate([za, zb]) / SIGMA**2)
    j = {name: 1 + k for k, name in enumerate(ctx.problem.team_names)}
    th = post.theta
    for combo, col in ((np.array([1, 1, 0]), j["apps"]), (np.array([1, 0, 1]), j["dba"])):
        got = th[:, 0] + th[:, col]
        m = float(post.weights @ got)
        s = float(np.sqrt(post.weights @ (got - m) ** 2))
        assert m == pytest.approx(combo @ mean, abs=0.03)
        assert s == pytest.approx(float(np.sqrt(combo @ cov @ combo)), rel=0.12)
    assert post.ess > 0.25 * 4000


def test_student_t_prior_matches_quadrature() -> None:
    """Only the overall factor free, a Student-t prior (3 degrees of freedom, truncated at
    ×10), three observations 2.5 times the model's median: the posterior mean and spread
    of ``g`` by one-dimensional quadrature of prior × likelihood."""
    ctx = planning.context(load_data(two_team_model(2)), "s")
    tasks = np.concatenate([restarts(ctx, "app"), restarts(ctx, "db")])[:3]
    z = np.log(2.5) + SIGMA * np.array([0.3, -0.5, 0.1])
    ev = Evidence(tasks, np.full(3, EXACT, np.int8), 60.0 * np.exp(z))
    prior = PacePrior(median=1.0, p90=1.2, team_p90=1.0, action_p90=1.0, tail_df=3.0)
    post = learn_pace(ctx.problem, ev, prior, seed=4, samples=8000, contamination=0.0)
    scale = np.log(1.2) / stats.t.ppf(0.9, 3.0)
    lim = np.log(10.0)

    def dens(g: float) -> float:
        like = np.prod(stats.norm.pdf(z, loc=g, scale=SIGMA))
        return float(stats.t.pdf(g / scale, 3.0) * like)

    mass = integrate.quad(dens, -lim, lim, points=[0.0, np.log(2.5)], limit=200)[0]
    m1 = integrate.quad(lambda g: g * dens(g), -lim, lim, points=[0.0, 0.9], limit=200)[0] / mass
    m2 = integrate.quad(lambda g: g * g * dens(g), -lim, lim, points=[0, 0.9], limit=200)[0] / mass
    g = post.theta[:, 0]
    got = float(post.weights @ g)
    assert got == pytest.approx(m1, abs=0.02)
    assert float(np.sqrt(post.weights @ (g - got) ** 2)) == pytest.approx(
        np.sqrt(m2 - m1 * m1), rel=0.1
    )
    tau = np.log(1.2) / Z90  # a normal prior of the same p90 would shrink harder
    normal_mean = (z.sum() / SIGMA**2) / (1 / tau**2 + 3 / SIGMA**2)
    assert m1 > 1.5 * normal_mean


def test_exact_model_p50_stays_and_p80_matches_the_closed_form() -> None:
    """One restart, lognormal (median 1 h, p90 2 h), after a 1 h failure, a team always
    there: the function is back at ``60 + D`` minutes. Under the default prior on the
    overall pace alone (median 1, symmetric on the log scale), ``log(πD)`` is symmetric
    about ``log 60``: the P50 stays at 120 min. The P80 solves
    ``∫ Φ((x − log 60 − g)/σ) f(g) dg = 0.8`` for the truncated Student-t ``f``."""
    data = tiny(
        {"a": {"kind": "application", "site": "dc", "recovery": steps(restart=LOGNORMAL)}},
        {"f": {"tier": "care", "requires": ["a"]}},
        {"ops": team(1)},
    )
    data["components"]["a"]["recovery"]["verify"] = None
    ctx = planning.context(load_data(data), "s")
    p = ctx.problem
    watch = np.array([v for _, v in ctx.function_nodes()], np.int64)
    prior = PacePrior(team_p90=1.0, action_p90=1.0)
    post = learn_pace(p, evidence_of(p, 0, None, None), prior, seed=0, samples=40_000)
    runs = 40_000
    plain = forecast(p, watch, runs=runs, seed=1).back[:, 0]
    learnt = forecast(p, watch, runs=runs, seed=1, pace=post).back[:, 0]
    se = 2.5 * np.sqrt(0.25 / runs) / (stats.norm.pdf(0) / (60 * SIGMA))  # minutes
    assert np.median(plain) == pytest.approx(120, abs=se + 1)
    assert np.median(learnt) == pytest.approx(120, abs=se + 1)
    scale = np.log(prior.p90) / stats.t.ppf(0.9, prior.tail_df)
    lim = np.log(prior.bound)
    mass = stats.t.cdf(lim / scale, prior.tail_df) - stats.t.cdf(-lim / scale, prior.tail_df)

    def cdf(x: float) -> float:
        def f(g: float) -> float:
            s = stats.norm.cdf((x - np.log(60) - g) / SIGMA)
            return float(s * stats.t.pdf(g / scale, prior.tail_df) / scale)

        return integrate.quad(f, -lim, lim, points=[0.0], limit=200)[0] / mass

    p80 = 60 + np.exp(optimize.brentq(lambda x: cdf(x) - 0.8, np.log(30), np.log(300)))
    got = float(np.quantile(learnt, 0.8))
    assert got == pytest.approx(p80, rel=0.02)
    base = float(np.quantile(plain, 0.8))
    assert 0 < got - base < 0.15 * (base - 60)  # a little wider: under 15 % of the step


def test_done_work_counts_staffed_minutes_up_to_each_length() -> None:
    """A team at work 08:00–18:00; minute 0 is Monday 09:00. A step started at 17:00
    and still running next day at 09:00 has worked 60 + 60 min; a step done in 100 min
    counts 100; a step not yet started 0; a running step never counts beyond its
    length."""
    data = tiny(
        {
            f"a{i}": {"kind": "application", "site": "dc", "recovery": steps(boot=None)}
            for i in range(4)
        },
        {"f": {"tier": "care", "requires": [f"a{i}" for i in range(4)]}},
        {"ops": team(4, hours="08:00-18:00")},
    )
    p = planning.context(load_data(data), "s").problem
    k = p.n_tasks
    start = np.full(k, 10**6, np.int64)
    end = np.full(k, 10**6 + 1, np.int64)
    dur = np.zeros(k, np.int64)
    start[0], end[0], dur[0] = 480, 3000, 300  # running at 1440: 17:00–18:00, 08:00–09:00
    start[1], end[1], dur[1] = 0, 100, 100  # done
    start[2], end[2], dur[2] = 1380, 1500, 30  # 08:00 start, capped at its 30 min
    assert done_work(p, start, end, dur, 1440) == pytest.approx(120 + 100 + 30)


def test_a_range_read_by_its_log_moments_learns_the_true_pace() -> None:
    """200 restarts of a uniform ``1h..3h`` seen at a true pace ×3 (lengths drawn from
    the uniform itself). The posterior of the overall pace must centre on the estimate
    ``exp(mean log y − E[log D])`` with the closed form ``E[log D] = (3 ln 3)/2 − 1``
    (hours, for U(1, 3)), within 1 %, and on 3 within its sampling error; reading the
    range by its median (2 h) would have centred it on ``3 · e^{E[log D]}/2 = 2.87``."""
    comps = {
        f"app{i}": {"kind": "application", "site": "dc",
                    "recovery": steps(boot=None, verify=None, restart="1h..3h")}
        for i in range(200)
    }  # fmt: skip
    data = tiny(comps, {"f": {"tier": "care", "requires": list(comps)}}, {"ops": team(200)})
    ctx = planning.context(load_data(data), "s")
    tasks = restarts(ctx, "app")
    y = 3.0 * np.random.default_rng(8).uniform(60.0, 180.0, len(tasks))
    ev = Evidence(tasks, np.full(len(tasks), EXACT, np.int8), y)
    prior = PacePrior(team_p90=1.0, action_p90=1.0)
    post = learn_pace(ctx.problem, ev, prior, seed=1, samples=4000, contamination=0.0)
    median = post.factor_summary(post.theta[:, 0])["median"]
    elog = np.log(60.0) + (3 * np.log(3.0)) / 2 - 1  # E[log D], D in minutes
    assert 3.0 * np.exp(elog) / 120.0 == pytest.approx(2.87, abs=0.01)
    estimate = float(np.exp(np.log(y).mean() - elog))
    assert median == pytest.approx(estimate, rel=0.01)
    sd = np.log(y / 3).std() / np.sqrt(len(y))
    assert abs(np.log(median / 3.0)) < 3 * sd
