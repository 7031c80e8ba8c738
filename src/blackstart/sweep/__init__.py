"""Risk sweeps: every site, provider, power source and team, for several outage durations
and start times, each scenario a Monte Carlo forecast; ranked by expected care-hours lost.

Modules: :mod:`~blackstart.sweep.scenarios` (axes, keys, seeds), :mod:`~.compute` (one
scenario, pure), :mod:`~.execute` (in-process, process pool or Dask), :mod:`~.run`
(store, resume, ranking). The HTML report is :mod:`blackstart.report.sweep_html`.
"""

from blackstart.sweep.compute import CARE_WEIGHT, SweepKit, evaluate
from blackstart.sweep.run import SweepInterrupted, SweepReport, matrix, rank, run_sweep
from blackstart.sweep.scenarios import DIMENSIONS, ScenarioSpec, SweepAxes, parse_axes, scenarios

__all__ = [
    "CARE_WEIGHT",
    "DIMENSIONS",
    "ScenarioSpec",
    "SweepAxes",
    "SweepInterrupted",
    "SweepKit",
    "SweepReport",
    "evaluate",
    "matrix",
    "parse_axes",
    "rank",
    "run_sweep",
    "scenarios",
]
