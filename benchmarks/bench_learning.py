"""Benchmark: forecasts that learn the pace (issue 14, item 6).

Measures, in one process:

1. Re-forecast with learning on the bundled example (``colo-power-cut``, progress as
   planned at Sunday 12:00 plus one running step), 1,000 runs, after a warm-up; the
   same forecast without learning is the baseline (ratio printed). Target: < 1 s.
2. The same on a generated model of ``--components`` components (progress as planned 12 h
   after the failure ends): the learning step alone (evidence + posterior) and the whole
   re-forecast with ``--big-runs`` runs, against the forecast without learning.
   Target: < 10 s.
3. Backtest coverage across true paces (global 0.7, 1, 1.5, 2, 3 and the DBAs alone ×3):
   P80 coverage of all tiers with and without learning, slips once a quarter of the work
   is done, and the P50/P80 of the exact model (pace 1) with and without the pace prior.
   Targets: P80 coverage 70–90 %; no slip after a quarter of the work. The same truths
   forecast by a forecaster told the true pace ("known pace") give the reference: a
   forecast right on average still sees its P80 beaten about one time in five.

Run: ``.venv/bin/python benchmarks/bench_learning.py [--truths N --runs R --every 12h]``.
"""

from __future__ import annotations

import argparse
import os
import time

from blackstart import api, planning
from blackstart.backtesting import run_backtest
from blackstart.generate import generate_model
from blackstart.model.load import load_data

EX_AS_OF = "2024-08-04T12:00"


def timed(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best.append(time.perf_counter() - t)
    return sorted(best)[len(best) // 2]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--components", type=int, default=10_000)
    ap.add_argument("--big-runs", type=int, default=100)
    ap.add_argument("--truths", type=int, default=4)
    ap.add_argument("--runs", type=int, default=150)
    ap.add_argument("--every", default="12h")
    ap.add_argument("--skip-backtest", action="store_true")
    a = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}")
    model = api.load(api.example_path())
    ctx = planning.context(model, "colo-power-cut")
    kw = {
        "runs": 1000,
        "seed": 0,
        "as_of": EX_AS_OF,
        "on_plan": True,
        "started": ["db-lis@2024-08-04T06:30"],
        "ctx": ctx,
    }
    planning.run_forecast(model, "colo-power-cut", **kw)  # warm-up (numba, scipy imports)
    c = time.process_time()
    learn = timed(lambda: planning.run_forecast(model, "colo-power-cut", **kw))
    c_learn = (time.process_time() - c) / 3
    c = time.process_time()
    plain = timed(lambda: planning.run_forecast(model, "colo-power-cut", learn=False, **kw))
    c_plain = (time.process_time() - c) / 3
    print(
        f"example re-forecast 1000 runs: learning {learn:.2f} s wall ({c_learn:.2f} s CPU), "
        f"without {plain:.2f} s wall ({c_plain:.2f} s CPU), ratio {learn / plain:.2f} "
        "(target < 1 s)"
    )

    big = load_data(generate_model(a.components, seed=0))
    scenario = next(iter(big.scenarios))
    bctx = planning.context(big, scenario)
    as_of = f"+{bctx.scenario.duration_min + 12 * 60}min"
    prog = planning.progress_of(bctx, as_of, [], [], on_plan=True)
    t = time.perf_counter()
    post = planning.learn_of(bctx, prog, seed=0)
    t_learn = time.perf_counter() - t
    bkw = {"runs": a.big_runs, "seed": 0, "ctx": bctx, "progress": prog}
    t, c = time.perf_counter(), time.process_time()
    planning.run_forecast(big, scenario, **bkw)
    t_big, c_big = time.perf_counter() - t, time.process_time() - c
    t, c = time.perf_counter(), time.process_time()
    planning.run_forecast(big, scenario, learn=False, **bkw)
    t_big_plain, c_plain = time.perf_counter() - t, time.process_time() - c
    print(
        f"{a.components} components, {bctx.problem.n_tasks} tasks, "
        f"{len(post.evidence)} observations: learning step {t_learn:.2f} s; re-forecast "
        f"{a.big_runs} runs {t_big:.1f} s wall ({c_big:.1f} s CPU) with learning, "
        f"{t_big_plain:.1f} s wall ({c_plain:.1f} s CPU) without, wall ratio "
        f"{t_big / t_big_plain:.2f}, CPU ratio {c_big / c_plain:.2f}"
    )
    if a.skip_backtest:
        return
    cases: list[tuple[str, float, dict[str, float]]] = [
        (f"pace {k}", k, {}) for k in (0.7, 1.0, 1.5, 2.0, 3.0)
    ] + [("database ×3", 1.0, {"database": 3.0})]
    print(
        "case | P80 cover learning | no learning | known pace | slips ≥25 % learning "
        "| no learning | known pace | P50 err h learning | no learning | seconds"
    )
    for name, k, team in cases:
        t = time.perf_counter()
        r = run_backtest(
            model,
            "colo-power-cut",
            pace=k,
            team_pace=team,
            truths=a.truths,
            every=a.every,
            runs=a.runs,
            seed=1,
            known_pace=True,
        )
        lo, no = r["learning"]["all_tiers"], r["no_learning"]["all_tiers"]
        kp = r["known_pace"]["all_tiers"]
        print(
            f"{name} | {lo['coverage_p80']:.0%} | {no['coverage_p80']:.0%} | "
            f"{kp['coverage_p80']:.0%} | {lo['slips_after_quarter']}/{lo['forecasts']} | "
            f"{no['slips_after_quarter']}/{no['forecasts']} | "
            f"{kp['slips_after_quarter']}/{kp['forecasts']} | {lo['p50_error_h']:.1f} | "
            f"{no['p50_error_h']:.1f} | {time.perf_counter() - t:.0f}",
            flush=True,
        )
    exact = {}
    for learn_flag in (True, False):
        fc = planning.run_forecast(
            model, "colo-power-cut", runs=2000, seed=0, ctx=ctx, learn=learn_flag
        ).to_dict()
        exact[learn_flag] = fc["tiers"]
    for tier in ("vital", "care", "administrative"):
        print(
            f"exact model, first forecast, {tier}: with prior P50 {exact[True][tier]['p50']} "
            f"P80 {exact[True][tier]['p80']}; without P50 {exact[False][tier]['p50']} "
            f"P80 {exact[False][tier]['p80']}"
        )


if __name__ == "__main__":
    main()
