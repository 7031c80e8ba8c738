"""Benchmark: the public status page under load while an operator updates the incident, and
the re-forecast after a task update.

Measures, against a real ``blackstart serve`` subprocess (uvicorn, one worker) on a SQLite
store in a temporary folder, with the example model and its ``colo-power-cut`` incident
declared two days ago on the real clock:

1. Baseline: ``GET /status`` at a bounded rate (``--rate``, default 500 requests/s) for
   ``--seconds`` from a second process (this script with ``--load``: an open-loop
   generator in Python, asyncio streams speaking HTTP/1.1 over ``--connections``
   keep-alive connections; request ``i`` is due at ``i / rate`` whatever the replies and
   its latency counts from then, so a slow server shows as a lower achieved rate and
   longer latencies, not as a politer client). An httpx ``AsyncClient`` generator is
   kept (``--compare-httpx``, ``--client httpx``): on this machine it tops out near
   50 requests/s, far below the server; ``wrk`` is not installed.
2. The same load while an operator (this process) marks one task done after another
   (each ``POST /api/incidents/{id}/events`` re-forecasts before it answers). Reported:
   achieved rate, latency P50/P99, errors, and its ratio to the baseline.
3. Re-forecast after a task update: the operator's request times (store write +
   1,000-run forecast conditioned on every event + answer), median and maximum, against
   the same update with nobody loading the status page, and against a from-scratch
   ``blackstart forecast`` (10,000 runs) in this process as a reference.

Targets (issue #6): /status holds 500 requests/s while an operator updates the incident;
re-forecast after a task update under 1 s on the example.

Run: ``.venv/bin/python benchmarks/bench_status.py`` (``--seconds 5`` for a short run).
The load average is printed: the machine may be shared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

BIN = Path(sys.executable).parent / "blackstart"
PASSWORD = "bench-password-1"


# --------------------------------------------------------------------------- load process


async def _load_httpx(url: str, rate: float, seconds: float, connections: int) -> dict[str, Any]:
    """httpx ``AsyncClient``: one task per request (kept for comparison: on this machine
    the client, not the server, is the limit)."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(limits=limits, timeout=10.0) as client:

        async def one(due: float) -> None:
            nonlocal errors
            try:
                r = await client.get(url)
                ok = r.status_code == 200 and b"Service status" in r.content
            except httpx.HTTPError:
                ok = False
            if ok:
                latencies.append(time.perf_counter() - due)
            else:
                errors += 1

        tasks = []
        start = time.perf_counter()
        n = int(rate * seconds)
        for i in range(n):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(due)))
        await asyncio.gather(*tasks)
        wall = time.perf_counter() - start
    return _summary(n, latencies, errors, wall)


async def _load_raw(url: str, rate: float, seconds: float, connections: int) -> dict[str, Any]:
    """asyncio streams speaking HTTP/1.1 keep-alive over ``connections`` sockets. Open
    loop: request ``i`` is due at ``i / rate``; its latency counts from when it was due, so
    time spent queued behind a slow server is counted (no coordinated omission)."""
    parsed = httpx.URL(url)
    host, port, path = parsed.host, parsed.port or 80, parsed.raw_path.decode()
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    queue: asyncio.Queue[float | None] = asyncio.Queue()
    latencies: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        while (due := await queue.get()) is not None:
            try:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(re.search(rb"content-length: *(\d+)", head, re.I)[1])  # type: ignore[index]
                body = await reader.readexactly(length)
                ok = head.startswith(b"HTTP/1.1 200") and b"Service status" in body
            except (OSError, asyncio.IncompleteReadError, TypeError):
                ok = False
            if ok:
                latencies.append(time.perf_counter() - due)
            else:
                errors += 1
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
    return _summary(n, latencies, errors, time.perf_counter() - start)


