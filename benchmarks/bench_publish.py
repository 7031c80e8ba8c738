"""Benchmark: publishing the off-site status snapshot after an update.

In one process, on the example model with its ``colo-power-cut`` incident declared now
(real clock) in a SQLite store in a temporary folder:

1. Baseline: rendering ``/status`` and ``/status.json`` from a fresh payload (the cache
   dropped, as after an update): :meth:`IncidentService.status_pages`.
2. Snapshot: building the seven files (``index.html``, ``index.en.html``,
   ``status.json``, ``status.atom``, and the 90-day history ``history.html``,
   ``history.en.html``, ``history.json``) from a fresh payload and publishing them
   atomically to a directory. A scheduled maintenance window is declared too, so the
   pages carry one.
3. After an update: an operator drafts a message (a committed change); the background
   publisher (as ``serve --publish-to``) republishes; the time from the change's return
   to the files in place.
4. With ``--sftp URL``, the same as 2 to an SFTP target.

Target (issue #18): publishing a snapshot after an update under 1 s. Median and maximum
over ``--repeat`` runs; the ratio is to the baseline's median.

Run: ``.venv/bin/python benchmarks/bench_publish.py [--repeat 20] [--sftp sftp://…]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import blackstart.api as bs
from blackstart.store.incidents import IncidentStore
from blackstart.web.board import IncidentService
from blackstart.web.dashboard import Dashboard
from blackstart.web.maintenance import declare as declare_window
from blackstart.web.publish import DirectoryTarget, Target, attach, parse_target, publish
from blackstart.web.status_history import history
from blackstart.web.status_public import snapshot


def _times(repeat: int, action: Callable[[], object]) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        action()
        out.append(time.perf_counter() - t0)
    return out


def _row(label: str, times: list[float], base: float) -> str:
    med = statistics.median(times)
    return f"| {label} | {med * 1000:.1f} | {max(times) * 1000:.1f} | {med / base:.2f} |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--sftp", default=None, help="an sftp:// target to time as well")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        dash = Dashboard.open(bs.example_path(), f"sqlite:///{Path(tmp) / 'bench.db'}")
        svc = IncidentService(dash, IncidentStore(dash.store))
        row = svc.declare(
            "bench",
            title="bench",
            scenario="colo-power-cut",
            fail=[],
            start=None,
            failure_end=None,
            drill=False,
            clock="real",
        )

        soon = datetime.now(UTC) + timedelta(days=2)
        declare_window(
            svc,
            "bench",
            name="bench window",
            message="",
            scenario="secondary-dc-power-cut",
            start=soon.isoformat(timespec="minutes"),
            end=(soon + timedelta(hours=4)).isoformat(timespec="minutes"),
        )

        def fresh() -> None:
            svc._status = None  # as after an update

        def render_status() -> None:
            fresh()
            svc.status_pages()

        def publish_to(target: Target) -> Callable[[], None]:
            def run() -> None:
                fresh()
                publish(snapshot(svc.public_status(), svc.tz, history(svc, fresh=True)), target)

            return run

        render_status()  # warm the templates
        base = _times(args.repeat, render_status)
        b = statistics.median(base)
        rows = [_row("render /status + /status.json (baseline)", base, b)]
        directory = DirectoryTarget(Path(tmp) / "out")
        rows.append(_row("snapshot to a directory", _times(args.repeat, publish_to(directory)), b))
        if args.sftp:
            target = parse_target(args.sftp)
            rows.append(_row("snapshot over SFTP", _times(args.repeat, publish_to(target)), b))
        publisher = attach(svc, DirectoryTarget(Path(tmp) / "live"))
        publisher.flush()
        after = []
        for i in range(args.repeat):
            svc.draft(row.id, "bench", f"update {i}")
            t0 = time.perf_counter()
            assert publisher.flush(timeout=30)
            after.append(time.perf_counter() - t0)
        rows.append(_row("after an update (change → files in place)", after, b))
        publisher.close()
        dash.close()
    print(f"load average: {os.getloadavg()[0]:.1f}; repeat {args.repeat}")
    print("| step | median ms | max ms | ratio to baseline |")
    print("|---|---|---|---|")
    print("\n".join(rows))
    worst = max(after)
    print(
        f"target: after an update under 1 s — max {worst:.3f} s: {'met' if worst < 1 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
