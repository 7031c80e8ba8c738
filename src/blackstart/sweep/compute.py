"""One scenario of a sweep, computed: the Monte Carlo forecast summarised per tier.

Owns :class:`SweepKit` (what a worker needs: the named model and its compiled graph,
shipped once per worker) and :func:`evaluate`, a pure function from a kit and a
:class:`~blackstart.sweep.scenarios.ScenarioSpec` to a JSON-ready row. No files, no
database, no printing: it runs in-process, in a process pool or on a Dask worker alike.

**Care-hours lost.** In one Monte Carlo run, a function's *hours down* are the hours
from the scenario start until it is back (0 if it never went down). A run's care-hours
lost are ``2 × (sum of the vital functions' hours down) + 1 × (sum of the care
functions' hours down)``; administrative functions weigh 0 (they are reported apart, as
``function_hours`` of their tier). A function with places of delivery counts the hours
down at each of its ``n`` places divided by ``n``: a fire at one of five hospitals weighs
a fifth of a group-wide outage of the same length. The row gives the expectation over
the runs. A function still down at the 30-day horizon counts as down until the horizon.
"""

from __future__ import annotations

import copyreg
import dataclasses
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from blackstart.engine.forecast import forecast
from blackstart.engine.graph import CompiledGraph
from blackstart.model.model import Model
from blackstart.model.recovery import ResolvedScenario, build_problem
from blackstart.model.schema import TIERS
from blackstart.sweep.scenarios import ScenarioSpec

CARE_WEIGHT: dict[str, float] = {"vital": 2.0, "care": 1.0, "administrative": 0.0}
"""Weight of one hour of a function down, by tier, in care-hours lost."""
UNASSIGNED = "(unassigned)"
UNPICKLED = 0
"""How many kits this process received (unpickled): once per worker and sweep when the
kit is shipped once, as it must be."""
"""Establishment of the functions that name none, in a model where some do."""


