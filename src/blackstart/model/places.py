"""Places of delivery: where each function is delivered, and what it needs at each place.

A function may name its *places of delivery* (``delivered_at``): the sites where it is
delivered to people — each hospital of a group, each ward. It is then up or down at each
place on its own. Its ``requires`` is a template: ``{place}`` inside a name stands for the
place's id (``'{place}-wan'`` is ``hospital-west-wan`` at ``hospital-west``), and a
required function that is delivered at the same place is taken *at that place*
(``lab-results`` at ``hospital-west`` needs ``hospital-connectivity`` at
``hospital-west``); a required function delivered elsewhere, or everywhere at once, is
needed as a whole. A function is also down at a place whose site is down.

A function at one place is written ``FUNCTION@PLACE`` everywhere (node labels, fault-tree
targets, JSON): ``lab-results@hospital-west``. Ids cannot hold ``@``, so this never
collides with an id.

Owns the resolution of ``delivered_at`` to site ids, the per-place instantiation of a
requirement template, and the problems of both. Does not compile (see
:mod:`blackstart.model.compile`) nor evaluate anything.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from blackstart.errors import Problem, did_you_mean
from blackstart.model.requirements import Ref, Requirement, refs
from blackstart.model.schema import PLACE, Function, PlaceSelector, Site

if TYPE_CHECKING:
    from blackstart.model.register import Entry

AT = "@"
"""Separator of ``FUNCTION@PLACE``."""


def at(function: str, place: str) -> str:
    """The ``FUNCTION@PLACE`` spelling of a function at one place.

    >>> at("lab-results", "hospital-west")
    'lab-results@hospital-west'
    """
    return f"{function}{AT}{place}"


def split_at(text: str) -> tuple[str, str | None]:
    """``FUNCTION@PLACE`` -> ``(function, place)``; a bare id -> ``(id, None)``.

    >>> split_at("lab-results@hospital-west"), split_at("billing")
    (('lab-results', 'hospital-west'), ('billing', None))
    """
    name, sep, place = text.partition(AT)
    return (name, place) if sep else (name, None)


def place_ids(fn: Function, sites: Mapping[str, Site]) -> tuple[str, ...]:
    """The site ids a function is delivered at, in the order written (a kind selector:
    model order); empty when it names no places."""
    spec = fn.delivered_at
    if spec is None:
        return ()
    if isinstance(spec, PlaceSelector):
        return tuple(s for s, site in sites.items() if site.kind == spec.kind)
    return tuple(dict.fromkeys(spec))


def has_placeholder(req: Requirement | None) -> bool:
    """Whether a requirement names ``{place}`` anywhere."""
    return any(PLACE in name for name, _ in refs(req))


def bind(
    req: Requirement | None, place: str, places: Mapping[str, tuple[str, ...]]
) -> Requirement | None:
    """The requirement at one place: ``{place}`` replaced by its id, and a required
    function delivered at that place renamed ``FUNCTION@PLACE``."""
    if req is None:
        return None
    if isinstance(req, Ref):
        name = req.name.replace(PLACE, place)
        return Ref(at(name, place) if place in places.get(name, ()) else name)
    return replace(req, items=tuple(b for i in req.items if (b := bind(i, place, places))))


@dataclass(frozen=True)
class Places:
    """The outcome of checking places: site ids by function, the per-place names each
    entity requires (for the cycle check), and the problems found."""

    places: dict[str, tuple[str, ...]]
    edges: dict[str, list[str]]
    problems: list[Problem]


def check_places(
    functions: Mapping[str, Entry],
    components: Mapping[str, Entry],
    sites: Mapping[str, Site],
    reqs: Mapping[str, Requirement | None],
    requirable: list[str],
) -> Places:
    """Resolve every function's places of delivery; report unknown sites, selectors that
    select nothing, ``{place}`` where no place is defined, and names that do not resolve
    at some place (naming that place)."""
    out = Places({}, {}, [])
    known = set(requirable)
    for fid, entry in functions.items():
        fn = entry.obj
        if not isinstance(fn, Function):
            continue
        spec = fn.delivered_at
        path = (*entry.path, "delivered_at")
        if isinstance(spec, list):
            for i, sid in enumerate(spec):
                if sid not in sites:
                    out.problems.append(
                        entry.source.problem(
                            "unknown-reference",
                            f"function '{fid}' is delivered at unknown site '{sid}'",
                            (*path, i),
                            element=f"function:{fid}",
                            suggestion=did_you_mean(sid, list(sites))
                            or "declare it under 'sites:'",
                        )
                    )
        ids = tuple(s for s in place_ids(fn, sites) if s in sites)
        if isinstance(spec, PlaceSelector) and not ids:
            out.problems.append(
                entry.source.problem(
                    "unknown-reference",
                    f"function '{fid}' is delivered at every site of kind '{spec.kind}', "
                    "and the model has none",
                    (*path, "kind"),
                    element=f"function:{fid}",
                    suggestion="kinds in the model: "
                    + (", ".join(sorted({s.kind for s in sites.values()})) or "none"),
                )
            )
        if ids:
            out.places[fid] = ids
    for fid, entry in functions.items():
        req = reqs.get(fid)
        templates = [(n, p) for n, p in refs(req) if PLACE in n]
        if not templates:
            continue
        if fid not in out.places:
            if isinstance(entry.obj, Function) and entry.obj.delivered_at is None:
                name, p = templates[0]
                out.problems.append(
                    entry.source.problem(
                        "bad-requirement",
                        f"function '{fid}' requires '{name}' but has no places of delivery "
                        "for '{place}' to stand for",
                        (*entry.path, "requires", *p),
                        element=f"function:{fid}",
                        suggestion="add delivered_at: [SITE, …] or {kind: hospital}, "
                        "or name the component itself",
                    )
                )
            continue
        edges = out.edges.setdefault(fid, [])
        for name, p in templates:
            for place in out.places[fid]:
                real = name.replace(PLACE, place)
                if real in known:
                    edges.append(real)
                    continue
                out.problems.append(
                    entry.source.problem(
                        "unknown-reference",
                        f"function '{fid}' at place '{place}' requires '{name}', that is "
                        f"'{real}', which is no component or function",
                        (*entry.path, "requires", *p),
                        element=f"function:{fid}",
                        suggestion=did_you_mean(real, requirable)
                        or f"declare '{real}', or remove '{place}' from delivered_at",
                    )
                )
    for cid, entry in components.items():
        for name, p in refs(reqs.get(cid)):
            if PLACE in name:
                out.problems.append(
                    entry.source.problem(
                        "bad-requirement",
                        f"component '{cid}' requires '{name}': '{{place}}' is only for the "
                        "requires of a function with places of delivery",
                        (*entry.path, "requires", *p),
                        element=f"component:{cid}",
                        suggestion="name the component itself",
                    )
                )
    return out


def delivery(places: Mapping[str, tuple[str, ...]]) -> Iterator[tuple[str, str]]:
    """Every ``(function, place)`` pair, functions in the given order."""
    for fid, ps in places.items():
        for p in ps:
            yield fid, p
