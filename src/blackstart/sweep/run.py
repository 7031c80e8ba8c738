"""Running a sweep end to end: scenarios, executor, store, resume, the ranked matrix.

Owns :func:`run_sweep`: it lists the scenarios, skips those the store already holds when
resuming, hands the rest to an executor (:mod:`blackstart.sweep.execute`), writes each
batch of results to the store as it arrives and reports progress through a callback; at
the end it ranks every row (:func:`matrix`). Ctrl-C (``KeyboardInterrupt``) stops the
executor; what was stored stays, and :class:`SweepInterrupted` says how much.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from blackstart.api import provenance
from blackstart.engine.graph import CompiledGraph
from blackstart.errors import BlackstartError
from blackstart.model.compile import compile_model
from blackstart.model.model import Model
from blackstart.store import Store
from blackstart.store import sweeps as stored
from blackstart.sweep.compute import CARE_WEIGHT, SweepKit
from blackstart.sweep.execute import default_workers, run_dask, run_pool, run_serial
from blackstart.sweep.scenarios import SweepAxes, duration_label, scenarios, sweep_key

Row = dict[str, Any]


class SweepInterrupted(BlackstartError):
    """The sweep was stopped (Ctrl-C); ``done`` of ``total`` scenarios are stored."""

    def __init__(self, done: int, total: int, key: str) -> None:
        self.done, self.total, self.key = done, total, key
        super().__init__(f"interrupted: {done} of {total} scenarios done")


@dataclass(frozen=True)
class SweepReport:
    """The risk matrix of a sweep."""

    payload: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return self.payload


def rank(rows: list[Row]) -> list[Row]:
    """Rows by expected care-hours lost, largest first; ties by key."""
    return sorted(rows, key=lambda r: (-float(r["care_hours_lost"]), str(r["key"])))


def matrix(
    model: Model,
    axes: SweepAxes,
    rows: list[Row],
    *,
    key: str,
    runs: int,
    seed: int,
    timings: dict[str, float],
    executor: str,
) -> SweepReport:
    """The ranked risk matrix with its parameters and provenance."""
    ranked = rank(rows)
    alone = {r["start"]: r for r in ranked if r["kind"] == "incident"}
    for r in ranked:
        if r["kind"] == "team" and r["start"] in alone:
            base = float(alone[r["start"]]["care_hours_lost"])
            r["added_care_hours"] = round(float(r["care_hours_lost"]) - base, 4)
    establishments = sorted({e for r in ranked for e in r.get("by_establishment", {})})
    summary: dict[str, dict[str, Any]] = {}
    for e in establishments:
        hits = [r for r in ranked if r["by_establishment"][e]["functions_down"]]
        worst = max(hits, key=lambda r: r["by_establishment"][e]["care_hours_lost"], default=None)
        summary[e] = {
            "scenarios_hit": len(hits),
            "worst": None if worst is None else worst["key"],
            "worst_care_hours_lost": (
                None if worst is None else worst["by_establishment"][e]["care_hours_lost"]
            ),
        }
    return SweepReport(
        {
            "sweep": key,
            "model": model.name,
            "over": list(axes.over),
            "durations": [duration_label(d) for d in axes.durations_s],
            "durations_s": list(axes.durations_s),
            "starts": [
                {"label": lb, "at": w.isoformat(timespec="minutes")} for lb, w in axes.starts
            ],
            "incident": axes.incident,
            "runs": runs,
            "seed": seed,
            "care_weights": CARE_WEIGHT,
            "scenarios": len(ranked),
            "establishments": establishments,
            "by_establishment": summary,
            "rows": ranked,
            "warnings": list(axes.warnings),
            "provenance": provenance(
                model, timings, sweep=key, runs=runs, seed=seed, executor=executor
            ),
        }
    )


def run_sweep(
    model: Model,
    axes: SweepAxes,
    *,
    runs: int = 1000,
    seed: int = 0,
    store: Store | None = None,
    resume: bool = False,
    dask: str | None = None,
    workers: int | None = None,
    batch: int | None = None,
    graph: CompiledGraph | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> SweepReport:
    """Run (or resume) the sweep; return its ranked matrix.

    ``dask``: ``None`` runs in this machine's processes (``workers``, default all cores;
    1 means in this process), ``"local"`` on a new 2-worker ``LocalCluster``, else on the
    Dask scheduler at that address. With a ``store``, each result is committed as it
    arrives and ``resume`` skips the scenarios already stored.
    """
    timings: dict[str, float] = {}
    t = time.perf_counter()
    graph = graph or compile_model(model)
    kit = SweepKit.build(model, graph)
    timings["compile"] = time.perf_counter() - t
    specs = scenarios(model, axes)
    key = sweep_key(model, axes, runs=runs, seed=seed)
    total = len(specs)
    rows: list[Row] = []
    sweep_id = None
    if store is not None:
        params = {
            "over": list(axes.over),
            "durations_s": list(axes.durations_s),
            "starts": [lb for lb, _ in axes.starts],
            "incident": axes.incident,
            "runs": runs,
            "seed": seed,
        }
        row = stored.begin_sweep(
            store,
            key,
            model_hash=model.hash,
            model_name=model.name,
            params=params,
            scenarios=total,
            resume=resume,
        )
        sweep_id = row.id
        done = stored.done_keys(store, sweep_id) if resume else set()
        specs = [s for s in specs if s.key not in done]
    done_n = total - len(specs)
    if on_progress is not None:
        on_progress(done_n, total)
    n = workers or default_workers()
    executor = f"dask:{dask}" if dask else ("serial" if n == 1 or len(specs) <= 1 else f"pool:{n}")
    source: Iterator[list[Row]]
    if not specs:
        source = iter(())
    elif dask:
        source = run_dask(kit, specs, runs=runs, seed=seed, address=dask, batch=batch)
    elif executor == "serial":
        source = run_serial(kit, specs, runs=runs, seed=seed)
    else:
        source = run_pool(kit, specs, runs=runs, seed=seed, workers=n, batch=batch)
    t = time.perf_counter()
    try:
        for batch_rows in source:
            if store is not None and sweep_id is not None:
                stored.add_results(store, sweep_id, batch_rows)
            else:
                rows.extend(batch_rows)
            done_n += len(batch_rows)
            if on_progress is not None:
                on_progress(done_n, total)
    except KeyboardInterrupt:
        close = getattr(source, "close", None)
        if close is not None:
            close()
        raise SweepInterrupted(done_n, total, key) from None
    timings["scenarios"] = time.perf_counter() - t
    if store is not None and sweep_id is not None:
        stored.finish_sweep(store, sweep_id)
        rows = stored.results(store, sweep_id)
    return matrix(
        model, axes, rows, key=key, runs=runs, seed=seed, timings=timings, executor=executor
    )
