"""Benchmark: impact per place of delivery on a generated region, against group-wide impact.

A region of ``--establishments K`` hospital groups (:func:`blackstart.generate.generate_model`
with ``establishments=K``) delivers each function at its group's hospitals
(``delivered_at``, one compiled node per function and place). The baseline, in the same
process, is the same region as today's group-wide model: ``delivered_at`` removed and
the per-place requirement (``{place}-core`` / ``{place}-pbx``) dropped, so each function
has one state for the whole group.

Times, once compiled (medians of ``--repeat`` runs), for two scenarios — the loss of one
hospital and of one colocation site:

- ``propagate_one`` (the down set; what README's "impact, one scenario" row measures);
- ``engine.impact.impact`` (down set, causes as bit masks, shortest causal chains);
- ``api.impact`` (the full named report: every function and component down with its
  causes and chain, ``down_at`` per function, places hit).

Target: under 0.2 s per scenario at 10^6 components once compiled (the engine figures;
the named report is reported beside them). Prints one row per (model, scenario) and the
ratios places / group-wide.

Run: ``.venv/bin/python benchmarks/bench_places.py --components 1e5 --establishments 10``
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import time
from collections.abc import Callable
from typing import Any

TARGET_S = 0.2


def timed(fn: Callable[[], Any], repeat: int) -> float:
    """Median wall time of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def group_wide(data: dict[str, Any]) -> dict[str, Any]:
    """The same region without places: one state per function for the whole group."""
    functions = {}
    for fid, f in data["functions"].items():
        g = {k: v for k, v in f.items() if k != "delivered_at"}
        req = g["requires"]
        if isinstance(req, list):
            kept = [r for r in req if not (isinstance(r, str) and "{place}" in r)]
            g["requires"] = kept[0] if len(kept) == 1 else kept
        functions[fid] = g
    return {**data, "functions": functions}


def measure(label: str, d: dict[str, Any], repeat: int) -> list[tuple[Any, ...]]:
    """Load and compile one model, then time its two scenarios."""
    from blackstart import api
    from blackstart.engine.impact import impact as explain
    from blackstart.engine.propagate import propagate_one
    from blackstart.model.load import load_data

    t = time.perf_counter()
    model = load_data(d)
    t_load = time.perf_counter() - t
    t = time.perf_counter()
    graph = api.compile_model(model)
    t_compile = time.perf_counter() - t
    hospital = next(s for s in model.sites if s.startswith("g2-hosp-"))
    colo = next(s for s in model.sites if model.sites[s].kind == "colocation")
    placed = sum(len(p) for p in model.places.values())
    print(f"{label}: {graph.n:,} nodes ({placed:,} function@place), load {t_load:.1f} s, "
          f"compile {t_compile:.1f} s")  # fmt: skip
    rows = []
    for what in (f"site:{hospital}", f"site:{colo}"):
        ids = [graph.index[what]]
        one = timed(lambda ids=ids: propagate_one(graph, ids), repeat)
        eng = timed(lambda ids=ids: explain(graph, ids), repeat)
        full = timed(lambda w=what: api.impact(model, fail=[w], graph=graph), repeat)
        report = api.impact(model, fail=[what], graph=graph)
        partial = sum(1 for f in report.functions_down if f.partial)
        rows.append((label, what, one, eng, full, len(report.functions_down), partial))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--components", type=float, default=1e5)
    parser.add_argument("--establishments", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from blackstart.generate import generate_model

    n = int(args.components)
    t = time.perf_counter()
    data = generate_model(n, seed=args.seed, establishments=args.establishments)
    print(f"generated {n:,} components, {args.establishments} establishments "
          f"in {time.perf_counter() - t:.1f} s")  # fmt: skip
    rows = []
    for label, d in (("places", data), ("group-wide", group_wide(data))):
        rows += measure(label, d, args.repeat)
        gc.collect()
    print()
    print("| model | scenario | propagate_one s | engine impact s | named report s "
          "| functions down | partial |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for label, what, one, eng, full, down, partial in rows:
        print(f"| {label} | {what} | {one:.4f} | {eng:.4f} | {full:.4f} | {down} | {partial} |")
    print()
    half = len(rows) // 2
    for mine, base in zip(rows[:half], rows[half:], strict=True):
        what, one, eng, full = mine[1:5]
        ok = "OK" if max(one, eng) < TARGET_S else "OVER"
        print(
            f"{what}: propagate {one:.4f} s, engine impact {eng:.4f} s ({ok}, target "
            f"< {TARGET_S} s), named report {full:.4f} s; ratios to group-wide: "
            f"{one / base[2]:.2f}x, {eng / base[3]:.2f}x, {full / base[4]:.2f}x"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak RSS {rss:.2f} GB")


if __name__ == "__main__":
    main()
