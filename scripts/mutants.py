"""Targeted mutation check of the forecast's statistics.

Each mutant is one exact text substitution (file, old snippet, new snippet) in the
forecast, duration, planning, recovery or scheduling code: the kind of mistake that
leaves every number plausible (a "P80" that is a P70, a ``p90:`` read as a P95, a
triangular mode moved to the midpoint, …). For each mutant the script copies
``src/`` into a temporary directory, applies the substitution there (never to the
working tree), and runs the statistical tests (``tests/engine/test_forecast_oracles.py``)
with ``PYTHONPATH`` pointing at the copy. A mutant is *killed* when the tests fail.

The unmutated copy runs first and must pass, and the copy must be the code the tests
import, so a kill always means the tests saw the mistake. A snippet that is no longer in
its file is an error (exit 2): update the mutant with the code.

Usage::

    python scripts/mutants.py [--jobs N] [--only NAME …] [--json]

Exit status: 0 every mutant killed, 1 some survived, 2 the check itself could not run.
The score is reported in ``docs/forecast-accuracy.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
TESTS = ("tests/engine/test_forecast_oracles.py",)


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str
    """Path under ``src/blackstart``."""
    old: str
    new: str
    what: str


MUTANTS: tuple[Mutant, ...] = (
    Mutant("quantile-levels", "engine/forecast.py",
           "QUANTILES = (0.5, 0.8, 0.95)", "QUANTILES = (0.5, 0.7, 0.9)",
           "function bands at P50/P70/P90 instead of P50/P80/P95"),
    Mutant("band-levels", "planning.py",
           "qs = np.quantile(values, QUANTILES)",
           "qs = np.quantile(values, (0.5, 0.7, 0.9))",
           "tier and everything bands at P50/P70/P90"),
    Mutant("z90-is-z95", "engine/durations.py",
           "Z90 = 1.2815515655446004", "Z90 = 1.6448536269514722",
           "a lognormal's p90 read as its 95th percentile"),
    Mutant("holds-for-halved", "planning.py",
           "dm.holds_for / 60", "dm.holds_for / 120",
           "degraded mode's holds_for halved in the exhaustion probability"),
    Mutant("triangular-midpoint", "engine/durations.py",
           "lo, mode, hi = a[tri], b[tri], c[tri]",
           "lo, mode, hi = a[tri], (a[tri] + c[tri]) / 2, c[tri]",
           "triangular mode forced to the midpoint"),
    Mutant("restore-never", "model/recovery.py",
           'task_prob.append(rec.restart_fails if action == "restore" else 1.0)',
           'task_prob.append(0.0 if action == "restore" else 1.0)',
           "restart-failure probability ignored: no restore ever"),
    Mutant("restore-always", "model/recovery.py",
           'task_prob.append(rec.restart_fails if action == "restore" else 1.0)',
           "task_prob.append(1.0)",
           "restart_fails ignored: a restore after every restart"),
    Mutant("round-down", "engine/durations.py",
           "np.ceil(np.maximum(x, 0.0) - 1e-9)", "np.floor(np.maximum(x, 0.0) + 1e-9)",
           "durations rounded down instead of up to the minute"),
    Mutant("weekend-staffed", "model/recovery.py",
           "spans = [(midnight, next_midnight, team.weekend.on_call, True)]",
           "spans = [(midnight, next_midnight, team.weekday.people, False)]",
           "calendar ignored at weekends: weekday staff every day"),
    Mutant("rto-inclusive", "engine/forecast.py",
           "p = (self.back > limits[None, :]).mean(axis=0)",
           "p = (self.back >= limits[None, :]).mean(axis=0)",
           "back exactly at the RTO counted as a breach"),
    Mutant("conditioning-ignored", "engine/durations.py",
           "u[:, running] = floor[running] + u[:, running] * (1 - floor[running])",
           "u[:, running] = u[:, running]",
           "a step in progress drawn afresh, not from its tail (only floored)"),
    Mutant("triangular-cdf-midpoint", "engine/durations.py",
           "lo, mode, hi, xt = a[tri], b[tri], c[tri], x[..., tri]",
           "lo, mode, hi, xt = a[tri], (a[tri] + c[tri]) / 2, c[tri], x[..., tri]",
           "triangular CDF (conditioning on progress) with the mode at the midpoint"),
    Mutant("queue-off-by-one", "engine/schedule.py",
           "for x in range(m, f):\n                    rem[team, x] -= 1\n"
           "                if first != m:",
           "for x in range(m, f - 1):\n                    rem[team, x] -= 1\n"
           "                if first != m:",
           "a booked person freed one minute early (queue off by one)"),
)  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    name: str
    status: str
    """``killed``, ``survived`` or ``error`` (the copy did not run)."""
    seconds: float
    detail: str


def _copy_src(dest: Path) -> Path:
    """Copy ``src/`` with modification times (numba's on-disk cache stays valid for
    every file a mutant leaves alone)."""
    target = dest / "src"
    shutil.copytree(SRC, target, ignore=shutil.ignore_patterns("*.egg-info"))
    return target


def _apply(src: Path, m: Mutant) -> None:
    path = src / "blackstart" / m.file
    text = path.read_text("utf-8")
    count = text.count(m.old)
    if count != 1:
        raise SnippetError(
            f"mutant {m.name}: snippet found {count} times in src/blackstart/{m.file} "
            f"(expected once): {m.old!r}"
        )
    path.write_text(text.replace(m.old, m.new), "utf-8")


def check_snippets(mutants: list[Mutant] | tuple[Mutant, ...] = MUTANTS) -> None:
    """Each mutant's snippet is in the working tree's file exactly once
    (``SnippetError`` otherwise). Nothing is written."""
    for m in mutants:
        count = (SRC / "blackstart" / m.file).read_text("utf-8").count(m.old)
        if count != 1:
            raise SnippetError(
                f"mutant {m.name}: snippet found {count} times in src/blackstart/{m.file} "
                f"(expected once): {m.old!r}"
            )


class SnippetError(Exception):
    """A mutant's snippet is no longer (or not uniquely) in its file."""


