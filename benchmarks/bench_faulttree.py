"""Benchmark: the fault-tree commands on the 43 Aralia trees, against SCRAM.

For every ``openpsa/Aralia/*.xml`` of the validation data (``$BLACKSTART_VALIDATION``,
default ``../shared/validation`` beside the repository), each in its own process with a
``--timeout`` (60 s) and its own peak RSS:

- *the commands, as users run them*: ``blackstart probability FILE --json`` and
  ``blackstart cutsets FILE --max-order 20 --limit 0 --json`` (the count of minimal cut
  sets, minimal solutions for non-coherent trees, with SCRAM's order limit; the same
  run gives the exact probability);
- *the same functions in-process* (:data:`BENCHMARKED`: ``load_tree``, ``probabilities``,
  ``cutsets`` of :mod:`blackstart.faulttrees`, the very objects the commands call:
  ``tests/test_bench_faulttree.py`` checks it), timed stage by stage in a child; "our
  analysis" is the ``cutsets`` call (modules, BDDs, exact P, cut-set count), without
  reading the file;
- *SCRAM* (``--scram``, ``$SCRAM`` or ``scram`` on the PATH):
  ``scram --bdd --limit-order 20 --probability FILE``. SCRAM lists every product in its
  XML report; we count them. Its report starts with its own timing
  (``information/performance``), so "SCRAM's analysis" is read from there
  (:func:`faulttree_refs.scram_report`), even from a run killed while it was still
  writing the list.

Three comparisons, each as a total, and per tree as a geometric mean and a median of the
ratios (a total is dominated by the two or three slowest trees):

1. *whole process*: SCRAM's run (what a SCRAM user waits for, product list included)
   against our ``cutsets`` command (which answers the same P and count);
2. *analysis against analysis*: SCRAM's calculation times against our in-process
   ``cutsets`` call;
3. our ``probability`` command against SCRAM's run, for the exact P alone.

Each value (ours and SCRAM's) is checked against the README's exact P (the independent
``dd.cudd`` column, else the openpra README's) within max(1e-6 relative, half a unit of
the last printed digit), and the count against SCRAM's published one; a mismatch prints
``FAIL``. Trees where everything finishes under ``--repeat-below`` seconds are run
``--repeat`` times, tools in turn, and the median kept. Also measured: the start-up of
``blackstart probability`` on a three-event MEF file (median of ``--startup-runs``).

Run: ``.venv/bin/python benchmarks/bench_faulttree.py [--scram /tmp/scram-install/bin/scram]
[--models das9601,edf9203] [--json out.json]``

Building SCRAM 0.16.2 (``rakhimov/scram`` at b85b789, GPL-3.0) in /tmp, command line
only; never commit it. On Debian 12 (gcc 12, Boost 1.74):

.. code-block:: sh

    apt-get install -y cmake g++ make libxml2-dev libgoogle-perftools-dev libboost-dev \\
        libboost-program-options-dev libboost-filesystem-dev libboost-system-dev \\
        libboost-random-dev
    mkdir -p /tmp/scram-src && git --git-dir=SCRAM_CLONE/.git archive b85b789 \\
        | tar -x -C /tmp/scram-src
    mkdir -p /tmp/scram-build && cd /tmp/scram-build
    # Boost >= 1.73 no longer defines BOOST_THROW_EXCEPTION_CURRENT_FUNCTION: define it
    cmake /tmp/scram-src -DCMAKE_BUILD_TYPE=Release -DBUILD_GUI=OFF -DBUILD_TESTING=OFF \\
        -DCMAKE_INSTALL_PREFIX=/tmp/scram-install \\
        -DCMAKE_CXX_FLAGS="-DBOOST_THROW_EXCEPTION_CURRENT_FUNCTION=BOOST_CURRENT_FUNCTION"
    make -j2 && make install   # 5-20 minutes on 2 cores; uses TCMalloc
"""

from __future__ import annotations

import json
import math
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blackstart.faulttrees import cutsets, load_tree, probabilities

