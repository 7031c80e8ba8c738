"""Benchmark: ``blackstart impact`` as a user runs it (a new process each time), cold and
warm, with the compiled-model cache.

On a model written by ``blackstart generate --components N`` (YAML files), for each N:

- baseline, *today's cold call*: ``blackstart --no-cache impact MODEL -s colo-power-cut
  --json`` (read, validate, compile, impact, print);
- cold with the cache: the same on an empty cache directory (it also writes the entry);
- warm: the same again, the entry in place (median of ``--repeat`` runs).

Wall time of each process, peak RSS; ratios to the baseline run in the same session.
Targets: warm 10^5 under 3 s, warm 10^6 under 10 s, cold no slower than the baseline.
The three outputs must be identical but for the provenance's timings (the JSON is
compared: the same model gives the same impact).

To time one version of the code while editing another, run it from a copy of the
sources: ``cp -r src /tmp/snap && PYTHONPATH=/tmp/snap/src python benchmarks/...``.

Run: ``.venv/bin/python benchmarks/bench_cache.py --sizes 1e5 [--repeat 3] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {100_000: 3.0, 1_000_000: 10.0}
BIN = [sys.executable, "-m", "blackstart"]


CPU: dict[str, float] = {}
"""CPU seconds (user + system) of the last run of each kind: on a shared machine, what
the wall time would be on an idle one (the commands use one core)."""


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS of the child (GB) and stdout of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    cpu = _cpu()
    t = time.perf_counter()
    proc = subprocess.run([*BIN, *args], env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    CPU["--no-cache" if "--no-cache" in args else "cache"] = _cpu() - cpu
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    rss = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1e6
    payload = json.loads(proc.stdout)
    payload.pop("provenance")  # timings differ; everything else must not
    return wall, rss, json.dumps(payload, sort_keys=True)


def bench(n: int, work: Path, repeat: int) -> dict[str, float]:
    model = work / f"model-{n}"
    if not model.exists():
        subprocess.run([*BIN, "generate", "--components", str(n), "-o", str(model)],
                       check=True, capture_output=True)  # fmt: skip
    cache = work / f"cache-{n}"
    env = {**os.environ, "BLACKSTART_CACHE_DIR": str(cache), "COLUMNS": "100"}
    env.pop("BLACKSTART_NO_CACHE", None)
    args = ["impact", str(model), "-s", "colo-power-cut", "--json"]
    subprocess.run([*BIN, "cache", "clear"], env=env, check=True, capture_output=True)
    base, base_rss, base_out = _run(["--no-cache", *args], env)
    base_cpu = CPU["--no-cache"]
    cold, _cold_rss, cold_out = _run(args, env)
    cold_cpu = CPU["cache"]
    warms = []
    warm_cpus = []
    for _ in range(repeat):
        warms.append(_run(args, env))
        warm_cpus.append(CPU["cache"])
    warm = statistics.median(w[0] for w in warms)
    assert cold_out == base_out and all(w[2] == base_out for w in warms), "outputs differ"
    size = sum(p.stat().st_size for p in cache.rglob("*.npz")) / 1e6
    return {"n": n, "baseline_s": base, "cold_s": cold, "warm_s": warm,
            "baseline_rss_gb": base_rss, "warm_rss_gb": max(w[1] for w in warms),
            "cache_mb": size, "baseline_cpu_s": base_cpu, "cold_cpu_s": cold_cpu,
            "warm_cpu_s": statistics.median(warm_cpus),
            "load": os.getloadavg()[0]}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1e5", help="comma-separated component counts")
    ap.add_argument("--repeat", type=int, default=3, help="warm runs (median)")
    ap.add_argument("--keep", type=Path, help="work directory to keep (models, cache)")
    a = ap.parse_args()
    sizes = [int(float(s)) for s in a.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as tmp:
        work = a.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        print(f"{'components':>10} {'today cold':>11} {'cold+cache':>11} {'warm':>8} "
              f"{'warm/today':>11} {'cold/today':>11} {'target':>8} {'cache':>8}")  # fmt: skip
        for n in sizes:
            r = bench(n, work, a.repeat)
            target = TARGETS.get(n)
            ok = "" if target is None else ("ok" if r["warm_s"] < target else "MISSED")
            print(
                f"{n:>10,} {r['baseline_s']:>10.1f}s {r['cold_s']:>10.1f}s {r['warm_s']:>7.2f}s "
                f"{r['warm_s'] / r['baseline_s']:>10.3f}× {r['cold_s'] / r['baseline_s']:>10.2f}× "
                f"{(f'< {target:g} s ' + ok) if target else '':>8} {r['cache_mb']:>6.0f}MB",
                flush=True,
            )
            print(
                f"{'':>10} CPU (user+sys, the wall time of an idle machine): today "
                f"{r['baseline_cpu_s']:.1f} s, cold+cache {r['cold_cpu_s']:.1f} s (its "
                f"writer process included), warm {r['warm_cpu_s']:.2f} s "
                f"({r['warm_cpu_s'] / r['baseline_cpu_s']:.3f}×)",
                flush=True,
            )
            print(f"{'':>10} peak RSS: today {r['baseline_rss_gb']:.2f} GB, "
                  f"warm {r['warm_rss_gb']:.2f} GB; load average {r['load']:.1f} on "
                  f"{os.cpu_count()} cores", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
