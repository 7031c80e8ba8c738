"""``benchmarks/bench_faulttree.py`` measures what users run, and reads SCRAM right.

- the functions its in-process child times are the very objects the fault-tree
  commands call (``blackstart.cli.fast.analyses``);
- SCRAM's report is read per its schema (``share/report.rng`` of SCRAM 0.16.2: the
  ``information/performance/calculation-time`` times, then ``sum-of-products``): on a
  hand-written report, and on one cut off while SCRAM was still listing products.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from blackstart.cli import fast

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str) -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_times_the_functions_the_commands_call() -> None:
    bench = _load("bench_faulttree")
    commands = fast.analyses()
    assert bench.BENCHMARKED
    for stage, fn in bench.BENCHMARKED.items():
        assert fn is commands[stage], stage


# Shaped per SCRAM 0.16.2's report schema (share/report.rng), two tops, as
# ``scram --bdd --probability`` writes it; times in seconds.
REPORT = """<?xml version="1.0" encoding="UTF-8"?>
<report>
  <information>
    <software name="SCRAM" version="0.16.2" contacts="https://scram-pra.org"/>
    <time>2026-12-03T10:01:11</time>
    <performance>
      <calculation-time name="TOP">
        <products>1.25</products>
        <probability>0.5</probability>
      </calculation-time>
      <calculation-time name="OTHER">
        <products>0.125</products>
      </calculation-time>
    </performance>
    <calculated-quantity name="Minimal Cut Sets">
      <calculation-method name="Binary Decision Diagram">
        <limits><product-order>20</product-order></limits>
      </calculation-method>
    </calculated-quantity>
    <model-features><gates>3</gates><basic-events>3</basic-events></model-features>
  </information>
  <results>
    <sum-of-products name="TOP" basic-events="3" products="2" probability="0.226"
        distribution="1 1">
      <product order="1"><basic-event name="a"/></product>
      <product order="2"><basic-event name="b"/><basic-event name="c"/></product>
    </sum-of-products>
  </results>
</report>
"""


def test_scram_report_times_probability_and_count() -> None:
    refs = _load("faulttree_refs")
    r = refs.scram_report(REPORT)
    assert r.analysis == pytest.approx(1.25 + 0.5 + 0.125)
    assert r.products_time == pytest.approx(1.375)
    assert r.probability_time == pytest.approx(0.5)
    assert (r.p, r.count) == (0.226, 2)


def test_scram_report_cut_off_while_listing_products() -> None:
    """A run killed at the timeout has written its header: the times, P and count."""
    refs = _load("faulttree_refs")
    head = REPORT[: REPORT.index('<product order="2"')]
    r = refs.scram_report(head)
    assert (r.analysis, r.p, r.count) == (pytest.approx(1.875), 0.226, 2)
    nothing = refs.scram_report(REPORT[:100])
    assert (nothing.analysis, nothing.p, nothing.count) == (None, None, None)


def test_one_prime_implicant_budget() -> None:
    """The commands' default budget (read without loading the engine) is the engine's."""
    from blackstart import faulttrees
    from blackstart.engine import cutsets

    assert faulttrees.PRIME_IMPLICANT_NODES == cutsets.PRIME_IMPLICANT_NODES
