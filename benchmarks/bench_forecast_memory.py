"""Benchmark: peak memory of one forecast scenario with and without the memory budget.

The forecast draws each block of :data:`~blackstart.engine.forecast.BLOCK` runs in
chunks of runs sized from ``memory`` (bytes of samples held at once). Without a budget
(``memory`` huge: the whole block at once, as before the budget existed) a block costs
about ``BLOCK × tasks × BYTES_PER_SAMPLE`` bytes; with the default 256 MiB it costs at
most the budget.

Each variant runs in a fresh child process (peak RSS, ``ru_maxrss``, cannot be reset):
the child loads ``generate_model(--components, seed=0, establishments=...)``, builds the
context of its first scenario (a colocation site fails), notes its RSS, runs
``forecast(--runs)`` and reports its peak RSS, the forecast's extra peak over the set-up
and the wall time. The parent checks that both variants give the same back times (a
checksum of the array) and prints the ratio of the extra peaks (baseline: no budget).

Run: ``.venv/bin/python benchmarks/bench_forecast_memory.py --components 100000``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from typing import Any

MIB = 2**20


def rss_mib() -> float:
    """Current resident set size (Linux /proc)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / MIB


def peak_mib() -> float:
    """Peak resident set size of this process so far (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(components: int, establishments: int, runs: int, memory: int) -> dict[str, Any]:
    import numpy as np

    from blackstart import planning
    from blackstart.engine.forecast import chunk_rows, forecast
    from blackstart.generate import generate_model
    from blackstart.model.load import load_data

    t = time.perf_counter()
    model = load_data(generate_model(components, seed=0, establishments=establishments))
    ctx = planning.context(model, next(iter(model.scenarios)))
    watch = np.array([v for _, v in ctx.function_nodes()], np.int64)
    setup_s = time.perf_counter() - t
    forecast(ctx.problem, watch, runs=1, seed=0, memory=memory)  # numba cache load
    before_rss, before_peak = rss_mib(), peak_mib()
    t = time.perf_counter()
    res = forecast(ctx.problem, watch, runs=runs, seed=0, memory=memory)
    wall = time.perf_counter() - t
    peak = peak_mib()
    return {
        "tasks": ctx.problem.n_tasks,
        "rows": chunk_rows(ctx.problem.n_tasks, memory),
        "setup_s": setup_s,
        "rss_before_mib": before_rss,
        "peak_before_mib": before_peak,
        "peak_mib": peak,
        "extra_mib": peak - before_rss,
        "forecast_s": wall,
        "back_sha": hashlib.sha256(np.ascontiguousarray(res.back).tobytes()).hexdigest(),
    }


def run_child(components: int, establishments: int, runs: int, memory: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", "--components", str(components),
           "--establishments", str(establishments), "--runs", str(runs),
           "--memory", str(memory)]  # fmt: skip
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    from blackstart.engine.forecast import BLOCK, MEMORY

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--components", type=int, default=100_000)
    ap.add_argument("--establishments", type=int, default=1, help="a region: hospital groups")
    ap.add_argument("--runs", type=int, default=BLOCK)
    ap.add_argument("--memory", type=int, default=MEMORY, help="budget in bytes")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument(
        "--skip-baseline", action="store_true", help="only the budgeted run (no room for both)"
    )
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.components, args.establishments, args.runs, args.memory)))
        return
    print(f"generated model of {args.components:,} components in {args.establishments} "
          f"establishment(s), first scenario, "
          f"{args.runs:,} runs; load {os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
    variants = [("budget", args.memory)]
    if not args.skip_baseline:
        variants.insert(0, ("no budget", 10**15))
    results = {}
    for name, memory in variants:
        r = run_child(args.components, args.establishments, args.runs, memory)
        results[name] = r
        print(f"{name:>9}: {r['tasks']:,} tasks, {r['rows']} runs per chunk, set-up "
              f"{r['setup_s']:.1f} s, RSS before {r['rss_before_mib']:.0f} MiB, peak "
              f"{r['peak_mib']:.0f} MiB (forecast extra {r['extra_mib']:.0f} MiB), "
              f"forecast {r['forecast_s']:.1f} s", flush=True)  # fmt: skip
    if len(results) == 2:
        a, b = results["no budget"], results["budget"]
        assert a["back_sha"] == b["back_sha"], "the budget changed the numbers"
        print(f"same back times (sha256 {a['back_sha'][:12]}); forecast extra peak "
              f"{a['extra_mib']:.0f} -> {b['extra_mib']:.0f} MiB "
              f"({a['extra_mib'] / max(b['extra_mib'], 1):.1f}x less), total peak "
              f"{a['peak_mib']:.0f} -> {b['peak_mib']:.0f} MiB "
              f"({a['peak_mib'] / b['peak_mib']:.1f}x), time "
              f"{a['forecast_s']:.1f} -> {b['forecast_s']:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