def _mapping_proxy(m: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return MappingProxyType, (dict(m),)


# the frozen model keeps its tables in read-only mapping proxies, which pickle cannot
# copy by itself; a kit must pickle to reach a worker process
copyreg.pickle(MappingProxyType, _mapping_proxy)


@dataclass(frozen=True, eq=False)
class SweepKit:
    """The model as a worker needs it, built once and shipped once per worker."""

    model: Model
    graph: CompiledGraph
    functions: tuple[str, ...]
    watch: npt.NDArray[np.int64]
    """Graph node of each function, in :attr:`functions` order."""
    establishments: tuple[str, ...]
    """Establishment of each function ('' when the model names none)."""
    hour_cols: npt.NDArray[np.int64] = dataclasses.field(
        default_factory=lambda: np.zeros(0, np.int64)
    )
    """Columns of the forecast whose hours down count: a function's own, or one per
    place of delivery (watched after the functions)."""
    hour_fn: npt.NDArray[np.int64] = dataclasses.field(
        default_factory=lambda: np.zeros(0, np.int64)
    )
    """The function (index in :attr:`functions`) of each of :attr:`hour_cols`."""
    hour_weight: npt.NDArray[np.float64] = dataclasses.field(
        default_factory=lambda: np.zeros(0, np.float64)
    )
    """1, or 1/n for each of a function's n places of delivery."""

    def __setstate__(self, state: dict[str, Any]) -> None:
        global UNPICKLED
        UNPICKLED += 1
        self.__dict__.update(state)

    @classmethod
    def build(cls, model: Model, graph: CompiledGraph) -> SweepKit:
        fids = tuple(model.functions)
        named = any(fn.establishment for fn in model.functions.values())
        est = tuple((model.functions[f].establishment or UNASSIGNED) if named else "" for f in fids)
        nodes = [graph.index[f"function:{f}"] for f in fids]
        cols, fn_of, weight = [], [], []
        for j, f in enumerate(fids):
            at = list(graph.place_nodes(f).values())
            for v in at or [nodes[j]]:
                if at:
                    nodes.append(v)
                cols.append(len(nodes) - 1 if at else j)
                fn_of.append(j)
                weight.append(1.0 / len(at) if at else 1.0)
        watch = np.array(nodes, np.int64)
        return cls(model, graph, fids, watch, est, np.array(cols, np.int64),
                   np.array(fn_of, np.int64), np.array(weight, np.float64))  # fmt: skip


def _minutes(seconds: float) -> int:
    return int(np.ceil(seconds / 60.0 - 1e-9))


def _r(x: float) -> float:
    return round(float(x), 4)


def evaluate(kit: SweepKit, spec: ScenarioSpec, *, runs: int, seed: int) -> dict[str, Any]:
    """Forecast one scenario (``runs`` Monte Carlo runs, seeded from ``seed`` and the
    scenario key) and summarise it per tier and per establishment."""
    model = kit.model
    sc = ResolvedScenario(spec.key, spec.start, _minutes(spec.failure_s), spec.fail)
    problem, _warnings = build_problem(model, kit.graph, sc)
    if spec.absent_team is not None:
        cap = problem.capacity.copy()
        team = problem.team_names.index(spec.absent_team)
        cap[team, : _minutes(spec.duration_s)] = 0
        problem = dataclasses.replace(problem, capacity=cap)
    res = forecast(problem, kit.watch, runs=runs, seed=spec.seed(seed))
    n_fn = len(kit.functions)
    all_hours = res.back.astype(np.float64) / 60.0
    hours = all_hours[:, :n_fn]
    # hours down that count: per function, or per place of delivery weighed by 1/n
    counted = np.zeros((runs, n_fn))
    np.add.at(counted.T, kit.hour_fn, (all_hours[:, kit.hour_cols] * kit.hour_weight).T)
    down = problem.down[kit.watch[:n_fn]]
    fns = model.functions
    tiers: dict[str, Any] = {}
    care = np.zeros(runs)
    for tier in TIERS:
        cols = [j for j, f in enumerate(kit.functions) if fns[f].tier == tier]
        tier_hours = counted[:, cols].sum(axis=1) if cols else np.zeros(runs)
        care += CARE_WEIGHT[tier] * tier_hours
        back = hours[:, cols].max(axis=1) if cols else np.zeros(runs)
        p50, p95 = np.quantile(back, (0.5, 0.95))
        rto_cols = [j for j in cols if fns[kit.functions[j]].rto is not None]
        breach: float | None = None
        if rto_cols:
            limit = np.array([fns[kit.functions[j]].rto or 0.0 for j in rto_cols]) / 60.0
            late = res.back[:, :n_fn][:, rto_cols] > limit[None, :]
            breach = _r(late.any(axis=1).mean())
        tiers[tier] = {
            "functions": len(cols),
            "functions_down": int(down[cols].sum()) if cols else 0,
            "p50_h": _r(p50),
            "p95_h": _r(p95),
            "function_hours": _r(tier_hours.mean()),
            "rto_breach_probability": breach,
        }
    row: dict[str, Any] = {
        "key": spec.key,
        "what": spec.what,
        "kind": spec.kind,
        "duration_s": spec.duration_s,
        "start": spec.start_label,
        "start_at": spec.start.isoformat(timespec="minutes"),
        "care_hours_lost": _r(care.mean()),
        "functions_down": int(down.sum()),
        "tiers": tiers,
        "runs_beyond_horizon": int((~res.fits).sum()),
    }
    if any(kit.establishments):
        weight = np.array([CARE_WEIGHT[fns[f].tier] for f in kit.functions])
        per_fn = (counted * weight[None, :]).mean(axis=0)
        by: dict[str, dict[str, Any]] = {}
        for j, est in enumerate(kit.establishments):
            entry = by.setdefault(est, {"care_hours_lost": 0.0, "functions_down": 0})
            entry["care_hours_lost"] += float(per_fn[j])
            entry["functions_down"] += int(down[j])
        row["by_establishment"] = {
            e: {"care_hours_lost": _r(v["care_hours_lost"]), "functions_down": v["functions_down"]}
            for e, v in sorted(by.items())
        }
    return row
