"""Learning the pace of an incident: how much slower (or faster) the work runs than the
model says, from the evidence of the incident so far.

Owns the pace model, its prior, the evidence it reads from a :class:`Progress`, and the
posterior as weighted samples. Does not sample durations or schedule: the forecast draws
one posterior pace vector per run and scales the remaining durations with it
(:mod:`blackstart.engine.forecast`).

Model. A task ``k`` of team ``j`` and action ``a`` really lasts ``Y_k = π_k · D_k``, where
``D_k`` is the model's duration distribution and ``π_k = exp(g + t_j + s_a)`` a pace
factor: ``g`` overall, ``t_j`` per team, ``s_a`` per action (boot, restart, …).
Independent normal priors on the log-pace, ``g ~ N(log m, σ_g²)``, ``t_j ~ N(0, σ_t²)``,
``s_a ~ N(0, σ_s²)``, make each factor lognormal and the task pace lognormal with
``σ² = σ_g² + σ_t² + σ_s²``: the hierarchical (random-effects) lognormal of Gelman et
al., *Bayesian Data Analysis*, 3rd ed., 2013, ch. 5, with the group scales fixed by the
model's ``forecast:`` section rather than learnt.

Likelihood (Klein & Moeschberger, *Survival Analysis*, 2nd ed., 2003, §3.5): a task done
with a known start and end contributes the density of ``Y``, ``f_D(y/π)/π``; a task
running for ``e`` minutes contributes the survival ``S_D(e/π)`` (right-censored: it
lasted *at least* ``e``); a task done ``u`` minutes after the previous step of its
component, start unknown, contributes ``F_D(u/π)`` (left-censored: *at most* ``u``).
Each term is a mixture ``(1-ε)·model + ε·broad`` with a broad lognormal around the
model's median (σ = :data:`BROAD_SIGMA`): a contamination model (Box & Tiao, "A Bayesian
approach to some outlier problems", Biometrika 55, 1968), so that one observation outside
a bounded range (uniform, triangular) cannot zero the posterior. A fixed duration is read
as a lognormal of spread :data:`FIXED_SIGMA` around it for the likelihood only.

Posterior. Adaptive importance sampling (population Monte Carlo, Cappé, Guillin, Marin &
Robert, J. Comp. Graph. Stat. 13, 2004): the first population is drawn from the prior and
weighted by the likelihood; each next one from a defensive mixture (Hesterberg,
Technometrics 37, 1995) of the prior and a normal fitted to the weighted population,
weighted by prior × likelihood / proposal; it stops when the effective sample size
(Kong 1992) is a good share of the population. Cost: O(iterations × samples ×
observations) density evaluations, vectorised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr

from blackstart.engine.durations import Z90, duration_cdf
from blackstart.engine.schedule import (
    ACTIONS,
    DIST_FIXED,
    DIST_LOGNORMAL,
    DIST_TRIANGULAR,
    DIST_UNIFORM,
    RecoveryProblem,
)

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

EXACT, AT_LEAST, AT_MOST = 0, 1, 2
"""Kinds of observation: a duration seen whole, right-censored, left-censored."""

CONTAMINATION = 0.05
"""Weight ε of the broad component of each observation's likelihood."""
BROAD_SIGMA = 1.5
"""Log-scale spread of the broad component (a factor 6.8 at its 90th percentile)."""
FIXED_SIGMA = 0.2
"""Log-scale spread read around a fixed duration in the likelihood."""
SAMPLES = 2048
"""Posterior samples (importance-sampling population)."""
ITERATIONS = 6
"""Most adaptive rounds after the prior round."""
TARGET_ESS = 0.4
"""Stop once the effective sample size reaches this share of the population."""


