"""Optimised recovery plan: the list scheduler's problem, solved with OR-Tools CP-SAT.

Owns the constraint model of one recovery with fixed durations:

- one interval per task (optional intervals, one per candidate team, exactly one chosen
  for a manual task); steps of a component in order;
- a step that may be handed over (its handover cost for that team is not
  :data:`~blackstart.engine.schedule.NO_HANDOVER`) to a team whose calendar has closed
  stretches is instead a chain of optional *pieces* (interval splitting, as in
  preemptive RCPSP models with a bounded number of parts): piece ``j + 1`` present only
  if piece ``j`` is; every piece but the last ends where a staffed stretch ends (its end
  takes its values in the calendar's closing minutes) and the next starts after it; the
  lengths sum to the duration plus the handover cost per break. The cumulative below
  keeps each piece inside staffed minutes, so the pieces obey the list scheduler's
  rule (:func:`~blackstart.engine.schedule._handover_fit`);
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

MAX_PIECES = 8
"""Most pieces a handed-over step is split into in the CP-SAT model."""

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Piece:
    """The variables of one optional piece of a step handed over across shifts."""

    present: cp_model.IntVar
    start: cp_model.IntVar
    end: cp_model.IntVar
    length: cp_model.IntVar
    closing: cp_model.IntVar
    """Equal to ``end`` when a next piece follows: a minute where a staffed stretch ends."""


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
    split: dict[tuple[int, int], list[Piece]] = {}
    closes = {tm: _closing_minutes(p.capacity[tm], horizon) for tm in range(p.capacity.shape[0])}
    typical = {tm: _typical_stretch(p.capacity[tm], horizon) for tm in closes}
    cand_handover = p.candidate_handover()
    for i in range(k):
        d = int(durations[i])
        a = int(p.cand_ptr[i])
        teams = p.cand_team[a : p.cand_ptr[i + 1]].tolist()
        costs = cand_handover[a : p.cand_ptr[i + 1]].tolist()
        if d <= 0 or not teams:
            m.add(end[i] == start[i] + d)
            continue
        m.add(end[i] >= start[i] + d)
        lits = []
        for tm, h in zip(teams, costs, strict=True):
            lit = m.new_bool_var(f"x{i}_{tm}")
            lits.append(lit)
            choice[(i, tm)] = lit
            if h < 0 or d <= h or not closes[tm] or typical[tm] <= 0:
                iv = m.new_optional_interval_var(start[i], d, end[i], lit, f"i{i}_{tm}")
                per_team.setdefault(tm, []).append(iv)
                m.add(end[i] == start[i] + d).only_enforce_if(lit)
                continue
            hinted = len(hint.pieces_of(i)) if int(hint.team[i]) == tm else 1
            # enough pieces for stretches of the typical (median) length, or the hint's
            n_pieces = min(MAX_PIECES, max(hinted, 2 + -(-d // max(1, typical[tm] - h))))
            split[(i, tm)] = _pieces(
                m, i, tm, d, h, n_pieces, lit, start[i], end[i], closes[tm], horizon,
                per_team.setdefault(tm, []),
            )  # fmt: skip
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

    back: dict[int, cp_model.IntVar] = {}
    reqs: dict[int, tuple[cp_model.IntVar, list[tuple[cp_model.IntVar, bool]]]] = {}
    req_hint: dict[int, int] = {}
    order = np.flatnonzero(p.down)  # node ids are topological: children first
    for v in order.tolist():
        bv = m.new_int_var(0, horizon, f"b{v}")
        back[v] = bv
        kids = p.child_idx[p.child_ptr[v] : p.child_ptr[v + 1]].tolist()
        down_kids = [c for c in kids if p.down[c]]
        t = int(p.threshold[v])
        req = m.new_int_var(0, horizon, f"r{v}")
        kid_backs = sorted(((int(hint.back[c]), c) for c in down_kids), reverse=True)
        excused: list[tuple[cp_model.IntVar, bool]] = []
        if t == 1:
            for c in down_kids:
                m.add(req >= back[c])
            req_hint[v] = kid_backs[0][0] if kid_backs else 0
        elif down_kids:
            # met once at most t - 1 children are still down; up children (back at 0)
            # never are, so at most t - 1 down children may come back after ``req``
            excuse = [m.new_bool_var(f"x{v}_{c}") for c in down_kids]
            m.add(sum(excuse) <= t - 1)
            for c, ex in zip(down_kids, excuse, strict=True):
                m.add(req >= back[c]).only_enforce_if(ex.Not())
            late = {c for _, c in kid_backs[: t - 1]}  # the hint excuses the t - 1 last
            excused = [(ex, c in late) for c, ex in zip(down_kids, excuse, strict=True)]
            req_hint[v] = kid_backs[t - 1][0] if len(kid_backs) >= t else 0
        else:
            req_hint[v] = 0
        req_hint[v] = max(req_hint[v], int(p.inj_end[v]))
        reqs[v] = (req, excused)
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
        m.add_hint(end[i], int(hint.end[i]))
        for tm in p.cand_team[p.cand_ptr[i] : p.cand_ptr[i + 1]].tolist():
            if (i, tm) in choice:
                m.add_hint(choice[(i, tm)], int(hint.team[i]) == tm)
            if (i, tm) in split:
                given = hint.pieces_of(i) if hint.team[i] == tm else []
                _hint_pieces(m, split[(i, tm)], given, closes[tm][0])
    for v, (req_v, excused) in reqs.items():
        m.add_hint(back[v], int(hint.back[v]))
        m.add_hint(req_v, req_hint[v])
        for ex, on in excused:
            m.add_hint(ex, on)
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
    rows = []
    for (i, tm), pieces in split.items():
        if team[i] != tm:
            continue
        worked = [
            (i, solver.value(x.start), solver.value(x.end))
            for x in pieces
            if solver.boolean_value(x.present)
        ]
        if len(worked) > 1:
            rows += worked
    piece_rows = np.array(rows, np.int64).reshape(-1, 3)
    sched = Schedule(
        timed.start, timed.end, team, timed.ready, timed.back, False, pieces=piece_rows
    )
    return Optimized(
        sched, name, solver.objective_value / 100, solver.best_objective_bound / 100,
        solver.wall_time,
    )  # fmt: skip


def _closing_minutes(row: npt.NDArray[np.int16], horizon: int) -> list[int]:
    """Minutes where a staffed stretch ends (a staffed minute followed by an unstaffed
    one) before ``horizon``: where a piece of a handed-over step may end."""
    staffed = row[:horizon] > 0
    return (np.flatnonzero(staffed[:-1] & ~staffed[1:]) + 1).tolist()


def _typical_stretch(row: npt.NDArray[np.int16], horizon: int) -> int:
    """Median length of the staffed stretches of a calendar row (0 if none)."""
    staffed = np.concatenate([[0], (row[:horizon] > 0).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(staffed))
    runs = edges[1::2] - edges[0::2]
    return int(np.median(runs)) if len(runs) else 0


def _pieces(
    m: cp_model.CpModel,
    i: int,
    tm: int,
    d: int,
    h: int,
    n: int,
    lit: cp_model.IntVar,
    start: cp_model.IntVar,
    end: cp_model.IntVar,
    closes: list[int],
    horizon: int,
    intervals: list[cp_model.IntervalVar],
) -> list[Piece]:
    """The optional pieces of task ``i`` on team ``tm``."""
    top = d + h * (n - 1)
    ends = cp_model.Domain.from_values(closes)
    out: list[Piece] = []
    for j in range(n):
        present = lit if j == 0 else m.new_bool_var(f"p{i}_{tm}_{j}")
        s = m.new_int_var(0, horizon, f"ps{i}_{tm}_{j}")
        e = m.new_int_var(0, horizon, f"pe{i}_{tm}_{j}")
        length = m.new_int_var(0, top, f"pl{i}_{tm}_{j}")
        closing = m.new_int_var_from_domain(ends, f"pc{i}_{tm}_{j}")
        intervals.append(m.new_optional_interval_var(s, length, e, present, f"pi{i}_{tm}_{j}"))
        m.add(length >= 1).only_enforce_if(present)
        m.add(length == 0).only_enforce_if(present.Not())
        if j == 0:
            m.add(s == start).only_enforce_if(lit)
        else:
            prev = out[-1]
            m.add_implication(present, prev.present)
            m.add(prev.end == prev.closing).only_enforce_if(present)
            m.add(s >= prev.end + 1).only_enforce_if(present)
        out.append(Piece(present, s, e, length, closing))
    for j, piece in enumerate(out):
        last = [piece.present] + ([out[j + 1].present.Not()] if j + 1 < n else [])
        m.add(end == piece.end).only_enforce_if(last)
    m.add(sum(x.length for x in out) == d - h + h * sum(x.present for x in out)).only_enforce_if(
        lit
    )
    return out


def _hint_pieces(
    m: cp_model.CpModel, pieces: list[Piece], given: list[tuple[int, int]], first_close: int
) -> None:
    """Hint every variable of a task's pieces from the list schedule's ``given`` pieces
    (a complete hint is taken as the first solution at once)."""
    for j, piece in enumerate(pieces):
        a, b = given[j] if j < len(given) else (0, 0)
        if j:
            m.add_hint(piece.present, j < len(given))
        m.add_hint(piece.start, a)
        m.add_hint(piece.end, b)
        m.add_hint(piece.length, b - a)
        m.add_hint(piece.closing, b if j + 1 < len(given) else first_close)


def weighted_completion(schedule: Schedule, weights: dict[int, float]) -> float:
    """``Σ weights[v] · back[v]`` in minutes: the objective both schedulers are judged by."""
    return float(sum(w * float(schedule.back[v]) for v, w in weights.items()))
