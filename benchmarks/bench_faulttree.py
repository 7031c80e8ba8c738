"""Benchmark: exact probability and minimal cut sets of the 43 Aralia fault trees, vs SCRAM.

For every ``openpsa/Aralia/*.xml`` of the validation data (``$BLACKSTART_VALIDATION``,
default ``../shared/validation`` beside the repository), in one subprocess per
(model, tool) with a ``--timeout`` (60 s) and its own peak RSS (``os.wait4``):

- *ours*: :func:`blackstart.io.mef.read_mef`, then the top preprocessed and cut into
  modules, one BDD per module with its exact probability
  (:func:`blackstart.engine.modular.compile_modules` with ``probability_only``: a module
  whose first round of BDD budgets is slow and fails gets its probability from an SDD;
  the tree then has its exact P but no cut sets, reported "P only") and, on the same BDDs, the
  minimal cut sets (minimal solutions for non-coherent trees) up to order
  ``--max-order`` (20, SCRAM's default) (:func:`blackstart.engine.modular.modular_cut_sets`:
  count and distribution by order, no enumeration). The child reports each stage as
  it finishes, so a run that times out in the cut sets still shows its probability.
- *SCRAM* (when found: ``--scram``, ``$SCRAM`` or ``scram`` on the PATH):
  ``scram --bdd --limit-order 20 --probability FILE`` (the settings of the validation
  README, section B), its XML report read through a pipe (the first bytes are kept to
  read the product count and probability, the rest is discarded).

The times are the whole process (start-up, reading, analysis, and for SCRAM writing the
report), as in the validation README; models both tools finish in under
``--repeat-below`` seconds (2) are run ``--repeat`` times (5), the two tools in turn,
and the run of median time is kept; ours also shows the in-process time of the
analysis (read + BDD + probability + cut sets). Each model's probability is checked
against the README's exact value (the independent ``dd.cudd`` column, else the openpra
README's) within max(1e-6 relative, half a unit of the reference's last printed digit),
and its product count against SCRAM's (else the openpra README's when it is exact); a
mismatch prints a ``FAIL`` line. At the end: a Markdown table, totals over the models
both tools solve, the number solved by each, and the targets of the issue (all 43
solved; on the models both solve, each no slower than SCRAM and the total at least 2×
faster).

Run: ``.venv/bin/python benchmarks/bench_faulttree.py [--scram /tmp/scram-install/bin/scram]
[--models das9601,edf9203] [--json out.json]``

Building SCRAM 0.16.2 (``rakhimov/scram`` at b85b789, GPL-3.0) in /tmp, command line
only; never commit it. On Debian 12 (gcc 12, Boost 1.74):

.. code-block:: sh

    apt-get update
    apt-get install -y cmake g++ make libxml2-dev libgoogle-perftools-dev libboost-dev \\
        libboost-program-options-dev libboost-filesystem-dev libboost-system-dev \\
        libboost-random-dev
    # source tree of rakhimov/scram at b85b789 (no submodules needed), from a clone:
    mkdir -p /tmp/scram-src && git --git-dir=SCRAM_CLONE/.git archive b85b789 \\
        | tar -x -C /tmp/scram-src
    mkdir -p /tmp/scram-build && cd /tmp/scram-build
    # Boost >= 1.73 no longer defines BOOST_THROW_EXCEPTION_CURRENT_FUNCTION: define it
    cmake /tmp/scram-src -DCMAKE_BUILD_TYPE=Release -DBUILD_GUI=OFF -DBUILD_TESTING=OFF \\
        -DCMAKE_INSTALL_PREFIX=/tmp/scram-install \\
        -DCMAKE_CXX_FLAGS="-DBOOST_THROW_EXCEPTION_CURRENT_FUNCTION=BOOST_CURRENT_FUNCTION"
    make -j2 && make install   # about 5 minutes on 2 cores; uses TCMalloc
    /tmp/scram-install/bin/scram --version
"""

from __future__ import annotations

import json
import math
import os
import re
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The parent's own modules (argparse, subprocess, threading ...) are imported inside
# the functions that use them, so the measured child starts with the analysis's only.
REPO = Path(__file__).resolve().parents[1]
MIB = 1024.0  # ru_maxrss is in KiB on Linux


