"""Benchmark: exact top probability with the SDD fallback, against the BDDs alone.

Target (issue #4): das9701's exact probability within 60 s. For each model (default
das9701 and the five Aralia trees whose modules reach the second BDD budget round:
cea9601, edf9203, edf9204, edfpa14b, edfpa14o), in one subprocess per (model, mode) with a
``--timeout`` (60 s): the model read (:func:`blackstart.io.mef.read_mef`), then
:func:`blackstart.engine.modular.compile_modules` with ``probability_only=True`` (the
SDD of :mod:`blackstart.engine.sdd` for a module whose first BDD round is slow and
fails) and,
as the baseline, the default BDD-only mode. Prints each time, the probability checked
against the validation README's exact value (within half a unit of its last printed
digit), and the ratio of the two modes' times (``>`` when the baseline timed out).

Run: ``.venv/bin/python benchmarks/bench_sdd.py [--models das9701,edf9203]
[--timeout 60]``; needs the validation data (``$BLACKSTART_VALIDATION``, default
``../shared/validation`` beside the repository).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OPENPSA = Path(os.environ.get("BLACKSTART_VALIDATION", REPO / ".." / "shared" / "validation"))
ARALIA = OPENPSA / "openpsa" / "Aralia"
REFERENCE = {
    "das9701": "7.44694E-02",
    "cea9601": "1.48409E-03",
    "edf9203": "5.99589E-01",
    "edf9204": "5.25374E-01",
    "edfpa14b": "2.95620E-01",
    "edfpa14o": "2.97057E-01",
}
"""Exact P of the validation README, section B (as printed)."""

CHILD = """
import sys, time
t = time.perf_counter()
from blackstart.io.mef import read_mef
from blackstart.engine.modular import compile_modules
tree = read_mef([sys.argv[1]])
m = compile_modules(tree, tree.tops[0], probability_only=sys.argv[2] == "sdd")
print(repr(m.probability), sum(b is None for b in m.bdds), time.perf_counter() - t)
"""


def run(model: str, mode: str, timeout: float) -> tuple[float, float | None, int]:
    """Wall time, probability (None on timeout) and number of SDD modules."""
    start = time.perf_counter()
    try:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(ARALIA / f"{model}.xml"), mode],
            capture_output=True, text=True, timeout=timeout, check=True,
        ).stdout.split()  # fmt: skip
    except subprocess.TimeoutExpired:
        return time.perf_counter() - start, None, 0
    return time.perf_counter() - start, float(out[0]), int(out[1])


def agrees(p: float, printed: str) -> bool:
    """``p`` rounds to the printed reference (half a unit of its last digit)."""
    mantissa, exponent = printed.upper().split("E")
    unit = 10.0 ** (int(exponent) - (len(mantissa.split(".")[1]) if "." in mantissa else 0))
    return abs(p - float(printed)) <= unit / 2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(REFERENCE))
    ap.add_argument("--timeout", type=float, default=60.0)
    args = ap.parse_args()
    if not ARALIA.is_dir():
        sys.exit(f"Aralia models not found at {ARALIA} (set BLACKSTART_VALIDATION)")
    print("| model | SDD mode s | SDD modules | P | reference | BDD-only s | ratio |")
    print("|---|---|---|---|---|---|---|")
    for model in args.models.split(","):
        t_sdd, p, n_sdd = run(model, "sdd", args.timeout)
        t_bdd, p_bdd, _ = run(model, "bdd", args.timeout)
        ref = REFERENCE.get(model, "?")
        ok = p is not None and (ref == "?" or agrees(p, ref))
        ratio = f"{t_bdd / t_sdd:.2f}" if p_bdd is not None else f"> {t_bdd / t_sdd:.2f}"
        shown = "timeout" if p is None else f"{p:.6e}"
        bdd_time = f"{t_bdd:.1f}" if p_bdd is not None else f"timeout ({t_bdd:.0f})"
        print(f"| {model} | {t_sdd:.1f} | {n_sdd} | {shown} | {ref} | {bdd_time} | {ratio} |")
        if not ok:
            print(f"FAIL {model}: {shown} vs {ref}")


if __name__ == "__main__":
    main()
