"""Prerequisites of recovery tasks against a brute-force transitive closure."""

from __future__ import annotations

import blackstart.api as bs
from blackstart import planning
from blackstart.engine.precedence import prerequisites


def test_prerequisites_close_to_the_dependency_cone() -> None:
    """The transitive closure of :func:`prerequisites` equals, for every task, the tasks of
    down components in its dependency cone plus earlier steps of its own component
    (brute force over the compiled arrays)."""
    m = bs.load(bs.example_path())
    p = planning.context(m, "colo-power-cut").problem
    pre = prerequisites(p)
    for k in range(p.n_tasks):
        closure: set[int] = set()
        stack = list(pre[k])
        while stack:
            j = stack.pop()
            if j not in closure:
                closure.add(j)
                stack.extend(pre[j])
        v = int(p.task_node[k])
        below: set[int] = set()
        todo = [v]
        while todo:
            u = todo.pop()
            for c in p.child_idx[p.child_ptr[u] : p.child_ptr[u + 1]].tolist():
                if p.down[c] and c not in below:
                    below.add(c)
                    todo.append(c)
        expected = {j for c in below for j in range(p.task_ptr[c], p.task_ptr[c + 1])}
        expected |= set(range(int(p.task_ptr[v]), k))
        assert closure == expected, p.task_labels[k]
