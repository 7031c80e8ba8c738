"""Benchmark: validate, compile, propagate and explain generated models of growing size.

Times, on :func:`blackstart.generate.generate_model` models of N components:

- ``load_data``: validation of the plain data (the in-memory model);
- ``compile_model``;
- one scenario (``propagate_one``, one colocation site failed);
- a batch of 64 scenarios (``pack_scenarios`` + ``propagate``; 64 different single-site or
  single-component failures);
- a full ``impact()`` explanation of the one scenario;
- a straightforward networkx baseline in the same process: an ``nx.DiGraph`` of the same
  failure logic (requirement gates as nodes), evaluated in ``nx.topological_sort`` order
  with Python per-node evaluation; the batch is 64 such evaluations;
- separately, ``load_model`` of the model written as YAML files.

Each size runs in its own subprocess, so the peak RSS (``ru_maxrss``) is per size.
Times are medians of ``--repeat`` runs (a stage whose first run takes more than
``--slow`` seconds is run once).

Run: ``.venv/bin/python benchmarks/bench_impact.py --sizes 1e3,1e4,1e5 --repeat 5``
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

TARGETS = {"compile_s": 30.0, "one_s": 0.1, "batch_s": 0.2, "rss_engine_gb": 4.0}
"""Targets at 10^6 components (after compilation for the scenario times)."""


# --------------------------------------------------------------------------- timing


def timed(fn: Callable[[], Any], repeat: int, slow: float) -> tuple[float, Any]:
    """Median wall time of ``repeat`` calls (one call when the first is slow), last result."""
    times = []
    result = None
    for i in range(repeat):
        result = None
        gc.collect()
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
        if i == 0 and times[0] > slow:
            break
    return statistics.median(times), result


def peak_rss_gb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


# --------------------------------------------------------------------------- networkx


def nx_build(model: Any) -> tuple[Any, list[Any]]:
    """An ``nx.DiGraph`` of the failure logic, edges from a dependency to its dependent.

    Node attribute ``need``: how many (multiplicity-weighted) predecessors must be up for
    the node to be up; edge attribute ``w``: multiplicity of the dependency.
    """
    import networkx as nx

    from blackstart.model.requirements import Gate, Ref

    g = nx.DiGraph()
    counter = 0

    def link(u: Any, v: Any) -> None:
        if g.has_edge(u, v):
            g[u][v]["w"] += 1
        else:
            g.add_edge(u, v, w=1)

    def lower(req: Any) -> Any:
        nonlocal counter
        if isinstance(req, Ref):
            return ("component", req.name) if req.name in model.components else (
                "function", req.name)  # fmt: skip
        assert isinstance(req, Gate)
        counter += 1
        node = ("gate", counter)
        g.add_node(node, need=req.k)
        for item in req.items:
            link(lower(item), node)
        return node

    for p in model.providers:
        g.add_node(("provider", p), need=-1)
    for s, site in model.sites.items():
        g.add_node(("site", s), need=-1)
        if site.provider is not None:
            link(("provider", site.provider), ("site", s))
    for kind, table in (("component", model.components), ("function", model.functions)):
        for name in table:
            g.add_node((kind, name), need=-1)
    for cid, comp in model.components.items():
        if comp.site is not None:
            link(("site", comp.site), ("component", cid))
        if comp.provider is not None:
            link(("provider", comp.provider), ("component", cid))
    for kind, table in (("component", model.components), ("function", model.functions)):
        for name in table:
            req = model.requirements.get(name)
            if req is not None:
                link(lower(req), (kind, name))
    for v, data in g.nodes(data=True):
        if data["need"] < 0:  # an entity: all of its dependencies
            data["need"] = sum(d["w"] for d in g.pred[v].values())
    return g, list(nx.topological_sort(g))


def nx_down(g: Any, order: list[Any], failed: set[Any]) -> set[Any]:
    """Down nodes, evaluating every node once in topological order (up space)."""
    up: dict[Any, bool] = {}
    nodes, pred = g.nodes, g.pred
    for v in order:
        if v in failed:
            up[v] = False
            continue
        need = nodes[v]["need"]
        count = 0
        for u, d in pred[v].items():
            if up[u]:
                count += d["w"]
        up[v] = count >= need
    return {v for v, ok in up.items() if not ok}


# --------------------------------------------------------------------------- one size


def run_size(n: int, args: argparse.Namespace) -> dict[str, Any]:
    """All measurements of one size (run in a fresh subprocess)."""
    from blackstart.engine.graph import COMPONENT, FUNCTION
    from blackstart.engine.impact import impact
    from blackstart.engine.propagate import pack_scenarios, propagate, propagate_one
    from blackstart.generate import generate_model, write_model
    from blackstart.model.compile import compile_model
    from blackstart.model.load import load_data, load_model

    rep, slow = args.repeat, args.slow
    out: dict[str, Any] = {"size": n}
    t = time.perf_counter()
    data = generate_model(n, seed=args.seed)
    out["generate_s"] = time.perf_counter() - t
    out["rss_generate_gb"] = peak_rss_gb()
    out["load_data_s"], model = timed(lambda: load_data(data), rep, slow)
    out["rss_load_gb"] = peak_rss_gb()
    out["compile_s"], graph = timed(lambda: compile_model(model), rep, slow)
    out["rss_compile_gb"] = peak_rss_gb()
    gc.freeze()  # the model's millions of objects: keep gc.collect() out of the way
    out["nodes"], out["edges"] = graph.n, graph.n_edges
    out["groups"] = len(graph.groups)
    out["levels"] = int(graph.level.max()) + 1

    colo = [s for s, site in model.sites.items() if site.kind == "colocation"]
    site = colo[0] if colo else next(iter(model.sites))
    one = [graph.index[f"site:{site}"]]
    out["one_s"], down = timed(lambda: propagate_one(graph, one), max(rep, 5), slow)
    out["one_components_down"] = int((down & (graph.kind == COMPONENT)).sum())
    out["one_functions_down"] = int((down & (graph.kind == FUNCTION)).sum())

    rng = np.random.default_rng(args.seed)
    site_ids = [graph.index[f"site:{s}"] for s in model.sites][:32]
    comp_ids = rng.choice(graph.nodes_of_kind(COMPONENT), 64 - len(site_ids), replace=False)
    batch = [[v] for v in [*site_ids, *comp_ids.tolist()]]

    def run_batch() -> Any:
        return propagate(graph, pack_scenarios(graph, batch))

    out["batch_s"], _ = timed(run_batch, max(rep, 5), slow)
    out["pack_s"], failed_bits = timed(lambda: pack_scenarios(graph, batch), max(rep, 5), slow)
    out["propagate64_s"], _ = timed(lambda: propagate(graph, failed_bits), max(rep, 5), slow)
    out["impact_s"], _ = timed(lambda: impact(graph, one), rep, slow)
    out["rss_engine_gb"] = peak_rss_gb()

    if n <= args.nx_max:
        t = time.perf_counter()
        g, order = nx_build(model)
        out["nx_build_s"] = time.perf_counter() - t
        out["nx_nodes"], out["nx_edges"] = g.number_of_nodes(), g.number_of_edges()
        failed_one = {("site", site)}
        out["nx_one_s"], nx_set = timed(lambda: nx_down(g, order, failed_one), rep, slow)
        # cross-check against the engine: same components and functions down
        ours = {graph.names[v] for v in np.flatnonzero(down).tolist() if "#" not in graph.names[v]}
        theirs = {f"{k}:{name}" for k, name in nx_set if k != "gate"}
        if ours != theirs:
            raise AssertionError(f"networkx and engine disagree on {len(ours ^ theirs)} nodes")
        labels = [graph.names[s[0]].split(":", 1) for s in batch]
        nx_batch = [{(kind, name)} for kind, name in labels]
        nx_rep = min(rep, args.nx_batch_repeat)
        out["nx_batch_s"], _ = timed(lambda: [nx_down(g, order, f) for f in nx_batch], nx_rep, slow)
        del g, order
        gc.collect()

    if n <= args.yaml_max:
        with tempfile.TemporaryDirectory(prefix="bench-yaml-") as tmp:
            t = time.perf_counter()
            paths = write_model(data, Path(tmp), fmt="yaml")
            out["yaml_write_s"] = time.perf_counter() - t
            out["yaml_mb"] = sum(p.stat().st_size for p in paths) / 2**20
            out["yaml_load_s"], loaded = timed(lambda: load_model(tmp), rep, slow)
            out["yaml_same_components"] = len(loaded.components) == len(model.components)
    out["rss_total_gb"] = peak_rss_gb()
    return out


# --------------------------------------------------------------------------- report


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}g}" if value < 1000 else f"{value:.0f}"
    return str(value)


def ratio(a: float | None, b: float | None) -> str:
    return "—" if a is None or b is None or b == 0 else f"{a / b:.0f}×"


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report(results: list[dict[str, Any]]) -> str:
    head = ["size", "nodes", "edges", "load_data s", "compile s", "one s", "batch-64 s",
            "impact s", "nx one s", "nx 64 s", "nx/one", "nx/64", "RSS engine GB",
            "RSS total GB"]  # fmt: skip
    rows = [head]
    for r in results:
        g = r.get
        rows.append([
            f"{r['size']:.0e}", fmt(g("nodes")), fmt(g("edges")), fmt(g("load_data_s")),
            fmt(g("compile_s")), fmt(g("one_s")), fmt(g("batch_s")), fmt(g("impact_s")),
            fmt(g("nx_one_s")), fmt(g("nx_batch_s")), ratio(g("nx_one_s"), g("one_s")),
            ratio(g("nx_batch_s"), g("batch_s")), fmt(g("rss_engine_gb")),
            fmt(g("rss_total_gb")),
        ])  # fmt: skip
    parts = [table(rows)]

    detail = [["size", "generate s", "levels", "groups", "pack s", "propagate-64 s",
               "nx build s", "nx nodes", "nx edges", "down comps", "down fns",
               "RSS gen GB", "RSS +load GB", "RSS +compile GB"]]  # fmt: skip
    for r in results:
        g = r.get
        detail.append([
            f"{r['size']:.0e}", fmt(g("generate_s")), fmt(g("levels")), fmt(g("groups")),
            fmt(g("pack_s")), fmt(g("propagate64_s")), fmt(g("nx_build_s")),
            fmt(g("nx_nodes")), fmt(g("nx_edges")), fmt(g("one_components_down")),
            fmt(g("one_functions_down")), fmt(g("rss_generate_gb")), fmt(g("rss_load_gb")),
            fmt(g("rss_compile_gb")),
        ])  # fmt: skip
    parts.append(table(detail))

    yaml_rows = [["size", "YAML MB", "write s", "load_model s", "load_model / load_data"]]
    for r in results:
        if "yaml_load_s" in r:
            yaml_rows.append([
                f"{r['size']:.0e}", fmt(r["yaml_mb"]), fmt(r["yaml_write_s"]),
                fmt(r["yaml_load_s"]), ratio(r["yaml_load_s"], r["load_data_s"]),
            ])  # fmt: skip
    if len(yaml_rows) > 1:
        parts.append("YAML loading (load_model of a directory written by write_model):\n"
                     + table(yaml_rows))  # fmt: skip

    big = [r for r in results if r["size"] >= 1e6]
    checks = ["Targets at 10^6 components:"]
    for key, limit in TARGETS.items():
        if not big:
            checks.append(f"  {key:<14} < {limit:<5} — (no 10^6 run)")
            continue
        value = big[-1][key]
        mark = "ok" if value < limit else "MISSED"
        checks.append(f"  {key:<14} < {limit:<5} {value:.3g}  {mark}")
    parts.append("\n".join(checks))
    return "\n\n".join(parts)


def parse_size(text: str) -> int:
    return int(float(text))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--sizes",
        default="1e3,1e4,1e5,1e6",
        help="comma-separated component counts (default 1e3,1e4,1e5,1e6)",
    )
    ap.add_argument("--repeat", type=int, default=5, help="runs per stage; median reported")
    ap.add_argument(
        "--nx-max",
        type=parse_size,
        default=100_000,
        help="largest size for the networkx baseline (default 1e5)",
    )
    ap.add_argument(
        "--nx-batch-repeat",
        type=int,
        default=3,
        help="runs of the 64-scenario networkx batch (default 3)",
    )
    ap.add_argument(
        "--yaml-max",
        type=parse_size,
        default=100_000,
        help="largest size for YAML loading (default 1e5)",
    )
    ap.add_argument(
        "--slow",
        type=float,
        default=60.0,
        help="a stage whose first run exceeds this many seconds runs once",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, help="also write the results as JSON here")
    ap.add_argument("--worker", type=parse_size, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker is not None:
        print(json.dumps(run_size(args.worker, args)))
        return 0

    results = []
    for size in (parse_size(s) for s in args.sizes.split(",")):
        print(f"size {size:.0e} …", file=sys.stderr, flush=True)
        cmd = [sys.executable, __file__, "--worker", str(size), "--repeat", str(args.repeat),
               "--nx-max", str(args.nx_max), "--nx-batch-repeat", str(args.nx_batch_repeat),
               "--yaml-max", str(args.yaml_max), "--slow", str(args.slow),
               "--seed", str(args.seed)]  # fmt: skip
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(f"  done in {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
