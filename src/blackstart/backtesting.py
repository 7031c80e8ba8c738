"""The Python API of ``blackstart backtest``: names and units in, the scored comparison of
the forecast with and without learning out (JSON-ready).

Owns the translation of ``--pace`` / ``--team-pace`` / ``--every`` into the engine's
per-task pace and minutes, and the payload; the replay and the scoring are
:mod:`blackstart.engine.backtest`.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from blackstart.api import provenance
from blackstart.engine.backtest import backtest, score
from blackstart.engine.pace import design
from blackstart.errors import UsageError, did_you_mean
from blackstart.model.model import Model
from blackstart.model.schema import TIERS
from blackstart.planning import context, pace_prior
from blackstart.units import parse_seconds


def parse_team_pace(items: list[str]) -> dict[str, float]:
    """``TEAM=K`` items as a mapping; ``UsageError`` on a bad item."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            k = float(value)
        except ValueError:
            k = -1.0
        if not sep or not name or k <= 0:
            raise UsageError(f"--team-pace {item}: write TEAM=K with K > 0, e.g. database=3")
        out[name.strip()] = k
    return out


def run_backtest(
    model: Model,
    scenario: str,
    *,
    pace: float = 1.0,
    team_pace: dict[str, float] | None = None,
    truths: int = 20,
    every: str = "6h",
    runs: int = 300,
    seed: int = 0,
    known_pace: bool = False,
) -> dict[str, Any]:
    """Score the forecast's bands on ``truths`` simulated incidents whose work runs
    ``pace`` times (and ``team_pace[team]`` times for a team) as long as the model says,
    re-forecast every ``every`` from the true progress; with and without learning.
    ``known_pace`` adds ``known_pace``: the scores of a forecaster told the true pace,
    the reference a learning forecaster can at best reach."""
    if pace <= 0:
        raise UsageError("--pace must be positive", suggestion="e.g. --pace 2 for twice as slow")
    if truths < 1 or runs < 10:
        raise UsageError("--truths must be at least 1 and --runs at least 10")
    try:
        step = int(parse_seconds(every) // 60)
    except ValueError as exc:
        raise UsageError(f"--every: {exc}", suggestion="write e.g. 6h or 90min") from None
    if step < 1:
        raise UsageError("--every must be at least a minute")
    ctx = context(model, scenario)
    team_pace = team_pace or {}
    for name in team_pace:
        if name not in ctx.problem.team_names:
            raise UsageError(
                f"--team-pace: no team '{name}' in this scenario",
                suggestion=did_you_mean(name, list(ctx.problem.team_names)),
            )
    team_col, _ = design(ctx.problem)
    factor = np.array([team_pace.get(n, 1.0) for n in ctx.problem.team_names] or [1.0])
    task_pace = pace * np.where(team_col > 0, factor[np.maximum(team_col - 1, 0)], 1.0)
    fnodes = ctx.function_nodes()
    watch = np.array([v for _, v in fnodes], np.int64)
    groups = [
        [j for j, (f, _) in enumerate(fnodes) if model.functions[f].tier == tier] for tier in TIERS
    ]
    groups.append(list(range(len(fnodes))))
    names = [*TIERS, "everything"]
    prior = pace_prior(model)
    out: dict[str, Any] = {}
    modes = [("learning", True, False), ("no_learning", False, False)]
    if known_pace:
        modes.append(("known_pace", False, True))
    for key, learn, known in modes:
        t = time.perf_counter()
        rec = backtest(
            ctx.problem,
            watch,
            groups,
            task_pace=task_pace,
            truths=truths,
            every=step,
            runs=runs,
            seed=seed,
            learn=learn,
            prior=prior,
            known_pace=known,
        )
        ctx.timings[{"learning": "learn", "no_learning": "no_learn"}.get(key, key)] = (
            time.perf_counter() - t
        )
        out[key] = {name: score(rec, rec.group == g) for g, name in enumerate(names)}
        out[key]["all_tiers"] = score(rec, rec.group < len(TIERS))
    return {
        "scenario": scenario,
        "pace": pace,
        "team_pace": team_pace,
        "truths": truths,
        "every_s": step * 60,
        "runs": runs,
        "seed": seed,
        **out,
        "provenance": provenance(
            model,
            ctx.timings,
            scenario=scenario,
            pace=pace,
            team_pace=team_pace,
            truths=truths,
            every=every,
            runs=runs,
            seed=seed,
        ),
    }
