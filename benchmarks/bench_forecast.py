"""Benchmark: Monte Carlo forecast (numba list scheduler) and CP-SAT plan quality.

Measures, in one process:

1. ``forecast(problem, watch, runs=10000, seed=0)`` on the bundled example (scenario
   ``colo-power-cut``), after a warm-up call; the first call (numba compilation or cache
   load) is reported separately, and a cold compilation (empty ``NUMBA_CACHE_DIR``) is
   timed in a subprocess. Target: < 2 s.
2. ``forecast(..., runs=1000)`` on a generated model of 10,000 components
   (``generate_model(10000, seed=0)``; its first scenario fails a colocation site).
   Target: < 20 s.
3. A pure-Python baseline of the same serial list scheduler (:class:`PyScheduler`:
   ``heapq`` priority queue, per-minute capacity lists), run on the first runs of the same
   sampled durations and extrapolated per run; its back times, starts, ends and teams must
   equal the numba kernel's (``run_once``) and the forecast's, run by run (asserted). Its
   counters give the calendar minutes scanned per run, and a what-if stage re-times the
   generated model with changed staff calendars (where the time goes).
4. List schedule (median durations) against CP-SAT (``engine.optimize``) for several time
   limits: objectives (weighted back time of the functions, minutes), improvement, status,
   lower bound, wall time.
5. ``numba.set_num_threads(1)`` against 2 threads for the 10,000-run forecast.

The generated model's 1,000-run forecast is timed once (about 3 minutes on a 2-core
machine); ``run_many`` alone on ``--big-sched-runs`` of its runs, extrapolated.

Times are medians of ``--repeat`` calls; the load average is printed because the machine
may be shared.

Run: ``.venv/bin/python benchmarks/bench_forecast.py`` (``--quick`` for a short run).
"""

from __future__ import annotations

import argparse
import dataclasses
import heapq
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numba
import numpy as np

from blackstart.api import example_path, load
from blackstart.engine.durations import median_durations, sample_durations
from blackstart.engine.forecast import BLOCK, forecast
from blackstart.engine.optimize import optimize, weighted_completion
from blackstart.engine.schedule import RecoveryProblem, run_many, run_once
from blackstart.generate import generate_model
from blackstart.model.compile import compile_model
from blackstart.model.load import load_data
from blackstart.planning import Context, context

TARGETS = {"example": 2.0, "generated": 20.0}
"""Seconds for the forecast of each model (10,000 and 1,000 runs)."""


# --------------------------------------------------------------------------- helpers


def load_avg() -> str:
    a, b, c = os.getloadavg()
    return f"{a:.2f} {b:.2f} {c:.2f}"


def log(msg: str) -> None:
    print(f"[load {load_avg()}] {msg}", file=sys.stderr, flush=True)


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    """Wall times of ``repeat`` calls and the last result."""
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return times, result


def watch_of(ctx: Context) -> np.ndarray:
    return np.array([v for _, v in ctx.function_nodes()], np.int64)


