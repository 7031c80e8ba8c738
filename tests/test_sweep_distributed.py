"""Same seed, same numbers: in this process, in a 2-process pool and on a real Dask
LocalCluster with two workers (and with different batchings)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from blackstart import api
from blackstart.model.model import Model
from blackstart.sweep import parse_axes, run_sweep

AXES = {"over": "site,power", "durations": "1h,6h", "starts": "Sat 11:00,Tue 03:00"}


@pytest.fixture(scope="module")
def example() -> Model:
    return api.load(api.example_path())


@pytest.fixture(scope="module")
def serial(example: Model) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = run_sweep(
        example, parse_axes(example, **AXES), runs=100, seed=11, workers=1
    ).to_dict()["rows"]
    return rows


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as c:
        yield str(c.scheduler_address)


def test_a_pool_of_two_processes_gives_the_same_matrix(
    example: Model, serial: list[dict[str, Any]]
) -> None:
    report = run_sweep(example, parse_axes(example, **AXES), runs=100, seed=11, workers=2, batch=3)
    assert report.to_dict()["provenance"]["settings"]["executor"] == "pool:2"
    assert report.to_dict()["rows"] == serial


def test_a_two_worker_local_cluster_gives_the_same_matrix(
    example: Model, serial: list[dict[str, Any]], cluster: str
) -> None:
    from distributed import Client

    def received() -> dict[str, int]:
        with Client(cluster) as client:
            return dict(client.run(_kits_received))

    before = received()
    report = run_sweep(example, parse_axes(example, **AXES), runs=100, seed=11, dask=cluster)
    assert report.to_dict()["rows"] == serial
    assert len(serial) > 20 and serial[0]["care_hours_lost"] > 0
    # the kit reached each of the two workers once (broadcast), not once per task
    after = received()
    assert len(after) == 2
    assert {w: after[w] - before.get(w, 0) for w in after} == dict.fromkeys(after, 1)


def _kits_received() -> int:
    from blackstart.sweep import compute

    return compute.UNPICKLED


def test_batching_does_not_change_numbers(
    example: Model, serial: list[dict[str, Any]], cluster: str
) -> None:
    report = run_sweep(
        example, parse_axes(example, **AXES), runs=100, seed=11, dask=cluster, batch=1
    )
    assert report.to_dict()["rows"] == serial


def test_unreachable_cluster_is_a_usage_error(example: Model) -> None:
    from blackstart.errors import UsageError

    with pytest.raises(UsageError, match="cannot reach the cluster"):
        run_sweep(example, parse_axes(example, **AXES), runs=10, dask="tcp://127.0.0.1:9")
