"""Learning the pace of an incident: how much slower (or faster) the work runs than the
model says, from the evidence of the incident so far.

Owns the pace model, its prior and the posterior as weighted samples. The evidence and
its likelihood are :mod:`blackstart.engine.evidence`'s. Does not sample durations or
schedule: the forecast draws one posterior pace vector per run and scales the remaining
durations with it (:mod:`blackstart.engine.forecast`). A last dimension ``r`` multiplies
the odds of a restart failing by ``exp(r)`` (logistic link), learnt from the restarts
seen to fail or succeed.

Model. A task ``k`` of team ``j`` and action ``a`` really lasts ``Y_k = π_k · D_k``, where
``D_k`` is the model's duration distribution and ``π_k = exp(g + t_j + s_a)`` a pace
factor: ``g`` overall, ``t_j`` per team, ``s_a`` per action (boot, restart, …), the
partial pooling of a random-effects model (a team's pace is the overall one times its
own deviation; Gelman et al., *Bayesian Data Analysis*, 3rd ed., 2013, ch. 5), with the
group scales fixed by the model's ``forecast:`` section rather than learnt. The priors
on the log-pace are Student-t (``g = log m + σ_g T``, ``t_j = σ_t T``, ``s_a = σ_s T``,
:data:`~blackstart.engine.sampling.TAIL_DF` degrees of freedom, scaled so each factor's
90th percentile is the one given, truncated at ×:data:`~blackstart.engine.sampling.BOUND`):
a narrow core, so an exact model pays little before evidence, and heavy tails, so that
when the evidence conflicts with the prior (a team three times slower) the posterior
follows the evidence instead of splitting the difference (O'Hagan, "On outlier rejection
phenomena in Bayes inference", JRSS B 41, 1979; O'Hagan & Pericchi, "Bayesian
heavy-tailed models and conflict resolution: a review", Braz. J. Probab. Stat. 26, 2012).
``tail_df = inf`` gives the lognormal prior.

Likelihood (Klein & Moeschberger, *Survival Analysis*, 2nd ed., 2003, §3.5): a task done
with a known start and end contributes the density of ``Y``, ``f_D(y/π)/π``; a task
running for ``e`` minutes contributes the survival ``S_D(e/π)`` (right-censored: it
lasted *at least* ``e``); a task done ``u`` minutes after the previous step of its
component, start unknown, contributes ``F_D(u/π)`` (left-censored: *at most* ``u``).
In the likelihood every duration is read as a lognormal (:func:`surrogate`: the model's
own, or the one with the same log-mean and log-spread for a range or a triangle, a
spread of :data:`FIXED_SIGMA` around a fixed duration), so the log-likelihood is smooth
in the log-pace and, for exact observations, the posterior is the normal–normal conjugate
one (BDA §2.5). Each term is a mixture ``(1-ε)·model + ε·broad`` with a broad lognormal
around the model's median (σ = :data:`BROAD_SIGMA`): a contamination model (Box & Tiao,
"A Bayesian approach to some outlier problems", Biometrika 55, 1968), so that one wild
observation cannot dominate the posterior.

Posterior. Importance sampling (:mod:`blackstart.engine.sampling`): a first population
from the prior weighted by the likelihood; when its effective sample size (Kong 1992) is
small, batches from a defensive mixture (Hesterberg, Technometrics 37, 1995) of the prior
and a multivariate Student-t around the Laplace fit (Geweke, Econometrica 57, 1989) at the
mode (grid sweep, then BFGS), pooled until the effective sample size is a quarter of a
batch. Cost: O(batches × samples × observations) density evaluations, vectorised.

Call-in delays are learnt beside the pace (:mod:`blackstart.engine.callin`) and carried in
the posterior for the forecast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import expit, log_expit

from blackstart.engine.callin import CallInPosterior, learn_call_in
from blackstart.engine.durations import Z90
from blackstart.engine.evidence import (
    AT_LEAST,
    AT_MOST,
    CONTAMINATION,
    EXACT,
    RESTORE,
    Evidence,
    evidence_of,
    log_likelihood,
    surrogate,
    worked_minutes,
)
from blackstart.engine.sampling import (
    TruncatedT,
    laplace_fit,
    normalise,
    propose,
    t_ppf,
)
from blackstart.engine.schedule import ACTIONS, RecoveryProblem

__all__ = [
    "Evidence",
    "PacePosterior",
    "PacePrior",
    "evidence_of",
    "learn_pace",
    "worked_minutes",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

SAMPLES = 1024
"""Posterior samples (importance-sampling population)."""
ROUNDS = 8
"""Most batches of :data:`SAMPLES` drawn around the Laplace fit, pooled until the
effective sample size reaches :data:`TARGET_ESS` of one batch."""
TARGET_ESS = 0.25
"""Stop once the effective sample size reaches this share of the population."""
TAIL_DF = 3.0
"""Degrees of freedom of the Student-t prior on each log-pace (``inf``: normal)."""
BOUND = 10.0
"""The prior is truncated where a factor strays more than this many times from its median
(a pace beyond ×10 is outside what the forecast's horizon can show anyway)."""


@dataclass(frozen=True)
class PacePrior:
    """The prior on the pace factors given their median and 90th percentile.

    ``median``/``p90``: the overall factor (1 and 1 mean "the model is exact"); ``team_p90``
    and ``action_p90``: how far one team's or one action's pace strays from the overall
    (median 1). Each log-factor is a Student-t with ``tail_df`` degrees of freedom scaled
    to that 90th percentile (``inf``: normal, the lognormal prior), truncated where the
    factor strays more than ``bound`` times from its median."""

    median: float = 1.0
    p90: float = 1.2
    team_p90: float = 1.15
    action_p90: float = 1.1
    fail_odds_p90: float = 2.0
    """90th percentile of the factor on the odds of a restart failing (median 1)."""
    tail_df: float = TAIL_DF
    bound: float = BOUND

    def scales(self) -> tuple[float, float, float]:
        """Log-scale spreads ``(σ_g, σ_t, σ_s)``: the standard deviations for a normal
        prior, the scales of the Student-t otherwise."""
        for name, p in (
            ("p90", self.p90 / self.median),
            ("team_p90", self.team_p90),
            ("action_p90", self.action_p90),
        ):
            if not p >= 1.0 or not np.isfinite(p):
                raise ValueError(f"pace prior {name} must be at least the median, got {p}")
        if self.median <= 0:
            raise ValueError(f"pace prior median must be positive, got {self.median}")
        if not self.tail_df > 0 or not self.bound > 1:
            raise ValueError("pace prior tail_df must be positive and bound above 1")
        z = t_ppf(0.9, self.tail_df)
        return (
            float(np.log(self.p90 / self.median) / z),
            float(np.log(self.team_p90) / z),
            float(np.log(self.action_p90) / z),
        )


def design(problem: RecoveryProblem) -> tuple[I64, I64]:
    """Per task, its column of team pace (``-1`` for automatic steps) and of action pace
    in the log-pace vector ``[g, t_1 … t_T, s_1 … s_A]``. A task with several candidate
    teams is counted for the first."""
    n_teams = len(problem.team_names)
    first = problem.cand_ptr[:-1]
    has = problem.cand_ptr[1:] > first
    team_col = np.where(
        has,
        1 + problem.cand_team[np.minimum(first, len(problem.cand_team) - 1)]
        if len(problem.cand_team)
        else -1,
        -1,
    )
    action_col = 1 + n_teams + problem.task_action.astype(np.int64)
    return team_col.astype(np.int64), action_col.astype(np.int64)


@dataclass(frozen=True, eq=False)
class PacePosterior:
    """Weighted samples of the log-pace vector ``[g, t_1 … t_T, s_1 … s_A, r]`` (``r``: the
    log factor on the odds of a restart failing)."""

    theta: F64
    """``(samples, 1 + teams + actions + 1)``."""
    weights: F64
    """Normalised importance weights."""
    team_col: I64
    action_col: I64
    team_names: tuple[str, ...]
    evidence: Evidence
    ess: float
    """Effective sample size of the final population (Kong 1992)."""
    restore_mask: npt.NDArray[np.int8]
    """1 for restore steps (their need follows the restart-failure odds)."""
    call_in: CallInPosterior | None = None
    """The call-in factor learnt from the arrivals seen (``None``: none seen)."""

    def task_log_pace(self, rows: I64) -> F64:
        """``(len(rows), tasks)`` log-pace of every task for the samples ``rows``."""
        th = self.theta[rows]
        out = th[:, :1] + th[:, self.action_col]
        auto = self.team_col < 0
        out += np.where(auto[None, :], 0.0, th[:, np.maximum(self.team_col, 0)])
        return out

    def task_factor(self, rows: I64) -> F64:
        """``(len(rows), tasks)`` pace factor of every task for the samples ``rows``: the
        exponential taken once per (team, action) pair, then spread to the tasks."""
        pairs, of_task = np.unique(
            np.stack([self.team_col, self.action_col]), axis=1, return_inverse=True
        )
        th = self.theta[rows]
        team = pairs[0]
        log = th[:, :1] + th[:, pairs[1]] + np.where(team < 0, 0.0, th[:, np.maximum(team, 0)])
        out: F64 = np.exp(log)[:, np.asarray(of_task).ravel()]
        return out

    def restore_prob(self, rows: I64, task_prob: F64) -> F64 | None:
        """``(len(rows), tasks)`` probability that each step is needed: a restore's odds
        times the sampled factor, 1 or 0 where the restart was seen to fail or succeed;
        ``None`` (the model's probabilities) while no restart outcome has been seen: a
        Bernoulli's predictive is its mean, so before evidence the model's own
        ``restart_fails`` is the honest figure, and an exact model's P50 does not move."""
        uncertain = (self.restore_mask > 0) & (task_prob > 0) & (task_prob < 1)
        if len(self.evidence.restore) == 0:
            return None
        p = np.clip(task_prob, 1e-12, 1 - 1e-12)
        logit = np.log(p) - np.log1p(-p)
        out = np.broadcast_to(task_prob, (len(rows), len(task_prob))).copy()
        cols = np.flatnonzero(uncertain)
        out[:, cols] = expit(logit[cols][None, :] + self.theta[rows, -1:])
        out[:, self.evidence.restore] = self.evidence.failed.astype(np.float64)[None, :]
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
            "restart_fails_odds": self.factor_summary(self.theta[:, -1]),
            "evidence": {
                "done": self.evidence.count(EXACT),
                "running": self.evidence.count(AT_LEAST),
                "done_start_unknown": self.evidence.count(AT_MOST),
                "restarts_failed": int(self.evidence.failed.sum()),
                "restarts_succeeded": int((~self.evidence.failed).sum()),
            },
            "effective_samples": round(self.ess, 1),
            **({"call_in": self.call_in.summary()} if self.call_in is not None else {}),
        }


