"""The Python API of ``blackstart calibrate``: past task times in (a CSV or the store's
closed incidents and drills), an overlay with the fitted durations and pace prior out.

Owns reading the history (the CSV template below, with errors naming file, line and
column), mapping tasks to the model's steps and their medians, and writing the overlay;
the fit is :func:`blackstart.engine.calibrate.fit_history`.

CSV template (``docs/learning.md``), one row per step of a past incident or drill::

    incident,task,actual
    2024-08-03 colo power cut,san-array-1/restart,1h40min
    2024-08-03 colo power cut,db-lis/verify,50min
    drill 2025-03,db-lis/verify,35min

``task`` is ``component/action`` (as in ``blackstart plan``); ``actual`` the length
worked, with units (``90s``, ``45min``, ``2h``) or in seconds.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from blackstart.engine.calibrate import MIN_OBSERVATIONS, fit_history
from blackstart.engine.durations import Z90
from blackstart.engine.schedule import ACTIONS
from blackstart.errors import UsageError, did_you_mean
from blackstart.model.model import Model
from blackstart.model.recovery import recovery_of
from blackstart.units import Distribution, format_seconds, parse_seconds

COLUMNS = ("incident", "task", "actual")

Row = tuple[str, str, float]
"""(incident, task, actual seconds)."""


def read_history_csv(path: Path) -> list[Row]:
    """The rows of a history CSV; ``UsageError`` naming the line and column otherwise."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise UsageError(
            f"{path}:1: missing column(s) {', '.join(missing)}",
            suggestion="the header is: incident,task,actual (see docs/learning.md)",
        )
    rows: list[Row] = []
    for line, rec in enumerate(reader, start=2):
        inc, task, actual = ((rec.get(c) or "").strip() for c in COLUMNS)
        if not inc or not task:
            raise UsageError(f"{path}:{line}: empty incident or task")
        try:
            plain = actual.replace(".", "", 1).isdigit()
            seconds = float(actual) if plain else parse_seconds(actual)
        except ValueError:
            raise UsageError(
                f"{path}:{line}: column actual: cannot read {actual!r}",
                suggestion="write e.g. 45min, 1h30min or 5400",
            ) from None
        if seconds <= 0:
            raise UsageError(f"{path}:{line}: column actual must be positive, got {actual!r}")
        rows.append((inc, task, seconds))
    if not rows:
        raise UsageError(f"{path}: no rows", suggestion="one row per step of a past incident")
    return rows


def history_from_store(url: str | None) -> list[Row]:
    """Rows of every closed incident and drill in the store: each step with a start and a
    done (or verified) event, its length the time between them."""
    from blackstart.incident import task_states
    from blackstart.store.incidents import IncidentStore
    from blackstart.store.store import open_store

    store = IncidentStore(open_store(url))
    rows: list[Row] = []
    for inc in store.incidents():
        if inc.closed_at is None:
            continue
        snap = store.snapshot(inc.id)
        if snap is None:
            continue
        for task, st in task_states(snap).items():
            fin = st.get("done") or st.get("verified")
            if "started" in st and fin is not None:
                seconds = (fin.at - st["started"].at).total_seconds()
                if seconds > 0:
                    rows.append((f"#{inc.id} {inc.title}", task, seconds))
    if not rows:
        raise UsageError(
            "no closed incident or drill with started and done steps in the store",
            suggestion="close an incident or a drill first, or give --history",
        )
    return rows


def distribution_median(d: Distribution) -> float:
    """The median of a duration distribution (seconds)."""
    if d.kind == "lognormal":
        assert d.median is not None
        return d.median
    if d.kind == "fixed":
        return d.low
    if d.kind == "uniform":
        return (d.low + d.high) / 2
    mode = d.mode if d.mode is not None else d.low
    half = (d.low + d.high) / 2
    span = d.high - d.low
    if mode >= half:
        return d.low + math.sqrt(span * (mode - d.low) / 2)
    return d.high - math.sqrt(span * (d.high - mode) / 2)


