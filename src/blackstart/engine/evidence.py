"""Evidence of the pace: what a progress says about the lengths of steps and the
outcomes of restarts, and its likelihood under a pace vector.

Owns the observations (done steps with their start: exact lengths; running steps:
right-censored; done steps whose start is unknown but whose previous step ended earlier:
left-censored; restores seen to run or not: restart outcomes), the staffed-minute
count of a step handed over across shifts, and the log-likelihood of step lengths given
each observed step's log-pace. The model and the posterior are
:mod:`blackstart.engine.pace`'s.

Likelihood (Klein & Moeschberger, *Survival Analysis*, 2nd ed., 2003, §3.5): an exact
length contributes the density of ``Y = π·D``, a right-censored one the survival
``S_D(e/π)``, a left-censored one the CDF ``F_D(u/π)``. Every duration is read as a
lognormal (:func:`surrogate`), so the log-likelihood is smooth in the log-pace and, for
exact observations, conjugate to the normal prior (BDA §2.5). Each term is a mixture
``(1-ε)·model + ε·broad`` (Box & Tiao, Biometrika 55, 1968) so that one wild observation
cannot dominate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.special import log_ndtr, ndtr

from blackstart.engine.callin import CallInEvidence, call_in_evidence
from blackstart.engine.durations import Z90, _inverse
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

RESTORE = ACTIONS.index("restore")

EXACT, AT_LEAST, AT_MOST = 0, 1, 2
"""Kinds of observation: a duration seen whole, right-censored, left-censored."""

CONTAMINATION = 0.05
"""Weight ε of the broad component of each observation's likelihood."""
BROAD_SIGMA = 1.5
"""Log-scale spread of the broad component (a factor 6.8 at its 90th percentile)."""
FIXED_SIGMA = 0.2
"""Log-scale spread read around a fixed duration in the likelihood."""
MIN_SIGMA = 0.05
"""Least log-scale spread read in the likelihood (a range of almost no width)."""
LOG_MOMENT_POINTS = 256
"""Quantiles over which a range's or a triangle's log-moments are taken."""


@dataclass(frozen=True, eq=False)
class Evidence:
    """Observations of task durations (minutes)."""

    task: I64
    kind: npt.NDArray[np.int8]
    """:data:`EXACT`, :data:`AT_LEAST` or :data:`AT_MOST`."""
    minutes: F64
    restore: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    """Restore steps whose need is known: the restart was seen to fail or to succeed."""
    failed: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, np.bool_))
    """Per entry of ``restore``: whether the restart failed (the restore ran)."""
    call_in: CallInEvidence | None = None
    """Arrivals of on-call teams (:mod:`blackstart.engine.callin`)."""

    def __len__(self) -> int:
        return len(self.task)

    def size(self) -> int:
        """Observations of any kind (durations and restart outcomes)."""
        return len(self.task) + len(self.restore)

    def count(self, kind: int) -> int:
        """Number of observations of one kind."""
        return int((self.kind == kind).sum())


