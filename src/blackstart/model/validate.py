"""Resolve references between entities, detect dependency cycles, freeze the model.

Owns the cross-entity rules: every site, provider, team, requirement, tenant and
scenario reference names an existing entity (with a "did you mean" suggestion); ids of
components and functions do not collide; recovery skills are offered by some team;
scenario starts have a time zone; then :mod:`~blackstart.model.cycles` checks that the
requirement graph is acyclic. Freezes the :class:`~blackstart.model.model.Model`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from blackstart.errors import ModelError, Problem, did_you_mean
from blackstart.io.source import PathKey
from blackstart.model.cycles import cycle_problems
from blackstart.model.model import FAILABLE, Model, parse_ref
from blackstart.model.places import check_places
from blackstart.model.register import Entry, Registry
from blackstart.model.requirements import Requirement, parse_requirement, refs
from blackstart.model.schema import (
    CHANGE_KINDS,
    PLACE,
    Component,
    ForecastSettings,
    Organisation,
    Scenario,
    Site,
    StatusPage,
    Team,
)


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
            if PLACE in name:
                continue  # a per-place template: checked by check_places
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

    site_objs = {i: en.obj for i, en in e["sites"].items() if isinstance(en.obj, Site)}
    delivery = check_places(functions, components, site_objs, reqs, requirable)
    problems.extend(delivery.problems)
    for fid, extra in delivery.edges.items():
        graph[fid].extend(x for x in extra if x != fid)

    for cid, entry in e["costs"].items():
        if cid not in CHANGE_KINDS:
            problems.append(
                entry.source.problem(
                    "unknown-key",
                    f"'{cid}' is no kind of change",
                    entry.path,
                    key=True,
                    element=f"cost:{cid}",
                    suggestion=did_you_mean(cid, CHANGE_KINDS)
                    or "kinds of change: " + ", ".join(CHANGE_KINDS),
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

    status_page = _status_page(reg, problems)
    problems.extend(cycle_problems(graph, reqs, {**components, **functions}))
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
        forecast=ForecastSettings.model_validate(scalars.get("forecast") or {}),
        organisation=_organisation(scalars.get("organisation")),
        providers=objs("providers"),
        sites=objs("sites"),
        components=objs("components"),
        functions=objs("functions"),
        teams=objs("teams"),
        scenarios=objs("scenarios"),
        costs=objs("costs"),
        requirements=reqs,
        places=delivery.places,
        sources=tuple(s.label for s in reg.sources),
        hash=hash_fn(reg),
        origin={f"{sec[:-1]}:{i}": en.source.label for sec, t in e.items() for i, en in t.items()},
        status_page=status_page,
    )


def _status_page(reg: Registry, problems: list[Problem]) -> StatusPage | None:
    """The ``status_page:`` entry, its components checked (shape errors are the loader's)."""
    if "status_page" not in reg.scalars:
        return None
    raw, src = reg.scalars["status_page"]
    try:
        page = StatusPage.model_validate(raw)
    except ValidationError:
        return None
    known = reg.entries["components"]
    for i, cid in enumerate(page.components):
        if cid not in known:
            problems.append(
                src.problem(
                    "unknown-reference",
                    f"status_page runs on unknown component '{cid}'",
                    ("status_page", "components", i),
                    element="status_page",
                    suggestion=did_you_mean(cid, sorted(known)) or "list components of the model",
                )
            )
    return page


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


def _organisation(value: Any) -> Organisation | None:
    """The ``organisation`` mapping, already checked by the loader's shape stage."""
    return None if value is None else Organisation.model_validate(value)