def forecast_durations(problem: RecoveryProblem, runs: int, seed: int) -> np.ndarray:
    """The durations ``forecast(runs >= runs, seed)`` draws for its first ``runs`` runs
    (no progress): block ``b`` from the ``b``-th generator spawned from the seed."""
    blocks = -(-runs // BLOCK)
    seqs = np.random.SeedSequence(seed).spawn(blocks)
    out = [
        sample_durations(
            problem, np.random.default_rng(s), BLOCK, elapsed=np.full(problem.n_tasks, -1, np.int64)
        )
        for s in seqs
    ]
    return np.concatenate(out)[:runs]


# --------------------------------------------------------------------------- baseline


class PyScheduler:
    """The serial list scheduler of ``engine.schedule.schedule_run`` in plain Python.

    Same semantics, line for line: a node is back at the ``threshold``-th largest back
    time of its children (and not before its failure ends); components whose children
    are all resolved wait in a ``heapq`` keyed ``priority * n + v``; nodes without tasks
    are resolved at once (a stack); each step of a component starts at the earliest
    minute from which a person of a candidate team is free for its whole duration
    (first candidate wins ties), scanning a per-minute list of remaining head-count.
    """

    def __init__(self, p: RecoveryProblem) -> None:
        self.n = p.n
        self.child_ptr = p.child_ptr.tolist()
        self.child_idx = p.child_idx.tolist()
        self.parent_ptr = p.parent_ptr.tolist()
        self.parent_idx = p.parent_idx.tolist()
        self.threshold = p.threshold.tolist()
        self.down = p.down.tolist()
        self.inj_end = p.inj_end.tolist()
        self.task_ptr = p.task_ptr.tolist()
        self.cand_ptr = p.cand_ptr.tolist()
        self.cand_team = p.cand_team.tolist()
        self.cand_handover = p.candidate_handover().tolist()
        self.priority = p.priority.tolist()
        self.capacity = p.capacity.tolist()
        self.horizon = p.horizon
        self.n_tasks = p.n_tasks
        # remaining head-count, restored after each run up to the last minute touched
        self.rem = [row[:] for row in self.capacity]
        self.touched = [0] * len(self.rem)
        # minutes scanned by _earliest_fit, for calls that found a slot and for calls that
        # reached the end of the horizon (the profile of where a run's time goes)
        self.scan = {"fit_calls": 0, "fit_minutes": 0, "miss_calls": 0, "miss_minutes": 0}

    def _requirement(self, v: int, back: list[int]) -> int:
        a, b = self.child_ptr[v], self.child_ptr[v + 1]
        m = b - a
        if m == 0:
            return 0
        t = self.threshold[v]
        kids = [back[c] for c in self.child_idx[a:b]]
        if t == 1:
            return max(0, *kids)
        kids.sort()
        return kids[m - t]

    def _earliest_fit(self, row: list[int], ready: int, d: int) -> int:
        run = 0
        for t in range(ready, self.horizon):
            if row[t] > 0:
                run += 1
                if run == d:
                    return t - d + 1
            else:
                run = 0
        return -1

    def _handover_fit(self, tm: int, ready: int, d: int, h: int, book: bool) -> tuple[int, int]:
        """Earliest end of ``d`` minutes worked in pieces handed over at shift ends with
        ``h`` more per break (``engine.schedule._handover_fit``: each piece in one staffed
        stretch with a free person, non-final pieces ending at the stretch's end and
        longer than ``h``); ``(-1, -1)`` if none within the horizon."""
        row, cap, horizon = self.rem[tm], self.capacity[tm], self.horizon
        m, remaining, first = ready, d, -1
        while True:
            while m < horizon and row[m] <= 0:
                m += 1
            if m >= horizon:
                return -1, -1
            f = m
            while f < m + remaining and f < horizon and row[f] > 0:
                f += 1
            if f == m + remaining or (f < horizon and cap[f] <= 0 and f - m > h):
                first = m if first < 0 else first
                if book:
                    for x in range(m, f):
                        row[x] -= 1
                if f == m + remaining:
                    return first, f
                remaining += h - (f - m)
            m = f

    def _fit_counted(self, row: list[int], ready: int, d: int) -> int:
        s = self._earliest_fit(row, ready, d)
        if s >= 0:
            self.scan["fit_calls"] += 1
            self.scan["fit_minutes"] += s + d - ready
        else:
            self.scan["miss_calls"] += 1
            self.scan["miss_minutes"] += max(0, self.horizon - ready)
        return s

    def run(
        self,
        dur: list[int],
        fixed_start: list[int] | None = None,
        fixed_end: list[int] | None = None,
        not_before: int = 0,
    ) -> tuple[bool, list[int], list[int], list[int], list[int], list[int]]:
        """One run: ``(ok, start, end, team, ready, back)``."""
        n, k_all = self.n, self.n_tasks
        fs = fixed_start or [-1] * k_all
        fe = fixed_end or [-1] * k_all
        down, child_ptr, child_idx = self.down, self.child_ptr, self.child_idx
        parent_ptr, parent_idx, task_ptr = self.parent_ptr, self.parent_idx, self.task_ptr
        cand_ptr, cand_team, priority = self.cand_ptr, self.cand_team, self.priority
        inj_end, rem, touched = self.inj_end, self.rem, self.touched
        start, end = [0] * k_all, [0] * k_all
        team_of, ready_of = [0] * k_all, [0] * k_all
        back = [0] * n
        pending = [0] * n
        heap: list[int] = []
        stack: list[int] = []
        ok = True
        for v in range(n):
            if down[v]:
                back[v] = -1
                pending[v] = sum(1 for c in child_idx[child_ptr[v] : child_ptr[v + 1]] if down[c])
        for v in range(n):
            if down[v] and pending[v] == 0:
                if task_ptr[v + 1] > task_ptr[v]:
                    heapq.heappush(heap, priority[v] * n + v)
                else:
                    stack.append(v)

        def resolved(v: int) -> None:
            for e in range(parent_ptr[v], parent_ptr[v + 1]):
                p = parent_idx[e]
                if down[p]:
                    pending[p] -= 1
                    if pending[p] == 0:
                        if task_ptr[p + 1] > task_ptr[p]:
                            heapq.heappush(heap, priority[p] * n + p)
                        else:
                            stack.append(p)

        while True:
            while stack:
                v = stack.pop()
                back[v] = max(self._requirement(v, back), inj_end[v])
                resolved(v)
            if not heap:
                break
            v = heapq.heappop(heap) % n
            t = max(self._requirement(v, back), inj_end[v])
            for k in range(task_ptr[v], task_ptr[v + 1]):
                team_of[k] = -1
                d = dur[k]
                if fe[k] >= 0:  # done already
                    ready_of[k] = t
                    end[k] = fe[k]
                    start[k] = fs[k] if fs[k] >= 0 else max(t, fe[k] - d)
                    start[k] = min(start[k], end[k])
                    t = max(t, end[k])
                    continue
                if fs[k] >= 0:  # in progress
                    ready_of[k] = start[k] = fs[k]
                    end[k] = fs[k] + d
                    if cand_ptr[k + 1] > cand_ptr[k]:
                        tm = cand_team[cand_ptr[k]]
                        team_of[k] = tm
                        row = rem[tm]
                        for m in range(max(start[k], 0), min(end[k], self.horizon)):
                            row[m] -= 1
                        touched[tm] = max(touched[tm], end[k])
                    t = max(t, end[k])
                    continue
                r = max(t, not_before)
                ready_of[k] = r
                if d <= 0:
                    start[k] = end[k] = r
                    continue
                a, b = cand_ptr[k], cand_ptr[k + 1]
                if a == b:  # automatic
                    start[k] = r
                    end[k] = t = r + d
                    continue
                best, best_end, best_team, best_h = -1, -1, -1, -1
                for c in range(a, b):
                    tm, h = cand_team[c], self.cand_handover[c]
                    if h >= 0:
                        s, e = self._handover_fit(tm, r, d, h, False)
                        hit = "fit" if s >= 0 else "miss"
                        self.scan[f"{hit}_calls"] += 1
                        self.scan[f"{hit}_minutes"] += (e if s >= 0 else self.horizon) - r
                    else:
                        s = self._fit_counted(rem[tm], r, d)
                        e = s + d
                    if s >= 0 and (best_end < 0 or e < best_end):
                        best, best_end, best_team, best_h = s, e, tm, h
                if best < 0:
                    ok = False
                    best, best_end = r, r + d
                else:
                    team_of[k] = best_team
                    if best_h >= 0:
                        self._handover_fit(best_team, r, d, best_h, True)
                    else:
                        row = rem[best_team]
                        for m in range(best, best + d):
                            row[m] -= 1
                    touched[best_team] = max(touched[best_team], best_end)
                start[k] = best
                end[k] = t = best_end
            back[v] = t
            resolved(v)
        for tm, row in enumerate(rem):  # restore the head-count for the next run
            hi = min(touched[tm] + 1, self.horizon)
            row[:hi] = self.capacity[tm][:hi]
            touched[tm] = 0
        return ok, start, end, team_of, ready_of, back


def first_difference(
    p: RecoveryProblem,
    durations: list[list[int]],
    results: list[Any],
    forecast_back: np.ndarray,
    watch: np.ndarray,
) -> str | None:
    """The first disagreement between the Python runs and the numba kernel (``run_once``:
    back times of all nodes, starts, ends, teams, fit) or the forecast (watched back
    times), or None."""
    for r, (row, (ok, start, end, team, _ready, back)) in enumerate(
        zip(durations, results, strict=True)
    ):
        ref = run_once(p, np.asarray(row, np.int64))
        pairs = (
            ("back", back, ref.back),
            ("start", start, ref.start),
            ("end", end, ref.end),
            ("team", team, ref.team),
        )
        for name, mine, theirs in pairs:
            diff = np.flatnonzero(np.asarray(mine, np.int64) != theirs)
            if diff.size:
                i = int(diff[0])
                return (
                    f"run {r}: {name}[{i}] python={mine[i]} numba={theirs[i]} ({diff.size} differ)"
                )
        if ok == ref.beyond_horizon:
            return f"run {r}: fits python={ok} numba={not ref.beyond_horizon}"
        fb = np.asarray(back, np.int64)[watch]
        if not np.array_equal(fb, forecast_back[r]):
            j = int(np.flatnonzero(fb != forecast_back[r])[0])
            return f"run {r}: watched back[{j}] python={fb[j]} forecast={forecast_back[r, j]}"
    return None


def check_runs(
    p: RecoveryProblem, durations: np.ndarray, watch: np.ndarray, forecast_back: np.ndarray
) -> tuple[float, dict[str, float], str | None]:
    """Run the Python scheduler on every row of ``durations`` and compare it with numba.
    Returns (seconds per Python run, scan counters per run, first difference or None)."""
    py = PyScheduler(p)
    rows = durations.tolist()
    t = time.perf_counter()
    results = [py.run(row) for row in rows]
    per_run = (time.perf_counter() - t) / len(rows)
    scan = {k: v / len(rows) for k, v in py.scan.items()}
    return per_run, scan, first_difference(p, rows, results, forecast_back, watch)


# --------------------------------------------------------------------------- stages


def bench_forecast(
    name: str, ctx: Context, runs: int, py_runs: int, repeat: int, seed: int, sched_runs: int
) -> dict[str, Any]:
    """Forecast timing, its split into sampling and scheduling (``run_many`` on the first
    ``sched_runs`` runs, extrapolated), and the Python baseline."""
    p = ctx.problem
    watch = watch_of(ctx)
    out: dict[str, Any] = {
        "model": name,
        "nodes": p.n,
        "down": int(p.down.sum()),
        "tasks": p.n_tasks,
        "teams": len(p.team_names),
        "runs": runs,
        "threads": numba.get_num_threads(),
    }
    log(f"{name}: first forecast call (runs=1)")
    t = time.perf_counter()
    forecast(p, watch, runs=1, seed=seed)
    out["first_call_s"] = time.perf_counter() - t
    log(f"{name}: forecast runs={runs} x{repeat}")
    out["load_before"] = load_avg()
    times, res = timed(lambda: forecast(p, watch, runs=runs, seed=seed), repeat)
    out["forecast_s"], out["forecast_min_s"] = statistics.median(times), min(times)
    out["load_after"] = load_avg()
    out["fits_share"] = float(res.fits.mean())
    out["p50_all_min"] = float(np.quantile(res.group_max(list(range(len(watch)))), 0.5))

    t = time.perf_counter()
    durations = forecast_durations(p, runs, seed)
    out["sample_s"] = time.perf_counter() - t
    sched_runs = min(runs, sched_runs)
    times, _ = timed(lambda: run_many(p, durations[:sched_runs], watch), 1)
    out["schedule_runs"] = sched_runs
    out["numba_per_run_s"] = times[0] / sched_runs
    out["schedule_s"] = out["numba_per_run_s"] * runs

    log(f"{name}: pure-Python scheduler on {py_runs} runs")
    per_run, scan, diff = check_runs(p, durations[:py_runs], watch, res.back[:py_runs])
    out["scan"] = scan
    out["py_runs"] = py_runs
    out["py_per_run_s"] = per_run
    out["py_extrapolated_s"] = per_run * runs
    out["same_back_times"] = diff is None
    out["first_difference"] = diff
    return out


def bench_threads(ctx: Context, runs: int, repeat: int, seed: int) -> dict[str, Any]:
    """Forecast and ``run_many`` with 1 and 2 numba threads, alternating the two settings
    call by call so that a change in the machine's load hits both alike."""
    p, watch = ctx.problem, watch_of(ctx)
    durations = forecast_durations(p, runs, seed)
    counts = sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)})
    times: dict[str, list[float]] = {}
    default = numba.get_num_threads()
    log(f"threads {counts}: forecast and run_many, runs={runs} x{repeat}")
    try:
        for _ in range(repeat):
            for k in counts:
                numba.set_num_threads(k)
                run_many(p, durations[:64], watch)  # warm the thread pool
                for what, fn in (
                    ("forecast", lambda: forecast(p, watch, runs=runs, seed=seed)),
                    ("schedule", lambda: run_many(p, durations, watch)),
                ):
                    t = time.perf_counter()
                    fn()
                    times.setdefault(f"{what}_{k}", []).append(time.perf_counter() - t)
    finally:
        numba.set_num_threads(default)
    out: dict[str, Any] = {"load": load_avg(), "repeat": repeat}
    for key, values in times.items():
        out[f"{key}_s"] = statistics.median(values)
        out[f"{key}_min_s"] = min(values)
    return out


