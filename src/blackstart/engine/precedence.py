"""Which recovery tasks must be finished before a task can start (its prerequisites).

Owns the precedence relation the scheduler applies, made explicit per task for the
board ("ready to start", "done before its prerequisites?"). A step of a component
waits for the previous step of the same component; the first step of a component waits
for the last step of every down component it requires, looking through gates (nodes
without tasks). Any-of and k-of-n gates are read as all-of: the relation may name more
prerequisites than strictly needed, never fewer, so "ready" is conservative and a
"before its prerequisites" warning is one the operator can confirm.

Does not schedule or read times. O(tasks + edges) with memoisation per node.
"""

from __future__ import annotations

from blackstart.engine.schedule import RecoveryProblem


def prerequisites(problem: RecoveryProblem) -> list[list[int]]:
    """Per task index, the indices of the tasks it waits for (see the module docstring)."""
    p = problem
    memo: dict[int, list[int]] = {}

    def last_tasks_below(v: int) -> list[int]:
        """The last step of each down component under ``v`` reached through gates."""
        if v in memo:
            return memo[v]
        memo[v] = []  # guards against revisits; the graph is acyclic
        out: list[int] = []
        for c in p.child_idx[p.child_ptr[v] : p.child_ptr[v + 1]].tolist():
            if not p.down[c]:
                continue
            lo, hi = int(p.task_ptr[c]), int(p.task_ptr[c + 1])
            if hi > lo:
                out.append(hi - 1)
            else:
                out.extend(last_tasks_below(c))
        memo[v] = sorted(set(out))
        return memo[v]

    result: list[list[int]] = []
    for k in range(p.n_tasks):
        v = int(p.task_node[k])
        if k > int(p.task_ptr[v]):
            result.append([k - 1])
        else:
            result.append(last_tasks_below(v))
    return result


def waits_for_failure_end(problem: RecoveryProblem, task: int) -> bool:
    """Whether ``task`` is on a component failed directly (it waits for power or the
    provider to come back before it can start)."""
    return bool(problem.inj_end[int(problem.task_node[task])] > 0)
