"""Benchmark: minimal cut sets up to an order, bottom-up ZBDD vs the BDD route.

For every coherent ``openpsa/Aralia/*.xml`` of the validation data
(``$BLACKSTART_VALIDATION``, default ``../shared/validation`` beside the repository) and
each order limit of ``--orders`` (3,4): the minimal cut sets of at most that many events

- by the truncated bottom-up ZBDD (:func:`blackstart.engine.truncated.truncated_cut_sets`),
- by the BDD route, the baseline, in the same process (:func:`compile_modules` then
  :func:`modular_cut_sets`, what ``--method bdd`` runs),

each the median of ``--repeat`` runs (3), with the ratio BDD / ZBDD (above 1: the
bottom-up construction is faster) and a check that both give the same count and order
distribution. Trees whose BDD is out of reach (``--no-bdd``: nus9601 by default) are run
by the ZBDD only, at ``--deep-orders`` (3,4,5,6) as well. The ``auto`` method of
``blackstart cutsets`` uses the ZBDD up to order 4 (``AUTO_ZBDD_MAX_ORDER``).

Run: ``.venv/bin/python benchmarks/bench_truncated.py [--orders 3,4] [--models a,b]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from blackstart.engine.cutsets import CutSetsResult
from blackstart.engine.faulttree import FaultTree
from blackstart.engine.modular import compile_modules, modular_cut_sets
from blackstart.engine.truncated import truncated_cut_sets
from blackstart.io.mef import read_mef

REPO = Path(__file__).resolve().parents[1]


def validation_dir() -> Path:
    """The shared validation data (``$BLACKSTART_VALIDATION`` or ``../shared/validation``)."""
    return Path(os.environ.get("BLACKSTART_VALIDATION", REPO / ".." / "shared" / "validation"))


def timed(run: Callable[[], CutSetsResult], repeat: int) -> tuple[float, CutSetsResult]:
    """Median wall time of ``repeat`` runs, and the last result."""
    times = []
    res = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = run()
        times.append(time.perf_counter() - t0)
    assert res is not None
    return statistics.median(times), res


def by_zbdd(tree: FaultTree, k: int) -> Callable[[], CutSetsResult]:
    return lambda: truncated_cut_sets(tree, tree.tops[0], k)


def by_bdd(tree: FaultTree, k: int) -> Callable[[], CutSetsResult]:
    return lambda: modular_cut_sets(compile_modules(tree, tree.tops[0]), max_order=k)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", default="3,4")
    ap.add_argument("--deep-orders", default="3,4,5,6")
    ap.add_argument("--models", default="")
    ap.add_argument("--no-bdd", default="nus9601")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    folder = validation_dir() / "openpsa" / "Aralia"
    if not folder.is_dir():
        print(f"no validation data at {folder} (set BLACKSTART_VALIDATION)", file=sys.stderr)
        return 2
    names = args.models.split(",") if args.models else sorted(p.stem for p in folder.glob("*.xml"))
    no_bdd = set(args.no_bdd.split(",")) if args.no_bdd else set()
    orders = [int(k) for k in args.orders.split(",")]
    print("| model | order | ZBDD s | BDD s | BDD / ZBDD | cut sets | same |")
    print("|---|---:|---:|---:|---:|---:|---|")
    ratios: dict[int, list[float]] = {k: [] for k in orders}
    for name in names:
        tree = read_mef([folder / f"{name}.xml"])
        if not tree.coherent:
            continue
        deep = name in no_bdd
        for k in [int(k) for k in args.deep_orders.split(",")] if deep else orders:
            tz, rz = timed(by_zbdd(tree, k), 1 if deep else args.repeat)
            if deep:
                print(f"| {name} | {k} | {tz:.3f} | out of reach | – | {rz.count} | – |")
                continue
            tb, rb = timed(by_bdd(tree, k), args.repeat)
            same = (rz.count, rz.order_distribution) == (rb.count, rb.order_distribution)
            ratios[k].append(tb / tz)
            print(
                f"| {name} | {k} | {tz:.3f} | {tb:.3f} | {tb / tz:.2f} | {rz.count} | "
                f"{'yes' if same else 'NO'} |",
                flush=True,
            )
            if not same:
                print(f"FAIL {name} order {k}: {rz.order_distribution} vs {rb.order_distribution}")
    for k, r in ratios.items():
        if r:
            faster = sum(x > 1 for x in r)
            print(
                f"order {k}: ZBDD faster on {faster} of {len(r)} trees, "
                f"median ratio BDD / ZBDD {statistics.median(r):.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
