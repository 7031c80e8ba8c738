"""Benchmark: risk sweeps, scenarios per second, serial vs process pool vs Dask.

Measures, in one process (the baseline of every ratio is the serial run, in this
process on one core — one numba thread — of the same scenarios; the three runs must
give identical rows, asserted):

1. The bundled example, the full default sweep (site, provider, power, team ×
   1h, 4h, 24h × Mon 10:00, Sat 11:00, Tue 03:00), ``--runs`` runs per scenario:
   serial (one process), the process pool on every core, and a 2-worker Dask
   ``LocalCluster`` (started before the clock; shipping the kit is inside the time).
2. A generated model of 10^5 components: its first ``--big-scenarios`` site scenarios
   (4 h, Sat 11:00), the same three ways, 256 runs.
3. The scaling curve, serial: generated models of 10^3 … 10^6 components, a few site
   scenarios each, fewer runs as the model grows (printed), with load and compile times.
4. The projection for a region of 50 establishments (``--region-components``, default
   10^5: 2,000 components per establishment, generated with ``establishments=50``) on a
   16-node cluster: the per-scenario cost is measured on a
   sample of that region's own scenarios (sites, providers, power sources, teams) at two
   run counts, split into a fixed part and a per-run part, and extrapolated to 1000 runs;
   divided by the cluster's cores times the parallel efficiency measured in step 2.
   The arithmetic is printed.

Run: ``.venv/bin/python benchmarks/bench_sweep.py`` (``--quick``: 256 runs, no 10^6).
The machine may be shared: the load average is printed.

Memory: the forecast samples every task's duration for a block of 1024 runs at once
(``engine/forecast.py``), about 24 bytes × 1024 × tasks; a 10^6-component region whose
shared colocation site fails has ~5·10^5 tasks, i.e. over 12 GB per scenario — the
step-4 run at 10^6 was killed by the OOM killer on a 23 GB machine. Hence the 10^5
region by default.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from blackstart.api import example_path, load
from blackstart.generate import generate_model
from blackstart.model.compile import compile_model
from blackstart.model.load import load_data
from blackstart.model.model import Model
from blackstart.sweep import SweepKit, evaluate, parse_axes, run_sweep, scenarios
from blackstart.sweep.execute import default_workers
from blackstart.sweep.scenarios import DIMENSIONS, SweepAxes, targets

NODES, CORES_PER_NODE = 16, 16
"""The cluster of the projection (an assumption: 16 cores per node)."""


def log(msg: str) -> None:
    print(msg, flush=True)


def load_avg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def three_ways(model: Model, axes: SweepAxes, runs: int, label: str, cluster: str) -> float:
    """Scenarios per second serial, in the pool, on the cluster; returns the cluster's
    parallel efficiency (speed-up over serial / 2 workers)."""
    n = len(scenarios(model, axes))
    graph = compile_model(model)
    serial_s, serial = timed(lambda: run_sweep(model, axes, runs=runs, workers=1, graph=graph))
    pool_s, pool = timed(
        lambda: run_sweep(model, axes, runs=runs, workers=default_workers(), graph=graph)
    )
    dask_s, dask = timed(lambda: run_sweep(model, axes, runs=runs, dask=cluster, graph=graph))
    rows = serial.to_dict()["rows"]
    assert pool.to_dict()["rows"] == rows and dask.to_dict()["rows"] == rows, "results differ"
    log(f"\n{label}: {n} scenarios × {runs} runs (load {load_avg()})")
    log("| mode | wall s | scenarios/s | vs serial |")
    log("|---|---:|---:|---:|")
    modes = (
        ("serial (1 process, baseline)", serial_s),
        (f"process pool ({default_workers()} processes)", pool_s),
        ("Dask LocalCluster (2 workers)", dask_s),
    )
    for mode, secs in modes:
        log(f"| {mode} | {secs:.1f} | {n / secs:.2f} | ×{serial_s / secs:.2f} |")
    return serial_s / dask_s / 2


def generated(n: int, *, establishments: int = 1) -> tuple[Model, float, float]:
    t = time.perf_counter()
    data = generate_model(n, seed=0, establishments=establishments)
    gen = time.perf_counter() - t
    t = time.perf_counter()
    model = load_data(data)
    return model, gen, time.perf_counter() - t


def kit_of(model: Model) -> tuple[SweepKit, float]:
    t = time.perf_counter()
    graph = compile_model(model)
    return SweepKit.build(model, graph), time.perf_counter() - t


def per_scenario(kit: SweepKit, specs: list[Any], runs: int) -> float:
    """Mean serial seconds per scenario at ``runs`` runs (after a warm-up)."""
    evaluate(kit, specs[0], runs=4, seed=0)  # numba cache load
    times = [timed(lambda s=s: evaluate(kit, s, runs=runs, seed=0))[0] for s in specs]
    return statistics.mean(times)


def site_specs(model: Model, k: int) -> list[Any]:
    axes = parse_axes(model, over="site", durations="4h", starts="Sat 11:00")
    return scenarios(model, axes.restricted({w for _, w in targets(model, ("site",))[:k]}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--big-scenarios", type=int, default=4)
    ap.add_argument("--region-components", type=int, default=100_000)
    ap.add_argument(
        "--only",
        choices=("all", "projection"),
        default="all",
        help="projection: only step 4, with --efficiency from an earlier step 2",
    )
    ap.add_argument("--efficiency", type=float, default=1.0)
    args = ap.parse_args()
    runs = 256 if args.quick else args.runs
    import numba
    from distributed import Client, LocalCluster

    numba.set_num_threads(1)  # the serial baseline and per-scenario costs use one core
    if args.only == "projection":
        projection(args.region_components, args.efficiency)
        return

    log(f"bench_sweep: {default_workers()} cores, load {load_avg()}")
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    addr = str(cluster.scheduler_address)
    Client(addr).close()

    # 1. the example, the default sweep
    ex = load(example_path())
    three_ways(ex, parse_axes(ex), runs, "example (default sweep)", addr)

    # 2. 10^5 components, a few site scenarios
    big, gen_s, load_s = generated(100_000)
    log(f"\ngenerated 10^5: generate {gen_s:.1f} s, load {load_s:.1f} s")
    axes = parse_axes(big, over="site", durations="4h", starts="Sat 11:00")
    keep = {w for _, w in targets(big, ("site",))[: args.big_scenarios]}
    eff = three_ways(big, axes.restricted(keep), 256, "generated 10^5 (first sites)", addr)
    del big
    cluster.close()

    # 3. scaling
    log("\nScaling (serial, first site scenarios, 4 h, Sat 11:00)")
    log("| components | load s | compile s | scenarios | runs | s/scenario |")
    log("|---:|---:|---:|---:|---:|---:|")
    sizes = [(1_000, 8, runs), (10_000, 4, runs), (100_000, 3, 256)]
    if not args.quick:
        sizes.append((1_000_000, 2, 32))
    for n, k, r in sizes:
        model, _, load_s = generated(n)
        specs = site_specs(model, k)
        kit, comp = kit_of(model)
        per = per_scenario(kit, specs, r)
        log(f"| {n:,} | {load_s:.1f} | {comp:.1f} | {len(specs)} | {r} | {per:.2f} |")
        del model, specs, kit
    projection(args.region_components, eff)


def projection(size: int, eff: float, k: int = 50) -> None:
    """Step 4: a region of ``k`` establishments of ``size`` components in all. The cost
    of each kind of row is measured on 2 sampled scenarios of that kind, at two run
    counts (fixed part + per-run part), and weighted by how many rows of that kind the
    region's default sweep has (the incident rows count as team rows)."""
    region, _, load_s = generated(size, establishments=k)
    full = scenarios(region, parse_axes(region))
    rows = {d: sum(1 for s in full if s.kind == d) for d in DIMENSIONS}
    rows["team"] += sum(1 for s in full if s.kind == "incident")
    rng = random.Random(0)
    r1, r2 = 16, 128
    kit, comp = kit_of(region)
    log(
        f"\nProjection: a region of {k} establishments, {size:,} components "
        f"(load {load_s:.0f} s, compile {comp:.0f} s); {len(full):,} scenarios "
        f"(whats × 3 durations × 3 starts, + 1 incident row per start)"
    )
    log("| kind | rows | s at 16 runs | s at 128 runs | fixed s | ms/run | s at 1000 runs |")
    log("|---|---:|---:|---:|---:|---:|---:|")
    work = 0.0
    for d in DIMENSIONS:
        sample = rng.sample([x for x in full if x.kind == d], 2)
        c1 = per_scenario(kit, sample, r1)
        c2 = per_scenario(kit, sample, r2)
        per_run = max(0.0, (c2 - c1) / (r2 - r1))
        fixed = max(0.0, c1 - per_run * r1)
        cost = fixed + 1000 * per_run
        work += rows[d] * cost
        log(
            f"| {d} | {rows[d]:,} | {c1:.2f} | {c2:.2f} | {fixed:.2f} | {per_run * 1000:.1f} "
            f"| {cost:.1f} |"
        )
    cores = NODES * CORES_PER_NODE
    total = work / (cores * min(1.0, eff))
    log(f"  one core: Σ rows × s at 1000 runs = {work:,.0f} s = {work / 3600:.1f} h")
    log(
        f"  {work:,.0f} s / ({NODES} nodes × {CORES_PER_NODE} cores × efficiency "
        f"{min(1.0, eff):.2f}) = {total:,.0f} s = {total / 3600:.2f} h"
    )


if __name__ == "__main__":
    main()