def bench_whatif(ctx: Context, runs: int, seed: int) -> dict[str, Any]:
    """Profile of the scheduler by counterfactuals: ``run_many`` per run on the same
    durations with the staff calendars changed, and each team's median manual workload
    against its person-minutes in the horizon."""
    p, watch = ctx.problem, watch_of(ctx)
    durations = forecast_durations(p, runs, seed)
    cap = p.capacity
    variants = {
        "as is": p,
        "calendars repeated to 4× the horizon": dataclasses.replace(
            p, capacity=np.concatenate([cap] * 4, axis=1)
        ),
        "every team 10× larger": dataclasses.replace(
            p, capacity=np.minimum(cap.astype(np.int32) * 10, 2**15 - 1).astype(np.int16)
        ),
        "no staff constraint (all steps automatic)": dataclasses.replace(
            p,
            cand_ptr=np.zeros_like(p.cand_ptr),
            cand_team=np.zeros(0, np.int64),
            cand_handover=np.zeros(0, np.int64),
        ),
    }
    rows = []
    for label, q in variants.items():
        log(f"what-if: {label}")
        t = time.perf_counter()
        _, ok = run_many(q, durations, watch)
        rows.append((label, (time.perf_counter() - t) / runs, float(ok.mean())))
    med = median_durations(p)
    first = np.where(np.diff(p.cand_ptr) > 0, p.cand_team[np.minimum(p.cand_ptr[:-1],
                     max(0, len(p.cand_team) - 1))], -1)  # fmt: skip
    teams = []
    for tm, team in enumerate(p.team_names):
        demand = int(med[first == tm].sum())
        if demand:
            teams.append((team, demand, int(cap[tm].astype(np.int64).sum())))
    return {"runs": runs, "variants": rows, "teams": teams}


