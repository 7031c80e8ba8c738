"""Killing the server mid-incident (SIGKILL, no shutdown) and restarting it loses nothing
that was acknowledged: a real ``blackstart serve`` subprocess on a SQLite file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

import blackstart.api as bs
from tests.web._board import declare, login

BIN = Path(sys.executable).parent / "blackstart"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _server(db: str, port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [str(BIN), "serve", str(bs.example_path()), "--db", db, "--port", str(port)],
            stdout=out,
            stderr=out,
        )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/status.json").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise AssertionError("server did not start: " + log.read_text())
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


def test_sigkill_mid_incident_loses_nothing_acknowledged(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    add = subprocess.run(
        [str(BIN), "user", "add", "olga", "--role", "operator", "--db", db, "--password-stdin"],
        input=b"olga keeps the lab running\n",
        capture_output=True,
        timeout=120,
    )
    assert add.returncode == 0, add.stderr
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    acknowledged: list[str] = []
    refused: list[str] = []
    with _server(db, port, tmp_path / "log") as proc, httpx.Client(base_url=base) as c:
        csrf = login(c, "olga", "olga keeps the lab running")
        b = declare(c, csrf, title="kill me")
        iid = b["incident"]["id"]
        tasks = [t["id"] for t in b["tasks"]]
        stop = threading.Event()

        def operator() -> None:  # keeps recording until the server dies
            with httpx.Client(base_url=base, cookies=dict(c.cookies), timeout=30) as oc:
                for i, task in enumerate(tasks):
                    if stop.is_set():
                        return
                    try:
                        r = oc.post(
                            f"/api/incidents/{iid}/events",
                            json={"task": task, "kind": "started", "comment": f"n{i}"},
                            headers={"x-csrf-token": csrf},
                        )
                    except httpx.TransportError:
                        return
                    if r.status_code == 201:
                        acknowledged.append(f"n{i}")
                    else:
                        refused.append(f"{r.status_code} {r.text[:200]}")

        worker = threading.Thread(target=operator)
        worker.start()
        deadline = time.monotonic() + 120
        while len(acknowledged) < 5:
            if not worker.is_alive() or time.monotonic() > deadline:
                proc.kill()
                stop.set()
                raise AssertionError(
                    f"only {len(acknowledged)} events acknowledged before the operator "
                    f"{'stopped' if not worker.is_alive() else 'timed out'}; refused: "
                    f"{refused[:3]}"
                )
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        stop.set()
        worker.join(timeout=60)
        assert not worker.is_alive(), "the operator thread hung after the server died"
        proc.wait(timeout=30)
        session = dict(c.cookies)
    assert len(acknowledged) >= 5
    with _server(db, port, tmp_path / "log"), httpx.Client(base_url=base, cookies=session) as c:
        # the session survived the restart too (sessions live in the store)
        r = c.get(f"/api/incidents/{iid}")
        assert r.status_code == 200
        stored = {e["comment"] for e in r.json()["events"]}
        assert set(acknowledged) <= stored
        assert r.json()["incident"]["version"] == 1 + len(stored)