sys.path.insert(0, str(Path(__file__).resolve().parent))
from faulttree_refs import (  # a sibling of this script
    MIB,
    Run,
    ScramReport,
    measured,
    p_tolerance,
    references,
    scram_report,
)

REPO = Path(__file__).resolve().parents[1]
BENCHMARKED: dict[str, Callable[..., Any]] = {
    "load": load_tree,
    "probability": probabilities,
    "cutsets": cutsets,
}
"""What the in-process child times: the functions the commands call
(:func:`blackstart.cli.fast.analyses`; imported from :mod:`blackstart.faulttrees`
directly so that the child loads nothing of the command line)."""
TINY_MEF = """<opsa-mef><define-fault-tree name="T"><define-gate name="TOP"><or>
<basic-event name="a"/><and><basic-event name="b"/><basic-event name="c"/></and></or>
</define-gate><define-basic-event name="a"><float value="0.1"/></define-basic-event>
<define-basic-event name="b"><float value="0.2"/></define-basic-event>
<define-basic-event name="c"><float value="0.3"/></define-basic-event>
</define-fault-tree></opsa-mef>
"""


def validation_dir() -> Path:
    """The shared validation data (``$BLACKSTART_VALIDATION`` or ``../shared/validation``)."""
    return Path(os.environ.get("BLACKSTART_VALIDATION", REPO / ".." / "shared" / "validation"))


# --------------------------------------------------------------------------- child


def child(path: str, max_order: int) -> None:
    """Run the commands' functions on one tree in this process, one JSON line per stage."""

    def emit(**kw: Any) -> None:
        kw["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MIB
        print(json.dumps(kw), flush=True)

    t0 = time.perf_counter()
    tree = BENCHMARKED["load"]([path])
    t1 = time.perf_counter()
    emit(stage="read", t=t1 - t0, events=len(tree.tree.events), gates=len(tree.tree.gates))
    rows = BENCHMARKED["probability"](tree, None)["targets"]
    t2 = time.perf_counter()
    emit(stage="probability", t=t2 - t1, p=rows[0]["probability"])
    rows = BENCHMARKED["cutsets"](tree, None, max_order=max_order, limit=0)["targets"]
    t3 = time.perf_counter()
    r = rows[0]
    emit(stage="cutsets", t=t3 - t2, p=r["probability"], count=r["cut_set_count"])


# --------------------------------------------------------------------------- runs


@dataclass
class Command:
    """One run of a ``blackstart`` command (its JSON answer, when it finished)."""

    run: Run
    p: float | None = None
    count: int | None = None

    @property
    def finished(self) -> bool:
        return self.run.returncode == 0 and not self.run.timed_out


def run_command(args: list[str], timeout: float) -> Command:
    blackstart = str(Path(sys.executable).with_name("blackstart"))
    run = measured([blackstart, *args, "--json"], timeout)
    c = Command(run)
    if c.finished:
        t = json.loads(run.out)["targets"][0]
        c.p, c.count = t.get("probability"), t.get("cut_set_count")
    return c


@dataclass
class Child:
    run: Run
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)

    def t(self, stage: str) -> float | None:
        return self.stages.get(stage, {}).get("t")


def run_child(path: Path, timeout: float, max_order: int) -> Child:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(path)]
    run = measured([*cmd, "--max-order", str(max_order)], timeout)
    stages = {}
    for line in run.out.decode(errors="replace").splitlines():
        if line.startswith("{"):
            d = json.loads(line)
            stages[d["stage"]] = d
    return Child(run, stages)


@dataclass
class Scram:
    run: Run
    report: ScramReport

    @property
    def finished(self) -> bool:
        return self.run.returncode == 0 and not self.run.timed_out


def run_scram(scram: str, path: Path, timeout: float, max_order: int) -> Scram:
    cmd = [scram, "--bdd", "--limit-order", str(max_order), "--probability", str(path)]
    run = measured(cmd, timeout, keep=1 << 18)
    return Scram(run, scram_report(run.out.decode(errors="replace")))


@dataclass
class Tree:
    """Every measurement of one tree (the median run of each, when repeated)."""

    name: str
    prob: Command
    cuts: Command
    child: Child
    scram: Scram | None


