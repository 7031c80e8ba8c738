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
In the likelihood every duration is read as a lognormal (:func:`surrogate`: the model's
own, or the one with the same median and 90th percentile for a range or a triangle, a
spread of :data:`FIXED_SIGMA` around a fixed duration), so the log-likelihood is smooth
in the log-pace and, for exact observations, the posterior is the normal–normal conjugate
one (BDA §2.5). Each term is a mixture ``(1-ε)·model + ε·broad`` with a broad lognormal
around the model's median (σ = :data:`BROAD_SIGMA`): a contamination model (Box & Tiao,
"A Bayesian approach to some outlier problems", Biometrika 55, 1968), so that one wild
observation cannot dominate the posterior.

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
from scipy.special import expit, gammaln, log_expit
from scipy.stats import t as student_t

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
    worked_minutes,
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
PROPOSAL_DF = 5.0
"""Degrees of freedom of the multivariate Student-t proposals (Geweke 1989: heavier tails
than the posterior's keep the importance weights bounded)."""
PROPOSAL_SCALE = 1.2
"""Inflation of the fitted covariance in the proposals (a factor ``a`` costs about
``(a²/(2a−1))^(d/2)`` in effective sample size on a ``d``-dimensional normal: 2 would
leave a tenth of the samples in 17 dimensions, 1.3 about two thirds)."""
GRID = 24
"""Grid points per dimension of the mode search's coordinate sweep."""
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


def t_ppf(q: float | F64, df: float | F64) -> F64:
    """Student-t quantile (the normal's for ``df = inf``)."""
    out: F64 = np.asarray(student_t.ppf(q, df), np.float64)
    return out


def t_logpdf(z: F64, df: F64) -> F64:
    """Log-density of the standard Student-t with ``df`` degrees of freedom, per column
    (``inf``: the standard normal), written out to spare scipy's per-call overhead."""
    finite = np.isfinite(df)
    nu = np.where(finite, df, 1.0)
    const = gammaln((nu + 1) / 2) - gammaln(nu / 2) - 0.5 * np.log(nu * np.pi)
    heavy = const - (nu + 1) / 2 * np.log1p(z * z / nu)
    normal = -0.5 * z * z - 0.5 * np.log(2 * np.pi)
    out: F64 = np.where(finite, heavy, normal)
    return out


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
    pri = _Prior(mean, sd, df, lim)
    arrivals = None if evidence.call_in is None else learn_call_in(problem, evidence.call_in)

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
        out += log_likelihood(problem, evidence, lp, contamination=contamination)
        return out

    theta = pri.draw(rng, samples)
    if evidence.size() == 0 or not active.any():
        w = np.full(samples, 1.0 / samples)
        return PacePosterior(
            theta, w, team_col, action_col, problem.team_names, evidence, float(samples), mask,
            arrivals,
        )  # fmt: skip
    logw = log_lik(theta)
    w = _normalise(logw)
    if 1.0 / float(np.sum(w * w)) < TARGET_ESS * samples:  # sample around the Laplace fit
        m, cov = _laplace(mean, sd, lim, pri.variance(), active, pri.smooth_logpdf, log_lik)
        thetas, logws = [], []
        for _ in range(ROUNDS):  # more draws from one proposal: the weights pool as they are
            th, lw = _propose(m, cov, pri, rng, samples, log_lik)
            thetas.append(th)
            logws.append(lw)
            w = _normalise(np.concatenate(logws))
            if 1.0 / float(np.sum(w * w)) >= TARGET_ESS * samples:
                break
        theta, logw = np.concatenate(thetas), np.concatenate(logws)
    w = _normalise(logw)
    ess = 1.0 / float(np.sum(w * w))
    return PacePosterior(
        theta, w, team_col, action_col, problem.team_names, evidence, ess, mask, arrivals
    )


def _normalise(logw: F64) -> F64:
    w = np.exp(logw - logw.max())
    out: F64 = w / w.sum()
    return out


