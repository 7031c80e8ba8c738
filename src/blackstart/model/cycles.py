"""The *cycles* stage of loading: the requirement graph must be acyclic.

Owns :func:`cycle_problems`: one problem per dependency cycle, with its path, one per
strongly connected component (Tarjan 1972). Last of the stages; imports none of the
others but :mod:`~blackstart.model.register` (entries and their files).
"""

from __future__ import annotations

from collections.abc import Iterator

from blackstart.errors import Problem
from blackstart.io.source import PathKey
from blackstart.model.register import Entry
from blackstart.model.requirements import Requirement, refs


def cycle_problems(
    graph: dict[str, list[str]], reqs: dict[str, Requirement | None], entries: dict[str, Entry]
) -> list[Problem]:
    """One problem per dependency cycle (per non-trivial strongly connected component).

    ``graph`` maps each component or function to the known ids it requires.
    """
    problems = []
    for scc in _tarjan(graph):
        if len(scc) < 2:
            continue
        members = set(scc)
        start = min(scc)
        cycle = _cycle_in(graph, members, start)
        entry = entries[cycle[0]]
        path: PathKey = (*entry.path, "requires")
        for name, p in refs(reqs[cycle[0]]):
            if name == cycle[1]:
                path = (*entry.path, "requires", *p)
                break
        problems.append(
            entry.source.problem(
                "cycle",
                "dependency cycle: " + " → ".join([*cycle, cycle[0]]),
                path,
                element=f"{entry.section[:-1]}:{entry.id}",
                suggestion="a requirement must not depend back on what requires it; "
                "remove one edge of the cycle",
            )
        )
    return problems


def _cycle_in(graph: dict[str, list[str]], members: set[str], start: str) -> list[str]:
    """A simple cycle through ``start`` inside one strongly connected component (BFS)."""
    parent: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for node in frontier:
            for child in graph[node]:
                if child not in members:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(parent[path[-1]])
                    return list(reversed(path))
                if child not in parent:
                    parent[child] = node
                    nxt.append(child)
        frontier = nxt
    return [start]  # pragma: no cover - an SCC of size > 1 always has a cycle


def _tarjan(graph: dict[str, list[str]]) -> Iterator[list[str]]:
    """Strongly connected components, iteratively (Tarjan 1972, SIAM J. Comput. 1(2))."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = graph[node]
            while i < len(children):
                child = children[i]
                i += 1
                if child not in index:
                    work.append((node, i))
                    work.append((child, 0))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                if low[node] == index[node]:
                    scc = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        scc.append(w)
                        if w == node:
                            break
                    yield scc
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