def measure(path: Path, scram: str | None, args: Any) -> Tree:
    timeout, order = args.timeout, args.max_order

    def once() -> Tree:
        return Tree(
            path.stem,
            run_command(["probability", str(path)], timeout),
            run_command(["cutsets", str(path), "--max-order", str(order), "--limit", "0"], timeout),
            run_child(path, timeout, order),
            run_scram(scram, path, timeout, order) if scram else None,
        )

    first = once()
    walls = [first.prob.run.wall, first.cuts.run.wall, first.child.run.wall]
    if first.scram:
        walls.append(first.scram.run.wall)
    ok = first.prob.finished and first.cuts.finished and (not first.scram or first.scram.finished)
    if args.repeat <= 1 or not ok or max(walls) >= args.repeat_below:
        return first
    runs = [first] + [once() for _ in range(args.repeat - 1)]

    def median(pick: Callable[[Tree], Any]) -> Any:
        return sorted((pick(r) for r in runs), key=lambda x: x.run.wall)[(len(runs) - 1) // 2]

    return Tree(
        path.stem,
        median(lambda r: r.prob),
        median(lambda r: r.cuts),
        median(lambda r: r.child),
        median(lambda r: r.scram) if first.scram else None,
    )


# --------------------------------------------------------------------------- checks


def check(name: str, who: str, p: float | None, count: int | None, ref: Any) -> list[str]:
    """FAIL lines for a probability or count that differs from the README's."""
    fails = []
    if ref is None:
        return fails
    if p is not None and ref.p is not None and abs(p - ref.p) > p_tolerance(ref.p, ref.p_text):
        fails.append(f"FAIL {name}: {who} P {p:.9g} vs README {ref.p_text}")
    if count is not None and ref.count is not None and count != ref.count:
        fails.append(f"FAIL {name}: {who} count {count} vs README {ref.count}")
    return fails


def row_of(t: Tree, ref: Any) -> dict[str, Any]:
    sc = t.scram
    rep = sc.report if sc else None
    fails = check(t.name, "probability", t.prob.p, None, ref)
    fails += check(t.name, "cutsets", t.cuts.p, t.cuts.count, ref)
    if rep:
        fails += check(t.name, "SCRAM", rep.p, rep.count, ref)
    child_p = t.child.stages.get("probability", {}).get("p")
    fails += check(
        t.name, "in-process", child_p, t.child.stages.get("cutsets", {}).get("count"), ref
    )
    ours_ok = not any(f.split(": ")[1].startswith(("probability", "cutsets")) for f in fails)
    return {
        "model": t.name,
        "events": t.child.stages.get("read", {}).get("events"),
        "p": t.prob.p if t.prob.p is not None else t.cuts.p,
        "ref_p_text": ref.p_text if ref else None,
        "count": t.cuts.count,
        "ref_count": ref.count if ref else None,
        "prob_ok": t.prob.finished and t.prob.p is not None and ours_ok,
        "cuts_ok": t.cuts.finished and t.cuts.count is not None and ours_ok,
        "prob_wall": t.prob.run.wall,
        "prob_timed_out": t.prob.run.timed_out,
        "prob_mib": t.prob.run.peak_mib,
        "cuts_wall": t.cuts.run.wall,
        "cuts_timed_out": t.cuts.run.timed_out,
        "cuts_mib": t.cuts.run.peak_mib,
        "in_read": t.child.t("read"),
        "in_prob": t.child.t("probability"),
        "in_cuts": t.child.t("cutsets"),
        "scram_finished": sc.finished if sc else None,
        "scram_wall": sc.run.wall if sc else None,
        "scram_timed_out": sc.run.timed_out if sc else None,
        "scram_mib": sc.run.peak_mib if sc else None,
        "scram_analysis": rep.analysis if rep else None,
        "scram_p": rep.p if rep else None,
        "scram_count": rep.count if rep else None,
        "fails": fails,
    }


# --------------------------------------------------------------------------- report


def f2(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def f3(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def status(ok: bool, timed_out: bool, wall: float) -> str:
    return f2(wall) if ok else "timeout" if timed_out else f"failed ({f2(wall)})"


def ratios(pairs: list[tuple[str, float, float]]) -> str:
    """``theirs / ours`` as a total, and per tree as a geometric mean and a median."""
    if not pairs:
        return "no tree"
    per = [s / o for _, s, o in pairs if o > 0 and s > 0]
    total_s, total_o = sum(s for _, s, _ in pairs), sum(o for _, _, o in pairs)
    gmean = math.exp(statistics.fmean(math.log(r) for r in per)) if per else math.nan
    return (
        f"{len(pairs)} trees: SCRAM {total_s:.2f} s, ours {total_o:.2f} s, total ratio "
        f"{total_s / total_o:.2f}; per tree geometric mean {gmean:.2f}, median "
        f"{statistics.median(per) if per else math.nan:.2f}"
    )


def report(rows: list[dict[str, Any]], with_scram: bool) -> None:
    print(
        "\n| model | #BE | P | #MCS (L≤20) | `probability` s | `cutsets` s | peak MiB "
        "| in-process P s | our analysis s | SCRAM s | SCRAM analysis s | SCRAM MiB "
        "| whole / | analysis / |"
    )
    print("|---|" + "---:|" * 13)
    for r in rows:
        sc = "–"
        if with_scram:
            sc = (
                f2(r["scram_wall"])
                if r["scram_finished"]
                else (f"timeout ({f2(r['scram_wall'])})" if r["scram_timed_out"] else "failed")
            )
        whole = r["scram_wall"] / r["cuts_wall"] if r["scram_finished"] and r["cuts_ok"] else None
        ana = (
            r["scram_analysis"] / r["in_cuts"]
            if r["scram_analysis"] and r["in_cuts"] and r["cuts_ok"]
            else None
        )
        peak = max(r["prob_mib"], r["cuts_mib"])
        p = "–" if r["p"] is None else f"{r['p']:.6g}"
        count = "–" if r["count"] is None else str(r["count"])
        sc_mib = "–" if r["scram_mib"] is None else f"{r['scram_mib']:.0f}"
        print(
            f"| {r['model']} | {r['events'] or '–'} | {p} | {count} "
            f"| {status(r['prob_ok'], r['prob_timed_out'], r['prob_wall'])} "
            f"| {status(r['cuts_ok'], r['cuts_timed_out'], r['cuts_wall'])} | {peak:.0f} "
            f"| {f3(r['in_prob'])} | {f3(r['in_cuts'])} | {sc} | {f3(r['scram_analysis'])} "
            f"| {sc_mib} | {f2(whole)} | {f2(ana)} |"
        )
    n = len(rows)
    solved = [r for r in rows if r["prob_ok"] and r["cuts_ok"]]
    print(
        f"\nsolved within the timeout by both commands: {len(solved)}/{n} "
        f"(probability {sum(r['prob_ok'] for r in rows)}, "
        f"cutsets {sum(r['cuts_ok'] for r in rows)})"
    )
    missed = [r["model"] for r in rows if not (r["prob_ok"] and r["cuts_ok"])]
    print(f"not solved by both: {', '.join(missed) or '–'}")
    big = [
        r["model"]
        for r in rows
        if r["scram_finished"] and max(r["prob_mib"], r["cuts_mib"]) >= 1024
    ]
    print(f"peak memory >= 1 GiB on a tree SCRAM solves: {', '.join(big) or 'none'}")
    if not with_scram:
        return
    print(
        f"SCRAM finished {sum(bool(r['scram_finished']) for r in rows)}/{n}; "
        f"its analysis (report header) on {sum(r['scram_analysis'] is not None for r in rows)}"
    )
    whole = [
        (r["model"], r["scram_wall"], r["cuts_wall"])
        for r in rows
        if r["scram_finished"] and r["cuts_ok"]
    ]
    ana = [
        (r["model"], r["scram_analysis"], r["in_cuts"])
        for r in rows
        if r["scram_analysis"] and r["in_cuts"] and r["cuts_ok"]
    ]
    prob = [
        (r["model"], r["scram_wall"], r["prob_wall"])
        for r in rows
        if r["scram_finished"] and r["prob_ok"]
    ]
    print(f"1. whole process, SCRAM (listing every product) / our `cutsets`: {ratios(whole)}")
    print(f"2. analysis, SCRAM's calculation times / our in-process `cutsets`: {ratios(ana)}")
    print(f"3. SCRAM's whole run / our `probability` command: {ratios(prob)}")
    slower = [f"{m} ({o:.3f} s vs {s:.3f} s)" for m, s, o in ana if s > 0.05 and o > s]
    print(
        "our analysis slower than SCRAM's where SCRAM's exceeds 0.05 s: "
        + (", ".join(slower) or "none")
    )


def startup(runs: int) -> None:
    """Median wall time of ``blackstart probability`` on a three-event MEF file."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "tiny.xml"
        f.write_text(TINY_MEF)
        walls = sorted(run_command(["probability", str(f)], 30).run.wall for _ in range(runs))
    print(
        "\nstart-up, `blackstart probability tiny.xml --json`: median "
        f"{statistics.median(walls):.3f} s "
        f"of {runs} (min {walls[0]:.3f}, max {walls[-1]:.3f}); target < 0.25 s"
    )


def main(argv: list[str] | None = None) -> int:
    import argparse
    import compileall
    import shutil

    import blackstart

    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--max-order", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--models", help="comma-separated model names (default: all)")
    ap.add_argument("--scram", help="SCRAM executable (default: $SCRAM, else scram on PATH)")
    ap.add_argument("--no-scram", action="store_true")
    ap.add_argument("--json", type=Path, help="write the measurements here")
    ap.add_argument("--repeat", type=int, default=3, help="runs of short trees (median kept)")
    ap.add_argument("--repeat-below", type=float, default=2.0, help="short: below these seconds")
    ap.add_argument("--startup-runs", type=int, default=10)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child, args.max_order)
        return 0
    # bytecode up to date, as after an install (PYTHONDONTWRITEBYTECODE would otherwise
    # make every process compile the sources again)
    compileall.compile_dir(Path(blackstart.__file__).parent, quiet=1)
    aralia = validation_dir() / "openpsa" / "Aralia"
    paths = sorted(aralia.glob("*.xml"))
    if args.models:
        paths = [p for p in paths if p.stem in set(args.models.split(","))]
    if not paths:
        print(f"no Aralia models under {aralia}", file=sys.stderr)
        return 2
    refs = references(validation_dir() / "README.md")
    scram = (
        None if args.no_scram else args.scram or os.environ.get("SCRAM") or shutil.which("scram")
    )
    load = os.getloadavg()
    print(
        f"# Aralia: {len(paths)} trees, timeout {args.timeout:g} s, L={args.max_order}; "
        f"SCRAM: {scram or 'not found (ours only)'}; load {load[0]:.2f} {load[1]:.2f}"
    )
    rows = []
    for path in paths:
        r = row_of(measure(path, scram, args), refs.get(path.stem))
        rows.append(r)
        print(
            f"{r['model']:9s} P {r['p']} #{r['count']} | probability {f2(r['prob_wall'])} s "
            f"cutsets {f2(r['cuts_wall'])} s {max(r['prob_mib'], r['cuts_mib']):.0f} MiB | "
            f"in-process P {f3(r['in_prob'])} analysis {f3(r['in_cuts'])} | SCRAM "
            f"{f2(r['scram_wall'])} s analysis {f3(r['scram_analysis'])}",
            flush=True,
        )
        for f in r["fails"]:
            print("  " + f, flush=True)
    report(rows, scram is not None)
    if args.startup_runs:
        startup(args.startup_runs)
    fails = [f for r in rows for f in r["fails"]]
    print(f"\n{len(fails)} FAIL line(s)")
    for f in fails:
        print(f)
    load = os.getloadavg()
    print(f"# load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:  # the measured process: no argparse to load
        child(sys.argv[2], int(sys.argv[4]) if sys.argv[3:4] == ["--max-order"] else 20)
        sys.exit(0)
    sys.exit(main())
