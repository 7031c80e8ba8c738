"""Monte Carlo accuracy of the forecast's quantiles (:mod:`blackstart.engine.accuracy`):
the estimated standard error against the asymptotic formula ``sqrt(p(1-p)/n) / f(x_p)``
(Serfling 1980, §2.3.3) on distributions with a known density, the coverage of the
intervals it implies, and what the forecast shows."""

from __future__ import annotations

import doctest
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from blackstart import planning
from blackstart.cli.app import app
from blackstart.engine import accuracy
from blackstart.engine.accuracy import quantile_accuracy

from .test_forecast_oracles import saas, write_model

LEVELS = (0.5, 0.8, 0.95)


def test_doctest() -> None:
    assert doctest.testmod(accuracy).failed == 0


@pytest.mark.parametrize(
    "dist", [stats.expon(scale=90), stats.gamma(a=3, scale=40), stats.uniform(0, 600)],
    ids=["exponential", "gamma", "uniform"],
)  # fmt: skip
def test_standard_error_matches_the_asymptotic_formula(dist: stats.rv_continuous) -> None:
    """Averaged over 40 independent samples of 20 000 runs (relative spread of the mean
    estimate about 1.5 %), within 8 % of ``sqrt(p(1-p)/n) / f(x_p)``."""
    rng = np.random.default_rng(7)
    n = 20_000
    samples = dist.rvs(size=(n, 40), random_state=rng)
    se = quantile_accuracy(samples, LEVELS).standard_error.mean(axis=1)
    for p, got in zip(LEVELS, se, strict=True):
        exact = math.sqrt(p * (1 - p) / n) / dist.pdf(dist.ppf(p))
        assert got == pytest.approx(exact, rel=0.08), p


def test_intervals_cover_the_true_quantile() -> None:
    """``q̂ ± 1.96 se`` holds the true quantile in about 95 % of 400 experiments (binomial
    standard deviation of the share 1.1 %; 5σ bounds)."""
    rng = np.random.default_rng(3)
    dist = stats.lognorm(s=0.6, scale=120)
    samples = dist.rvs(size=(4000, 400), random_state=rng)
    se = quantile_accuracy(samples, LEVELS).standard_error
    for i, p in enumerate(LEVELS):
        est = np.quantile(samples, p, axis=0)
        share = float((np.abs(est - dist.ppf(p)) <= 1.96 * se[i]).mean())
        assert 0.95 - 5 * 0.011 <= share <= 1.0, (p, share)


def test_runs_for_a_precision_scale_as_the_square() -> None:
    samples = np.arange(10_000, dtype=np.float64).reshape(-1, 1)
    acc = quantile_accuracy(samples, (0.5,))
    se = float(acc.standard_error[0, 0])
    assert se == pytest.approx(math.sqrt(0.25 / 10_000) * 10_000, rel=0.01)  # f = 1e-4
    assert acc.runs_for(se / 3) == pytest.approx(90_000, rel=0.001)
    assert acc.runs_for(se * 3) == 10_000  # never fewer than made
    assert acc.warning(se * 2) is None
    assert "needs about" in str(acc.warning(se / 2))


def test_too_few_runs_to_bound_a_tail_quantile() -> None:
    """Ten runs: no pair of order statistics brackets the P95 at 95 %."""
    acc = quantile_accuracy(np.arange(10).reshape(-1, 1), LEVELS)
    assert math.isinf(acc.worst()[2]) and math.isinf(acc.worst()[1])  # P80 too
    assert math.isfinite(acc.worst()[0])
    assert acc.runs_for(1.0) is None
    shown = acc.summary(1.0)["standard_error_s"]
    assert shown == {"p50": pytest.approx(acc.worst()[0] * 60, abs=0.1), "p80": None, "p95": None}
    assert "too few to bound" in str(acc.warning(1.0))


def test_the_forecast_states_its_accuracy(tmp_path: Path) -> None:
    """One uniform step of 1000 min: the P50's standard error is 5 min at 10 000 runs
    (0.5 / 100 · 1000), 2.5 min at 40 000; the warning says so, in JSON and on screen."""
    model = write_model(
        tmp_path, {"a": saas(boot="10min..1010min")}, {"f": {"tier": "care", "requires": ["a"]}}
    )
    for runs in (10_000, 40_000):
        fc = planning.run_forecast(model, "s", runs=runs, seed=4, learn=False).to_dict()
        mc = fc["monte_carlo"]
        assert mc["levels"] == list(LEVELS) and mc["runs"] == runs and mc["resolution_s"] == 60
        for p in LEVELS:
            exact = math.sqrt(p * (1 - p) / runs) * 1000 * 60
            assert mc["standard_error_s"][f"p{round(100 * p)}"] == pytest.approx(exact, rel=0.35)
        assert mc["too_few_runs"] is True
        assert mc["runs_for_resolution"] == pytest.approx(250_000, rel=0.7)  # (5 min)² · 10⁴
        assert any("too few for times to the minute" in w for w in fc["warnings"])
    res = CliRunner().invoke(app, ["forecast", str(tmp_path / "model.yaml"), "-s", "s",
                                   "--runs", "2000"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "2000 runs are too few for times to the minute" in " ".join(res.output.split())


def test_a_certain_forecast_has_no_monte_carlo_error(tmp_path: Path) -> None:
    model = write_model(
        tmp_path, {"a": saas(boot="45min")}, {"f": {"tier": "care", "requires": ["a"]}}
    )
    fc = planning.run_forecast(model, "s", runs=500, seed=4, learn=False).to_dict()
    assert fc["monte_carlo"]["standard_error_s"] == {"p50": 0.0, "p80": 0.0, "p95": 0.0}
    assert fc["monte_carlo"]["too_few_runs"] is False
    assert fc["warnings"] == []
