"""Resolve references between entities, detect dependency cycles, freeze the model.

Owns the cross-entity rules: every site, provider, team, requirement, tenant and
scenario reference names an existing entity (with a "did you mean" suggestion); ids of
components and functions do not collide; recovery skills are offered by some team;
scenario starts have a time zone; the requirement graph is acyclic (cycles are reported
with their path, one per strongly connected component, Tarjan 1972).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from blackstart.errors import ModelError, Problem, did_you_mean
from blackstart.io.source import PathKey
from blackstart.model.load import Entry, Registry
from blackstart.model.model import FAILABLE, Model, parse_ref
from blackstart.model.requirements import Requirement, parse_requirement, refs
from blackstart.model.schema import Component, Organisation, Scenario, Site, Team


def _unknown(entry: Entry, path: PathKey, what: str, name: str, pool: list[str]) -> Problem:
    return entry.source.problem(
        "unknown-reference",
        f"{entry.section[:-1]} '{entry.id}' refers to unknown {what} '{name}'",
        path,
        element=f"{entry.section[:-1]}:{entry.id}",
        suggestion=did_you_mean(name, pool)
        or (
            f"declare it under '{what}s:'"
            if what in ("site", "provider", "team")
            else "check the spelling or declare it"
        ),
    )


def resolve(reg: Registry, hash_fn: Callable[[Registry], str]) -> Model:
    """Check all references and cycles; return the frozen model or raise every problem."""
    problems = reg.problems
    e = reg.entries
    sites, providers, teams = list(e["sites"]), list(e["providers"]), list(e["teams"])
    components, functions = e["components"], e["functions"]
    for fid, fentry in functions.items():
        if fid in components:
            other = components[fid]
            line, _ = other.source.locate(other.path, key=True)
            problems.append(
                fentry.source.problem(
                    "duplicate-id",
                    f"'{fid}' names both a function and the component in "
                    f"{other.source.label}" + (f":{line}" if line else ""),
                    fentry.path,
                    key=True,
                    element=f"function:{fid}",
                    suggestion="component and function ids share one namespace; rename one",
                )
            )
    requirable = [*components, *functions]
    requirable_set = set(requirable)
    skills = {s for t in e["teams"].values() if isinstance(t.obj, Team) for s in t.obj.skills}

    for entry in e["sites"].values():
        site = entry.obj
        if not isinstance(site, Site):
            continue
        if site.provider is not None and site.provider not in e["providers"]:
            problems.append(
                _unknown(entry, (*entry.path, "provider"), "provider", site.provider, providers)
            )
        for i, tenant in enumerate(site.shared_with):
            if tenant not in e["providers"]:
                problems.append(
                    _unknown(entry, (*entry.path, "shared_with", i), "provider", tenant, providers)
                )

    reqs: dict[str, Requirement | None] = {}
    graph: dict[str, list[str]] = {}
    for entry in [*components.values(), *functions.values()]:
        obj = entry.obj
        if not isinstance(entry.raw, dict):
            continue
        base = (*entry.path, "requires")
        req, issues = parse_requirement(entry.raw.get("requires"))
        for issue in issues:
            problems.append(
                entry.source.problem(
                    issue.code,
                    issue.message,
                    (*base, *issue.path),
                    element=f"{entry.section[:-1]}:{entry.id}",
                    suggestion=issue.suggestion,
                )
            )
        reqs[entry.id] = req
        out_edges = graph[entry.id] = []
        for name, path in refs(req):
            if name not in requirable_set:
                problems.append(
                    _unknown(entry, (*base, *path), "component or function", name, requirable)
                )
            elif name != entry.id:
                out_edges.append(name)
            else:
                problems.append(
                    entry.source.problem(
                        "cycle",
                        f"'{name}' requires itself",
                        (*base, *path),
                        element=f"{entry.section[:-1]}:{entry.id}",
                        suggestion="remove the self-reference",
                    )
                )
        if isinstance(obj, Component):
            if obj.site is not None and obj.site not in e["sites"]:
                problems.append(_unknown(entry, (*entry.path, "site"), "site", obj.site, sites))
            if obj.provider is not None and obj.provider not in e["providers"]:
                problems.append(
                    _unknown(entry, (*entry.path, "provider"), "provider", obj.provider, providers)
                )
            if obj.team is not None and obj.team not in e["teams"]:
                problems.append(_unknown(entry, (*entry.path, "team"), "team", obj.team, teams))
            skill = obj.recovery.skill if obj.recovery else None
            if skill is not None and e["teams"] and skill not in skills:
                problems.append(
                    entry.source.problem(
                        "unknown-reference",
                        f"no team has the skill '{skill}'",
                        (*entry.path, "recovery", "skill"),
                        element=f"component:{entry.id}",
                        suggestion=did_you_mean(skill, sorted(skills))
                        or f"add '{skill}' to the skills of a team",
                    )
                )

    model_tz = reg.scalars.get("timezone", (None, None))[0]
    for entry in e["scenarios"].values():
        sc = entry.obj
        if not isinstance(sc, Scenario):
            continue
        if sc.start.tzinfo is None and sc.timezone is None and model_tz is None:
            problems.append(
                entry.source.problem(
                    "missing-timezone",
                    f"scenario '{entry.id}' starts at a local time with no time zone",
                    (*entry.path, "start"),
                    element=f"scenario:{entry.id}",
                    suggestion="add 'timezone: Europe/Paris' to the scenario or the model, "
                    "or write the start with an offset (2024-08-03T11:00+02:00)",
                )
            )
        for i, text in enumerate(sc.fail):
            problems.extend(_check_fail(reg, entry, i, text))

    problems.extend(_cycles(graph, reqs, {**components, **functions}))
    if problems:
        raise ModelError(problems)

    def objs(section: str) -> dict[str, Any]:
        return {i: en.obj for i, en in e[section].items()}

    scalars = {k: v for k, (v, _) in reg.scalars.items()}
    first = reg.sources[0].label if reg.sources else "model"
    return Model(
        name=str(scalars.get("name") or first),
        description=scalars.get("description"),
        timezone=scalars.get("timezone"),
        organisation=_organisation(scalars.get("organisation")),
        providers=objs("providers"),
        sites=objs("sites"),
        components=objs("components"),
        functions=objs("functions"),
        teams=objs("teams"),
        scenarios=objs("scenarios"),
        requirements=reqs,
        sources=tuple(s.label for s in reg.sources),
        hash=hash_fn(reg),
        origin={f"{sec[:-1]}:{i}": en.source.label for sec, t in e.items() for i, en in t.items()},
    )


def _check_fail(reg: Registry, entry: Entry, i: int, text: str) -> list[Problem]:
    path = (*entry.path, "fail", i)
    try:
        ref = parse_ref(text)
    except ValueError as exc:
        return [
            entry.source.problem("bad-reference", str(exc), path, element=f"scenario:{entry.id}")
        ]
    if ref.kind not in FAILABLE:
        return [
            entry.source.problem(
                "bad-reference",
                f"'{text}': only sites, providers and components can fail",
                path,
                element=f"scenario:{entry.id}",
                suggestion="fail what the function requires instead",
            )
        ]
    table = reg.entries[f"{ref.kind}s"]
    if ref.name not in table:
        return [_unknown(entry, path, ref.kind, ref.name, list(table))]
    return []


def _cycles(
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


def _organisation(value: Any) -> Organisation | None:
    """The ``organisation`` mapping, already checked by the loader's shape stage."""
    return None if value is None else Organisation.model_validate(value)