@dataclass(frozen=True)
class PacePrior:
    """The prior on the pace factors, each lognormal given its median and 90th percentile.

    ``median``/``p90``: the overall factor (1 and 1 mean "the model is exact"); ``team_p90``
    and ``action_p90``: how far one team's or one action's pace strays from the overall
    (median 1)."""

    median: float = 1.0
    p90: float = 1.5
    team_p90: float = 1.3
    action_p90: float = 1.2

    def scales(self) -> tuple[float, float, float]:
        """Log-scale standard deviations ``(σ_g, σ_t, σ_s)``."""
        for name, p in (("p90", self.p90 / self.median), ("team_p90", self.team_p90),
                        ("action_p90", self.action_p90)):  # fmt: skip
            if not p >= 1.0 or not np.isfinite(p):
                raise ValueError(f"pace prior {name} must be at least the median, got {p}")
        if self.median <= 0:
            raise ValueError(f"pace prior median must be positive, got {self.median}")
        return (
            float(np.log(self.p90 / self.median) / Z90),
            float(np.log(self.team_p90) / Z90),
            float(np.log(self.action_p90) / Z90),
        )


@dataclass(frozen=True, eq=False)
class Evidence:
    """Observations of task durations (minutes)."""

    task: I64
    kind: npt.NDArray[np.int8]
    """:data:`EXACT`, :data:`AT_LEAST` or :data:`AT_MOST`."""
    minutes: F64

    def __len__(self) -> int:
        return len(self.task)

    def count(self, kind: int) -> int:
        """Number of observations of one kind."""
        return int((self.kind == kind).sum())


def evidence_of(
    problem: RecoveryProblem, as_of: int, done_end: I64 | None, started: I64 | None
) -> Evidence:
    """The duration observations in a progress: done tasks with their start (exact),
    running ones (at least ``as_of − start``), done ones whose previous step of the same
    component was done strictly earlier (at most the gap). Tasks of zero model duration
    teach nothing and are left out."""
    k = problem.n_tasks
    end = done_end if done_end is not None else np.full(k, -1, np.int64)
    start = started if started is not None else np.full(k, -1, np.int64)
    has_length = _model_median(problem) > 0
    exact = (end >= 0) & (start >= 0) & (end >= start) & has_length
    running = (end < 0) & (start >= 0) & (as_of > start) & has_length
    prev_end = np.full(k, -1, np.int64)
    same = problem.task_node[1:] == problem.task_node[:-1]
    prev_end[1:][same] = end[:-1][same]
    upper = (end >= 0) & (start < 0) & (prev_end >= 0) & (end > prev_end) & has_length
    tasks = np.concatenate([np.flatnonzero(exact), np.flatnonzero(running),
                            np.flatnonzero(upper)])  # fmt: skip
    kinds = np.concatenate([np.full(exact.sum(), EXACT), np.full(running.sum(), AT_LEAST),
                            np.full(upper.sum(), AT_MOST)]).astype(np.int8)  # fmt: skip
    minutes = np.concatenate(
        [
            np.maximum(end[exact] - start[exact], 0.5),
            (as_of - start[running]).astype(np.float64),
            (end[upper] - prev_end[upper]).astype(np.float64),
        ]
    ).astype(np.float64)
    return Evidence(tasks.astype(np.int64), kinds, minutes)


def _model_median(problem: RecoveryProblem) -> F64:
    par, kind = problem.dist_params, problem.dist_kind
    med = par[:, 0].copy()  # fixed d, lognormal median
    uni = kind == DIST_UNIFORM
    med[uni] = 0.5 * (par[uni, 0] + par[uni, 1])
    tri = kind == DIST_TRIANGULAR
    med[tri] = par[tri, 1]
    return med


def design(problem: RecoveryProblem) -> tuple[I64, I64]:
    """Per task, its column of team pace (``-1`` for automatic steps) and of action pace
    in the log-pace vector ``[g, t_1 … t_T, s_1 … s_A]``. A task with several candidate
    teams is counted for the first."""
    n_teams = len(problem.team_names)
    first = problem.cand_ptr[:-1]
    has = problem.cand_ptr[1:] > first
    team_col = np.where(has, 1 + problem.cand_team[np.minimum(first, len(problem.cand_team) - 1)]
                        if len(problem.cand_team) else -1, -1)  # fmt: skip
    action_col = 1 + n_teams + problem.task_action.astype(np.int64)
    return team_col.astype(np.int64), action_col.astype(np.int64)