def _summary(n: int, latencies: list[float], errors: int, wall: float) -> dict[str, Any]:
    lat = sorted(latencies)
    return {
        "sent": n,
        "ok": len(lat),
        "errors": errors,
        "wall_s": wall,
        "achieved_per_s": len(lat) / wall,
        "p50_ms": 1000 * lat[len(lat) // 2] if lat else float("nan"),
        "p99_ms": 1000 * lat[int(len(lat) * 0.99)] if lat else float("nan"),
    }


def load_main(args: argparse.Namespace) -> None:
    load = _load_raw if args.client == "raw" else _load_httpx
    result = asyncio.run(load(args.load, args.rate, args.seconds, args.connections))
    sys.stdout.write(json.dumps(result) + "\n")


def run_load(
    url: str, rate: float, seconds: float, connections: int, client: str = "raw"
) -> dict[str, Any]:
    """The load generator in a second process; its JSON result."""
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--load",
            url,
            "--rate",
            str(rate),
            "--seconds",
            str(seconds),
            "--connections",
            str(connections),
            "--client",
            client,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds * 10 + 60,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


# --------------------------------------------------------------------------- operator


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _login(c: httpx.Client) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    assert token
    r = c.post("/login", data={"name": "olga", "password": PASSWORD, "csrf_token": token[1]})
    assert r.status_code == 303, r.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/incidents").text)
    assert found
    return found[1]


class Operator(threading.Thread):
    """Marks one task done after another until stopped; times each update."""

    def __init__(self, c: httpx.Client, csrf: str, iid: int, tasks: list[str]) -> None:
        super().__init__(daemon=True)
        self.c, self.csrf, self.iid, self.tasks = c, csrf, iid, tasks
        self.stop = threading.Event()
        self.times: list[float] = []

    def run(self) -> None:
        for task in self.tasks:
            if self.stop.is_set():
                return
            t = time.perf_counter()
            r = self.c.post(
                f"/api/incidents/{self.iid}/events",
                json={"task": task, "kind": "done"},
                headers={"x-csrf-token": self.csrf},
            )
            assert r.status_code == 201, r.text
            self.times.append(time.perf_counter() - t)


def _updates(c: httpx.Client, csrf: str, iid: int, tasks: list[str]) -> list[float]:
    op = Operator(c, csrf, iid, tasks)
    op.run()
    return op.times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw")
    parser.add_argument(
        "--compare-httpx", action="store_true", help="Also offer 3 s of load with httpx."
    )
    args = parser.parse_args()
    if args.load:
        load_main(args)
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
        start = datetime.now(UTC) - timedelta(days=2)
        t = time.perf_counter()
        r = c.post(
            "/api/incidents",
            headers={"x-csrf-token": csrf},
            json={
                "title": "bench",
                "scenario": "colo-power-cut",
                "start": start.isoformat(),
                "failure_end": (start + timedelta(hours=3.5)).isoformat(),
            },
        )
        declare_s = time.perf_counter() - t
        assert r.status_code == 201, r.text
        board = r.json()
        iid = board["incident"]["id"]
        tasks = [t["id"] for t in board["tasks"]]
        print(f"declare (plan + first forecast): {declare_s * 1000:.0f} ms")

        # 3a. re-forecast with nobody loading the status page
        quiet = _updates(c, csrf, iid, tasks[:10])
        # 1. baseline load
        base_load = run_load(base + "/status", args.rate, args.seconds, args.connections)
        httpx_load = (
            run_load(base + "/status", args.rate, 3, args.connections, "httpx")
            if args.compare_httpx
            else None
        )
        # 2. load while the operator updates
        op = Operator(c, csrf, iid, tasks[10:])
        op.start()
        busy_load = run_load(base + "/status", args.rate, args.seconds, args.connections)
        op.stop.set()
        op.join()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    # 3b. reference: a from-scratch 10,000-run forecast in this process
    from blackstart import planning

    m = bs.load(bs.example_path())
    ctx = planning.context(m, "colo-power-cut")
    planning.run_forecast(m, "colo-power-cut", runs=100, ctx=ctx)  # warm-up (numba)
    t = time.perf_counter()
    planning.run_forecast(m, "colo-power-cut", runs=10_000, ctx=ctx)
    full_s = time.perf_counter() - t

    def row(name: str, d: dict[str, Any]) -> str:
        return (
            f"{name:<34} {d['achieved_per_s']:8.0f}/s  ok {d['ok']:6d}  errors "
            f"{d['errors']:4d}  p50 {d['p50_ms']:6.1f} ms  p99 {d['p99_ms']:7.1f} ms"
        )

    print(
        f"\nGET /status, offered {args.rate:.0f}/s for {args.seconds:.0f} s over "
        f"{args.connections} connections "
        "(load from a second process: asyncio streams, HTTP/1.1 keep-alive)"
    )
    print(row("baseline (no operator)", base_load))
    if httpx_load is not None:
        print(row("baseline, httpx AsyncClient load", httpx_load))
    print(row("while an operator updates", busy_load))
    ratio = busy_load["achieved_per_s"] / base_load["achieved_per_s"]
    print(
        f"ratio (busy / baseline): {ratio:.2f}; operator updates during the load: {len(op.times)}"
    )
    # every request answered, and all of them within 5 % of the offered time
    held = busy_load["achieved_per_s"] >= 0.95 * args.rate and busy_load["errors"] == 0
    print(f"target {args.rate:.0f}/s held while updating: {'yes' if held else 'NO'}")

    def stats(xs: list[float]) -> str:
        return f"median {statistics.median(xs) * 1000:.0f} ms, max {max(xs) * 1000:.0f} ms"

    print("\nre-forecast after a task update (POST /events: store + 1,000-run forecast)")
    print(f"  no load:            {stats(quiet)} over {len(quiet)} updates")
    if op.times:
        print(
            f"  under status load:  {stats(op.times)} over {len(op.times)} updates "
            f"(ratio of medians {statistics.median(op.times) / statistics.median(quiet):.2f})"
        )
    print(
        f"  reference: from-scratch 10,000-run forecast in-process {full_s * 1000:.0f} ms "
        f"(update / reference {statistics.median(quiet) / full_s:.2f})"
    )
    worst = max(quiet + op.times)
    print(f"target < 1 s: {'yes' if worst < 1.0 else 'NO'} (worst {worst * 1000:.0f} ms)")
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