def bench_cpsat(name: str, ctx: Context, limits: list[float]) -> list[dict[str, Any]]:
    """List schedule (median durations) against CP-SAT at each time limit."""
    p = ctx.problem
    durations = median_durations(p)
    t = time.perf_counter()
    sched = run_once(p, durations)
    list_s = time.perf_counter() - t
    weights = ctx.weights()
    list_obj = weighted_completion(sched, weights)
    rows = []
    for limit in limits:
        log(f"{name}: CP-SAT time limit {limit:g} s")
        t = time.perf_counter()
        opt = optimize(p, durations, weights, sched, time_limit_s=limit)
        wall = time.perf_counter() - t
        opt_obj = weighted_completion(opt.schedule, weights)
        rows.append(
            {
                "model": name,
                "limit_s": limit,
                "list_obj": list_obj,
                "list_s": list_s,
                "list_beyond_horizon": sched.beyond_horizon,
                "cp_obj": opt_obj,
                "solver_obj": opt.objective,
                "bound": opt.bound,
                "status": opt.status,
                "improvement": (list_obj - opt_obj) / list_obj if list_obj > 0 else 0.0,
                "solve_s": opt.wall_s,
                "wall_s": wall,
                "load": load_avg(),
            }
        )
    return rows


COLD_SNIPPET = """
import json, sys, time
import numpy as np
t0 = time.perf_counter()
from blackstart.api import example_path, load
from blackstart.engine.forecast import forecast
from blackstart.planning import context
ctx = context(load(example_path()), "colo-power-cut")
watch = np.array([v for _, v in ctx.function_nodes()], np.int64)
t = time.perf_counter()
forecast(ctx.problem, watch, runs=64, seed=0)
first = time.perf_counter() - t
t = time.perf_counter()
forecast(ctx.problem, watch, runs=64, seed=0)
print(json.dumps({"cold_first_s": first, "cold_second_s": time.perf_counter() - t}))
"""