def evidence_of(
    problem: RecoveryProblem, as_of: int, done_end: I64 | None, started: I64 | None
) -> Evidence:
    """The duration observations in a progress: done tasks with their start and a non-zero
    length (exact; a skipped step is no observation), running ones (at least
    ``as_of − start``), done ones whose previous step of the same component was done
    strictly earlier (at most the gap). Lengths count the team's staffed minutes only
    (:func:`worked_minutes`): a step handed over at the end of a shift did not work at
    night. Tasks of zero model duration
    teach nothing and are left out."""
    k = problem.n_tasks
    end = done_end if done_end is not None else np.full(k, -1, np.int64)
    start = started if started is not None else np.full(k, -1, np.int64)
    has_length = _model_median(problem) > 0
    exact = (end >= 0) & (start >= 0) & (end > start) & has_length
    running = (end < 0) & (start >= 0) & (as_of > start) & has_length
    prev_end = np.full(k, -1, np.int64)
    same = problem.task_node[1:] == problem.task_node[:-1]
    prev_end[1:][same] = end[:-1][same]
    upper = (end >= 0) & (start < 0) & (prev_end >= 0) & (end > prev_end) & has_length
    tasks = np.concatenate([np.flatnonzero(exact), np.flatnonzero(running), np.flatnonzero(upper)])
    kinds = np.concatenate(
        [
            np.full(exact.sum(), EXACT),
            np.full(running.sum(), AT_LEAST),
            np.full(upper.sum(), AT_MOST),
        ]
    ).astype(np.int8)
    ix, ir, iu = np.flatnonzero(exact), np.flatnonzero(running), np.flatnonzero(upper)
    minutes = np.concatenate(
        [
            np.maximum(worked_minutes(problem, ix, start[ix], end[ix]), 0.5),
            worked_minutes(problem, ir, start[ir], np.full(len(ir), as_of)),
            worked_minutes(problem, iu, prev_end[iu], end[iu]),
        ]
    ).astype(np.float64)
    restore, failed = _restart_outcomes(problem, end, start)
    arrivals = call_in_evidence(problem, as_of, end, start)
    return Evidence(tasks.astype(np.int64), kinds, minutes, restore, failed, arrivals)


def _restart_outcomes(
    problem: RecoveryProblem, end: I64, start: I64
) -> tuple[I64, npt.NDArray[np.bool_]]:
    """Restore steps whose need is seen: started and lasting (the restart failed), or
    started and ended at once / skipped while a later step of the component started (it
    succeeded). A restore only marked done, start unknown, says nothing."""
    k = problem.n_tasks
    uncertain = (problem.task_action == RESTORE) & (problem.task_prob > 0) & (problem.task_prob < 1)
    later = np.zeros(k, np.bool_)  # a later step of the same component has started
    for i in range(k - 2, -1, -1):
        if problem.task_node[i + 1] == problem.task_node[i]:
            later[i] = later[i + 1] or start[i + 1] >= 0
    ran = (start >= 0) & ((end < 0) | (end > start))
    skipped = ((start >= 0) & (end == start)) | ((start < 0) & (end < 0) & later)
    seen = uncertain & (ran | skipped)
    idx = np.flatnonzero(seen).astype(np.int64)
    return idx, ran[idx]


def worked_minutes(problem: RecoveryProblem, tasks: I64, a: I64, b: I64) -> I64:
    """Minutes of ``[a, b)`` when the team of each task (its first candidate) has staff on
    its calendar: the work done on a step handed over across shifts. Wall time for
    automatic steps, and equal to ``b − a`` whenever the whole span is staffed."""
    tasks = np.asarray(tasks, np.int64)
    a = np.asarray(a, np.int64)
    b = np.asarray(b, np.int64)
    out = (b - a).astype(np.int64)
    if len(tasks) == 0 or len(problem.cand_team) == 0:
        return out
    first = problem.cand_ptr[tasks]
    manual = problem.cand_ptr[tasks + 1] > first
    if not manual.any():
        return out
    horizon = problem.capacity.shape[1]
    cum = np.zeros((problem.capacity.shape[0], horizon + 1), np.int64)
    np.cumsum(problem.capacity > 0, axis=1, out=cum[:, 1:])
    team = problem.cand_team[first[manual]]
    lo = np.clip(a[manual], 0, horizon)
    hi = np.clip(b[manual], 0, horizon)
    beyond = np.maximum(b[manual] - horizon, 0) - np.maximum(a[manual] - horizon, 0)
    out[manual] = cum[team, hi] - cum[team, lo] + beyond
    return out


def _model_median(problem: RecoveryProblem) -> F64:
    par, kind = problem.dist_params, problem.dist_kind
    med = par[:, 0].copy()  # fixed d, lognormal median
    uni = kind == DIST_UNIFORM
    med[uni] = 0.5 * (par[uni, 0] + par[uni, 1])
    tri = kind == DIST_TRIANGULAR
    med[tri] = par[tri, 1]
    return med


# --------------------------------------------------------------------------- likelihood