def validation_dir() -> Path:
    """The shared validation data (``$BLACKSTART_VALIDATION`` or ``../shared/validation``)."""
    return Path(os.environ.get("BLACKSTART_VALIDATION", REPO / ".." / "shared" / "validation"))


# --------------------------------------------------------------------------- child


def child(path: str, max_order: int) -> None:
    """Analyse one model in this process, one JSON line per finished stage."""
    t0 = time.perf_counter()
    from blackstart.engine.modular import compile_modules, modular_cut_sets
    from blackstart.io.mef import read_mef

    def emit(**kw: Any) -> None:
        kw["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MIB
        print(json.dumps(kw), flush=True)

    t1 = time.perf_counter()
    tree = read_mef([Path(path)])
    t2 = time.perf_counter()
    emit(
        stage="read",
        t_import=t1 - t0,
        t_read=t2 - t1,
        events=len(tree.events),
        gates=len(tree.gates),
        tops=len(tree.tops),
        coherent=tree.coherent,
    )
    top = tree.tops[0]
    # one BDD per module (the probabilities come with them), an SDD for a module no BDD
    # reaches (probability only)
    bdd = compile_modules(tree, top, probability_only=True)
    t3 = time.perf_counter()
    p = bdd.probability
    t4 = time.perf_counter()
    sdd_modules = sum(b is None for b in bdd.bdds)
    emit(
        stage="prob",
        t_bdd=t3 - t2,
        t_prob=t4 - t3,
        p=p,
        bdd_nodes=bdd.nodes,
        modules=len(bdd.bdds),
        sdd_modules=sdd_modules,
    )
    if sdd_modules:
        emit(stage="mcs", count=None, unavailable="a module has no BDD (its P is an SDD's)")
        return
    # minimal solutions, as SCRAM and the reference counts (prime implicants differ for
    # non-coherent trees)
    mcs = modular_cut_sets(bdd, max_order=max_order)
    t5 = time.perf_counter()
    emit(
        stage="mcs",
        t_mcs=t5 - t4,
        count=mcs.count,
        dist=list(mcs.order_distribution),
        zbdd_nodes=mcs.zbdd_nodes,
    )


# --------------------------------------------------------------------------- measuring


@dataclass
class Run:
    """One measured subprocess."""

    wall: float
    peak_mib: float
    returncode: int | None
    timed_out: bool
    out: bytes
    err: bytes


def measured(cmd: list[str], timeout: float, keep: int | None = None) -> Run:
    """Run ``cmd`` in its own session, killed after ``timeout`` s; its own peak RSS.

    stdout is read through a pipe (only the first ``keep`` bytes are kept).
    """
    # imported here, not at the top: the child (the measured process) does not need them
    import contextlib
    import signal
    import subprocess
    import threading

    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    chunks: dict[str, list[bytes]] = {"out": [], "err": []}

    def drain(stream: Any, key: str, limit: int | None) -> None:
        kept = 0
        while block := stream.read1(1 << 20):
            if limit is None or kept < limit:
                chunks[key].append(block)
                kept += len(block)

    readers = [
        threading.Thread(target=drain, args=(proc.stdout, "out", keep), daemon=True),
        threading.Thread(target=drain, args=(proc.stderr, "err", 1 << 16), daemon=True),
    ]
    for r in readers:
        r.start()
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    timer = threading.Timer(timeout, kill)
    timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    for r in readers:
        r.join(5)
    return Run(
        wall=wall,
        peak_mib=usage.ru_maxrss / MIB,
        returncode=proc.returncode,
        timed_out=timed_out.is_set(),
        out=b"".join(chunks["out"]),
        err=b"".join(chunks["err"]),
    )


@dataclass
class Ours:
    run: Run
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def solved(self) -> bool:
        return self.run.returncode == 0 and self.count is not None

    @property
    def p_only(self) -> bool:
        """The exact probability, but no cut sets: a module needed the SDD."""
        return self.run.returncode == 0 and "unavailable" in self.stages.get("mcs", {})

    @property
    def p(self) -> float | None:
        return self.stages.get("prob", {}).get("p")

    @property
    def count(self) -> int | None:
        return self.stages.get("mcs", {}).get("count")

    @property
    def compute(self) -> float | None:
        """In-process seconds: read + BDD + probability + cut sets."""
        if not self.solved:
            return None
        s = self.stages
        return s["read"]["t_read"] + s["prob"]["t_bdd"] + s["prob"]["t_prob"] + s["mcs"]["t_mcs"]

    @property
    def t_prob(self) -> float | None:
        """In-process seconds to the exact probability (read + BDD + probability)."""
        s = self.stages
        if "prob" not in s:
            return None
        return s["read"]["t_read"] + s["prob"]["t_bdd"] + s["prob"]["t_prob"]


def median_of(runs: list[Any]) -> Any:
    """The run of median wall time (the lower middle of an even number)."""
    return sorted(runs, key=lambda r: r.run.wall)[(len(runs) - 1) // 2]


def run_ours(path: Path, timeout: float, max_order: int) -> Ours:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(path)]
    cmd += ["--max-order", str(max_order)]
    run = measured(cmd, timeout)
    stages = {}
    for line in run.out.decode(errors="replace").splitlines():
        if line.startswith("{"):
            d = json.loads(line)
            stages[d["stage"]] = d
    return Ours(run, stages)


@dataclass
class Scram:
    run: Run
    p: float | None
    count: int | None

    @property
    def solved(self) -> bool:
        return self.run.returncode == 0 and not self.run.timed_out


def run_scram(scram: str, path: Path, timeout: float, max_order: int) -> Scram:
    cmd = [scram, "--bdd", "--limit-order", str(max_order), "--probability", str(path)]
    run = measured(cmd, timeout, keep=1 << 18)
    head = run.out.decode(errors="replace")
    m = re.search(r"<sum-of-products\b[^>]*>", head)
    p = count = None
    if m:
        if pm := re.search(r'\bprobability="([^"]+)"', m.group(0)):
            p = float(pm.group(1))
        if cm := re.search(r'\bproducts="(\d+)"', m.group(0)):
            count = int(cm.group(1))
    return Scram(run, p, count)


# --------------------------------------------------------------------------- references


@dataclass
class Ref:
    """Section B of the validation README for one model."""

    events: int
    gates: int
    p: float | None
    p_text: str
    count: int | None
    count_text: str
    scram_text: str


def _number(text: str) -> float | None:
    m = re.match(r"\s*([0-9][0-9.,]*(?:[eE][-+]?\d+)?)", text)
    if not m:
        return None
    try:
        return float(m.group(1).replace(",", ""))
    except ValueError:
        return None


def _exact_int(text: str) -> int | None:
    t = text.strip().replace(",", "")
    return int(t) if t.isdigit() else None


def references(readme: Path) -> dict[str, Ref]:
    """Parse the Aralia table (section B) of the validation README."""
    refs: dict[str, Ref] = {}
    if not readme.exists():
        return refs
    text = readme.read_text()
    section = text[text.find("## B.") :] if "## B." in text else ""
    header: list[str] | None = None
    for line in section.splitlines():
        if not line.startswith("|"):
            if header and refs:
                break
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == "model":
            header = cells
            continue
        if header is None or set(cells[0]) <= {"-", ":"}:
            continue
        row = dict(zip(header, cells, strict=False))
        col = {k.split(" (")[0]: v for k, v in row.items()}
        dd_p = _number(col.get("dd.cudd cross-check P", ""))
        readme_p_text = col.get("openpra README P", "")
        p_text = col.get("dd.cudd cross-check P", "") if dd_p is not None else readme_p_text
        count_text = col.get("SCRAM BDD #products", "")
        count = _exact_int(count_text)
        if count is None:
            count_text = col.get("openpra README #MCS", "")
            count = _exact_int(count_text)
        if count is None and _number(count_text) is not None:
            count_text = "≈" + count_text  # rounded in the openpra README: not checked
        refs[cells[0]] = Ref(
            events=int(col.get("#BE", "0") or 0),
            gates=int(col.get("#gates", "0") or 0),
            p=dd_p if dd_p is not None else _number(readme_p_text),
            p_text=p_text.split(" ")[0],
            count=count,
            count_text=count_text if count is None else str(count),
            scram_text=col.get("SCRAM wall s / peak MiB", ""),
        )
    return refs


def p_tolerance(ref: float, text: str) -> float:
    """max(1e-6 relative, half a unit in the last printed digit of ``text``)."""
    tol = 1e-6 * abs(ref)
    m = re.match(r"\s*\d*\.?(\d*)[eE]([-+]?\d+)", text)
    if m:
        tol = max(tol, 0.5 * 10.0 ** (int(m.group(2)) - len(m.group(1))))
    else:
        m = re.match(r"\s*\d*\.(\d+)", text)
        if m:
            digits = m.group(1)
            # significant digits of a plain decimal: the last one has weight 10^-len
            tol = max(tol, 0.5 * 10.0 ** -len(digits))
    return tol * (1 + 1e-9)


# --------------------------------------------------------------------------- report


def fmt_t(t: float | None) -> str:
    return "–" if t is None else f"{t:.2f}"


def fmt_p(p: float | None) -> str:
    return "–" if p is None else f"{p:.6g}"


def fmt_e(x: float | None) -> str:
    return "–" if x is None else f"{x:.1e}"


def fmt_m(m: float | None) -> str:
    return "–" if m is None else f"{m:.0f}"


def outcome(ok: bool, finished: bool, timed_out: bool) -> str:
    if ok:
        return "ok"
    return "WRONG" if finished else "TIMEOUT" if timed_out else "FAILED"


def status(solved: bool | None, timed_out: bool | None, t: float | None) -> str:
    if solved:
        return fmt_t(t)
    return "timeout" if timed_out else "failed"


def main(argv: list[str] | None = None) -> int:
    import argparse
    import shutil

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--max-order", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--models", help="comma-separated model names (default: all)")
    ap.add_argument("--scram", help="SCRAM executable (default: $SCRAM, else scram on PATH)")
    ap.add_argument("--no-scram", action="store_true")
    ap.add_argument("--json", type=Path, help="write the measurements here")
    ap.add_argument(
        "--repeat", type=int, default=5, help="runs of each tool on short models (median kept)"
    )
    ap.add_argument(
        "--repeat-below", type=float, default=2.0, help="a model is short below these seconds"
    )
    args = ap.parse_args(argv)
    if args.child:
        child(args.child, args.max_order)
        return 0
    # the package's bytecode up to date, as after an install (PYTHONDONTWRITEBYTECODE
    # would otherwise make every child compile the sources again)
    import compileall

    import blackstart

    compileall.compile_dir(Path(blackstart.__file__).parent, quiet=1)

    aralia = validation_dir() / "openpsa" / "Aralia"
    paths = sorted(aralia.glob("*.xml"))
    if args.models:
        wanted = set(args.models.split(","))
        paths = [p for p in paths if p.stem in wanted]
    if not paths:
        print(f"no Aralia models under {aralia}", file=sys.stderr)
        return 2
    refs = references(validation_dir() / "README.md")
    scram = None
    if not args.no_scram:
        scram = args.scram or os.environ.get("SCRAM") or shutil.which("scram")
    load = os.getloadavg()
    print(
        f"# Aralia benchmark: {len(paths)} models, timeout {args.timeout:g} s, L={args.max_order}"
    )
    print(f"# SCRAM: {scram or 'not found (ours only)'}")
    print(f"# load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)

    rows: list[dict[str, Any]] = []
    fails: list[str] = []
    for path in paths:
        name = path.stem
        ref = refs.get(name)
        ours = run_ours(path, args.timeout, args.max_order)
        sc = run_scram(scram, path, args.timeout, args.max_order) if scram else None
        if (
            args.repeat > 1
            and ours.solved
            and ours.run.wall < args.repeat_below
            and (sc is None or (sc.solved and sc.run.wall < args.repeat_below))
        ):  # short runs: the median of several, the two tools in turn
            all_ours, all_sc = [ours], [sc]
            for _ in range(args.repeat - 1):
                all_ours.append(run_ours(path, args.timeout, args.max_order))
                if scram:
                    all_sc.append(run_scram(scram, path, args.timeout, args.max_order))
            ours = median_of(all_ours)
            sc = median_of(all_sc) if scram else None
        rd = ours.stages.get("read", {})
        rel = None
        if ours.p is not None and ref is not None and ref.p is not None:
            rel = abs(ours.p - ref.p) / ref.p if ref.p else abs(ours.p)
            if abs(ours.p - ref.p) > p_tolerance(ref.p, ref.p_text):
                fails.append(f"FAIL {name}: P {ours.p:.9g} vs README {ref.p_text} (rel {rel:.2e})")
        if ours.count is not None and ref is not None and ref.count not in (None, ours.count):
            fails.append(f"FAIL {name}: #MCS {ours.count} vs README {ref.count}")
        if ours.p_only:
            print(f"  {name}: exact P only, cut sets out of reach (a module needed the SDD)")
        elif not ours.solved:
            why = "timeout" if ours.run.timed_out else f"exit {ours.run.returncode}"
            tail = ours.run.err.decode(errors="replace").strip().splitlines()[-1:]
            fails.append(f"FAIL {name}: ours not solved ({why}) {' '.join(tail)}")
        row = {
            "model": name,
            "events": rd.get("events"),
            "gates": rd.get("gates"),
            "tops": rd.get("tops"),
            "ref_events": ref.events if ref else None,
            "ref_gates": ref.gates if ref else None,
            "p": ours.p,
            "ref_p": ref.p if ref else None,
            "ref_p_text": ref.p_text if ref else None,
            "rel_err": rel,
            "count": ours.count,
            "dist": ours.stages.get("mcs", {}).get("dist"),
            "ref_count": ref.count if ref else None,
            "ref_count_text": ref.count_text if ref else None,
            "bdd_nodes": ours.stages.get("prob", {}).get("bdd_nodes"),
            "zbdd_nodes": ours.stages.get("mcs", {}).get("zbdd_nodes"),
            "ours_finished": ours.solved,
            # a wrong answer does not count as solved
            "ours_solved": ours.solved and not any(f.startswith(f"FAIL {name}:") for f in fails),
            "ours_p_only": ours.p_only and not any(f.startswith(f"FAIL {name}:") for f in fails),
            "ours_timed_out": ours.run.timed_out,
            "ours_wall": ours.run.wall,
            "ours_compute": ours.compute,
            "ours_t_prob": ours.t_prob,
            "ours_t_mcs": ours.stages.get("mcs", {}).get("t_mcs"),
            "ours_t_import": rd.get("t_import"),
            "ours_peak_mib": ours.run.peak_mib,
            "ours_prob_peak_mib": ours.stages.get("prob", {}).get("rss_mib"),
            "scram_solved": sc.solved if sc else None,
            "scram_wall": sc.run.wall if sc else None,
            "scram_peak_mib": sc.run.peak_mib if sc else None,
            "scram_p": sc.p if sc else None,
            "scram_count": sc.count if sc else None,
            "scram_timed_out": sc.run.timed_out if sc else None,
        }
        rows.append(row)
        ok = row["ours_solved"]
        ratio = sc.run.wall / ours.run.wall if sc and sc.solved and ok else None
        row["ratio"] = ratio
        row["ratio_compute"] = (
            sc.run.wall / ours.compute if ratio is not None and ours.compute else None
        )
        print(
            f"{name:9s} BE {row['events']} gates {row['gates']} P {fmt_p(ours.p)} "
            f"ref {row['ref_p_text']} rel {fmt_e(rel)} "
            f"#MCS {ours.count} ref {row['ref_count']} | ours "
            f"{'P only' if row['ours_p_only'] else outcome(ok, ours.solved, ours.run.timed_out)} "
            f"{ours.run.wall:.2f} s (P {fmt_t(ours.t_prob)}, MCS {fmt_t(row['ours_t_mcs'])}) "
            f"{ours.run.peak_mib:.0f} MiB"
            + (
                f" | SCRAM {outcome(sc.solved, False, sc.run.timed_out)}"
                f" {sc.run.wall:.2f} s {sc.run.peak_mib:.0f} MiB P {fmt_p(sc.p)} #{sc.count}"
                f" ratio {fmt_t(ratio)}"
                if sc
                else ""
            ),
            flush=True,
        )
        for f in fails:
            if f.startswith(f"FAIL {name}:"):
                print("  " + f, flush=True)

    report(rows, fails, scram is not None)
    load = os.getloadavg()
    print(f"\n# load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


def report(rows: list[dict[str, Any]], fails: list[str], with_scram: bool) -> None:
    print()
    print(
        "| model | #BE | #gates | our P | README P | rel err | our #MCS | README #MCS "
        "| ours s | ours P s | ours MCS s | ours MiB | SCRAM s | SCRAM MiB | SCRAM/ours "
        "| SCRAM/ours in-process |"
    )
    print("|---|" + "---:|" * 15)
    for r in rows:
        ours_s = status(r["ours_solved"], r["ours_timed_out"], r["ours_wall"])
        if r.get("ours_p_only"):
            ours_s = f"P only ({fmt_t(r['ours_wall'])})"
        elif r["ours_finished"] and not r["ours_solved"]:
            ours_s = f"wrong ({fmt_t(r['ours_wall'])})"
        sc_s = (
            status(r["scram_solved"], r["scram_timed_out"], r["scram_wall"]) if with_scram else "–"
        )
        rel = "–" if r["rel_err"] is None else f"{r['rel_err']:.1e}"
        print(
            f"| {r['model']} | {r['events']} | {r['gates']} | {fmt_p(r['p'])} "
            f"| {r['ref_p_text'] or '–'} | {rel} | {r['count'] if r['count'] is not None else '–'} "
            f"| {r['ref_count_text'] or '–'} | {ours_s} "
            f"| {fmt_t(r['ours_t_prob'])} | {fmt_t(r['ours_t_mcs'])} | {r['ours_peak_mib']:.0f} "
            f"| {sc_s} | {fmt_m(r['scram_peak_mib'])} "
            f"| {fmt_t(r['ratio'])} | {fmt_t(r['ratio_compute'])} |"
        )
    n = len(rows)
    ours_solved = sum(bool(r["ours_solved"]) for r in rows)
    p_only = sum(bool(r.get("ours_p_only")) for r in rows)
    exact_p = ours_solved + p_only
    print(f"\nsolved within the timeout: ours {ours_solved}/{n} (exact P {exact_p}/{n})", end="")
    if with_scram:
        both = [r for r in rows if r["ours_solved"] and r["scram_solved"]]
        sc_solved = sum(bool(r["scram_solved"]) for r in rows)
        print(f", SCRAM {sc_solved}/{n}, both {len(both)}")
        t_ours = sum(r["ours_wall"] for r in both)
        t_sc = sum(r["scram_wall"] for r in both)
        m_ours = max((r["ours_peak_mib"] for r in both), default=0.0)
        m_sc = max((r["scram_peak_mib"] for r in both), default=0.0)
        t_in = sum(r["ours_compute"] for r in both)
        total_ratio = t_sc / t_ours if t_ours else math.nan
        print(
            f"totals over the {len(both)} models both solve: ours {t_ours:.2f} s "
            f"(in-process {t_in:.2f} s), SCRAM {t_sc:.2f} s, SCRAM/ours {total_ratio:.2f} "
            f"(in-process {t_sc / t_in if t_in else math.nan:.2f}); "
            f"max peak ours {m_ours:.0f} MiB, SCRAM {m_sc:.0f} MiB"
        )
        slower = [r["model"] for r in both if r["ours_wall"] > r["scram_wall"]]
        slower_in = [r["model"] for r in both if r["ours_compute"] > r["scram_wall"]]
        only_ours = [r["model"] for r in rows if r["ours_solved"] and not r["scram_solved"]]
        only_ours += [f"{r['model']} (P only)" for r in rows if r.get("ours_p_only")]
        only_sc = [r["model"] for r in rows if r["scram_solved"] and not r["ours_solved"]]
        print(f"solved by ours only: {', '.join(only_ours) or '–'}")
        print(f"solved by SCRAM only: {', '.join(only_sc) or '–'}")
        print(f"ours slower than SCRAM on: {', '.join(slower) or '–'}")
        print(f"ours (in-process) slower than SCRAM (whole run) on: {', '.join(slower_in) or '–'}")
        targets = {
            f"all {n} solved": ours_solved == n,
            "each no slower than SCRAM": not slower and not only_sc,
            "total at least 2x faster": total_ratio >= 2.0,
        }
        for k, ok in targets.items():
            print(f"target {k}: {'PASS' if ok else 'FAIL'}")
    else:
        print()
    print(f"\n{len(fails)} FAIL line(s)")
    for f in fails:
        print(f)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:  # the measured process: no argparse to load
        child(sys.argv[2], int(sys.argv[4]) if sys.argv[3:4] == ["--max-order"] else 20)
        sys.exit(0)
    sys.exit(main())