def bench_cold_jit() -> dict[str, Any]:
    """First forecast call in a fresh process with an empty numba cache (compilation)."""
    with tempfile.TemporaryDirectory(prefix="bench-numba-") as tmp:
        env = {**os.environ, "NUMBA_CACHE_DIR": tmp}
        proc = subprocess.run(
            [sys.executable, "-c", COLD_SNIPPET],
            env=env,
            text=True,
            capture_output=True,
            check=False,
        )
    if proc.returncode != 0:
        return {"cold_error": proc.stderr.strip().splitlines()[-1:]}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# --------------------------------------------------------------------------- report


def fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        if np.isnan(x):
            return "nan"
        return f"{x:.{digits}g}" if abs(x) < 1000 else f"{x:,.0f}"
    return str(x)


def md_table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def report(
    fc: list[dict[str, Any]],
    threads: dict[str, Any],
    whatif: dict[str, Any],
    cps: list[dict[str, Any]],
    cold: dict[str, Any],
    meta: dict[str, Any],
) -> str:
    parts = [
        f"Machine: {meta['cpus']} CPUs, numba {numba.__version__} "
        f"({meta['threads']} threads, layer {meta['layer']}); load average at start "
        f"{meta['load_start']}, at end {load_avg()}."
    ]
    rows = []
    for r in fc:
        target = TARGETS[r["key"]]
        rows.append(
            [
                r["model"],
                f"{r['nodes']:,} / {r['down']:,} / {r['tasks']:,}",
                f"{r['runs']:,}",
                fmt(r["first_call_s"]),
                fmt(r["forecast_s"]),
                fmt(r["forecast_min_s"]),
                f"< {target:g} " + ("ok" if r["forecast_s"] < target else "**MISSED**"),
                fmt(r["sample_s"]),
                fmt(r["schedule_s"]),
                f"{r['fits_share']:.0%}",
                f"{r['load_before']} → {r['load_after']}",
            ]
        )
    parts.append(
        "Forecast (median of repeats; sampling and scheduling timed separately):\n\n"
        + md_table(
            [
                "model",
                "nodes / down / tasks",
                "runs",
                "first call s",
                "forecast s",
                "min s",
                "target",
                "sampling s",
                "scheduling s (run_many)",
                "runs in horizon",
                "load",
            ],
            rows,
        )
    )
    rows = []
    for r in fc:
        rows.append(
            [
                r["model"],
                str(r["py_runs"]),
                f"{r['py_per_run_s'] * 1e3:.4g}",
                f"{r['numba_per_run_s'] * 1e3:.4g}",
                fmt(r["py_extrapolated_s"]),
                fmt(r["schedule_s"]),
                f"{r['py_per_run_s'] / r['numba_per_run_s']:.0f}×",
                "yes" if r["same_back_times"] else f"**NO**: {r['first_difference']}",
            ]
        )
    parts.append(
        "Pure-Python baseline (same scheduler, same sampled durations; numba per run "
        "= run_many over all runs, all threads):\n\n"
        + md_table(
            [
                "model",
                "python runs",
                "python ms/run",
                "numba ms/run",
                "python extrapolated s",
                "numba s",
                "python/numba",
                "same back times",
            ],
            rows,
        )
    )
    rows = []
    for r in fc:
        sc = r["scan"]
        rows.append(
            [
                r["model"],
                f"{sc['fit_calls']:,.0f}",
                f"{sc['fit_minutes']:,.0f}",
                f"{sc['miss_calls']:,.0f}",
                f"{sc['miss_minutes']:,.0f}",
            ]
        )
    parts.append(
        "Where a run's time goes: minutes of staff calendar scanned per run by the "
        "earliest-fit search (Python baseline counters; the numba kernel does the same "
        "scans), for steps that found a person and steps that found none within the "
        "horizon:\n\n"
        + md_table(
            ["model", "steps placed", "minutes scanned", "steps unplaced", "minutes scanned"],
            rows,
        )
    )
    if whatif:
        rows = [
            [label, f"{per * 1e3:.4g}", f"{fits:.0%}"] for label, per, fits in whatif["variants"]
        ]
        teams = "; ".join(
            f"{team} {demand:,} / {capacity:,}" for team, demand, capacity in whatif["teams"]
        )
        parts.append(
            f"What-if profile of the generated model ({whatif['runs']} runs, same durations, "
            "run_many, all threads):\n\n"
            + md_table(["staff calendars", "ms/run", "runs in horizon"], rows)
            + "\n\nMedian manual work per first-candidate team / person-minutes of its "
            f"calendar in the horizon: {teams}."
        )
    if threads:
        rows = []
        for what, label in (
            ("forecast", "forecast (sampling + scheduling)"),
            ("schedule", "run_many (scheduling only)"),
        ):
            one, two = threads.get(f"{what}_1_s"), threads.get(f"{what}_2_s")
            one_min, two_min = threads.get(f"{what}_1_min_s"), threads.get(f"{what}_2_min_s")
            rows.append(
                [
                    label,
                    fmt(one),
                    fmt(two),
                    ratio(one, two),
                    fmt(one_min),
                    fmt(two_min),
                    ratio(one_min, two_min),
                ]
            )
        parts.append(
            f"Threads, example model, {meta['example_runs']:,} runs, {threads['repeat']} calls "
            f"each, alternating (load at end {threads['load']}):\n\n"
            + md_table(
                [
                    "",
                    "1 thread s (median)",
                    "2 threads s",
                    "speed-up",
                    "1 thread s (min)",
                    "2 threads s",
                    "speed-up",
                ],
                rows,
            )
        )
    rows = []
    for r in cps:
        rows.append(
            [
                r["model"],
                f"{r['limit_s']:g}",
                fmt(r["list_obj"], 6) + (" (beyond horizon)" if r["list_beyond_horizon"] else ""),
                fmt(r["cp_obj"], 6),
                f"{r['improvement']:+.1%}",
                r["status"],
                fmt(r["bound"], 6),
                fmt(r["solve_s"]),
                fmt(r["wall_s"]),
            ]
        )
    if rows:
        parts.append(
            "List schedule vs CP-SAT (median durations; objective = Σ weight × back "
            "time of the functions, minutes; wall = model build + solve + re-timing):\n\n"
            + md_table(
                [
                    "model",
                    "limit s",
                    "list obj",
                    "CP-SAT obj",
                    "improvement",
                    "status",
                    "lower bound",
                    "solve s",
                    "wall s",
                ],
                rows,
            )
        )
    if cold:
        parts.append(
            "JIT: first forecast call in this process (numba cache as found): "
            + "; ".join(f"{r['model']} {fmt(r['first_call_s'])} s" for r in fc)
            + ". Fresh process with an empty NUMBA_CACHE_DIR, first call of "
            f"forecast(runs=64) (compilation): {fmt(cold.get('cold_first_s'))} s, "
            f"second call {fmt(cold.get('cold_second_s'))} s"
            + (f" (error: {cold['cold_error']})" if "cold_error" in cold else "")
            + "."
        )
    return "\n\n".join(parts)


