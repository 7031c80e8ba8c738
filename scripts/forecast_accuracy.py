"""Monte Carlo accuracy of the forecast on a model's scenarios: the figures of
``docs/forecast-accuracy.md``.

For each scenario, runs the forecast (``--runs``, default the CLI's 10 000) and prints,
per quantile level, the largest standard error over the functions, the tiers and
"everything" (:func:`blackstart.engine.accuracy.quantile_accuracy`), and the runs each
precision would need (``n · (se / precision)²``).

    .venv/bin/python scripts/forecast_accuracy.py [MODEL] [--runs N] [--seed S]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from blackstart import api, planning
from blackstart.engine.accuracy import quantile_accuracy
from blackstart.engine.forecast import QUANTILES, forecast

PRECISIONS = (1.0, 5.0, 15.0)
"""Minutes."""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", nargs="?", default=str(api.example_path()))
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    model = api.load(args.model)
    print(f"{args.runs} runs, seed {args.seed}; standard errors in minutes (worst over the "
          "functions, tiers and everything); runs for ±1 / ±5 / ±15 min")  # fmt: skip
    print()
    head = " | ".join(f"P{round(100 * p)} s.e." for p in QUANTILES)
    print(f"| scenario | {head} | runs for ±1 min | ±5 min | ±15 min | time |")
    print("|---|" + "---:|" * (len(QUANTILES) + len(PRECISIONS) + 1))
    for name in model.scenarios:
        ctx = planning.context(model, name)
        nodes = ctx.function_nodes()
        watch = np.array([v for _, v in nodes], np.int64)
        t = time.perf_counter()
        res = forecast(ctx.problem, watch, runs=args.runs, seed=args.seed)
        wall = time.perf_counter() - t
        tiers = {model.functions[f].tier for f, _ in nodes}
        groups = [
            res.group_max([j for j, (f, _) in enumerate(nodes) if model.functions[f].tier == t])
            for t in sorted(tiers)
        ]
        cols = np.column_stack([res.back, *groups, res.group_max(range(len(nodes)))])
        acc = quantile_accuracy(cols, QUANTILES)
        se = " | ".join(f"{x:.1f}" for x in acc.worst())
        need = " | ".join(f"{acc.runs_for(p) or 0:,}" for p in PRECISIONS)
        print(f"| {name} | {se} | {need} | {wall:.1f} s |")


if __name__ == "__main__":
    main()
