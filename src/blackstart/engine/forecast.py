"""Monte Carlo forecast of when nodes are back, optionally conditioned on progress.

Owns the replication loop: sample every task's duration and uncertain branch (restore
after a failed restart), run the list scheduler, record the back time of the watched
nodes; then percentiles and probabilities over the runs.

Reproducibility: runs are drawn in fixed blocks of :data:`BLOCK` runs, block ``b`` from
its own generator spawned from ``SeedSequence(seed)`` (NumPy's recommended practice for
independent streams), so the same seed gives the same numbers whatever the progress
granularity or the number of threads.

Memory: a block is drawn and scheduled in chunks of rows sized from ``memory`` (bytes of
samples held at once, :data:`MEMORY`), bit-identical to drawing it whole
(:func:`~blackstart.engine.durations.sample_rows`), so peak memory is
O(chunk × tasks) instead of O(:data:`BLOCK` × tasks).

Learning: given a pace posterior (:mod:`blackstart.engine.pace`), each run draws one
pace vector from it (block ``b`` from its own stream, ``spawn_key (b, PACE_KEY)``, so
the duration draws are the very ones of the forecast without learning) and multiplies
the durations of the work not yet done by it. Without a posterior, the forecast is the
model's as written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from blackstart.engine.callin import capacity_with
from blackstart.engine.durations import BYTES_PER_SAMPLE, sample_rows
from blackstart.engine.pace import PacePosterior, worked_minutes
from blackstart.engine.schedule import RecoveryProblem, run_many

BLOCK = 1024
"""Runs per block (the unit of seeding and of progress reports)."""

MEMORY = 256 * 2**20
"""Default budget in bytes for the samples of a block held at once (256 MiB)."""

QUANTILES = (0.5, 0.8, 0.95)

PACE_KEY = 0x9ACE
"""Second element of the spawn key of a block's pace draws."""
CALL_IN_KEY = 0xCA11
"""Second element of the spawn key of a block's call-in arrival draws."""
STRATA = 16
"""Arrival draws per block when call-ins are learnt: run ``r`` of a block takes draw
``r mod STRATA`` (each draw is a staff calendar, scheduled for its runs together)."""

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Progress:
    """What the forecast knows about work already done (minutes from the scenario start)."""

    as_of: int = 0
    """Nothing not yet started starts before this."""
    done_end: I64 | None = None
    """Per task: minute it was done, or -1."""
    started: I64 | None = None
    """Per task: minute it started (in progress), or -1."""