def ratio(a: float | None, b: float | None) -> str:
    return "—" if a is None or b is None or b == 0 else f"{a / b:.2f}×"


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--quick",
        action="store_true",
        help="short run: fewer runs and repeats, CP-SAT at 2 s only, no cold JIT",
    )
    ap.add_argument("--runs", type=int, help="example forecast runs (default 10000)")
    ap.add_argument("--big-runs", type=int, help="generated-model runs (default 1000)")
    ap.add_argument("--size", type=int, default=10_000, help="generated model components")
    ap.add_argument("--py-runs", type=int, help="Python baseline runs, example (default 200)")
    ap.add_argument("--py-big-runs", type=int, help="Python baseline runs, generated (default 3)")
    ap.add_argument(
        "--big-sched-runs",
        type=int,
        default=100,
        help="generated model: run_many alone on this many runs, extrapolated (default 100)",
    )
    ap.add_argument(
        "--whatif-runs", type=int, default=20, help="runs per what-if variant (default 20)"
    )
    ap.add_argument("--repeat", type=int, help="timed calls per measurement (default 3)")
    ap.add_argument("--limits", help="CP-SAT time limits, comma-separated (default 2,10,30)")
    ap.add_argument(
        "--skip",
        default="",
        help="comma-separated stages to skip: big, threads, whatif, cpsat, cold",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="also write the raw results as JSON here")
    args = ap.parse_args(argv)
    q = args.quick
    runs = args.runs or (2000 if q else 10_000)
    big_runs = args.big_runs or (100 if q else 1000)
    py_runs = args.py_runs or (50 if q else 200)
    py_big_runs = args.py_big_runs or (1 if q else 3)
    repeat = args.repeat or (1 if q else 3)
    limits = [float(x) for x in (args.limits or ("2" if q else "2,10,30")).split(",")]
    skip = set(filter(None, args.skip.split(",")))
    if q:
        skip.add("cold")

    meta = {
        "cpus": os.cpu_count(),
        "threads": numba.get_num_threads(),
        "load_start": load_avg(),
        "example_runs": runs,
    }
    log("loading the example")
    example = context(load(example_path()), "colo-power-cut")
    fc = [bench_forecast("example", example, runs, py_runs, repeat, args.seed, runs)]
    fc[0]["key"] = "example"
    try:
        meta["layer"] = numba.threading_layer()
    except ValueError:
        meta["layer"] = "?"
    threads = {} if "threads" in skip else bench_threads(example, runs, repeat, args.seed)

    big = None
    if "big" not in skip:
        log(f"generating a model of {args.size:,} components")
        model = load_data(generate_model(args.size, seed=args.seed))
        graph = compile_model(model)
        big = context(model, next(iter(model.scenarios)), graph=graph)
        name = f"generated {args.size:,} ({big.scenario.name}: {', '.join(big.scenario.fail)})"
        r = bench_forecast(
            name, big, big_runs, py_big_runs, max(1, repeat - 2), args.seed, args.big_sched_runs
        )
        r["key"] = "generated"
        fc.append(r)

    whatif: dict[str, Any] = {}
    if big is not None and "whatif" not in skip:
        whatif = bench_whatif(big, args.whatif_runs, args.seed)

    cps: list[dict[str, Any]] = []
    if "cpsat" not in skip:
        cps += bench_cpsat("example", example, limits)
        if big is not None:
            cps += bench_cpsat(f"generated {args.size:,}", big, limits)
    cold = {} if "cold" in skip else bench_cold_jit()
    print(report(fc, threads, whatif, cps, cold, meta))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(
                {
                    "forecast": fc,
                    "threads": threads,
                    "whatif": whatif,
                    "cpsat": cps,
                    "cold": cold,
                    "meta": meta,
                },
                fh,
                indent=2,
                default=str,
            )
    bad = [f"{r['model']}: {r['first_difference']}" for r in fc if not r["same_back_times"]]
    assert not bad, "Python and numba schedulers differ: " + "; ".join(bad)
    return 0


if __name__ == "__main__":
    sys.exit(main())