def weighted_quantiles(x: F64, w: F64, qs: tuple[float, ...]) -> F64:
    """Quantiles of the weighted sample (inverse of the weighted empirical CDF)."""
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order])
    cw /= cw[-1]
    idx = np.searchsorted(cw, np.asarray(qs), side="left")
    out: F64 = x[order][np.minimum(idx, len(x) - 1)]
    return out


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
    dims = 1 + n_teams + len(ACTIONS) + 1  # the last: log factor on restart-failure odds
    sg, st, ss = prior.scales()
    sr = float(np.log(max(prior.fail_odds_p90, 1.0)) / Z90)
    mean = np.zeros(dims)
    mean[0] = np.log(prior.median)
    sd = np.concatenate([[sg], np.full(n_teams, st), np.full(len(ACTIONS), ss), [sr]])
    df = np.concatenate([np.full(dims - 1, prior.tail_df), [np.inf]])
    lim = np.concatenate([np.full(dims - 1, np.log(prior.bound)), [np.inf]])
    base = np.clip(problem.task_prob[evidence.restore], 1e-9, 1 - 1e-9)
    logit0 = np.log(base) - np.log1p(-base)
    active = sd > 0
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x9ACE]))
    mask = (problem.task_action == RESTORE).astype(np.int8)
    pri = TruncatedT(mean, sd, df, lim)
    arrivals = None if evidence.call_in is None else learn_call_in(problem, evidence.call_in)
    shape = surrogate(problem, evidence.task)  # the observed steps' lognormal, read once

    def log_lik(th: F64) -> F64:
        out = np.zeros(len(th))
        if len(evidence.restore):  # Bernoulli outcomes of the restarts, logit link
            z = logit0[None, :] + th[:, -1:]
            sign = np.where(evidence.failed, 1.0, -1.0)
            out += log_expit(sign[None, :] * z).sum(axis=1)
        if len(evidence) == 0:
            return out
        lp = th[:, :1] + th[:, action_col[evidence.task]]
        tc = team_col[evidence.task]
        lp = lp + np.where(tc[None, :] < 0, 0.0, th[:, np.maximum(tc, 0)])
        out += log_likelihood(problem, evidence, lp, contamination=contamination, shape=shape)
        return out

    theta = pri.draw(rng, samples)
    if evidence.size() == 0 or not active.any():
        w = np.full(samples, 1.0 / samples)
        return PacePosterior(
            theta, w, team_col, action_col, problem.team_names, evidence, float(samples), mask,
            arrivals,
        )  # fmt: skip
    logw = log_lik(theta)
    w = normalise(logw)
    if 1.0 / float(np.sum(w * w)) < TARGET_ESS * samples:  # sample around the Laplace fit
        m, cov = laplace_fit(mean, sd, lim, pri.variance(), active, pri.smooth_logpdf, log_lik)
        thetas, logws = [], []
        for _ in range(ROUNDS):  # more draws from one proposal: the weights pool as they are
            th, lw = propose(m, cov, pri, rng, samples, log_lik)
            thetas.append(th)
            logws.append(lw)
            w = normalise(np.concatenate(logws))
            if 1.0 / float(np.sum(w * w)) >= TARGET_ESS * samples:
                break
        theta, logw = np.concatenate(thetas), np.concatenate(logws)
    w = normalise(logw)
    ess = 1.0 / float(np.sum(w * w))
    return PacePosterior(
        theta, w, team_col, action_col, problem.team_names, evidence, ess, mask, arrivals
    )