@dataclass(frozen=True, eq=False)
class PacePosterior:
    """Weighted samples of the log-pace vector ``[g, t_1 … t_T, s_1 … s_A]``."""

    theta: F64
    """``(samples, 1 + teams + actions)``."""
    weights: F64
    """Normalised importance weights."""
    team_col: I64
    action_col: I64
    team_names: tuple[str, ...]
    evidence: Evidence
    ess: float
    """Effective sample size of the final population (Kong 1992)."""

    def task_log_pace(self, rows: I64) -> F64:
        """``(len(rows), tasks)`` log-pace of every task for the samples ``rows``."""
        th = self.theta[rows]
        out = th[:, :1] + th[:, self.action_col]
        auto = self.team_col < 0
        out += np.where(auto[None, :], 0.0, th[:, np.maximum(self.team_col, 0)])
        return out

    def draw(self, rng: np.random.Generator, runs: int) -> I64:
        """Sample indices, one per run, in proportion to the weights."""
        return rng.choice(len(self.weights), size=runs, p=self.weights).astype(np.int64)

    def factor_summary(self, log_factor: F64) -> dict[str, float]:
        """Posterior mean, median and 80 % / 95 % central intervals of ``exp(log_factor)``."""
        x = np.exp(log_factor)
        qs = weighted_quantiles(x, self.weights, (0.025, 0.1, 0.5, 0.9, 0.975))
        return {
            "mean": float(np.sum(self.weights * x)),
            "median": float(qs[2]),
            "p10": float(qs[1]),
            "p90": float(qs[3]),
            "p2_5": float(qs[0]),
            "p97_5": float(qs[4]),
        }

    def summary(self) -> dict[str, object]:
        """Overall pace, each team's (overall × team) and each action's (overall × action)."""
        n_teams = len(self.team_names)
        g = self.theta[:, 0]
        return {
            "overall": self.factor_summary(g),
            "teams": {
                name: self.factor_summary(g + self.theta[:, 1 + j])
                for j, name in enumerate(self.team_names)
            },
            "actions": {
                a: self.factor_summary(g + self.theta[:, 1 + n_teams + i])
                for i, a in enumerate(ACTIONS)
            },
            "evidence": {
                "done": self.evidence.count(EXACT),
                "running": self.evidence.count(AT_LEAST),
                "done_start_unknown": self.evidence.count(AT_MOST),
            },
            "effective_samples": round(self.ess, 1),
        }


def weighted_quantiles(x: F64, w: F64, qs: tuple[float, ...]) -> F64:
    """Quantiles of the weighted sample (inverse of the weighted empirical CDF)."""
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order])
    cw /= cw[-1]
    idx = np.searchsorted(cw, np.asarray(qs), side="left")
    out: F64 = x[order][np.minimum(idx, len(x) - 1)]
    return out


# --------------------------------------------------------------------------- likelihood


