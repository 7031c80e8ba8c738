"""Call-in delays as evidence: how late the on-call people really arrive.

Owns the call-in model, its evidence in a progress, its posterior and the arrivals the
forecast draws from it. The pace of the work is :mod:`blackstart.engine.pace`'s.

Model. A team on call when the alert comes has its people arrive ``C_j = c_j · κ · ε_j``
minutes after it, where ``c_j`` is the model's ``call_in``, ``κ`` a call-in factor common
to the incident (how fast people were reached: phones down, a weekend) and ``ε_j`` the
team's own luck: ``log κ ~ N(0, σ_κ²)`` with a 90th percentile ×:data:`CALL_IN_P90`, and
``log ε_j ~ N(0, τ²)`` of known spread (×:data:`SPREAD_P90` at its 90th percentile).
For arrivals seen exactly, ``log(C_j / c_j)`` is normal around ``log κ`` with known
variance: the normal–normal conjugate model (Gelman et al., *Bayesian Data Analysis*,
3rd ed., 2013, §2.5). Censored arrivals enter through the normal CDF (Klein &
Moeschberger, *Survival Analysis*, 2nd ed., 2003, §3.5). The posterior of ``log κ`` is
computed on a fine grid (one dimension: exact up to the grid's resolution).

Evidence (only teams whose calendar shows the call-in: no one at minute 0, the on-call
people from ``c_j``):

- a team's first step started at ``a`` although it was ready earlier (the previous step
  of its component was done before ``a``): the team arrived at ``a`` (exact);
- a team's first step started at ``a``, readiness unknown, or a step of the team done at
  ``a`` with its start unknown: it arrived by ``a`` (at most);
- no step of the team started by ``as_of`` although one was ready before: it has not
  arrived yet (at least ``as_of``).

A person free starts a ready step at once (the scheduler's rule), which is what makes
the first start of a team whose step waited its arrival.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import log_ndtr, ndtr, ndtri

from blackstart.engine.durations import Z90
from blackstart.engine.schedule import RecoveryProblem

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

EXACT, AT_LEAST, AT_MOST = 0, 1, 2

CALL_IN_P90 = 2.0
"""90th percentile of the call-in factor common to the incident (median 1)."""
SPREAD_P90 = 1.5
"""90th percentile of one team's own deviation from it (median 1)."""
GRID = 2001
"""Points of the grid on ``log κ`` (over ±8 prior standard deviations)."""


@dataclass(frozen=True, eq=False)
class CallInEvidence:
    """Arrivals of on-call teams seen in a progress (minutes after the alert)."""

    team: I64
    kind: npt.NDArray[np.int8]
    minutes: F64

    def __len__(self) -> int:
        return len(self.team)

    def count(self, kind: int) -> int:
        """Number of observations of one kind."""
        return int((self.kind == kind).sum())


def model_call_in(problem: RecoveryProblem) -> I64:
    """Per team, the model's call-in minutes where it binds at the alert (nobody at
    minute 0, the on-call people from then on), else 0."""
    teams = problem.capacity.shape[0]
    out = np.zeros(teams, np.int64)
    if problem.call_in is None:
        return out
    horizon = problem.capacity.shape[1]
    for j in range(min(teams, len(problem.call_in))):
        c = int(problem.call_in[j])
        if 0 < c < horizon and (problem.capacity[j, :c] <= 0).all() and problem.capacity[j, c] > 0:
            out[j] = c
    return out


def first_team(problem: RecoveryProblem) -> I64:
    """Per task, its first candidate team (``-1``: automatic)."""
    first = problem.cand_ptr[:-1]
    has = problem.cand_ptr[1:] > first
    if len(problem.cand_team) == 0:
        return np.full(problem.n_tasks, -1, np.int64)
    out: I64 = np.where(has, problem.cand_team[np.minimum(first, len(problem.cand_team) - 1)], -1)
    return out.astype(np.int64)


def call_in_evidence(
    problem: RecoveryProblem, as_of: int, done_end: I64, started: I64
) -> CallInEvidence:
    """The arrivals a progress shows (see the module's docstring)."""
    c = model_call_in(problem)
    team = first_team(problem)
    k = problem.n_tasks
    prev_end = np.full(k, -1, np.int64)
    same = problem.task_node[1:] == problem.task_node[:-1]
    prev_end[1:][same] = done_end[:-1][same]
    rows: list[tuple[int, int, float]] = []
    for j in np.flatnonzero(c > 0).tolist():
        mine = np.flatnonzero(team == j)
        began = mine[started[mine] >= 0]
        ended = mine[(done_end[mine] >= 0) & (started[mine] < 0)]
        if len(began) or len(ended):
            first = began[np.argmin(started[began])] if len(began) else -1
            a = int(started[first]) if first >= 0 else as_of
            if len(ended):  # a step done, start unknown: the team was there by its end
                a = min(a, int(done_end[ended].min()))
            if a <= 0:
                continue
            waited = first >= 0 and a == started[first] and 0 <= prev_end[first] < a
            rows.append((j, EXACT if waited else AT_MOST, float(a)))
            continue
        ready = (prev_end[mine] >= 0) & (prev_end[mine] < as_of) & (done_end[mine] < 0)
        if ready.any() and as_of > 0:
            rows.append((j, AT_LEAST, float(as_of)))
    return CallInEvidence(
        np.array([r[0] for r in rows], np.int64),
        np.array([r[1] for r in rows], np.int8),
        np.array([r[2] for r in rows], np.float64),
    )