@dataclass(frozen=True, eq=False)
class ForecastResult:
    """Back times ``(runs, watched)`` in minutes, and which runs fit in the horizon."""

    watch: I64
    back: I64
    fits: npt.NDArray[np.bool_]
    seed: int
    runs: int
    pace: PacePosterior | None = None
    """The pace posterior the runs were drawn with (``None``: the model as written)."""

    def quantiles(self, qs: Sequence[float] = QUANTILES) -> npt.NDArray[np.float64]:
        """``(len(qs), watched)`` quantiles (linear interpolation between order statistics)."""
        return np.quantile(self.back, qs, axis=0)

    def exceed_probability(self, limits: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Per watched node, the share of runs where it is back later than ``limits``
        (``nan`` where the limit is ``nan``)."""
        p = (self.back > limits[None, :]).mean(axis=0)
        return np.where(np.isnan(limits), np.nan, p)

    def group_max(self, columns: Sequence[int]) -> I64:
        """Per run, when the last of ``columns`` is back (a tier is back when its last
        function is); 0 for an empty group."""
        if not columns:
            return np.zeros(self.back.shape[0], np.int64)
        out: I64 = self.back[:, list(columns)].max(axis=1)
        return out


def forecast(
    problem: RecoveryProblem,
    watch: I64,
    *,
    runs: int,
    seed: int,
    progress: Progress | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    memory: int = MEMORY,
    pace: PacePosterior | None = None,
) -> ForecastResult:
    """Run ``runs`` replications of the recovery and record when ``watch`` nodes are back.

    ``memory`` bounds the bytes of samples held at once (at least one run's worth); it
    changes no number. ``pace``: a pace posterior to draw each run's pace factors from
    (learning); ``None`` samples the model's durations as written."""
    k = problem.n_tasks
    rows = chunk_rows(k, memory)
    prog = progress or Progress()
    done_end = prog.done_end if prog.done_end is not None else np.full(k, -1, np.int64)
    started = prog.started if prog.started is not None else np.full(k, -1, np.int64)
    running = (started >= 0) & (done_end < 0)
    elapsed = np.full(k, -1, np.int64)
    ir = np.flatnonzero(running)  # work done so far: the team's staffed minutes only
    elapsed[ir] = np.maximum(
        worked_minutes(problem, ir, started[ir], np.full(len(ir), prog.as_of)), 0
    )
    fixed_start = np.where(done_end >= 0, started, np.where(started >= 0, started, -1)).astype(
        np.int64
    )
    blocks = -(-runs // BLOCK)
    seqs = np.random.SeedSequence(seed).spawn(blocks)
    back = np.zeros((runs, len(watch)), np.int64)
    fits = np.ones(runs, np.bool_)
    for b in range(blocks):
        lo, hi = b * BLOCK, min(runs, (b + 1) * BLOCK)
        rng = np.random.default_rng(seqs[b])
        factor = None
        if pace is not None:
            pick = pace.draw(
                np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(b, PACE_KEY))),
                hi - lo,
            )
            factor = _factor(pace, pick, problem.task_prob)
        arrive = None
        if pace is not None and pace.call_in is not None and pace.call_in.pending.any():
            arrive = pace.call_in.arrivals(
                np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(b, CALL_IN_KEY))),
                STRATA,
            )
            arrive[arrive <= prog.as_of] = -1  # arrived before now: nothing of theirs moves
            if (arrive < 0).all():
                arrive = None
        chunks = sample_rows(problem, rng, BLOCK, stop=hi - lo, rows=rows, elapsed=elapsed,
                             pace=factor)  # fmt: skip
        for a, z, durations in chunks:
            if arrive is None or pace is None or pace.call_in is None:
                out, ok = _schedule(problem, durations, watch, fixed_start, done_end, prog.as_of)
            else:  # one staff calendar per arrival draw
                out = np.zeros((z - a, len(watch)), np.int64)
                ok = np.ones(z - a, np.bool_)
                stratum = (a + np.arange(z - a)) % STRATA
                for s in np.unique(stratum).tolist():
                    sel = np.flatnonzero(stratum == s)
                    cap = capacity_with(problem, pace.call_in.call_in, arrive[s])
                    moved = replace(problem, capacity=cap)
                    out[sel], ok[sel] = _schedule(
                        moved, durations[sel], watch, fixed_start, done_end, prog.as_of
                    )
            del durations
            back[lo + a : lo + z] = out
            fits[lo + a : lo + z] = ok
        if on_progress is not None:
            on_progress(hi, runs)
    return ForecastResult(np.asarray(watch, np.int64), back, fits, seed, runs, pace)


def _schedule(
    problem: RecoveryProblem,
    durations: I64,
    watch: I64,
    fixed_start: I64,
    fixed_end: I64,
    as_of: int,
) -> tuple[I64, npt.NDArray[np.bool_]]:
    return run_many(
        problem, durations, watch, fixed_start=fixed_start, fixed_end=fixed_end, not_before=as_of
    )


def _factor(
    pace: PacePosterior, pick: I64, task_prob: npt.NDArray[np.float64]
) -> Callable[[int, int], tuple[npt.NDArray[np.float64], npt.NDArray[np.float64] | None]]:
    """Pace factors and restore probabilities of rows ``lo:hi`` of a block whose runs
    drew the posterior samples ``pick``."""

    def rows(lo: int, hi: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64] | None]:
        return pace.task_factor(pick[lo:hi]), pace.restore_prob(pick[lo:hi], task_prob)

    return rows


def chunk_rows(tasks: int, memory: int) -> int:
    """Runs drawn at once so their samples fit in ``memory`` bytes (1 to :data:`BLOCK`)."""
    return int(min(BLOCK, max(1, memory // max(1, tasks * BYTES_PER_SAMPLE))))
