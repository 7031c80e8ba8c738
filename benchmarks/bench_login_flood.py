"""Benchmark: a flood of failed logins from new names against a real server, while the
public status page is loaded and an operator updates an incident (issue 17, finding 1).

Against a real ``blackstart serve`` subprocess (uvicorn, one worker) on a SQLite store in
a temporary folder, with the example model and its ``colo-power-cut`` incident declared:

1. Baseline, no flood: ``GET /status`` offered at ``--rate`` (500/s) for ``--seconds``
   from a second process (the open-loop generator of ``bench_status.py``), while an
   operator (this process) marks one task after another (each ``POST …/events`` stores
   the mark and re-forecasts before it answers).
2. The same, with a third process offering ``--flood`` (50/s) failed logins, each with a
   new name (``POST /login`` with a double-submit token of its own, as a script would),
   open loop over 16 keep-alive connections.

Printed: /status achieved rate and latency P50/P99 in both runs and their ratio; the
operator's update times (median, max) and their ratio; the flood's outcomes (401 checked
and wrong, 429 budget spent, 503 hash pool full) and latencies; the server's resident
memory (peak, from ``/proc/PID/status`` VmHWM) before and after the flood.

Targets: /status holds 500 requests/s under the flood, the operator's update answers in
under 1 s, the server stays under 600 MiB.

Run: ``.venv/bin/python benchmarks/bench_login_flood.py`` (``--seconds 5`` for a short
run). The load average is printed: the machine may be shared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from bench_status import BIN, Operator, _free_port, _login, run_load

PASSWORD = "olga keeps the lab running"


# --------------------------------------------------------------------------- flood process


async def _flood(url: str, rate: float, seconds: float, connections: int) -> dict[str, Any]:
    """Failed logins with new names, open loop: request ``i`` is due at ``i / rate``."""
    parsed = httpx.URL(url)
    host, port = parsed.host, parsed.port or 80
    queue: asyncio.Queue[float | None] = asyncio.Queue()
    codes: Counter[int] = Counter()
    latencies: list[float] = []

    def request() -> bytes:
        token = secrets.token_urlsafe(32)
        body = (
            f"name=flood-{secrets.token_hex(8)}&password=guess-{secrets.token_hex(4)}"
            f"&csrf_token={token}"
        ).encode()
        return (
            f"POST /login HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Cookie: blackstart_login_csrf={token}\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        while (due := await queue.get()) is not None:
            try:
                writer.write(request())
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(re.search(rb"content-length: *(\d+)", head, re.I)[1])  # type: ignore[index]
                await reader.readexactly(length)
                codes[int(head[9:12])] += 1
                latencies.append(time.perf_counter() - due)
                if re.search(rb"connection: *close", head, re.I):
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
            except (OSError, asyncio.IncompleteReadError, TypeError, ValueError):
                codes[0] += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
        writer.close()

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    start = time.perf_counter()
    n = int(rate * seconds)
    for i in range(n):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait(due)
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    wall = time.perf_counter() - start
    lat = sorted(latencies)
    return {
        "sent": n,
        "answered_per_s": len(lat) / wall,
        "codes": dict(codes),
        "p50_ms": 1000 * lat[len(lat) // 2] if lat else float("nan"),
        "p99_ms": 1000 * lat[int(len(lat) * 0.99)] if lat else float("nan"),
    }


def start_flood(url: str, rate: float, seconds: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--flood-at",
            url,
            "--flood",
            str(rate),
            "--seconds",
            str(seconds),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )


# --------------------------------------------------------------------------- measuring


def memory_mib(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) of process ``pid`` in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def phase(
    base: str,
    c: httpx.Client,
    csrf: str,
    iid: int,
    tasks: list[str],
    args: argparse.Namespace,
    flood: bool,
) -> dict[str, Any]:
    """One run: status load + operator updates (+ the flood)."""
    flooder = start_flood(base, args.flood, args.seconds + 2) if flood else None
    if flooder:
        time.sleep(2.0)  # the flood is under way before anything is measured
    op = Operator(c, csrf, iid, tasks)
    op.start()
    status = run_load(base + "/status", args.rate, args.seconds, args.connections)
    op.stop.set()
    op.join()
    result: dict[str, Any] = {"status": status, "updates": op.times}
    if flooder:
        out, _ = flooder.communicate(timeout=args.seconds * 10 + 60)
        result["flood"] = json.loads(out)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood-at", help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, default=500.0, help="/status requests per second")
    parser.add_argument("--flood", type=float, default=50.0, help="failed logins per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if args.flood_at:
        result = asyncio.run(_flood(args.flood_at, args.flood, args.seconds, 16))
        sys.stdout.write(json.dumps(result) + "\n")
        return
    print(f"load average: {os.getloadavg()}")
    tmp = Path(tempfile.mkdtemp())
    db = f"sqlite:///{tmp / 'bench.db'}"
    subprocess.run(
        [str(BIN), "user", "add", "olga", "--role", "operator", "--db", db, "--password-stdin"],
        input=PASSWORD + "\n",
        text=True,
        check=True,
    )
    import bench_status

    bench_status.PASSWORD = PASSWORD
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp / "server.log").open("wb")
    import blackstart.api as bs

    server = subprocess.Popen(
        [str(BIN), "serve", str(bs.example_path()), "--db", db, "--port", str(port)],
        stdout=log,
        stderr=log,
    )
    try:
        for _ in range(600):
            try:
                if httpx.get(base + "/status.json").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        c = httpx.Client(base_url=base, timeout=60)
        csrf = _login(c)
        r = c.post(
            "/api/incidents",
            headers={"x-csrf-token": csrf},
            json={"title": "bench", "scenario": "colo-power-cut"},
        )
        assert r.status_code == 201, r.text
        board = r.json()
        iid, tasks = board["incident"]["id"], [t["id"] for t in board["tasks"]]
        half = len(tasks) // 2
        quiet = phase(base, c, csrf, iid, tasks[:half], args, flood=False)
        mem_before = memory_mib(server.pid)
        flooded = phase(base, c, csrf, iid, tasks[half:], args, flood=True)
        mem_after = memory_mib(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    def row(name: str, d: dict[str, Any]) -> str:
        return (
            f"{name:<28} {d['achieved_per_s']:6.0f}/s  errors {d['errors']:4d}  "
            f"p50 {d['p50_ms']:6.1f} ms  p99 {d['p99_ms']:7.1f} ms"
        )

    def stats(xs: list[float]) -> str:
        if not xs:
            return "no update"
        med, top = statistics.median(xs) * 1000, max(xs) * 1000
        return f"median {med:5.0f} ms, max {top:5.0f} ms ({len(xs)})"

    qs, fs = quiet["status"], flooded["status"]
    print(
        f"\nGET /status offered {args.rate:.0f}/s for {args.seconds:.0f} s; "
        f"flood {args.flood:.0f} failed logins/s"
    )
    print(row("baseline (no flood)", qs))
    print(row("under the login flood", fs))
    print(f"ratio (flood / baseline): {fs['achieved_per_s'] / qs['achieved_per_s']:.2f}")
    print("\noperator task updates (POST /events: store + re-forecast)")
    print(f"  baseline:          {stats(quiet['updates'])}")
    print(f"  under the flood:   {stats(flooded['updates'])}")
    if quiet["updates"] and flooded["updates"]:
        ratio = statistics.median(flooded["updates"]) / statistics.median(quiet["updates"])
        print(f"  ratio of medians (flood / baseline): {ratio:.2f}")
    fl = flooded["flood"]
    print(
        f"\nflood: {fl['sent']} failed logins offered, answered {fl['answered_per_s']:.0f}/s, "
        f"outcomes {dict(sorted(fl['codes'].items()))} "
        f"(401 checked, 429 budget spent, 503 hash pool full, 0 connection error), "
        f"p50 {fl['p50_ms']:.0f} ms, p99 {fl['p99_ms']:.0f} ms"
    )
    print(
        f"server memory: {mem_before[0]:.0f} MiB before the flood, {mem_after[0]:.0f} MiB after, "
        f"peak {mem_after[1]:.0f} MiB (ratio after / before {mem_after[0] / mem_before[0]:.2f})"
    )
    held = fs["achieved_per_s"] >= 0.95 * args.rate and fs["errors"] == 0
    worst = max(flooded["updates"], default=float("inf"))
    print(f"\ntarget /status {args.rate:.0f}/s under the flood: {'yes' if held else 'NO'}")
    print(
        f"target operator update < 1 s under the flood: {'yes' if worst < 1.0 else 'NO'} "
        f"(worst {worst * 1000:.0f} ms)"
    )
    print(
        f"target server < 600 MiB: {'yes' if mem_after[1] < 600 else 'NO'} "
        f"(peak {mem_after[1]:.0f} MiB)"
    )
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
