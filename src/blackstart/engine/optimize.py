"""Optimised recovery plan: the list scheduler's problem, solved with OR-Tools CP-SAT.

Owns the constraint model of one recovery with fixed durations:

- one interval per task (optional intervals, one per candidate team, exactly one chosen
  for a manual task); steps of a component in order;
- for every down node ``v`` a back time ``B_v``; a component's first step starts after
  its requirement is met and its failure has ended, and ``B_v`` is its last step's end;
- "requirement met at the ``t``-th largest child back time" as ``R_v ≥ B_c`` for every
  child ``c`` not among at most ``t - 1`` excused children (booleans), which is exact at
  the optimum since nothing gains from a larger ``R_v``;
- per team, a cumulative constraint whose capacity follows the staff calendar: fixed
  intervals fill the capacity that the calendar does not have (the usual encoding of a
  time-varying capacity with a constant-capacity cumulative);
- objective: minimise the weighted sum of the functions' back times.

The list schedule is given as a hint; the result is re-timed by the list scheduler's
own evaluation (tasks fixed at the solver's times) so both are measured the same way.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from blackstart.engine.schedule import RecoveryProblem, Schedule, run_once

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Optimized:
    """The CP-SAT plan, re-timed, with the solver's status."""

    schedule: Schedule
    status: str
    objective: float
    bound: float
    wall_s: float


def _segments(row: npt.NDArray[np.int16], horizon: int) -> list[tuple[int, int, int]]:
    """Constant runs ``(start, end, value)`` of a capacity row up to ``horizon``."""
    row = row[:horizon]
    cuts = np.flatnonzero(np.diff(row)) + 1
    bounds = [0, *cuts.tolist(), len(row)]
    return [(a, b, int(row[a])) for a, b in itertools.pairwise(bounds)]


def optimize(
    problem: RecoveryProblem,
    durations: I64,
    weights: dict[int, float],
    hint: Schedule,
    *,
    time_limit_s: float = 10.0,
    workers: int = 2,
    seed: int = 0,
) -> Optimized:
    """Solve the recovery with CP-SAT, minimising ``Σ weights[v] · B_v`` over functions."""
    p = problem
    horizon = int(min(p.horizon, max(int(hint.back.max()), int(hint.end.max(initial=0))) + 2880))
    m = cp_model.CpModel()
    k = p.n_tasks
    start = [m.new_int_var(0, horizon, f"s{i}") for i in range(k)]
    end = [m.new_int_var(0, horizon, f"e{i}") for i in range(k)]
    per_team: dict[int, list[cp_model.IntervalVar]] = {}
    choice: dict[tuple[int, int], cp_model.IntVar] = {}
    for i in range(k):
        d = int(durations[i])
        m.add(end[i] == start[i] + d)
        teams = p.cand_team[p.cand_ptr[i] : p.cand_ptr[i + 1]].tolist()
        if d <= 0 or not teams:
            continue
        lits = []
        for tm in teams:
            lit = m.new_bool_var(f"x{i}_{tm}")
            iv = m.new_optional_interval_var(start[i], d, end[i], lit, f"i{i}_{tm}")
            per_team.setdefault(tm, []).append(iv)
            lits.append(lit)
            choice[(i, tm)] = lit
        m.add_exactly_one(lits)
    for tm, intervals in per_team.items():
        row = p.capacity[tm]
        top = int(row[:horizon].max(initial=0))
        demands = [1] * len(intervals)
        for a, b, value in _segments(row, horizon):
            if value < top:
                intervals.append(m.new_interval_var(a, b - a, b, f"off{tm}_{a}"))
                demands.append(top - value)
        m.add_cumulative(intervals, demands, top)

    back: dict[int, cp_model.IntVar | int] = {}
    order = np.flatnonzero(p.down)  # node ids are topological: children first
    for v in order.tolist():
        bv = m.new_int_var(0, horizon, f"b{v}")
        back[v] = bv
        kids = p.child_idx[p.child_ptr[v] : p.child_ptr[v + 1]].tolist()
        down_kids = [c for c in kids if p.down[c]]
        t = int(p.threshold[v])
        req = m.new_int_var(0, horizon, f"r{v}")
        if t == 1:
            for c in down_kids:
                m.add(req >= back[c])
        elif down_kids:
            # met once at most t - 1 children are still down; up children (back at 0)
            # never are, so at most t - 1 down children may come back after ``req``
            excuse = [m.new_bool_var(f"x{v}_{c}") for c in down_kids]
            m.add(sum(excuse) <= t - 1)
            for c, ex in zip(down_kids, excuse, strict=True):
                m.add(req >= back[c]).only_enforce_if(ex.Not())
        m.add(req >= int(p.inj_end[v]))
        a, b = int(p.task_ptr[v]), int(p.task_ptr[v + 1])
        if b > a:
            m.add(start[a] >= req)
            for i in range(a + 1, b):
                m.add(start[i] >= end[i - 1])
            m.add(bv >= end[b - 1])
        else:
            m.add(bv >= req)
    m.minimize(sum(round(w * 100) * back[v] for v, w in weights.items() if v in back))
    for i in range(k):
        m.add_hint(start[i], int(hint.start[i]))
        for tm in p.cand_team[p.cand_ptr[i] : p.cand_ptr[i + 1]].tolist():
            if (i, tm) in choice:
                m.add_hint(choice[(i, tm)], int(hint.team[i]) == tm)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit_s)
    solver.parameters.num_workers = int(workers)
    solver.parameters.random_seed = int(seed)
    status = solver.solve(m)
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Optimized(hint, name, float("nan"), float("nan"), solver.wall_time)
    fixed_start = np.array([solver.value(s) for s in start], np.int64)
    fixed_end = np.array([solver.value(e) for e in end], np.int64)
    timed = run_once(p, durations, fixed_start=fixed_start, fixed_end=fixed_end)
    team = np.full(k, -1, np.int64)
    for (i, tm), lit in choice.items():
        if solver.boolean_value(lit):
            team[i] = tm
    sched = Schedule(timed.start, timed.end, team, timed.ready, timed.back, False)
    return Optimized(
        sched, name, solver.objective_value / 100, solver.best_objective_bound / 100,
        solver.wall_time,
    )  # fmt: skip


def weighted_completion(schedule: Schedule, weights: dict[int, float]) -> float:
    """``Σ weights[v] · back[v]`` in minutes: the objective both schedulers are judged by."""
    return float(sum(w * float(schedule.back[v]) for v, w in weights.items()))
