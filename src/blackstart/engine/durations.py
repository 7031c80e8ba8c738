"""Task durations: medians for the plan, samples for the forecast, conditioned samples for
tasks in progress.

Owns the inverse-CDF sampling of the four duration distributions (fixed, uniform,
triangular, lognormal given median and 90th percentile) in minutes, vectorised over runs
and tasks. Conditioning on a task having already run ``e`` minutes samples the tail:
``u ~ U(F(e), 1)``, ``d = F⁻¹(u)`` (the distribution truncated below at ``e``).
Randomness comes only from the ``numpy.random.Generator`` passed in.

Memory: a ``(runs, tasks)`` sample costs about :data:`BYTES_PER_SAMPLE` bytes per cell
while it is drawn. :func:`sample_rows` yields the rows of the same sample in chunks,
bit-identical, so a caller holds one chunk at a time.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr, ndtri

from blackstart.engine.schedule import (
    DIST_FIXED,
    DIST_LOGNORMAL,
    DIST_TRIANGULAR,
    DIST_UNIFORM,
    RecoveryProblem,
)

Z90 = 1.2815515655446004
"""Standard normal 90th percentile."""

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

BYTES_PER_SAMPLE = 48
"""Peak bytes per (run, task) cell while sampling: the uniforms, the restore draws and
their mask, the quantiles and the minutes (8 + 8 + 1 + 8 + 8 = 33, as measured with
tracemalloc on a generated model), rounded up for the temporaries of other mixes of
distributions and the caller's copy of the previous chunk."""


def _inverse(kind: npt.NDArray[np.int8], par: F64, u: F64) -> F64:
    """Quantile function of each task's distribution at ``u`` (broadcast over runs)."""
    a, b, c = par[:, 0], par[:, 1], par[:, 2]
    out = np.empty(np.broadcast(u, a).shape, dtype=np.float64)
    fixed = kind == DIST_FIXED
    uni = kind == DIST_UNIFORM
    tri = kind == DIST_TRIANGULAR
    logn = kind == DIST_LOGNORMAL
    out[..., fixed] = a[fixed]
    out[..., uni] = a[uni] + u[..., uni] * (b[uni] - a[uni])
    if tri.any():
        lo, mode, hi = a[tri], b[tri], c[tri]
        span = np.maximum(hi - lo, 1e-12)
        fm = (mode - lo) / span
        ut = u[..., tri]
        left = lo + np.sqrt(ut * span * (mode - lo))
        right = hi - np.sqrt((1 - ut) * span * (hi - mode))
        out[..., tri] = np.where(ut < fm, left, right)
    if logn.any():
        med, p90 = a[logn], b[logn]
        sigma = np.log(p90 / med) / Z90
        out[..., logn] = med * np.exp(sigma * ndtri(np.clip(u[..., logn], 1e-12, 1 - 1e-12)))
    return out


def _cdf(kind: npt.NDArray[np.int8], par: F64, x: F64) -> F64:
    """Cumulative distribution of each task's duration at ``x`` minutes (``x`` is
    ``(tasks,)`` or ``(runs, tasks)``)."""
    return duration_cdf(kind, par, x)


def duration_cdf(kind: npt.NDArray[np.int8], par: F64, x: F64) -> F64:
    """Cumulative distribution of each column's duration at ``x`` minutes, ``x`` of shape
    ``(..., columns)`` with one distribution per column."""
    a, b, c = par[:, 0], par[:, 1], par[:, 2]
    out = np.zeros(np.shape(x), dtype=np.float64)
    fixed = kind == DIST_FIXED
    uni = kind == DIST_UNIFORM
    tri = kind == DIST_TRIANGULAR
    logn = kind == DIST_LOGNORMAL
    out[..., fixed] = (x[..., fixed] >= a[fixed]).astype(np.float64)
    span = np.maximum(b - a, 1e-12)
    out[..., uni] = np.clip((x[..., uni] - a[uni]) / span[uni], 0, 1)
    if tri.any():
        lo, mode, hi, xt = a[tri], b[tri], c[tri], x[..., tri]
        width = np.maximum(hi - lo, 1e-12)
        left = (xt - lo) ** 2 / (width * np.maximum(mode - lo, 1e-12))
        right = 1 - (hi - xt) ** 2 / (width * np.maximum(hi - mode, 1e-12))
        tcdf = np.clip(np.where(xt <= mode, left, right), 0, 1)
        out[..., tri] = np.where(xt <= lo, 0.0, np.where(xt >= hi, 1.0, tcdf))
    if logn.any():
        med, p90, xl = a[logn], b[logn], np.maximum(x[..., logn], 1e-12)
        sigma = np.log(p90 / med) / Z90
        out[..., logn] = ndtr((np.log(xl) - np.log(med)) / sigma)
    return out


def _minutes(x: F64) -> npt.NDArray[np.int64]:
    """Whole minutes, rounded up (a non-zero duration lasts at least a minute)."""
    return np.ceil(np.maximum(x, 0.0) - 1e-9).astype(np.int64)