def _log_pdf(kind: npt.NDArray[np.int8], par: F64, x: F64) -> F64:
    """Log-density of each column's duration distribution at ``x`` (``(..., n)``)."""
    a, b, c = par[:, 0], par[:, 1], par[:, 2]
    out = np.full(x.shape, -np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        uni = kind == DIST_UNIFORM
        xu = x[..., uni]
        inside = (xu >= a[uni]) & (xu <= b[uni])
        out[..., uni] = np.where(inside, -np.log(np.maximum(b[uni] - a[uni], 1e-12)), -np.inf)
        tri = kind == DIST_TRIANGULAR
        if tri.any():
            lo, mode, hi, xt = a[tri], b[tri], c[tri], x[..., tri]
            width = np.maximum(hi - lo, 1e-12)
            left = 2 * (xt - lo) / (width * np.maximum(mode - lo, 1e-12))
            right = 2 * (hi - xt) / (width * np.maximum(hi - mode, 1e-12))
            dens = np.where(xt <= mode, left, right)
            out[..., tri] = np.where((xt > lo) & (xt < hi), np.log(np.maximum(dens, 0)), -np.inf)
        logn = (kind == DIST_LOGNORMAL) | (kind == DIST_FIXED)
        if logn.any():
            med, sigma = _lognormal_of(kind[logn], par[logn])
            out[..., logn] = _lognormal_logpdf(x[..., logn], med, sigma)
    return out


def _lognormal_of(kind: npt.NDArray[np.int8], par: F64) -> tuple[F64, F64]:
    """Median and log-sd of lognormal (or fixed, read with :data:`FIXED_SIGMA`) columns."""
    med = np.maximum(par[:, 0], 1e-9)
    sigma = np.where(kind == DIST_FIXED, FIXED_SIGMA,
                     np.log(np.maximum(par[:, 1], med * (1 + 1e-9)) / med) / Z90)  # fmt: skip
    return med, np.maximum(sigma, 1e-6)


def _lognormal_logpdf(x: F64, med: F64, sigma: F64) -> F64:
    xl = np.maximum(x, 1e-12)
    z = (np.log(xl) - np.log(med)) / sigma
    out: F64 = -0.5 * z * z - np.log(sigma * xl) - 0.5 * np.log(2 * np.pi)
    return out


def _cdf(kind: npt.NDArray[np.int8], par: F64, x: F64) -> F64:
    """CDF at ``x`` (``(..., n)``), fixed durations read as lognormal."""
    fixed = kind == DIST_FIXED
    out = duration_cdf(np.where(fixed, DIST_LOGNORMAL, kind).astype(np.int8),
                       _fixed_as_lognormal(kind, par), x)  # fmt: skip
    return out


def _fixed_as_lognormal(kind: npt.NDArray[np.int8], par: F64) -> F64:
    out = par.copy()
    fixed = kind == DIST_FIXED
    out[fixed, 1] = par[fixed, 0] * np.exp(FIXED_SIGMA * Z90)
    return out


def log_likelihood(
    problem: RecoveryProblem,
    evidence: Evidence,
    log_pace: F64,
    *,
    contamination: float = CONTAMINATION,
) -> F64:
    """Per row of ``log_pace`` (``(samples, observations)``: each observed task's
    log-pace), the log-likelihood of the evidence."""
    if len(evidence) == 0:
        return np.zeros(log_pace.shape[0])
    t = evidence.task
    kind, par = problem.dist_kind[t], problem.dist_params[t]
    pace = np.exp(log_pace)
    x = evidence.minutes[None, :] / pace
    med = np.maximum(_model_median(problem)[t], 1e-9)
    bz = (np.log(np.maximum(x, 1e-12)) - np.log(med)) / BROAD_SIGMA
    total = np.zeros(log_pace.shape[0])
    eps = contamination
    for obs_kind in (EXACT, AT_LEAST, AT_MOST):
        m = evidence.kind == obs_kind
        if not m.any():
            continue
        xm = x[:, m]
        if obs_kind == EXACT:
            model = _log_pdf(kind[m], par[m], xm)
            broad = _lognormal_logpdf(xm, med[m], np.full(m.sum(), BROAD_SIGMA))
            term = np.logaddexp(np.log1p(-eps) + model, np.log(eps) + broad) if eps > 0 else model
            term = term - log_pace[:, m]  # density of Y = π·D
        else:
            cdf = _cdf(kind[m], par[m], xm)
            bcdf = ndtr(bz[:, m])
            if obs_kind == AT_LEAST:
                p = (1 - eps) * (1 - cdf) + eps * (1 - bcdf)
            else:
                p = (1 - eps) * cdf + eps * bcdf
            term = np.log(np.maximum(p, 1e-300))
        total += term.sum(axis=1)
    return total


# --------------------------------------------------------------------------- posterior


def learn_pace(
    problem: RecoveryProblem,
    evidence: Evidence,
    prior: PacePrior,
    *,
    seed: int,
    samples: int = SAMPLES,
    contamination: float = CONTAMINATION,
) -> PacePosterior:
    """The posterior of the pace factors given ``evidence`` (the prior when there is none),
    as ``samples`` weighted draws. Deterministic for a seed."""
    team_col, action_col = design(problem)
    n_teams = len(problem.team_names)
    dims = 1 + n_teams + len(ACTIONS)
    sg, st, ss = prior.scales()
    mean = np.zeros(dims)
    mean[0] = np.log(prior.median)
    sd = np.concatenate([[sg], np.full(n_teams, st), np.full(len(ACTIONS), ss)])
    active = sd > 0
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x9ACE]))

    def prior_draw(n: int) -> F64:
        out: F64 = mean + rng.standard_normal((n, dims)) * sd
        return out

    def log_prior(th: F64) -> F64:
        z = (th[:, active] - mean[active]) / sd[active]
        out: F64 = -0.5 * (z * z).sum(axis=1)
        return out

    def log_lik(th: F64) -> F64:
        if len(evidence) == 0:
            return np.zeros(len(th))
        lp = th[:, :1] + th[:, action_col[evidence.task]]
        tc = team_col[evidence.task]
        lp = lp + np.where(tc[None, :] < 0, 0.0, th[:, np.maximum(tc, 0)])
        return log_likelihood(problem, evidence, lp, contamination=contamination)

    theta = prior_draw(samples)
    if len(evidence) == 0 or not active.any():
        w = np.full(samples, 1.0 / samples)
        return PacePosterior(theta, w, team_col, action_col, problem.team_names, evidence,
                             float(samples))  # fmt: skip
    logw = log_lik(theta)
    for _ in range(ITERATIONS):
        w = _normalise(logw)
        ess = 1.0 / float(np.sum(w * w))
        if ess >= TARGET_ESS * samples:
            break
        theta, logw = _adapt(theta, w, mean, sd, active, rng, samples, log_prior, log_lik)
    w = _normalise(logw)
    ess = 1.0 / float(np.sum(w * w))
    return PacePosterior(theta, w, team_col, action_col, problem.team_names, evidence, ess)


