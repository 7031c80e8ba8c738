"""Critical paths: the chain of recovery steps that decided when a node came back.

Owns the backward walk over one :class:`~blackstart.engine.schedule.Schedule`: from a
node, follow the child whose back time set the node's requirement time (the binding
child: the one at the ``t``-th largest back time), through each component's steps, down
to the failure whose end started it all. Each step's time is split into waiting for a
dependency (upstream steps), waiting for a person, working, and verifying.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from blackstart.engine.schedule import VERIFY, RecoveryProblem, Schedule


@dataclass(frozen=True)
class Step:
    """One step of a critical path (times in minutes from the scenario start)."""

    node: int
    task: int
    """Task index, or -1 for the outage itself (the failure of ``node``)."""
    ready: int
    """When the step could start as far as dependencies go."""
    start: int
    end: int

    @property
    def waiting_for_person(self) -> int:
        """Minutes the step waited, ready, for someone of a capable team to be free."""
        return max(0, self.start - self.ready) if self.task >= 0 else 0


@dataclass(frozen=True)
class Breakdown:
    """Where the time to restore went, in minutes; the four add up to the restore time."""

    outage: int
    waiting_for_person: int
    working: int
    verifying: int


def requirement_time(problem: RecoveryProblem, back: npt.NDArray[np.int64], v: int) -> int:
    """The time ``v``'s requirement is met, given children back times."""
    kids = problem.child_idx[problem.child_ptr[v] : problem.child_ptr[v + 1]]
    if len(kids) == 0:
        return 0
    times = np.sort(back[kids])
    return int(times[len(times) - int(problem.threshold[v])])


def binding_child(problem: RecoveryProblem, back: npt.NDArray[np.int64], v: int) -> int:
    """The down child whose back time set ``v``'s requirement time; -1 if none."""
    t = requirement_time(problem, back, v)
    if t <= 0:
        return -1
    for c in problem.child_idx[problem.child_ptr[v] : problem.child_ptr[v + 1]].tolist():
        if problem.down[c] and int(back[c]) == t:
            return int(c)
    return -1


def critical_path(problem: RecoveryProblem, schedule: Schedule, node: int) -> list[Step]:
    """The steps that decided when ``node`` came back, earliest first."""
    steps: list[Step] = []
    v = node
    back = schedule.back
    seen: set[int] = set()
    while v >= 0 and problem.down[v] and v not in seen:
        seen.add(v)
        a, b = int(problem.task_ptr[v]), int(problem.task_ptr[v + 1])
        for k in range(b - 1, a - 1, -1):
            if schedule.end[k] > schedule.start[k]:
                steps.append(
                    Step(v, k, int(schedule.ready[k]), int(schedule.start[k]), int(schedule.end[k]))
                )
        req = requirement_time(problem, back, v)
        inj = int(problem.inj_end[v])
        if inj > 0 and inj >= req:
            steps.append(Step(v, -1, 0, 0, inj))
            break
        v = binding_child(problem, back, v)
    steps.reverse()
    return steps


def breakdown(problem: RecoveryProblem, steps: list[Step], restored: int) -> Breakdown:
    """Split ``restored`` minutes into outage, waiting for a person, working, verifying."""
    outage = sum(s.end - s.start for s in steps if s.task < 0)
    person = sum(s.waiting_for_person for s in steps)
    verifying = sum(
        s.end - s.start for s in steps if s.task >= 0 and problem.task_action[s.task] == VERIFY
    )
    working = sum(
        s.end - s.start for s in steps if s.task >= 0 and problem.task_action[s.task] != VERIFY
    )
    # anything not covered by a step (e.g. waiting for the as-of time) counts as waiting
    rest = restored - (outage + person + working + verifying)
    return Breakdown(outage, person + max(0, rest), working, verifying)
