"""Sweeps in the store, on SQLite and on PostgreSQL: results written as they arrive, an
interruption keeps them, ``--resume`` finishes the same sweep with the same matrix as an
uninterrupted run. The interruption is real: SIGINT to a running ``blackstart sweep``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from blackstart import api
from blackstart.model.model import Model
from blackstart.store import open_store
from blackstart.store.sweeps import find_sweep
from blackstart.sweep import SweepInterrupted, parse_axes, run_sweep
from blackstart.sweep.scenarios import sweep_key

AXES = {"over": "site,team", "durations": "1h,4h", "starts": "Sat 11:00,Tue 03:00"}
RUNS = 100


@pytest.fixture(scope="module")
def example() -> Model:
    return api.load(api.example_path())


@pytest.fixture(scope="module")
def uninterrupted(example: Model) -> list[dict[str, Any]]:
    """The reference: the whole sweep in this process, no store."""
    rows: list[dict[str, Any]] = run_sweep(
        example, parse_axes(example, **AXES), runs=RUNS, seed=5, workers=1
    ).to_dict()["rows"]
    return rows


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sweeps.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def _stored(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM sweep_results")).scalar() or 0)
    except Exception:  # the table does not exist yet
        return 0
    finally:
        engine.dispose()


def test_interrupted_in_process_then_resumed(
    example: Model, uninterrupted: list[dict[str, Any]], db_url: str
) -> None:
    axes = parse_axes(example, **AXES)
    store = open_store(db_url)
    seen: list[int] = []

    def stop_after_five(done: int, total: int) -> None:
        seen.append(done)
        if done >= 5:
            raise KeyboardInterrupt

    with pytest.raises(SweepInterrupted) as exc:
        run_sweep(
            example, axes, runs=RUNS, seed=5, store=store, workers=1, on_progress=stop_after_five
        )
    assert exc.value.done == 5 and exc.value.total == len(uninterrupted)
    key = sweep_key(example, axes, runs=RUNS, seed=5)
    row = find_sweep(store, key)
    assert row is not None and (row.done, row.finished) == (5, False)
    progress: list[tuple[int, int]] = []
    report = run_sweep(
        example,
        axes,
        runs=RUNS,
        seed=5,
        store=store,
        resume=True,
        workers=1,
        on_progress=lambda d, t: progress.append((d, t)),
    )
    assert progress[0] == (5, len(uninterrupted))  # the five stored ones were not redone
    assert report.to_dict()["rows"] == uninterrupted
    done = find_sweep(store, key)
    assert done is not None and (done.done, done.finished) == (len(uninterrupted), True)
    # without --resume the same sweep starts afresh (and ends the same)
    again = run_sweep(
        example,
        axes,
        runs=RUNS,
        seed=5,
        store=store,
        workers=1,
        on_progress=lambda d, t: progress.append((d, t)),
    )
    assert progress[-len(uninterrupted) - 1][0] == 0
    assert again.to_dict()["rows"] == uninterrupted
    store.close()


def test_other_parameters_are_another_sweep(example: Model, tmp_path: Path) -> None:
    axes = parse_axes(example, **AXES)
    a = sweep_key(example, axes, runs=RUNS, seed=5)
    assert sweep_key(example, axes, runs=RUNS, seed=6) != a
    assert sweep_key(example, axes, runs=RUNS + 1, seed=5) != a
    assert (
        sweep_key(example, parse_axes(example, **{**AXES, "durations": "1h"}), runs=RUNS, seed=5)
        != a
    )
    assert sweep_key(example, parse_axes(example, **AXES), runs=RUNS, seed=5) == a


def _cli(*args: str) -> list[str]:
    """The real entry point, as installed next to this interpreter."""
    return [str(Path(sys.executable).parent / "blackstart"), *args]


def test_sigint_mid_sweep_then_resume(
    uninterrupted: list[dict[str, Any]], db_url: str, tmp_path: Path
) -> None:
    model = str(api.example_path())
    args = [
        "sweep",
        model,
        "--over",
        AXES["over"],
        "--durations",
        AXES["durations"],
        "--starts",
        AXES["starts"],
        "--runs",
        str(RUNS),
        "--seed",
        "5",
        "--db",
        db_url,
        "--workers",
        "2",
    ]
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.Popen(
        _cli(*args, "--json"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path
    )
    deadline = time.monotonic() + 120
    while _stored(db_url) < 3:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no result stored in time"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    kept = _stored(db_url)
    assert 3 <= kept < len(uninterrupted), "interrupted before the end"
    assert b"--resume" in err
    out = tmp_path / "final.json"
    done = subprocess.run(
        _cli(*args, "--resume", "-o", str(out)),
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    final = json.loads(out.read_text("utf-8"))
    assert final["rows"] == uninterrupted
    assert _stored(db_url) == len(uninterrupted)
