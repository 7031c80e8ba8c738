"""Where a sweep's scenarios run: in this process, in a local process pool, or on a Dask
cluster. Results are yielded as they complete, in whatever order.

Owns the shipping of the :class:`~blackstart.sweep.compute.SweepKit` (once per worker:
the pool's initializer arguments, or ``Client.scatter(..., broadcast=True)`` on Dask;
tasks carry only scenario specs), batching, a bounded number of tasks in flight, and
clean shutdown when the consumer stops (Ctrl-C). Numbers never depend on the executor:
each scenario is seeded from the master seed and its key (:mod:`blackstart.sweep.scenarios`).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from itertools import islice
from typing import Any

from blackstart.errors import UsageError
from blackstart.sweep.compute import SweepKit, evaluate
from blackstart.sweep.scenarios import ScenarioSpec

Row = dict[str, Any]

_KIT: SweepKit | None = None
"""The kit of this worker process (set once by :func:`_init_worker`)."""


def _one_thread() -> None:
    """One numba thread per worker: the parallelism is across scenarios."""
    import numba

    numba.set_num_threads(1)


def _init_worker(kit: SweepKit) -> None:
    global _KIT
    _KIT = kit
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    _one_thread()


def _pool_task(specs: Sequence[ScenarioSpec], runs: int, seed: int) -> list[Row]:
    assert _KIT is not None, "worker not initialised"
    return [evaluate(_KIT, s, runs=runs, seed=seed) for s in specs]


def _dask_task(kit: SweepKit, specs: Sequence[ScenarioSpec], runs: int, seed: int) -> list[Row]:
    _one_thread()
    return [evaluate(kit, s, runs=runs, seed=seed) for s in specs]


def _batches(
    specs: Sequence[ScenarioSpec], workers: int, batch: int | None
) -> list[list[ScenarioSpec]]:
    size = batch or max(1, min(8, len(specs) // max(1, 8 * workers)))
    return [list(specs[i : i + size]) for i in range(0, len(specs), size)]


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def run_serial(
    kit: SweepKit, specs: Sequence[ScenarioSpec], *, runs: int, seed: int
) -> Iterator[list[Row]]:
    """Every scenario in this process, one after the other."""
    for s in specs:
        yield [evaluate(kit, s, runs=runs, seed=seed)]


def run_pool(
    kit: SweepKit,
    specs: Sequence[ScenarioSpec],
    *,
    runs: int,
    seed: int,
    workers: int,
    batch: int | None = None,
) -> Iterator[list[Row]]:
    """Scenarios in a pool of ``workers`` fresh processes (spawned: no forked threads)."""
    batches = _batches(specs, workers, batch)
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(kit,))
    todo = iter(batches)
    flying: set[Future[list[Row]]] = set()
    complete = False
    try:
        for b in todo:
            flying.add(pool.submit(_pool_task, b, runs, seed))
            if len(flying) >= 4 * workers:
                break
        while flying:
            finished, flying = wait(flying, return_when=FIRST_COMPLETED)
            for f in finished:
                yield f.result()
                nxt = next(todo, None)
                if nxt is not None:
                    flying.add(pool.submit(_pool_task, nxt, runs, seed))
        complete = True
    finally:
        if complete:
            pool.shutdown(wait=True)
        else:  # interrupted: do not wait for the batches in flight
            _terminate(pool)


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: cancel what is queued, end the worker processes."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        proc.terminate()
    for proc in processes:
        proc.join(timeout=10)


def run_dask(
    kit: SweepKit,
    specs: Sequence[ScenarioSpec],
    *,
    runs: int,
    seed: int,
    address: str,
    local_workers: int = 2,
    batch: int | None = None,
) -> Iterator[list[Row]]:
    """Scenarios on a Dask cluster (``tcp://host:port``), or on a ``LocalCluster`` of
    ``local_workers`` single-threaded processes started here (``address="local"``)."""
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    try:
        if address == "local":
            cluster = LocalCluster(
                n_workers=local_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
            client = Client(cluster)
        else:
            client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(
            f"--dask: cannot reach the cluster at {address}: {exc}",
            suggestion="give the scheduler's address (tcp://host:8786), or --dask local",
        ) from None
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        kit_future = client.scatter(kit, broadcast=True, hash=False)
        batches = _batches(specs, n_workers, batch)
        todo = iter(batches)
        first = [
            client.submit(_dask_task, kit_future, b, runs, seed, pure=False)
            for b in islice(todo, 4 * n_workers)
        ]
        pending = as_completed(first)
        for f in pending:
            yield f.result()
            nxt = next(todo, None)
            if nxt is not None:
                pending.add(client.submit(_dask_task, kit_future, nxt, runs, seed, pure=False))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