def _sweep(x: F64, lim: F64, log_post: Callable[[F64], F64], sweeps: int = 2) -> F64:
    """Coordinate ascent of ``log_post`` on a grid of :data:`GRID` points per dimension
    spanning ``x ± lim`` (``±3`` where unbounded): a start for the local optimiser that
    cannot be trapped in the prior's mode when the data sit far from it (a Student-t
    prior and a team three times slower make the posterior bimodal along that team)."""
    x = x.copy()
    span = np.where(np.isfinite(lim), lim, 3.0)
    centre = x.copy()
    offsets = np.linspace(-1.0, 1.0, GRID)
    for _ in range(sweeps):
        for i in range(len(x)):
            pts = np.tile(x, (GRID + 1, 1))
            pts[:GRID, i] = centre[i] + offsets * span[i]
            f = log_post(pts)
            x[i] = pts[int(np.argmax(np.where(np.isfinite(f), f, -np.inf))), i]
    return x


def _laplace(
    mean: F64,
    sd: F64,
    lim: F64,
    prior_var: F64,
    active: npt.NDArray[np.bool_],
    log_prior: Callable[[F64], F64],
    log_lik: Callable[[F64], F64],
) -> tuple[F64, F64]:
    """Mode of the log-posterior over the active dimensions and a covariance around it:
    the Laplace approximation, used as the first proposal (Geweke, Econometrica 57,
    1989). The optimiser (BFGS) starts from a grid sweep (:func:`_sweep`). The
    precision is the likelihood's curvature (central differences) plus the prior's
    *variance*'s inverse, not the prior's curvature at the mode: a Student-t is four
    times as curved at its centre as its variance says, and a proposal that narrow
    starves the dimensions the evidence says little about."""
    from scipy.optimize import minimize

    ia = np.flatnonzero(active)

    def full(x: F64) -> F64:
        th = np.tile(mean, (x.shape[0], 1))
        th[:, ia] = x
        return th

    def neg_batch(x: F64) -> F64:
        th = full(x)
        out: F64 = -(log_prior(th) + log_lik(th))
        return out

    def neg(x: F64) -> tuple[float, F64]:  # value and forward-difference gradient, batched
        f = neg_batch(np.vstack([x[None, :], x[None, :] + np.eye(len(x)) * 1e-6]))
        return float(f[0]), (f[1:] - f[0]) / 1e-6

    x = _sweep(mean[ia], lim[ia], lambda z: -neg_batch(z))
    res = minimize(neg, x, jac=True, method="BFGS", options={"gtol": 1e-4})
    x0 = np.asarray(res.x, np.float64)
    n = len(ia)
    h = 1e-3
    eye = np.eye(n) * h
    pts = [x0]
    pairs = [(i, j) for i in range(n) for j in range(i, n)]
    for i, j in pairs:
        pts += [
            x0 + eye[i] + eye[j],
            x0 + eye[i] - eye[j],
            x0 - eye[i] + eye[j],
            x0 - eye[i] - eye[j],
        ]
    f = -log_lik(full(np.array(pts)))  # the likelihood's curvature; the prior's is added
    hess = np.zeros((n, n))
    for q, (i, j) in enumerate(pairs):
        a, b, c, d = f[1 + 4 * q : 5 + 4 * q]
        hess[i, j] = hess[j, i] = (a - b - c + d) / (4 * h * h)
    hess += np.diag(1.0 / prior_var[ia])
    cov: F64
    try:
        cov = np.asarray(np.linalg.inv(hess), np.float64)
        np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        cov = np.diag(sd[ia] ** 2).astype(np.float64)
    return x0, cov