def calibrate(model: Model, rows: list[Row]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The overlay document and a report: the pace prior, the refitted steps."""
    incidents: dict[str, int] = {}
    steps: dict[str, int] = {}
    inc_ix, step_ix, actual, median = [], [], [], []
    for inc, task, seconds in rows:
        comp, _, action = task.partition("/")
        if comp not in model.components:
            raise UsageError(
                f"history: no component '{comp}' in the model (task {task})",
                suggestion=did_you_mean(comp, list(model.components)),
            )
        if action not in ACTIONS:
            raise UsageError(
                f"history: task {task}: '{action}' is not a step",
                suggestion=did_you_mean(action, list(ACTIONS)) or "steps are " + ", ".join(ACTIONS),
            )
        dist = getattr(recovery_of(model, comp), action)
        if dist is None or distribution_median(dist) <= 0:
            raise UsageError(f"history: task {task}: the model has no such step for '{comp}'")
        inc_ix.append(incidents.setdefault(inc, len(incidents)))
        step_ix.append(steps.setdefault(task, len(steps)))
        actual.append(seconds)
        median.append(distribution_median(dist))
    fit = fit_history(
        np.array(inc_ix), np.array(step_ix), np.array(actual), np.array(median), len(steps)
    )
    prior = model.forecast.pace_prior.model_dump()
    prior["median"] = round(fit.pace_median, 3)
    if fit.pace_p90 is not None:
        prior["p90"] = round(max(fit.pace_p90, fit.pace_median * 1.01), 3)
    else:
        prior["p90"] = round(
            max(prior["p90"] / model.forecast.pace_prior.median * fit.pace_median, fit.pace_median),
            3,
        )
    components: dict[str, dict[str, Any]] = {}
    refit = []
    for task, s in steps.items():
        if np.isnan(fit.step_median[s]):
            continue
        comp, _, action = task.partition("/")
        med, p90 = float(fit.step_median[s]), float(fit.step_p90[s])
        components.setdefault(comp, {"recovery": {}})["recovery"][action] = {
            "lognormal": {"median": format_seconds(round(med)), "p90": format_seconds(round(p90))}
        }
        refit.append(
            {
                "task": task,
                "observations": int(fit.step_count[s]),
                "median_s": round(med),
                "p90_s": round(p90),
            }
        )
    overlay: dict[str, Any] = {"forecast": {"pace_prior": prior}}
    if components:
        overlay["overlay"] = {"components": components}
    report = {
        "incidents": len(incidents),
        "observations": len(rows),
        "pace_prior": {"before": model.forecast.pace_prior.model_dump(), "after": prior},
        "incident_pace": {
            name: round(float(fit.incident_pace[i]), 3) for name, i in incidents.items()
        },
        "steps_refit": refit,
        "steps_kept": [t for t, s in steps.items() if np.isnan(fit.step_median[s])],
        "min_observations": MIN_OBSERVATIONS,
    }
    return overlay, report


def overlay_text(overlay: dict[str, Any], source: str, report: dict[str, Any]) -> str:
    """The overlay file: a header naming its source, then the document."""
    head = [
        f"# Written by `blackstart calibrate` from {source}:",
        f"# {report['incidents']} incidents, {report['observations']} step lengths.",
        "# A normal model file: put it beside the model (or include it); see docs/learning.md.",
    ]
    body = yaml.safe_dump(overlay, sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(head) + "\n" + body


def calibrated_model(path: Path, overlay: dict[str, Any], label: str) -> Model:
    """The model at ``path`` with the overlay applied (its ``forecast:`` replacing the
    model's), as if the overlay file had been put beside it."""
    from blackstart.model.load import load_data, load_document

    _, doc = load_document(path)
    doc["forecast"] = overlay["forecast"]
    if "overlay" in overlay:
        doc["overlay"] = overlay["overlay"]
    return load_data(doc, label=label)


BANDS = ("p50", "p80", "p95")


def forecast_change(
    before: Model,
    after: Model,
    scenario: str | None,
    *,
    runs: int = 1000,
    truths: int = 2,
    every: str = "12h",
    backtest_runs: int = 200,
    seed: int = 0,
) -> dict[str, Any]:
    """How the overlay changes a scenario's first forecast and its calibration.

    ``forecast``: per tier, the P50/P80/P95 of the first forecast (learning, ``runs``
    runs, ``seed``) with the model as it was and as calibrated. ``backtest`` (skipped
    when ``truths`` is 0): ``truths`` incidents drawn from the calibrated model, each at
    an overall pace drawn from the calibrated pace prior (what the history says reality
    is like), re-forecast every ``every`` from their progress by each model; per tier the
    coverage of the P50/P80/P95, P50 error, slips and sharpness
    (:func:`blackstart.engine.backtest.score`).
    """
    from blackstart.engine.backtest import score
    from blackstart.engine.crosscheck import cross_backtest
    from blackstart.model.schema import TIERS
    from blackstart.planning import context, pace_prior, run_forecast

    name = scenario if scenario is not None else next(iter(before.scenarios), None)
    if name is None:
        raise UsageError(
            "the model has no scenario to forecast", suggestion="add one, or --no-report"
        )
    out: dict[str, Any] = {"scenario": name, "runs": runs, "seed": seed}
    tiers = {
        label: run_forecast(m, name, runs=runs, seed=seed).to_dict()["tiers"]
        for label, m in (("before", before), ("after", after))
    }
    out["forecast"] = {
        tier: {label: {b: tiers[label][tier][b] for b in BANDS} for label in ("before", "after")}
        for tier in tiers["before"]
    }
    if truths <= 0:
        return out
    try:
        step = int(parse_seconds(every) // 60)
    except ValueError as exc:
        raise UsageError(f"--every: {exc}", suggestion="write e.g. 12h") from None
    if step < 1:
        raise UsageError("--every must be at least a minute")
    truth_ctx = context(after, name)
    spec = after.forecast.pace_prior
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0xCA1]))
    sigma = math.log(max(spec.p90 / spec.median, 1.0 + 1e-9)) / Z90
    paces = spec.median * np.exp(sigma * rng.standard_normal(truths))
    fnodes = truth_ctx.function_nodes()
    watch = np.array([v for _, v in fnodes], np.int64)
    groups = [[j for j, (f, _) in enumerate(fnodes) if after.functions[f].tier == t] for t in TIERS]
    groups.append(list(range(len(fnodes))))
    names = [*TIERS, "everything"]
    scores: dict[str, Any] = {}
    for label, m in (("before", before), ("after", after)):
        ctx = truth_ctx if m is after else context(m, name)
        rec = cross_backtest(
            truth_ctx.problem, ctx.problem, watch, groups, truth_pace=paces, every=step,
            runs=backtest_runs, seed=seed, prior=pace_prior(m),
        )  # fmt: skip
        scores[label] = {n: score(rec, rec.group == g) for g, n in enumerate(names)}
    out["backtest"] = {
        "truths": truths,
        "truth_paces": [round(float(p), 3) for p in paces],
        "every_s": step * 60,
        "runs": backtest_runs,
        "tiers": {n: {label: scores[label][n] for label in ("before", "after")} for n in names},
    }
    return out
