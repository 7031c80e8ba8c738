"""The *shape* stage of loading: each entity against its pydantic schema class, every
problem kept with its file, line and key, and a suggestion for unknown keys.

Owns :func:`check_shapes`. Runs after :mod:`~blackstart.model.overlay` (overlays are
merged first) and before :mod:`~blackstart.model.validate` (references); imports
neither.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from blackstart.errors import Problem, did_you_mean
from blackstart.io.source import PathKey, SourceFile
from blackstart.model.register import Entry, Registry
from blackstart.model.schema import (
    HANDOVER_TAGS,
    SECTIONS,
    ForecastSettings,
    Organisation,
    StatusPage,
    Strict,
    _check_timezone,
)

# --------------------------------------------------------------------------- shape


def _unannotated(a: Any) -> Any:
    """``X`` for ``Annotated[X, ...]``, else ``a``."""
    return get_args(a)[0] if get_origin(a) is Annotated else a


def _model_class_at(cls: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The schema class of the mapping at ``loc`` inside ``cls`` (for key suggestions)."""
    current: type[BaseModel] = cls
    for step in loc:
        if not isinstance(step, str) or step not in current.model_fields:
            return current if isinstance(step, int) else None
        ann = current.model_fields[step].annotation
        members = [_unannotated(a) for a in getattr(ann, "__args__", (ann,))]
        members = [m for a in members for m in getattr(a, "__args__", (a,))]
        nested = [
            a
            for a in map(_unannotated, members)
            if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        if not nested:
            return None
        current = nested[0]
    return current


def _shape_problems(entry: Entry, cls: type[Strict], exc: ValidationError) -> list[Problem]:
    out = []
    element = f"{entry.section[:-1]}:{entry.id}"
    for err in exc.errors(include_url=False):
        loc = tuple(
            x
            for x in err["loc"]
            if not (isinstance(x, str) and (x.startswith("function-") or x in HANDOVER_TAGS))
        )
        path: PathKey = (*entry.path, *loc)
        kind = err["type"]
        suggestion = None
        as_key = False
        if kind == "extra_forbidden":
            name = str(loc[-1])
            parent = _model_class_at(cls, loc[:-1])
            fields = list(parent.model_fields) if parent else []
            msg = f"unknown key '{name}'"
            suggestion = did_you_mean(name, fields) or (
                "allowed keys: " + ", ".join(fields) if fields else None
            )
            code, as_key = "unknown-key", True
        elif kind == "missing":
            msg = f"missing required key '{loc[-1]}'"
            suggestion = f"add '{loc[-1]}:' to {entry.section[:-1]} '{entry.id}'"
            code = "missing-key"
        elif kind == "literal_error":
            expected = re.findall(r"'([^']*)'", err.get("ctx", {}).get("expected", ""))
            msg = f"{err['input']!r} is not a valid {loc[-1]}; expected one of: " + ", ".join(
                expected
            )
            suggestion = did_you_mean(str(err["input"]), expected)
            code = "bad-value"
        elif kind == "value_error":
            msg = str(err["msg"]).removeprefix("Value error, ")
            code = "bad-value"
        else:
            msg = f"{loc[-1] if loc else entry.id}: {err['msg']}"
            if "input" in err and not isinstance(err["input"], dict | list):
                msg += f" (got {err['input']!r})"
            code = "bad-value"
        out.append(
            entry.source.problem(
                code, msg, path, key=as_key, element=element, suggestion=suggestion
            )
        )
    return out


def check_shapes(reg: Registry) -> None:
    """Validate every entity against its schema class, keeping all problems."""
    for section, table in reg.entries.items():
        cls = SECTIONS[section]
        for entry in table.values():
            if not isinstance(entry.raw, dict):
                reg.problems.append(
                    entry.source.problem(
                        "bad-entry",
                        f"{section[:-1]} '{entry.id}' must be a mapping of keys, not {entry.raw!r}",
                        entry.path,
                        suggestion="write e.g. {kind: ...}",
                        element=f"{section[:-1]}:{entry.id}",
                    )
                )
                continue
            try:
                entry.obj = cls.model_validate(entry.raw)
            except ValidationError as exc:
                reg.problems.extend(_shape_problems(entry, cls, exc))
    for key, (value, src) in reg.scalars.items():
        if key in ("name", "description") and not isinstance(value, str):
            reg.problems.append(src.problem("bad-value", f"'{key}' must be text", (key,)))
        if key == "timezone":
            try:
                _check_timezone(value)
            except ValueError as exc:
                reg.problems.append(src.problem("bad-value", str(exc), (key,)))
        if key == "forecast":
            reg.problems.extend(_forecast_problems(value, src))
        if key == "status_page":
            try:
                StatusPage.model_validate(value)
            except ValidationError as exc:
                for err in exc.errors():
                    where = (key, *err["loc"])
                    reg.problems.append(
                        src.problem(
                            "bad-value",
                            f"status_page: {err['msg']}",
                            where,
                            suggestion="status_page: {components: [ID, ...], url: https://...}",
                        )
                    )
        if key == "organisation":
            try:
                Organisation.model_validate(value)
            except ValidationError as exc:
                for err in exc.errors():
                    where = (key, *(str(x) for x in err.get("loc", ())))
                    reg.problems.append(src.problem("bad-value", str(err["msg"]), where))


def _forecast_problems(value: Any, src: SourceFile) -> list[Problem]:
    """Shape problems of the ``forecast:`` section, each at its key."""
    try:
        ForecastSettings.model_validate({} if value is None else value)
    except ValidationError as exc:
        out = []
        for e in exc.errors(include_url=False):
            loc = tuple(e["loc"])
            if e["type"] == "extra_forbidden":
                parent = _model_class_at(ForecastSettings, loc[:-1])
                fields = list(parent.model_fields) if parent else []
                out.append(src.problem(
                    "unknown-key", f"unknown key '{loc[-1]}' in forecast", ("forecast", *loc),
                    key=True, suggestion=did_you_mean(str(loc[-1]), fields)
                    or "allowed keys: " + ", ".join(fields)))  # fmt: skip
            else:
                msg = str(e["msg"]).removeprefix("Value error, ")
                out.append(src.problem("bad-value", f"forecast.{'.'.join(map(str, loc))}: {msg}",
                                       ("forecast", *loc),
                                       suggestion="write e.g. forecast: {pace_prior: "
                                       "{median: 1.0, p90: 1.5}}"))  # fmt: skip
        return out
    return []