def _normalise(logw: F64) -> F64:
    w = np.exp(logw - logw.max())
    out: F64 = w / w.sum()
    return out


def _adapt(
    theta: F64,
    w: F64,
    mean: F64,
    sd: F64,
    active: npt.NDArray[np.bool_],
    rng: np.random.Generator,
    samples: int,
    log_prior: Callable[[F64], F64],
    log_lik: Callable[[F64], F64],
) -> tuple[F64, F64]:
    """One population Monte Carlo round: a defensive mixture of the prior (10 %) and a
    normal fitted to the weighted population (covariance inflated ×2), reweighted."""
    ia = np.flatnonzero(active)
    x = theta[:, ia]
    m = w @ x
    cov = ((x - m).T * w) @ (x - m) * 2.0 + np.diag((sd[ia] * 1e-3) ** 2)
    chol = np.linalg.cholesky(cov)
    n_prior = max(1, samples // 10)
    new = np.tile(mean, (samples, 1))
    new[:n_prior, ia] = mean[ia] + rng.standard_normal((n_prior, len(ia))) * sd[ia]
    new[n_prior:, ia] = m + rng.standard_normal((samples - n_prior, len(ia))) @ chol.T
    # mixture density of the proposal (up to the same constant as the prior's)
    z_prior = (new[:, ia] - mean[ia]) / sd[ia]
    lq_prior = -0.5 * (z_prior * z_prior).sum(axis=1) - np.log(sd[ia]).sum()
    sol = np.linalg.solve(chol, (new[:, ia] - m).T)
    lq_fit = -0.5 * (sol * sol).sum(axis=0) - np.log(np.diag(chol)).sum()
    lq = np.logaddexp(np.log(0.1) + lq_prior, np.log(0.9) + lq_fit)
    lp = log_prior(new) - np.log(sd[ia]).sum()
    logw = lp + log_lik(new) - lq
    return new, logw