def surrogate(problem: RecoveryProblem, tasks: I64 | None = None) -> tuple[F64, F64]:
    """Per task, the median and log-scale spread of the lognormal read in the likelihood:
    the model's own for a lognormal; for a range or a triangle, the lognormal with the
    same mean and standard deviation of ``log D`` (by the midpoint rule on
    :data:`LOG_MOMENT_POINTS` quantiles); for a fixed duration, :data:`FIXED_SIGMA`.

    Matching the log-moments, not the median and 90th percentile, keeps the learnt pace
    unbiased: for exact lengths the posterior of the log-pace centres on
    ``mean(log y) − E[log D]``, and a uniform range is skewed to the left on the log
    scale (``1h..3h``: ``E[log D] = log 1.91 h``, its median 2 h), which read with the
    median made a true ×3 look like ×2.87. ``tasks``: only those (default: all)."""
    sel = np.arange(problem.n_tasks) if tasks is None else np.asarray(tasks, np.int64)
    k = len(sel)
    kind, par = problem.dist_kind[sel], problem.dist_params[sel]
    u = (np.arange(LOG_MOMENT_POINTS) + 0.5) / LOG_MOMENT_POINTS
    q = _inverse(kind, par, np.broadcast_to(u[:, None], (LOG_MOMENT_POINTS, k)).copy())
    logq = np.log(np.maximum(q, 1e-3))
    med = np.exp(logq.mean(axis=0))
    sigma = logq.std(axis=0)
    logn = kind == DIST_LOGNORMAL  # exact for the lognormal: its own median and spread
    lmed = np.maximum(par[:, 0], 1e-9)
    med = np.where(logn, lmed, med)
    sigma = np.where(logn, np.log(np.maximum(par[:, 1], lmed) / lmed) / Z90, sigma)
    sigma = np.where(kind == DIST_FIXED, FIXED_SIGMA, np.maximum(sigma, MIN_SIGMA))
    med = np.where(kind == DIST_FIXED, np.maximum(par[:, 0], 1e-9), med)
    return np.maximum(med, 1e-9), sigma


def log_likelihood(
    problem: RecoveryProblem,
    evidence: Evidence,
    log_pace: F64,
    *,
    contamination: float = CONTAMINATION,
    shape: tuple[F64, F64] | None = None,
) -> F64:
    """Per row of ``log_pace`` (``(samples, observations)``: each observed task's
    log-pace), the log-likelihood of the evidence. ``shape``: the observed steps'
    :func:`surrogate`, when the caller evaluates many times (computed otherwise)."""
    if len(evidence) == 0:
        return np.zeros(log_pace.shape[0])
    t = evidence.task
    med, sigma = surrogate(problem, t) if shape is None else shape
    logx = np.log(np.maximum(evidence.minutes, 1e-9))[None, :] - log_pace
    z = (logx - np.log(med)) / sigma
    bz = (logx - np.log(med)) / BROAD_SIGMA
    total = np.zeros(log_pace.shape[0])
    eps = contamination
    for obs_kind in (EXACT, AT_LEAST, AT_MOST):
        m = evidence.kind == obs_kind
        if not m.any():
            continue
        if obs_kind == EXACT:  # log-density of log Y (the Jacobian 1/y is constant in π)
            model = -0.5 * z[:, m] ** 2 - np.log(sigma[m])
            broad = -0.5 * bz[:, m] ** 2 - np.log(BROAD_SIGMA)
            term = np.logaddexp(np.log1p(-eps) + model, np.log(eps) + broad) if eps > 0 else model
        else:
            sign = -1.0 if obs_kind == AT_LEAST else 1.0  # survival Φ(-z), CDF Φ(z)
            if eps > 0:
                p = (1 - eps) * ndtr(sign * z[:, m]) + eps * ndtr(sign * bz[:, m])
                term = np.log(np.maximum(p, 1e-300))
            else:
                term = log_ndtr(sign * z[:, m])
        total += term.sum(axis=1)
    return total
