"""Requirement expressions: what a component or function needs to be up.

Owns the requirement tree (:class:`Ref` and :class:`Gate`) and parsing it from plain
data with precise problems. Semantics, in *up* space (as users write them):

- a name, or ``[a, b]`` / ``{all_of: [a, b]}``: up when all are up;
- ``{any_of: [a, b]}``: up when at least one is up;
- ``{at_least: k, of: [...]}``: up when at least ``k`` are up.

A :class:`Gate` is always "up iff at least ``k`` of its items are up", so all three are
one node kind, as the ``atleast`` gate of fault trees (Open-PSA MEF §4).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

PathKey = tuple[str | int, ...]

GateOp = Literal["all_of", "any_of", "at_least"]


@dataclass(frozen=True)
class Ref:
    """A reference to a component or function by id."""

    name: str


@dataclass(frozen=True)
class Gate:
    """Up iff at least ``k`` of ``items`` are up."""

    op: GateOp
    k: int
    items: tuple[Requirement, ...]
    key: str | None = field(default=None, compare=False, repr=False)
    """The key the items were written under (``None`` for a plain list)."""


Requirement = Ref | Gate


@dataclass(frozen=True)
class RequirementIssue:
    """A problem in a requirement expression, at ``path`` relative to ``requires``."""

    code: str
    message: str
    path: PathKey
    suggestion: str | None = None


def parse_requirement(
    raw: Any, path: PathKey = ()
) -> tuple[Requirement | None, list[RequirementIssue]]:
    """Parse plain data into a requirement tree; ``None`` when nothing is required.

    >>> parse_requirement({"any_of": ["a", "b"]})[0]
    Gate(op='any_of', k=1, items=(Ref(name='a'), Ref(name='b')))
    """
    issues: list[RequirementIssue] = []
    if raw is None:
        return None, issues
    req = _parse(raw, path, issues)
    return req, issues


def _items(raw: Any, path: PathKey, issues: list[RequirementIssue]) -> tuple[Requirement, ...]:
    if not isinstance(raw, list):
        issues.append(
            RequirementIssue(
                "bad-requirement",
                "expected a list of requirements",
                path,
                "write e.g. [db-1, db-2]",
            )
        )
        return ()
    if not raw:
        issues.append(
            RequirementIssue(
                "bad-requirement",
                "empty list of requirements",
                path,
                "remove the key, or list what is required",
            )
        )
    out: list[Requirement] = []
    for i, item in enumerate(raw):
        if isinstance(item, str) and item and not item[0].isspace() and not item[-1].isspace():
            out.append(Ref(item))
            continue
        req = _parse(item, (*path, i), issues)
        if req is not None:
            out.append(req)
    return tuple(out)


def _parse(raw: Any, path: PathKey, issues: list[RequirementIssue]) -> Requirement | None:
    if isinstance(raw, str):
        name = raw.strip()
        if not name:
            issues.append(RequirementIssue("bad-requirement", "empty name", path))
            return None
        return Ref(name)
    if isinstance(raw, list):
        if raw and all(isinstance(x, str) and x.strip() for x in raw):  # the common case
            names = tuple(Ref(x.strip()) for x in raw)
            return Gate("all_of", len(names), names, None)
        items = _items(raw, path, issues)
        return Gate("all_of", len(items), items, None) if items else None
    if isinstance(raw, dict):
        keys = set(raw)
        if keys == {"all_of"}:
            items = _items(raw["all_of"], (*path, "all_of"), issues)
            return Gate("all_of", len(items), items, "all_of") if items else None
        if keys == {"any_of"}:
            items = _items(raw["any_of"], (*path, "any_of"), issues)
            return Gate("any_of", 1, items, "any_of") if items else None
        if keys == {"at_least", "of"}:
            items = _items(raw["of"], (*path, "of"), issues)
            k = raw["at_least"]
            if isinstance(k, bool) or not isinstance(k, int) or k < 1:
                issues.append(
                    RequirementIssue(
                        "bad-requirement",
                        f"at_least must be a whole number ≥ 1, not {k!r}",
                        (*path, "at_least"),
                    )
                )
                return None
            if items and k > len(items):
                issues.append(
                    RequirementIssue(
                        "bad-requirement",
                        f"at_least {k} of only {len(items)} items can never be met",
                        (*path, "at_least"),
                        f"lower at_least to at most {len(items)}, or add items",
                    )
                )
                return None
            return Gate("at_least", k, items, "of") if items else None
        allowed = ("all_of", "any_of", "at_least", "of")
        unknown = sorted(keys - set(allowed))
        if unknown:
            from blackstart.errors import did_you_mean

            issues.append(
                RequirementIssue(
                    "unknown-key",
                    f"unknown key '{unknown[0]}' in a requirement",
                    (*path, unknown[0]),
                    "quote a name holding the place placeholder: '{place}-wan'"
                    if unknown[0] == "place"
                    else did_you_mean(unknown[0], allowed)
                    or "use all_of, any_of or at_least with of",
                )
            )
        else:
            issues.append(
                RequirementIssue(
                    "bad-requirement",
                    f"a requirement mapping takes exactly one form, not {sorted(keys)}",
                    path,
                    "use {all_of: [...]}, {any_of: [...]} or {at_least: K, of: [...]}",
                )
            )
        return None
    issues.append(
        RequirementIssue(
            "bad-requirement",
            f"a requirement is a name, a list or a mapping, not {type(raw).__name__} {raw!r}",
            path,
            "quote names that look like numbers, e.g. '2024'",
        )
    )
    return None


def refs(req: Requirement | None, path: PathKey = ()) -> Iterator[tuple[str, PathKey]]:
    """Every referenced name with its path inside the expression."""
    if req is None:
        return
    stack: list[tuple[Requirement, PathKey]] = [(req, path)]
    while stack:
        node, p = stack.pop()
        if isinstance(node, Ref):
            yield node.name, p
        else:
            base = p if node.key is None else (*p, node.key)
            for i, item in enumerate(node.items):
                stack.append((item, (*base, i)))


def describe(req: Requirement | None) -> str:
    """Compact text, e.g. ``all_of(a, any_of(b, c))``."""
    if req is None:
        return "nothing"
    if isinstance(req, Ref):
        return req.name
    inner = ", ".join(describe(i) for i in req.items)
    if req.op == "at_least":
        return f"at_least {req.k} of({inner})"
    return f"{req.op}({inner})"
