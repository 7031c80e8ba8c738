"""Backtest of one forecaster against truths drawn from *another* model of the same
recovery: how well does the model as it was (or as calibrated) forecast the incidents
that the calibrated model says are real?

Owns :func:`cross_backtest`, used by ``blackstart calibrate`` to report how the fit
changes the forecast's calibration. It is :func:`blackstart.engine.backtest.backtest`
(same replay, same records, same :func:`~blackstart.engine.backtest.score`) with the
truth's durations drawn from ``truth`` rather than from the forecaster's problem, each
incident at its own overall pace, and the learning forecaster only. Both problems must
be the same scenario of the same model topology (same tasks in the same order): an
overlay of durations and pace prior changes neither.

Pure: arrays in, records out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from blackstart.engine.backtest import Records, done_work, records_of, true_durations
from blackstart.engine.forecast import Progress, forecast
from blackstart.engine.pace import PacePrior, evidence_of, learn_pace
from blackstart.engine.schedule import RecoveryProblem, run_once

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def cross_backtest(
    truth: RecoveryProblem,
    forecaster: RecoveryProblem,
    watch: I64,
    groups: Sequence[Sequence[int]],
    *,
    truth_pace: F64,
    every: int,
    runs: int,
    seed: int,
    prior: PacePrior,
) -> Records:
    """Draw ``len(truth_pace)`` incidents from ``truth`` (incident ``i``'s work
    ``truth_pace[i]`` times the durations drawn); re-forecast each with ``forecaster``
    (learning, under ``prior``) from its true progress at the end of the failure and then
    every ``every`` minutes until everything is back; one record per group of ``watch``
    columns not yet back. Same seed, same truths, whatever the forecaster."""
    if truth.task_labels != forecaster.task_labels:
        raise ValueError("truth and forecaster must schedule the same tasks")
    failure_end = int(truth.inj_end.max())
    cols: list[list[int]] = [list(g) for g in groups]
    out: dict[str, list[object]] = {k: [] for k in ("t", "a", "g", "y", "q", "s")}
    seqs = np.random.SeedSequence(seed).spawn(len(truth_pace))
    for i, pace in enumerate(np.asarray(truth_pace, np.float64).tolist()):
        rng = np.random.default_rng(seqs[i])
        dur = true_durations(truth, rng, np.full(truth.n_tasks, pace))
        sched = run_once(truth, dur)
        back = sched.back[watch]
        group_back = [int(back[c].max()) if c else 0 for c in cols]
        total_work = float(max(dur.sum(), 1))
        t = failure_end
        while t < max(group_back):
            done_end = np.where(sched.end <= t, sched.end, -1).astype(np.int64)
            started = np.where(sched.start <= t, sched.start, -1).astype(np.int64)
            prog = Progress(as_of=t, done_end=done_end, started=started)
            share = float(done_work(truth, sched.start, sched.end, dur, t) / total_work)
            post = learn_pace(
                forecaster, evidence_of(forecaster, t, done_end, started), prior, seed=seed + i
            )
            res = forecast(
                forecaster, watch, runs=runs, seed=seed + 7919 * (i + 1), progress=prog, pace=post
            )
            for g, c in enumerate(cols):
                if not c or group_back[g] <= t:
                    continue
                q = np.quantile(res.group_max(c), (0.5, 0.8, 0.95))
                for key, val in zip("tagyqs", (i, t, g, group_back[g], q, share), strict=True):
                    out[key].append(val)
            t += every
    return records_of(out)
