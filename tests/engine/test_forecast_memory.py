"""Memory-bounded forecast: drawing and scheduling a block in chunks of runs
(:func:`blackstart.engine.durations.sample_rows`, ``forecast(memory=...)``) gives the
same numbers, bit for bit, as drawing the whole block at once."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from blackstart import api, planning
from blackstart.engine.durations import BYTES_PER_SAMPLE, sample_durations, sample_rows
from blackstart.engine.forecast import BLOCK, MEMORY, chunk_rows, forecast
from blackstart.engine.schedule import run_once
from blackstart.generate import generate_model
from blackstart.model.load import load_data
from blackstart.model.model import Model


@cache
def example() -> Model:
    return api.load(api.example_path())


@cache
def generated() -> Model:
    return load_data(generate_model(1000, seed=6))


def watch_functions(ctx: planning.Context) -> np.ndarray:
    return np.array([v for _, v in ctx.function_nodes()], np.int64)


def whole_block_forecast(ctx: planning.Context, runs: int, seed: int) -> np.ndarray:
    """The whole-block algorithm written out: per block, the full ``BLOCK × tasks``
    sample from the block's spawned generator, truncated, scheduled run by run. It
    reuses ``sample_durations`` and ``run_once``, so it checks that chunking changes no
    number, not that the numbers are right: ``test_forecast_oracles.py`` does that."""
    p = ctx.problem
    watch = watch_functions(ctx)
    seqs = np.random.SeedSequence(seed).spawn(-(-runs // BLOCK))
    rows = [
        sample_durations(p, np.random.default_rng(s), BLOCK)[: min(BLOCK, runs - b * BLOCK)]
        for b, s in enumerate(seqs)
    ]
    d = np.concatenate(rows)
    return np.array([run_once(p, d[r]).back[watch] for r in range(runs)])


@pytest.mark.parametrize(
    ("which", "scenario"),
    [("example", "colo-power-cut"), ("example", "colo-site-loss"),
     ("generated", "colo-operator-down")],
)  # fmt: skip
def test_tiny_budget_equals_whole_block(which: str, scenario: str) -> None:
    model = example() if which == "example" else generated()
    ctx = planning.context(model, scenario)
    p = ctx.problem
    watch = watch_functions(ctx)
    runs = BLOCK + 300 if which == "example" else 150
    whole = forecast(p, watch, runs=runs, seed=12, memory=10**12)
    tiny = forecast(p, watch, runs=runs, seed=12, memory=1)  # one run per chunk
    some = forecast(p, watch, runs=runs, seed=12, memory=37 * p.n_tasks * BYTES_PER_SAMPLE)
    assert chunk_rows(p.n_tasks, 1) == 1 and chunk_rows(p.n_tasks, 10**12) == BLOCK
    assert chunk_rows(p.n_tasks, 37 * p.n_tasks * BYTES_PER_SAMPLE) == 37
    for res in (tiny, some):
        assert np.array_equal(res.back, whole.back)
        assert np.array_equal(res.fits, whole.fits)
    assert p.down[watch].any() and len(np.unique(whole.back[:, p.down[watch]])) > 1
    if which == "generated":  # and both equal the unchunked algorithm written out
        assert np.array_equal(whole.back, whole_block_forecast(ctx, runs, 12))


def test_tiny_budget_with_progress_equals_whole_block() -> None:
    """Conditioning on tasks in progress is applied per chunk, identically."""
    ctx = planning.context(example(), "colo-power-cut")
    prog = planning.progress_of(ctx, "+20h", ["colo-power-distribution"], ["colo-cage-pdu-a@+19h"])
    watch = watch_functions(ctx)
    whole = forecast(ctx.problem, watch, runs=400, seed=3, progress=prog, memory=10**12)
    tiny = forecast(ctx.problem, watch, runs=400, seed=3, progress=prog, memory=1)
    assert np.array_equal(tiny.back, whole.back)


@pytest.mark.parametrize(
    "bits", [np.random.PCG64, np.random.PCG64DXSM, np.random.Philox, np.random.MT19937]
)
@pytest.mark.parametrize(("runs", "stop", "rows"), [(100, 100, 7), (100, 77, 9), (64, 64, 64),
                                                    (10, 0, 3)])  # fmt: skip
def test_sample_rows_are_the_rows_of_the_whole_sample(
    bits: type[np.random.BitGenerator], runs: int, stop: int, rows: int
) -> None:
    """With jump-ahead (PCG64, the default) and without it (Philox, MT19937: draw and
    discard)."""
    p = planning.context(example(), "colo-site-loss").problem
    whole = sample_durations(p, np.random.Generator(bits(5)), runs)
    chunks = list(sample_rows(p, np.random.Generator(bits(5)), runs, stop=stop, rows=rows))
    assert [(lo, hi) for lo, hi, _ in chunks] == [
        (lo, min(stop, lo + rows)) for lo in range(0, stop, rows)
    ]
    got = np.concatenate([d for _, _, d in chunks]) if chunks else whole[:0]
    assert np.array_equal(got, whole[:stop])


def test_sample_rows_rejects_bad_bounds() -> None:
    p = planning.context(example(), "colo-site-loss").problem
    with pytest.raises(ValueError, match="stop <= runs"):
        list(sample_rows(p, np.random.default_rng(0), 10, stop=11, rows=2))
    with pytest.raises(ValueError, match="rows >= 1"):
        list(sample_rows(p, np.random.default_rng(0), 10, stop=5, rows=0))


def test_default_budget_bounds_the_chunk() -> None:
    """500,000 tasks (a 10^6-component colocation incident): 11 runs at once."""
    rows = chunk_rows(500_000, MEMORY)
    assert rows * 500_000 * BYTES_PER_SAMPLE <= MEMORY < (rows + 1) * 500_000 * BYTES_PER_SAMPLE
    assert chunk_rows(0, MEMORY) == BLOCK
