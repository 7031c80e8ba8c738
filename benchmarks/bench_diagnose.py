"""Benchmark: diagnosis on the example and on a generated model of 10^5 components.

- example: the seed incident (colo-power-cut) observed through every function's state and
  a fifth of the components down as alerts; :func:`blackstart.diagnose.diagnose` end to
  end (priors, search, checks, payload) on the compiled graph. Target < 0.5 s.
- 10^5 components (:func:`blackstart.generate.generate_model`, seed 0): two random root
  failures (each taking functions down), 200 alerts (195 drawn from the components down,
  5 false ones on components up) plus every function's state. Target < 5 s, with the
  components' silence ignored (``--monitored model``: generated models declare no
  ``monitoring:`` block), and reported with every component monitored (``all``, with a
  95 % missed-alert rate: 200 alerts out of thousands of components down).
- baseline, same process: plain enumeration, one whole-graph ``propagate_one`` per
  hypothesis, timed on a sample of the same hypotheses and scaled to their number
  (the ratio is per hypothesis evaluated, so it does not depend on the beam's width).

Run: ``.venv/bin/python benchmarks/bench_diagnose.py [--components 100000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from blackstart import api
from blackstart import diagnose as dg
from blackstart.engine.graph import COMPONENT, FUNCTION, PROVIDER, SITE, CompiledGraph
from blackstart.engine.propagate import propagate_one
from blackstart.generate import generate_model
from blackstart.model.model import Model


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def plain_per_hypothesis(graph: CompiledGraph, report: dg.DiagnosisReport, sample: int) -> float:
    """Seconds per hypothesis of the plain enumeration: one whole-graph propagation and
    the same likelihood bookkeeping in Python, over a sample of hypotheses."""
    hyps = [h.failed for h in report.result.hypotheses][:sample]
    seen_down = [graph.index[r] for r in report.down]
    seen_up = [graph.index[r] for r in report.up]
    t = time.perf_counter()
    for failed in hyps:
        down = propagate_one(graph, failed)
        _ = int(down[seen_down].sum()) - int(down[seen_up].sum())
    return (time.perf_counter() - t) / max(1, len(hyps))


def observations(
    graph: CompiledGraph, failed: list[int], rng: random.Random, *, alerts: int, false: int
) -> tuple[list[str], list[str]]:
    down = propagate_one(graph, failed)
    comps = np.flatnonzero(graph.kind == COMPONENT).tolist()
    c_down = [graph.names[v] for v in comps if down[v]]
    c_up = [graph.names[v] for v in comps if not down[v]]
    funcs = np.flatnonzero(graph.kind == FUNCTION).tolist()
    picked = rng.sample(c_down, min(alerts - false, len(c_down))) + rng.sample(c_up, false)
    return (
        picked + [graph.names[v] for v in funcs if down[v]],
        [graph.names[v] for v in funcs if not down[v]],
    )


def case(
    name: str, model: Model, graph: CompiledGraph, down: list[str], up: list[str],
    repeat: int, **options: Any,
) -> dict[str, Any]:  # fmt: skip
    def cold() -> dg.DiagnosisReport:
        graph._cache.pop(f"diagnose_candidates:{model.hash}", None)  # priors again, every run
        return dg.diagnose(model, down=down, up=up, graph=graph, top=64, **options)

    seconds, report = timed(cold, repeat)
    evaluated = report.result.evaluated
    plain = plain_per_hypothesis(graph, report, 64) * evaluated
    row = {
        "case": name,
        "observed_down": len(down),
        "observed_up": len(up) + report.provenance["settings"]["monitored_silent"],
        "candidates": report.result.candidates,
        "evaluated": evaluated,
        "subgraph_nodes": report.result.subgraph_nodes,
        "seconds": seconds,
        "plain_seconds": plain,
        "ratio": plain / seconds,
        "top": report.to_dict()["hypotheses"][0]["failed"],
    }
    print(
        f"{name:<34} down {row['observed_down']:>5} up {row['observed_up']:>6} "
        f"candidates {row['candidates']:>5} hypotheses {evaluated:>6} "
        f"sub-graph {row['subgraph_nodes']:>6}: {seconds:6.3f} s; plain enumeration "
        f"{plain:8.2f} s (×{row['ratio']:.0f}); top {row['top']}",
        flush=True,
    )
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--components", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    model = api.load(api.example_path())
    graph = api.compile_model(model)
    impact = api.impact(model, scenario="colo-power-cut", graph=graph)
    down = [f"function:{f.id}" for f in impact.functions_down]
    down += [f"component:{c.id}" for c in impact.components_down][::5]
    up = [f"function:{f}" for f in impact.functions_up]
    rows = [case("example, seed incident", model, graph, down, up, args.repeat)]
    rows.append(case("example, seed incident, all monitored", model, graph, down, up,
                     args.repeat, monitored="all"))  # fmt: skip

    t = time.perf_counter()
    big = api.load_data(generate_model(args.components, seed=args.seed))
    big_graph = api.compile_model(big)
    print(f"generated and compiled {args.components} components in "
          f"{time.perf_counter() - t:.1f} s", flush=True)  # fmt: skip
    rng = random.Random(args.seed)
    roots = np.flatnonzero(np.isin(big_graph.kind, (PROVIDER, SITE, COMPONENT))).tolist()
    failed: list[int] = []
    while len(failed) < 2:
        v = rng.choice(roots)
        hit = propagate_one(big_graph, [v])
        if (hit & (big_graph.kind == FUNCTION)).sum() >= 2 and v not in failed:
            failed.append(v)
    print("true cause:", [big_graph.names[v] for v in failed], flush=True)
    down, up = observations(big_graph, failed, rng, alerts=200, false=5)
    label = f"{args.components:,} components, 200 alerts"
    rows.append(case(label, big, big_graph, down, up, args.repeat))
    rows.append(case(label + ", all monitored", big, big_graph, down, up, 1, monitored="all",
                     missed=0.95))  # fmt: skip


if __name__ == "__main__":
    main()