def _propose(
    m: F64,
    cov: F64,
    pri: _Prior,
    rng: np.random.Generator,
    samples: int,
    log_lik: Callable[[F64], F64],
) -> tuple[F64, F64]:
    """Draw from a defensive mixture (Hesterberg 1995) of the prior (10 %) and a
    multivariate Student-t centred at ``m`` with scale :data:`PROPOSAL_SCALE` ``· cov``
    (:data:`PROPOSAL_DF` degrees of freedom), and weight by prior × likelihood / mixture
    density (deterministic-mixture weights)."""
    ia = np.flatnonzero(pri.active)
    d = len(ia)
    nu = PROPOSAL_DF
    cov = cov * PROPOSAL_SCALE + np.diag((pri.sd[ia] * 1e-3) ** 2)
    chol = np.linalg.cholesky(cov)
    n_prior = max(1, samples // 10)
    new = np.tile(pri.mean, (samples, 1))
    new[:n_prior] = pri.draw(rng, n_prior)
    z = rng.standard_normal((samples - n_prior, d))
    scale = (
        np.sqrt(nu / rng.chisquare(nu, samples - n_prior))
        if np.isfinite(nu)
        else np.ones(samples - n_prior)
    )
    new[n_prior:, ia] = m + (z @ chol.T) * scale[:, None]
    lp = pri.logpdf(new)
    sol = np.linalg.solve(chol, (new[:, ia] - m).T)
    q = (sol * sol).sum(axis=0)
    if np.isfinite(nu):
        lq_fit = (
            gammaln((nu + d) / 2)
            - gammaln(nu / 2)
            - 0.5 * d * np.log(nu * np.pi)
            - np.log(np.diag(chol)).sum()
            - (nu + d) / 2 * np.log1p(q / nu)
        )
    else:
        lq_fit = -0.5 * q - np.log(np.diag(chol)).sum() - 0.5 * d * np.log(2 * np.pi)
    lq = np.logaddexp(np.log(0.1) + lp, np.log(0.9) + lq_fit)
    with np.errstate(invalid="ignore"):
        logw = np.where(np.isfinite(lp), lp + log_lik(new) - lq, -np.inf)
    return new, logw


@dataclass(frozen=True, eq=False)
class _Prior:
    """Independent Student-t priors on the log-pace vector (normal where ``df`` is
    infinite), each truncated to ``mean ± lim``; dimensions of zero spread are fixed."""

    mean: F64
    sd: F64
    df: F64
    lim: F64

    @property
    def active(self) -> npt.NDArray[np.bool_]:
        out: npt.NDArray[np.bool_] = self.sd > 0
        return out

    def _mass(self) -> tuple[F64, F64, F64]:
        a = self.active
        zl = self.lim[a] / self.sd[a]
        lo = np.asarray(student_t.cdf(-zl, self.df[a]), np.float64)
        return zl, lo, 1.0 - 2.0 * lo

    def variance(self) -> F64:
        """Each dimension's variance (``ν/(ν−2)·scale²``, capped by the truncation)."""
        nu = np.where(np.isfinite(self.df) & (self.df > 2), self.df, 3.0)
        var = np.where(np.isfinite(self.df), nu / (nu - 2), 1.0) * self.sd**2
        out: F64 = np.minimum(var, self.lim**2 / 3) + 1e-12
        return out

    def draw(self, rng: np.random.Generator, n: int) -> F64:
        """``n`` draws by inversion of the truncated CDFs."""
        a = self.active
        _, lo, mass = self._mass()
        u = lo + rng.random((n, int(a.sum()))) * mass
        out: F64 = np.tile(self.mean, (n, 1))
        out[:, a] += t_ppf(u, self.df[a]) * self.sd[a]
        return out

    def smooth_logpdf(self, th: F64) -> F64:
        """Log-density without the truncation (smooth, for the Laplace fit)."""
        a = self.active
        z = (th[:, a] - self.mean[a]) / self.sd[a]
        out: F64 = (t_logpdf(z, self.df[a]) - np.log(self.sd[a])).sum(axis=1)
        return out

    def logpdf(self, th: F64) -> F64:
        """Normalised log-density of the truncated prior (``-inf`` outside)."""
        a = self.active
        zl, _, mass = self._mass()
        z = (th[:, a] - self.mean[a]) / self.sd[a]
        inside = (np.abs(z) <= zl).all(axis=1)
        out: F64 = np.where(inside, self.smooth_logpdf(th) - np.log(mass).sum(), -np.inf)
        return out