def _env(src: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _run_tests(src: Path) -> tuple[int, str]:
    probe = subprocess.run(
        [sys.executable, "-c", "import blackstart; print(blackstart.__file__)"],
        env=_env(src), cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if not probe.stdout.strip().startswith(str(src)):
        return 2, f"the tests would import {probe.stdout.strip()!r}, not the copy {src}"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *TESTS],
        env=_env(src), cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    tail = [ln for ln in proc.stdout.splitlines() if ln.startswith(("FAILED", "ERROR"))]
    return proc.returncode, (tail[0] if tail else proc.stdout.strip().splitlines()[-1])[:200]


def run_mutant(m: Mutant | None) -> Outcome:
    """Run the tests on a copy of ``src`` with mutant ``m`` applied (None: unmutated)."""
    t = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="blackstart-mutant-") as tmp:
        src = _copy_src(Path(tmp))
        if m is not None:
            _apply(src, m)
        rc, detail = _run_tests(src)
    status = {0: "survived", 1: "killed"}.get(rc, "error")
    return Outcome(m.name if m else "(none)", status, time.perf_counter() - t, detail)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=1, help="mutants run at once (default 1)")
    ap.add_argument("--only", nargs="*", default=None, help="mutant names to run")
    ap.add_argument("--json", action="store_true", help="print the outcomes as JSON")
    args = ap.parse_args(argv)
    mutants = [m for m in MUTANTS if args.only is None or m.name in args.only]
    try:
        check_snippets(mutants)  # every snippet exists, before any run
    except SnippetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    base = run_mutant(None)
    if base.status != "survived":
        print(f"error: the unmutated code fails the tests: {base.detail}", file=sys.stderr)
        return 2
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outcomes = list(pool.map(run_mutant, mutants))
    killed = sum(o.status == "killed" for o in outcomes)
    if args.json:
        print(json.dumps({"killed": killed, "mutants": len(outcomes),
                          "outcomes": [o.__dict__ for o in outcomes]}, indent=2))  # fmt: skip
    else:
        for m, o in zip(mutants, outcomes, strict=True):
            print(f"{o.status:8} {o.seconds:5.1f}s  {m.name:20} {m.what}")
            print(f"         {o.detail}")  # the first failing test, or why not
        print(f"mutation score: {killed}/{len(outcomes)} killed "
              f"({time.perf_counter() - t0:.0f} s, baseline {base.seconds:.0f} s)")  # fmt: skip
    if any(o.status == "error" for o in outcomes):
        return 2
    return 0 if killed == len(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