def median_durations(problem: RecoveryProblem) -> npt.NDArray[np.int64]:
    """Each task's median duration; a restore only when it is more likely than not."""
    half = np.full(problem.n_tasks, 0.5)
    d = _minutes(_inverse(problem.dist_kind, problem.dist_params, half))
    d[problem.task_prob < 0.5] = 0
    return d


def sample_durations(
    problem: RecoveryProblem,
    rng: np.random.Generator,
    runs: int,
    *,
    elapsed: npt.NDArray[np.int64] | None = None,
) -> npt.NDArray[np.int64]:
    """``(runs, tasks)`` sampled durations in minutes; uncertain tasks (restores) drawn
    with their probability. ``elapsed[k] >= 0`` conditions task ``k`` on having already
    run that long (and on being needed).

    Draw order: ``runs × tasks`` uniforms (row-major), then as many for the restore
    branches; :func:`sample_rows` relies on it."""
    k = problem.n_tasks
    u = rng.random((runs, k))
    needed = rng.random((runs, k)) < problem.task_prob
    return _durations(problem, u, needed, elapsed)


def sample_rows(
    problem: RecoveryProblem,
    rng: np.random.Generator,
    runs: int,
    *,
    stop: int,
    rows: int,
    elapsed: npt.NDArray[np.int64] | None = None,
    pace: Callable[[int, int], tuple[F64, F64 | None]] | None = None,
) -> Iterator[tuple[int, int, I64]]:
    """Rows ``[0, stop)`` of ``sample_durations(problem, rng, runs, elapsed=elapsed)``, bit
    for bit, as ``(lo, hi, durations[lo:hi])`` chunks of at most ``rows`` rows.

    The uniforms of rows ``lo:hi`` are the generator's outputs ``lo·k … hi·k`` and the
    restore draws its outputs ``(runs + lo)·k …`` (one 64-bit output per double), so a
    copy of the generator advanced by ``runs·k`` outputs draws the restores alongside
    (``PCG64.advance``, O(log n); other bit generators draw and discard). ``rng`` is left
    in an unspecified state. ``pace(lo, hi)``, if given, returns the ``(hi − lo, tasks)``
    pace factors of those rows (see :func:`_durations`) and their probabilities that each
    step is needed (``None``: ``task_prob``); it draws nothing from ``rng``.
    """
    if not 0 <= stop <= runs or rows < 1:
        raise ValueError(f"need 0 <= stop <= runs and rows >= 1, got {stop}, {runs}, {rows}")
    k = problem.n_tasks
    branch = copy.deepcopy(rng)
    _skip(branch, runs * k, rows * max(k, 1))
    for lo in range(0, stop, rows):
        hi = min(stop, lo + rows)
        u = rng.random((hi - lo, k))
        factor, prob = (None, None) if pace is None else pace(lo, hi)
        needed = branch.random((hi - lo, k)) < (problem.task_prob if prob is None else prob)
        d = _durations(problem, u, needed, elapsed, factor)
        del u, needed  # hold only the chunk's minutes while the caller uses them
        yield lo, hi, d
        del d


def _skip(rng: np.random.Generator, outputs: int, chunk: int) -> None:
    """Advance ``rng`` by ``outputs`` 64-bit outputs (as many ``random()`` doubles)."""
    bits = rng.bit_generator
    if isinstance(bits, np.random.PCG64 | np.random.PCG64DXSM):
        bits.advance(outputs)  # one LCG step per 64-bit output
        return
    while outputs > 0:  # no exact jump-ahead (Philox counts blocks of 4): draw and discard
        rng.random(min(outputs, chunk))
        outputs -= chunk


def _durations(
    problem: RecoveryProblem,
    u: F64,
    needed: npt.NDArray[np.bool_],
    elapsed: npt.NDArray[np.int64] | None,
    pace: F64 | None = None,
) -> I64:
    """Durations in minutes from the uniforms ``u`` and the restore mask ``needed``;
    ``pace`` (same shape as ``u``) multiplies each model duration. A running task with
    pace ``π`` is drawn from the model truncated below at ``elapsed / π``, then scaled."""
    if elapsed is not None and (elapsed >= 0).any():
        running = elapsed >= 0
        if pace is None:
            floor = _cdf(problem.dist_kind, problem.dist_params, elapsed.astype(np.float64))
            u[:, running] = floor[running] + u[:, running] * (1 - floor[running])
        else:
            seen = elapsed[running].astype(np.float64)[None, :] / pace[:, running]
            lower = _cdf(problem.dist_kind[running], problem.dist_params[running], seen)
            u[:, running] = lower + u[:, running] * (1 - lower)
        needed[:, running] = True
    q = _inverse(problem.dist_kind, problem.dist_params, u)
    d = _minutes(q if pace is None else q * pace)
    if elapsed is not None:
        running = elapsed >= 0
        d[:, running] = np.maximum(d[:, running], elapsed[running] + 1)
    d[~needed] = 0
    return d
