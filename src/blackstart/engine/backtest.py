"""Backtest of the forecast: do its bands hold on incidents whose truth is known?

Owns drawing a "true" incident from a perturbed copy of the recovery problem (pace
factors hidden from the forecaster, plus random durations), replaying its progress at
checkpoints, re-forecasting at each (with and without learning), and scoring the
forecasts: coverage of the P50/P80/P95 (share of forecasts the truth fell at or below),
error of the P50, slips (an announced P80 the truth beat), sharpness (P95 − P50). This is
the calibration check of probabilistic forecasts (Gneiting, Balabdaoui & Raftery,
"Probabilistic forecasts, calibration and sharpness", JRSS B 69, 2007): coverage near
the nominal level, as sharp as possible given that.

Pure: arrays in, arrays and numbers out; names and times are the caller's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from blackstart.engine.durations import _durations
from blackstart.engine.forecast import Progress, forecast
from blackstart.engine.pace import (
    Evidence,
    PacePosterior,
    PacePrior,
    design,
    evidence_of,
    learn_pace,
    worked_minutes,
)
from blackstart.engine.schedule import ACTIONS, RecoveryProblem, run_once

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Records:
    """One row per (truth, checkpoint, group) where the group was not yet back."""

    truth_id: I64
    as_of: I64
    group: I64
    truth: I64
    """When the group was really back (minutes)."""
    q: F64
    """``(rows, 3)`` forecast P50, P80, P95 (minutes)."""
    done_share: F64
    """Share of the true work (minutes of steps) done at the checkpoint."""


def score(r: Records, rows: npt.NDArray[np.bool_] | None = None) -> dict[str, float | int]:
    """Coverage of each quantile, P50 error (mean absolute and mean signed, hours),
    slips (truth later than the announced P80) overall and once a quarter of the work is
    done, sharpness (mean P95 − P50, hours), over ``rows`` (all by default)."""
    sel = np.ones(len(r.truth), np.bool_) if rows is None else rows
    n = int(sel.sum())
    if n == 0:
        return {"forecasts": 0}
    truth = r.truth[sel].astype(np.float64)
    q = r.q[sel]
    late = truth > q[:, 1]
    return {
        "forecasts": n,
        "coverage_p50": float((truth <= q[:, 0]).mean()),
        "coverage_p80": float((truth <= q[:, 1]).mean()),
        "coverage_p95": float((truth <= q[:, 2]).mean()),
        "p50_error_h": float(np.abs(q[:, 0] - truth).mean() / 60),
        "p50_bias_h": float((q[:, 0] - truth).mean() / 60),
        "slips": int(late.sum()),
        "slips_after_quarter": int((late & (r.done_share[sel] >= 0.25)).sum()),
        "sharpness_h": float((q[:, 2] - q[:, 0]).mean() / 60),
    }


def true_durations(problem: RecoveryProblem, rng: np.random.Generator, pace: F64) -> I64:
    """One incident's true step durations: the model's, times ``pace`` per task."""
    k = problem.n_tasks
    u = rng.random((1, k))
    needed = rng.random((1, k)) < problem.task_prob
    out: I64 = _durations(problem, u, needed, None, pace[None, :])[0]
    return out


def backtest(
    problem: RecoveryProblem,
    watch: I64,
    groups: Sequence[Sequence[int]],
    *,
    task_pace: F64,
    truths: int,
    every: int,
    runs: int,
    seed: int,
    learn: bool,
    prior: PacePrior,
    known_pace: bool = False,
) -> Records:
    """Draw ``truths`` incidents with the true per-task pace ``task_pace``; re-forecast
    each from its true progress at the end of the failure and then every ``every``
    minutes until everything is back; one record per group of ``watch`` columns (a tier)
    not yet back. Same seed, same truths, whether or not the forecaster learns.

    ``known_pace``: the forecaster is told the true pace (and learns nothing else): the
    reference of a forecaster that is right on average, whose P80 is still beaten in
    about a fifth of the forecasts."""
    failure_end = int(problem.inj_end.max())
    cols: list[list[int]] = [list(g) for g in groups]
    out: dict[str, list[object]] = {k: [] for k in ("t", "a", "g", "y", "q", "s")}
    seqs = np.random.SeedSequence(seed).spawn(truths)
    for i in range(truths):
        rng = np.random.default_rng(seqs[i])
        dur = true_durations(problem, rng, task_pace)
        sched = run_once(problem, dur)
        back = sched.back[watch]
        group_back = [int(back[c].max()) if c else 0 for c in cols]
        total_work = float(max(dur.sum(), 1))
        last = max(group_back)
        t = failure_end
        while t < last:
            done = sched.end <= t
            done_end = np.where(done, sched.end, -1).astype(np.int64)
            started = np.where(sched.start <= t, sched.start, -1).astype(np.int64)
            prog = Progress(as_of=t, done_end=done_end, started=started)
            share = float(done_work(problem, sched.start, sched.end, dur, t) / total_work)
            post: PacePosterior | None = None
            if known_pace:
                post = KnownPace.of(problem, task_pace, evidence_of(problem, t, done_end, started))
            elif learn:
                post = learn_pace(
                    problem, evidence_of(problem, t, done_end, started), prior, seed=seed + i
                )
            res = forecast(
                problem, watch, runs=runs, seed=seed + 7919 * (i + 1), progress=prog, pace=post
            )
            for g, c in enumerate(cols):
                if not c or group_back[g] <= t:
                    continue
                q = np.quantile(res.group_max(c), (0.5, 0.8, 0.95))
                for key, val in zip("tagyqs", (i, t, g, group_back[g], q, share), strict=True):
                    out[key].append(val)
            t += every
    return records_of(out)


def records_of(out: dict[str, list[Any]]) -> Records:
    """The columns gathered under keys ``t a g y q s`` as :class:`Records`."""
    return Records(
        np.asarray(out["t"], np.int64),
        np.asarray(out["a"], np.int64),
        np.asarray(out["g"], np.int64),
        np.asarray(out["y"], np.int64),
        np.asarray(out["q"], np.float64).reshape(-1, 3),
        np.asarray(out["s"], np.float64),
    )


def done_work(problem: RecoveryProblem, start: I64, end: I64, dur: I64, t: int) -> float:
    """Minutes of work done by minute ``t``: each step's staffed minutes since its start
    (a step handed over across a night did not work at night), at most its length."""
    k = problem.n_tasks
    upto = np.maximum(np.minimum(end, t), start)
    worked = worked_minutes(problem, np.arange(k, dtype=np.int64), start, upto)
    return float(np.clip(worked, 0, dur).sum())


@dataclass(frozen=True, eq=False)
class KnownPace(PacePosterior):
    """A posterior that is certain of the true per-task pace (the backtest's reference)."""

    factor: F64 = field(default_factory=lambda: np.ones(0))

    @classmethod
    def of(cls, problem: RecoveryProblem, task_pace: F64, evidence: Evidence) -> KnownPace:
        """The true pace ``task_pace`` with the restart outcomes seen in ``evidence``."""
        team_col, action_col = design(problem)
        dims = 1 + len(problem.team_names) + len(ACTIONS) + 1
        mask = (problem.task_action == ACTIONS.index("restore")).astype(np.int8)
        return cls(np.zeros((1, dims)), np.ones(1), team_col, action_col,
                   problem.team_names, evidence, 1.0, mask,
                   factor=np.asarray(task_pace, np.float64))  # fmt: skip

    def task_factor(self, rows: I64) -> F64:
        out: F64 = np.tile(self.factor, (len(rows), 1))
        return out
