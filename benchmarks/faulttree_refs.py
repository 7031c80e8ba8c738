"""Helpers of ``bench_faulttree.py``: measured subprocesses, the validation README's
reference values, and SCRAM's XML report.

- :func:`measured`: a command in its own session, killed after a timeout, with its own
  peak RSS (``os.wait4``) and the first bytes of its output.
- :func:`references`: section B of the validation README (the Aralia set).
- :func:`scram_report`: what SCRAM 0.16.2 writes before its product list, read from the
  *beginning* of its report (a run killed while listing products has written it
  already). Per SCRAM's report schema (``share/report.rng``: ``report/information/
  performance/calculation-time`` with the optional ``products``, ``probability``,
  ``importance`` and ``uncertainty`` elements, seconds as doubles; then
  ``report/results/sum-of-products`` with the ``products`` and ``probability``
  attributes), written by ``Reporter::ReportPerformance`` and ``ReportResults``
  (``src/reporter.cc``). SCRAM's *analysis* time is the sum of those calculation times:
  preprocessing, BDD, products and probability, without reading the model or writing the
  report.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIB = 1024.0  # ru_maxrss is in KiB on Linux


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
class ScramReport:
    """The head of one SCRAM report (None where it was not written)."""

    analysis: float | None
    """Seconds: the sum of every ``calculation-time`` child (products, probability...)."""
    products_time: float | None
    probability_time: float | None
    p: float | None
    count: int | None


def scram_report(head: str) -> ScramReport:
    """Read SCRAM's own timing, probability and product count from the start of its
    report (``head``: the first bytes, possibly cut anywhere after them)."""
    perf = re.search(r"<performance>(.*?)</performance>", head, re.S)
    times: dict[str, float] = {}
    if perf:
        for block in re.findall(r"<calculation-time\b[^>]*>(.*?)</calculation-time>",
                                perf.group(1), re.S):  # fmt: skip
            for tag, value in re.findall(r"<([a-z-]+)>\s*([^<\s]+)\s*</\1>", block):
                times[tag] = times.get(tag, 0.0) + float(value)
    p = count = None
    if m := re.search(r"<sum-of-products\b[^>]*>", head):
        if pm := re.search(r'\bprobability="([^"]+)"', m.group(0)):
            p = float(pm.group(1))
        if cm := re.search(r'\bproducts="(\d+)"', m.group(0)):
            count = int(cm.group(1))
    return ScramReport(
        analysis=sum(times.values()) if times else None,
        products_time=times.get("products"),
        probability_time=times.get("probability"),
        p=p,
        count=count,
    )


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
