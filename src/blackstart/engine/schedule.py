"""Recovery scheduling: a priority-list scheduler under precedence and staff calendars.

Owns :class:`RecoveryProblem` (the arrays of one scenario's recovery) and the list
scheduler that turns task durations into start and end times, compiled with numba so a
Monte Carlo forecast can run it thousands of times.

Semantics (minutes from the scenario start):

- a down node is *back* when its requirement is met again and, for a component, when its
  own recovery steps are done. For a node that is down when at least ``t`` children are
  down, the requirement is met at the ``t``-th largest of its children's back times (the
  maximum for all-of, the minimum for any-of); up children count as 0. A node failed
  directly is not back before the failure ends (``inj_end``);
- a component's steps run in order (boot, restart, restore, data check, verify), the
  first once its requirement is met and the failure has ended;
- a manual step needs one person of a candidate team for its whole duration
  (non-preemptive), never more people than the team's calendar has at any minute;
  automatic steps (boot, restore) need nobody.

Algorithm: serial schedule-generation scheme with a priority rule (Kelley 1963; Kolisch,
"Serial and parallel resource-constrained project scheduling methods revisited", EJOR 90,
1996): among the components whose requirements are all resolved, the most urgent (lowest
``priority``) is scheduled next, each step at the earliest time a person is free for its
whole duration. Resolution of gates, sites and functions cascades as soon as their
children are known. Complexity per run: O((nodes + edges) log nodes + Σ scan length).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

ACTIONS: tuple[str, ...] = ("boot", "restart", "restore", "data_check", "verify")
"""Recovery steps of a component, in the order they run."""
AUTOMATIC_ACTIONS = frozenset({"boot", "restore"})
"""Steps that run without a person (a restore runs by itself once launched)."""
VERIFY = ACTIONS.index("verify")

DIST_FIXED, DIST_UNIFORM, DIST_TRIANGULAR, DIST_LOGNORMAL = 0, 1, 2, 3

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class RecoveryProblem:
    """Everything the scheduler needs for one scenario, as arrays (times in minutes)."""

    n: int
    child_ptr: I64
    child_idx: npt.NDArray[np.int32]
    parent_ptr: I64
    parent_idx: I64
    threshold: npt.NDArray[np.int32]
    down: npt.NDArray[np.bool_]
    inj_end: I64
    """Minute the failure ends for nodes failed directly, else 0."""
    task_ptr: I64
    """Tasks of node ``v``: ``task_ptr[v]:task_ptr[v+1]``, in step order."""
    task_node: I64
    task_action: npt.NDArray[np.int8]
    dist_kind: npt.NDArray[np.int8]
    dist_params: npt.NDArray[np.float64]
    """``(tasks, 3)`` in minutes: fixed (d, d), uniform (lo, hi), triangular (lo, mode,
    hi), lognormal (median, p90)."""
    task_prob: npt.NDArray[np.float64]
    """Probability that the task is needed (``restart_fails`` for a restore, else 1)."""
    cand_ptr: I64
    cand_team: I64
    """Candidate teams of task ``k``: ``cand_team[cand_ptr[k]:cand_ptr[k+1]]``; none means
    automatic."""
    priority: I64
    capacity: npt.NDArray[np.int16]
    """``(teams, horizon)`` head-count per minute."""
    task_labels: tuple[str, ...]
    team_names: tuple[str, ...]
    handover: I64 | None = None
    """Per team, minutes of handover when a step is continued by the next shift, or
    :data:`NO_HANDOVER` (``None``: :data:`HANDOVER` for every team)."""
    cand_handover: I64 | None = None
    """Per candidate entry (parallel to ``cand_team``): minutes of handover when task
    ``k`` is continued by that team's next shift, :data:`NO_HANDOVER` if it may not be
    handed over (``None``: the team's ``handover``)."""
    call_in: I64 | None = None
    """Per team, the model's minutes for its on-call people to arrive after the alert
    (``None``: unknown; the calendar ``capacity`` already leaves them out until then)."""

    def handover_minutes(self) -> I64:
        """Per team handover minutes (one entry at least)."""
        if self.handover is not None:
            return np.asarray(self.handover, np.int64)
        return np.full(max(1, self.capacity.shape[0]), HANDOVER, np.int64)

    def candidate_handover(self) -> I64:
        """Per candidate entry, the handover minutes of that (task, team) pair, or
        :data:`NO_HANDOVER`."""
        if self.cand_handover is not None:
            return np.asarray(self.cand_handover, np.int64)
        per_team = self.handover_minutes()
        if len(self.cand_team) == 0:
            return np.zeros(0, np.int64)
        return np.asarray(per_team[self.cand_team], np.int64)

    @property
    def n_tasks(self) -> int:
        """Number of tasks."""
        return len(self.task_labels)

    @property
    def horizon(self) -> int:
        """Minutes covered by the staff calendars."""
        return int(self.capacity.shape[1])


@dataclass(frozen=True, eq=False)
class Schedule:
    """One run of the scheduler: times of every task and node (minutes)."""

    start: I64
    end: I64
    team: I64
    """Team index of each task; -1 for automatic or skipped tasks."""
    ready: I64
    """When each task could have started had a person been free."""
    back: I64
    """When each node is back (0 for nodes never down)."""
    beyond_horizon: bool
    pieces: I64 | None = None
    """``(p, 3)`` rows ``(task, start, end)``: the pieces of every step handed over
    across shifts (steps worked in one piece have none); ``None`` if not recorded."""

    def pieces_of(self, k: int) -> list[tuple[int, int]]:
        """The worked pieces of task ``k``: ``[(start, end)]`` (one piece if not split)."""
        if self.pieces is not None:
            rows = self.pieces[self.pieces[:, 0] == k]
            if len(rows):
                return [(int(a), int(b)) for _, a, b in rows]
        return [(int(self.start[k]), int(self.end[k]))]


# --------------------------------------------------------------------------- kernel


@numba.njit(cache=True, nogil=True)
def _heap_push(heap: I64, size: int, key: int) -> int:
    i = size
    heap[i] = key
    while i > 0:
        p = (i - 1) // 2
        if heap[p] <= heap[i]:
            break
        heap[p], heap[i] = heap[i], heap[p]
        i = p
    return size + 1


@numba.njit(cache=True, nogil=True)
def _heap_pop(heap: I64, size: int) -> int:
    top = heap[0]
    size -= 1
    heap[0] = heap[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        c = left
        if left + 1 < size and heap[left + 1] < heap[left]:
            c = left + 1
        if heap[i] <= heap[c]:
            break
        heap[i], heap[c] = heap[c], heap[i]
        i = c
    return int(top)


@numba.njit(cache=True, nogil=True)
def _requirement_time(
    v: int,
    child_ptr: I64,
    child_idx: npt.NDArray[np.int32],
    threshold: npt.NDArray[np.int32],
    back: I64,
    tmp: I64,
) -> int:
    """The ``threshold[v]``-th largest back time of ``v``'s children (0 if none)."""
    a, b = child_ptr[v], child_ptr[v + 1]
    m = b - a
    if m == 0:
        return 0
    t = threshold[v]
    if t == 1:
        best = 0
        for e in range(a, b):
            x = back[child_idx[e]]
            if x > best:
                best = x
        return int(best)
    for e in range(a, b):
        tmp[e - a] = back[child_idx[e]]
    part = np.sort(tmp[:m])
    return int(part[m - t])


@numba.njit(cache=True, nogil=True)
def _next_free(rem: npt.NDArray[np.int16], nxt: npt.NDArray[np.int32], team: int, t: int) -> int:
    """First minute ``>= t`` with a free person of ``team`` (the horizon if none).

    ``nxt[team, m]`` points past booked minutes (initially ``m + 1``); the walk compresses
    the path it took, so booked stretches and closed nights are jumped over once and for
    all (path compression, as in Tarjan's disjoint sets, 1975).
    """
    horizon = rem.shape[1]
    root = t
    while root < horizon and rem[team, root] <= 0:
        root = nxt[team, root]
    while t < root:
        following = nxt[team, t]
        if following < root:
            nxt[team, t] = root
        t = following if following > t else t + 1
    return root


@numba.njit(cache=True, nogil=True)
def _earliest_fit(
    rem: npt.NDArray[np.int16],
    nxt: npt.NDArray[np.int32],
    team: int,
    ready: int,
    d: int,
    touched: I64,
) -> int:
    """First ``s >= ready`` with a free person of ``team`` on every minute of
    ``[s, s + d)``; -1 if none within the horizon. ``touched[team]`` is raised to the
    furthest minute whose skip pointer may have changed."""
    horizon = rem.shape[1]
    if d <= 0:
        return ready
    s = _next_free(rem, nxt, team, ready)
    while s + d <= horizon:
        m = s
        end = s + d
        while m < end and rem[team, m] > 0:
            m += 1
        if m == end:
            if s > touched[team]:
                touched[team] = s
            return s
        s = _next_free(rem, nxt, team, m)
    touched[team] = horizon
    return -1


HANDOVER = 30
"""Default minutes of handover added each time a manual step is continued by the next
shift (a team's or a step's ``handover`` overrides it)."""
NO_HANDOVER = -1
"""Handover code of a step that may not be handed over: it waits for a staffed stretch
long enough to hold it whole."""


@numba.njit(cache=True, nogil=True)
def _handover_fit(
    rem: npt.NDArray[np.int16],
    nxt: npt.NDArray[np.int32],
    capacity: npt.NDArray[np.int16],
    team: int,
    ready: int,
    d: int,
    handover: int,
    book: bool,
    task: int,
    pieces: I64,
    npieces: I64,
) -> tuple[int, int]:
    """``(start, end)`` of the earliest-ending way to work ``d`` minutes for ``team`` from
    ``ready`` in pieces handed over across shifts; ``(-1, -1)`` if none ends within the
    horizon. With ``book``, consumes the pieces' head-count and records them (when more
    than one) as rows ``(task, start, end)`` of ``pieces`` (counted by ``npieces[0]``).

    Semantics: each piece lies in one staffed stretch of the team's calendar (minutes
    with ``capacity > 0``) with a free person on each of its minutes; every piece but the
    last ends where its stretch ends (the shift ends: the work is handed over); the
    pieces' lengths sum to ``d`` plus ``handover`` per break. Greedy: each piece as early
    as possible; a non-final piece no longer than ``handover`` is skipped, since it would
    add more work than it does. The greedy's end is never later than the earliest whole
    fit (a whole fit is a one-piece schedule, and each piece taken leaves less work for
    the same later calendar).
    """
    horizon = rem.shape[1]
    m = ready
    remaining = d
    first = -1
    while True:
        m = _next_free(rem, nxt, team, m)
        if m >= horizon:
            return -1, -1
        lim = m + remaining
        f = m
        while f < lim and f < horizon and rem[team, f] > 0:
            f += 1
        if f == lim:  # the last piece
            if first < 0:
                first = m
            if book:
                for x in range(m, f):
                    rem[team, x] -= 1
                if first != m:
                    _record(pieces, npieces, task, m, f)
            return first, f
        if f < horizon and capacity[team, f] <= 0 and f - m > handover:
            if first < 0:
                first = m
            if book:
                for x in range(m, f):
                    rem[team, x] -= 1
                _record(pieces, npieces, task, m, f)
            remaining += handover - (f - m)
        m = f


@numba.njit(cache=True, nogil=True)
def _record(pieces: I64, npieces: I64, task: int, a: int, b: int) -> None:
    if b <= a:
        return
    i = npieces[0]
    if i < pieces.shape[0]:
        pieces[i, 0] = task
        pieces[i, 1] = a
        pieces[i, 2] = b
    npieces[0] = i + 1


@numba.njit(cache=True, nogil=True)
def schedule_run(
    n: int,
    child_ptr: I64,
    child_idx: npt.NDArray[np.int32],
    parent_ptr: I64,
    parent_idx: I64,
    threshold: npt.NDArray[np.int32],
    down: npt.NDArray[np.bool_],
    inj_end: I64,
    task_ptr: I64,
    cand_ptr: I64,
    cand_team: I64,
    priority: I64,
    dur: I64,
    fixed_start: I64,
    fixed_end: I64,
    not_before: int,
    rem: npt.NDArray[np.int16],
    nxt: npt.NDArray[np.int32],
    touched: I64,
    start: I64,
    end: I64,
    team_of: I64,
    ready_of: I64,
    back: I64,
    capacity: npt.NDArray[np.int16],
    cand_handover: I64,
    pieces: I64,
    npieces: I64,
) -> bool:
    """Schedule one run; fill ``start``, ``end``, ``team_of``, ``ready_of`` and ``back``.

    ``dur[k]`` is the sampled duration of task ``k`` (0: skipped). ``fixed_end[k] >= 0``
    marks a task already done at that minute, ``fixed_start[k] >= 0`` one in progress
    since then (if it runs into minutes its team's ``capacity`` calendar leaves unstaffed,
    it is continued by the next shift with its handover minutes more, or worked through
    by the same person if it may not be handed over); other tasks cannot start before
    ``not_before``. ``rem`` is the remaining head-count, consumed in place, and ``nxt``
    its skip pointers (``nxt[t, m] = m + 1`` initially); ``touched[team]`` records the
    last minute either was changed at, so the caller can restore both cheaply.
    ``cand_handover`` (parallel to ``cand_team``) is each (task, team)'s handover minutes
    or :data:`NO_HANDOVER`: a step that may be handed over ends at the earliest end of
    :func:`_handover_fit` over its teams, one that may not at the earliest whole fit
    (:func:`_earliest_fit`); the pieces of split steps go to ``pieces`` (rows ``(task,
    start, end)``, up to its length; ``npieces[0]`` counts them all). Returns False if a
    task did not end within the horizon (it is then placed at its ready time regardless
    of staff).
    """
    ok = True
    horizon = rem.shape[1]
    # a search that failed from minute fail_r for duration fail_d fails for any later
    # start and longer duration too: capacity only shrinks during a run
    fail_r = np.full(rem.shape[0], horizon, np.int64)
    fail_d = np.full(rem.shape[0], horizon + 1, np.int64)
    pending = np.zeros(n, np.int64)
    heap = np.empty(n, np.int64)
    size = 0
    stack = np.empty(n, np.int64)
    top = 0
    max_deg = 1
    for v in range(n):
        deg = child_ptr[v + 1] - child_ptr[v]
        if deg > max_deg:
            max_deg = deg
    tmp = np.empty(max_deg, np.int64)
    for v in range(n):
        if down[v]:
            back[v] = -1
            cnt = 0
            for e in range(child_ptr[v], child_ptr[v + 1]):
                if down[child_idx[e]]:
                    cnt += 1
            pending[v] = cnt
        else:
            back[v] = 0
    for v in range(n):
        if down[v] and pending[v] == 0:
            if task_ptr[v + 1] > task_ptr[v]:
                size = _heap_push(heap, size, priority[v] * n + v)
            else:
                stack[top] = v
                top += 1
    done = 0
    while True:
        while top > 0:
            top -= 1
            v = stack[top]
            t = _requirement_time(v, child_ptr, child_idx, threshold, back, tmp)
            if inj_end[v] > t:
                t = inj_end[v]
            back[v] = t
            done += 1
            for e in range(parent_ptr[v], parent_ptr[v + 1]):
                p = parent_idx[e]
                if down[p]:
                    pending[p] -= 1
                    if pending[p] == 0:
                        if task_ptr[p + 1] > task_ptr[p]:
                            size = _heap_push(heap, size, priority[p] * n + p)
                        else:
                            stack[top] = p
                            top += 1
        if size == 0:
            break
        key = _heap_pop(heap, size)
        size -= 1
        v = key % n
        t = _requirement_time(v, child_ptr, child_idx, threshold, back, tmp)
        if inj_end[v] > t:
            t = inj_end[v]
        for k in range(task_ptr[v], task_ptr[v + 1]):
            team_of[k] = -1
            if fixed_end[k] >= 0:  # done already
                ready_of[k] = t
                end[k] = fixed_end[k]
                start[k] = fixed_start[k] if fixed_start[k] >= 0 else max(t, fixed_end[k] - dur[k])
                if start[k] > end[k]:
                    start[k] = end[k]
                t = max(t, end[k])
                continue
            if fixed_start[k] >= 0:  # in progress: started, runs its (conditional) duration
                ready_of[k] = fixed_start[k]
                start[k] = fixed_start[k]
                end[k] = fixed_start[k] + dur[k]
                a, b = cand_ptr[k], cand_ptr[k + 1]
                if b > a:
                    tm = cand_team[a]
                    team_of[k] = tm
                    lo, hi = max(start[k], 0), min(end[k], rem.shape[1])
                    staffed = True
                    for m in range(lo, hi):
                        if capacity[tm, m] <= 0:
                            staffed = False
                            break
                    if staffed or cand_handover[a] < 0:  # whole, or worked through
                        for m in range(lo, hi):
                            if capacity[tm, m] > 0:
                                rem[tm, m] -= 1
                    else:  # it spans an unstaffed stretch: handed over at each
                        m = lo
                        remaining = end[k] - lo
                        piece = lo
                        while remaining > 0 and m < rem.shape[1]:
                            if capacity[tm, m] > 0:
                                rem[tm, m] -= 1
                                remaining -= 1
                                m += 1
                            else:
                                _record(pieces, npieces, k, piece, m)
                                while m < rem.shape[1] and capacity[tm, m] <= 0:
                                    m += 1
                                piece = m
                                remaining += cand_handover[a]
                        end[k] = m + remaining
                        _record(pieces, npieces, k, piece, end[k])
                    if end[k] > touched[tm]:
                        touched[tm] = end[k]
                t = max(t, end[k])
                continue
            d = dur[k]
            r = t if t > not_before else not_before
            ready_of[k] = r
            if d <= 0:
                start[k] = r
                end[k] = r
                continue
            a, b = cand_ptr[k], cand_ptr[k + 1]
            if b == a:  # automatic
                start[k] = r
                end[k] = r + d
                t = end[k]
                continue
            best = -1
            best_end = -1
            best_team = -1
            best_c = -1
            for c in range(a, b):
                tm = cand_team[c]
                if cand_handover[c] >= 0:  # may be handed over across shifts
                    s, e = _handover_fit(
                        rem, nxt, capacity, tm, r, d, cand_handover[c], False, k, pieces, npieces
                    )
                    if s < 0:
                        touched[tm] = horizon
                        continue
                    if e > touched[tm]:
                        touched[tm] = e
                else:
                    if r >= fail_r[tm] and d >= fail_d[tm]:
                        continue
                    s = _earliest_fit(rem, nxt, tm, r, d, touched)
                    if s < 0:
                        if r <= fail_r[tm] and d <= fail_d[tm]:
                            fail_r[tm] = r
                            fail_d[tm] = d
                        continue
                    e = s + d
                if best_end < 0 or e < best_end:
                    best, best_end, best_team, best_c = s, e, tm, c
            if best < 0:  # ends nowhere within the horizon
                ok = False
                start[k] = r
                end[k] = r + d
                t = end[k]
                continue
            team_of[k] = best_team
            if cand_handover[best_c] >= 0:
                _handover_fit(
                    rem, nxt, capacity, best_team, r, d, cand_handover[best_c], True, k,
                    pieces, npieces,
                )  # fmt: skip
            else:
                for m in range(best, best_end):
                    rem[best_team, m] -= 1
            if best_end > touched[best_team]:
                touched[best_team] = best_end
            start[k] = best
            end[k] = best_end
            t = end[k]
        back[v] = t
        for e in range(parent_ptr[v], parent_ptr[v + 1]):
            p = parent_idx[e]
            if down[p]:
                pending[p] -= 1
                if pending[p] == 0:
                    if task_ptr[p + 1] > task_ptr[p]:
                        size = _heap_push(heap, size, priority[p] * n + p)
                    else:
                        stack[top] = p
                        top += 1
    return ok


@numba.njit(cache=True, nogil=True)
def fresh_pointers(teams: int, horizon: int) -> npt.NDArray[np.int32]:
    """Skip pointers of an untouched calendar: every minute points to the next."""
    nxt = np.empty((teams, horizon), np.int32)
    for tm in range(teams):
        for m in range(horizon):
            nxt[tm, m] = m + 1
    return nxt


def run_once(
    problem: RecoveryProblem,
    durations: I64,
    *,
    fixed_start: I64 | None = None,
    fixed_end: I64 | None = None,
    not_before: int = 0,
) -> Schedule:
    """Schedule one set of task durations (minutes)."""
    p = problem
    k = p.n_tasks
    fs = np.full(k, -1, np.int64) if fixed_start is None else fixed_start
    fe = np.full(k, -1, np.int64) if fixed_end is None else fixed_end
    start = np.zeros(k, np.int64)
    end = np.zeros(k, np.int64)
    team = np.full(k, -1, np.int64)
    ready = np.zeros(k, np.int64)
    back = np.zeros(p.n, np.int64)
    cand_handover = p.candidate_handover()
    room = 64 + 4 * k
    while True:
        pieces = np.zeros((room, 3), np.int64)
        npieces = np.zeros(1, np.int64)
        rem = p.capacity.copy()
        nxt = fresh_pointers(rem.shape[0], rem.shape[1])
        touched = np.zeros(rem.shape[0], np.int64)
        ok = schedule_run(
            p.n, p.child_ptr, p.child_idx, p.parent_ptr, p.parent_idx, p.threshold, p.down,
            p.inj_end, p.task_ptr, p.cand_ptr, p.cand_team, p.priority,
            np.asarray(durations, np.int64), fs, fe, int(not_before), rem, nxt, touched,
            start, end, team, ready, back, p.capacity, cand_handover, pieces, npieces,
        )  # fmt: skip
        if npieces[0] <= room:
            break
        room = int(npieces[0])  # more pieces than room: run again with enough
    return Schedule(
        start, end, team, ready, back, beyond_horizon=not ok, pieces=pieces[: npieces[0]]
    )


@numba.njit(cache=True, parallel=True)
def _many(
    n: int,
    child_ptr: I64,
    child_idx: npt.NDArray[np.int32],
    parent_ptr: I64,
    parent_idx: I64,
    threshold: npt.NDArray[np.int32],
    down: npt.NDArray[np.bool_],
    inj_end: I64,
    task_ptr: I64,
    cand_ptr: I64,
    cand_team: I64,
    priority: I64,
    durations: I64,
    fixed_start: I64,
    fixed_end: I64,
    not_before: int,
    capacity: npt.NDArray[np.int16],
    cand_handover: I64,
    watch: I64,
    chunks: int,
    out: I64,
    ok: npt.NDArray[np.bool_],
) -> None:
    runs, k = durations.shape
    per = (runs + chunks - 1) // chunks
    for c in numba.prange(chunks):
        rem = capacity.copy()
        nxt = fresh_pointers(rem.shape[0], rem.shape[1])
        touched = np.zeros(rem.shape[0], np.int64)
        start = np.zeros(k, np.int64)
        end = np.zeros(k, np.int64)
        team = np.zeros(k, np.int64)
        ready = np.zeros(k, np.int64)
        back = np.zeros(n, np.int64)
        pieces = np.zeros((0, 3), np.int64)  # not recorded
        npieces = np.zeros(1, np.int64)
        for r in range(c * per, min(runs, (c + 1) * per)):
            ok[r] = schedule_run(
                n, child_ptr, child_idx, parent_ptr, parent_idx, threshold, down, inj_end,
                task_ptr, cand_ptr, cand_team, priority, durations[r], fixed_start,
                fixed_end, not_before, rem, nxt, touched, start, end, team, ready, back,
                capacity, cand_handover, pieces, npieces,
            )  # fmt: skip
            for i in range(watch.shape[0]):
                out[r, i] = back[watch[i]]
            for tm in range(rem.shape[0]):
                hi = min(touched[tm] + 1, rem.shape[1])
                rem[tm, :hi] = capacity[tm, :hi]
                for m in range(hi):
                    nxt[tm, m] = m + 1
                touched[tm] = 0


def run_many(
    problem: RecoveryProblem,
    durations: I64,
    watch: I64,
    *,
    fixed_start: I64 | None = None,
    fixed_end: I64 | None = None,
    not_before: int = 0,
    chunks: int | None = None,
) -> tuple[I64, npt.NDArray[np.bool_]]:
    """Schedule every row of ``durations`` ``(runs, tasks)``; return the back times of the
    ``watch`` nodes ``(runs, len(watch))`` and which runs fit in the horizon.

    Runs are independent and deterministic, so the result does not depend on how they
    are split across threads (``chunks``, default: 4 per thread).
    """
    p = problem
    k = p.n_tasks
    runs = durations.shape[0]
    fs = np.full(k, -1, np.int64) if fixed_start is None else fixed_start
    fe = np.full(k, -1, np.int64) if fixed_end is None else fixed_end
    out = np.zeros((runs, len(watch)), np.int64)
    ok = np.ones(runs, np.bool_)
    if chunks is None:
        chunks = max(1, min(runs, 4 * numba.get_num_threads()))
    _many(
        p.n, p.child_ptr, p.child_idx, p.parent_ptr, p.parent_idx, p.threshold, p.down,
        p.inj_end, p.task_ptr, p.cand_ptr, p.cand_team, p.priority,
        np.ascontiguousarray(durations, np.int64), fs, fe, int(not_before), p.capacity,
        p.candidate_handover(), np.asarray(watch, np.int64), int(chunks), out, ok,
    )  # fmt: skip
    return out, ok