@dataclass(frozen=True, eq=False)
class CallInPosterior:
    """The posterior of ``log κ`` on a grid, and what the forecast needs to draw the
    arrivals of the teams not yet seen."""

    grid: F64
    weights: F64
    call_in: I64
    """Per team, the model's call-in where it binds (0: none)."""
    pending: npt.NDArray[np.bool_]
    """Per team: on call at the alert and not seen arriving."""
    floor: F64
    """Per team, the minute it is known not to have arrived by (0: nothing known)."""
    evidence: CallInEvidence
    tau: float

    def factor_summary(self) -> dict[str, float]:
        """Posterior mean, median and 80 % / 95 % central intervals of ``κ``."""
        cw = np.cumsum(self.weights)
        at = np.minimum(np.searchsorted(cw, [0.025, 0.1, 0.5, 0.9, 0.975]), len(cw) - 1)
        qs = np.exp(self.grid[at]).tolist()
        return {
            "mean": float(self.weights @ np.exp(self.grid)),
            "median": qs[2],
            "p10": qs[1],
            "p90": qs[3],
            "p2_5": qs[0],
            "p97_5": qs[4],
        }

    def summary(self) -> dict[str, object]:
        """The call-in factor and the arrivals it was learnt from."""
        ev = self.evidence
        return {
            "factor": self.factor_summary(),
            "evidence": {
                "arrived": ev.count(EXACT),
                "arrived_by": ev.count(AT_MOST),
                "not_yet": ev.count(AT_LEAST),
            },
        }

    def arrivals(self, rng: np.random.Generator, n: int) -> I64:
        """``(n, teams)`` arrival minutes of the pending teams (``-1`` elsewhere): ``κ``
        from the posterior, each team's ``ε`` from its spread, truncated below where the
        team is known not to have arrived by ``floor``."""
        out = np.full((n, len(self.call_in)), -1, np.int64)
        cols = np.flatnonzero(self.pending)
        if len(cols) == 0:
            return out
        kappa = self.grid[rng.choice(len(self.grid), size=n, p=self.weights)]
        c = self.call_in[cols].astype(np.float64)
        lower = np.log(np.maximum(self.floor[cols], 1e-9) / c)[None, :] - kappa[:, None]
        lo = np.where(self.floor[cols] > 0, ndtr(lower / self.tau), 0.0)
        u = lo + rng.random((n, len(cols))) * (1 - lo)
        eps = self.tau * ndtri(np.clip(u, 1e-12, 1 - 1e-12))
        minutes = c[None, :] * np.exp(kappa[:, None] + eps)
        floor = np.where(self.floor[cols] > 0, self.floor[cols] + 1, 0)
        out[:, cols] = np.maximum(np.ceil(minutes), floor).astype(np.int64)
        return out


def learn_call_in(
    problem: RecoveryProblem,
    evidence: CallInEvidence,
    *,
    p90: float = CALL_IN_P90,
    spread_p90: float = SPREAD_P90,
) -> CallInPosterior | None:
    """The call-in posterior, or ``None`` when no arrival was seen (the model's call-in
    is then used as written, so a forecast without this evidence does not move)."""
    if len(evidence) == 0:
        return None
    c = model_call_in(problem)
    s_k = float(np.log(p90) / Z90)
    tau = float(np.log(spread_p90) / Z90)
    grid = np.linspace(-8 * s_k, 8 * s_k, GRID)
    logp = -0.5 * (grid / s_k) ** 2
    ratio = np.log(evidence.minutes / c[evidence.team])
    z = (ratio[None, :] - grid[:, None]) / tau
    for kind, term in (
        (EXACT, -0.5 * z * z),
        (AT_LEAST, log_ndtr(-z)),
        (AT_MOST, log_ndtr(z)),
    ):
        m = evidence.kind == kind
        logp = logp + term[:, m].sum(axis=1)
    w = np.exp(logp - logp.max())
    w /= w.sum()
    seen = np.zeros(len(c), np.bool_)
    seen[evidence.team[evidence.kind != AT_LEAST]] = True
    floor = np.zeros(len(c), np.float64)
    at_least = evidence.kind == AT_LEAST
    floor[evidence.team[at_least]] = evidence.minutes[at_least]
    return CallInPosterior(grid, w, c, (c > 0) & ~seen, floor, evidence, tau)


def capacity_with(problem: RecoveryProblem, call_in: I64, arrival: I64) -> npt.NDArray[np.int16]:
    """The staff calendar with each pending team's on-call people arriving at
    ``arrival[j]`` instead of the model's ``call_in[j]`` (``-1``: as the model says).

    Only the on-call stretch that follows the model's arrival moves: later, its minutes
    before the arrival are empty; earlier, the minutes before the model's arrival get
    that stretch's head-count. The next shift comes as its calendar says."""
    cap = problem.capacity.copy()
    horizon = cap.shape[1]
    for j in np.flatnonzero(arrival >= 0).tolist():
        c, a = int(call_in[j]), int(arrival[j])
        if c <= 0 or a == c:
            continue
        people = cap[j, c]
        change = np.flatnonzero(cap[j, c:] != people)
        end = c + int(change[0]) if len(change) else horizon
        if a < c:
            cap[j, a:c] = people
        else:
            cap[j, c : min(a, end)] = 0
    return cap
