"""Read an alert mapping file: which alert labels name which model element.

Owns the file format, for monitoring set-ups whose labels cannot be written into the
model's ``monitoring:`` blocks (an imported model, another team's Alertmanager)::

    rules:
      - match: {job: lis, instance: "lis-01:9100"}
        ref: component:lis-app
      - match: {alertname: ColoUtilityPowerLost}
        ref: site:colo-paris

An alert is about ``ref`` when it carries every label of ``match`` with the same value;
rules are tried in order, after the model's own blocks. Every problem is reported at once
with its file, line and a suggestion (:class:`~blackstart.errors.ModelError`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from blackstart.errors import ModelError, Problem, did_you_mean
from blackstart.io.source import read_source
from blackstart.model.model import Model

KINDS = ("component", "site", "provider")


def read_alert_map(path: str | Path, model: Model) -> list[tuple[dict[str, str], str]]:
    """The rules of a mapping file as ``(labels, ref)`` pairs, checked against ``model``."""
    p = Path(path)
    if not p.is_file():
        raise ModelError([Problem("missing-file", f"no alert mapping file {p}", file=str(p),
                                  suggestion="give the path of a YAML file")])  # fmt: skip
    src, problems = read_source(p, str(p))
    if src is None:
        raise ModelError(problems)
    data: Any = src.data
    if not isinstance(data, dict) or set(data) != {"rules"} or not isinstance(data["rules"], list):
        shape = "an alert mapping file is one key, 'rules': a list of {match: …, ref: kind:id}"
        raise ModelError([src.problem("bad-shape", shape, ())])
    rules: list[tuple[dict[str, str], str]] = []
    for i, rule in enumerate(data["rules"]):
        where: tuple[str | int, ...] = ("rules", i)
        if not isinstance(rule, dict):
            problems.append(src.problem("bad-shape", "a rule is {match: …, ref: …}", where))
            continue
        for key in sorted(set(rule) - {"match", "ref"}):
            hint = did_you_mean(key, ["match", "ref"])
            problems.append(src.problem("unknown-key", f"unknown key '{key}' in a rule",
                                        (*where, key), key=True, suggestion=hint))  # fmt: skip
        match = rule.get("match")
        if (
            not isinstance(match, dict)
            or not match
            or not all(
                isinstance(k, str) and isinstance(v, str | int | float) for k, v in match.items()
            )
        ):
            problems.append(src.problem("bad-value", "'match' must be a non-empty mapping of "
                                        "label names to values", (*where, "match")))  # fmt: skip
            continue
        ref = rule.get("ref")
        problem = _check_ref(model, ref)
        if problem is not None:
            message, hint = problem
            problems.append(src.problem("unknown-reference", message, (*where, "ref"),
                                        suggestion=hint))  # fmt: skip
            continue
        rules.append(({str(k): str(v) for k, v in match.items()}, str(ref)))
    if problems:
        raise ModelError(problems)
    return rules


def _check_ref(model: Model, ref: Any) -> tuple[str, str | None] | None:
    if not isinstance(ref, str) or ":" not in ref:
        return f"'ref' must be kind:id, not {ref!r}", "write component:ID, site:ID or provider:ID"
    kind, _, name = ref.partition(":")
    if kind not in KINDS:
        return f"alerts map to components, sites or providers, not '{kind}'", None
    names = model.names(kind)  # type: ignore[arg-type]
    if name not in names:
        return f"no {kind} '{name}' in model '{model.name}'", did_you_mean(name, names)
    return None
