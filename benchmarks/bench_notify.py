"""Benchmark: notifying e-mail subscribers of one update, against a local SMTP server.

In one process: the example model with its ``colo-power-cut`` incident declared now in
a SQLite store; ``--subscribers`` confirmed subscribers (half French, half English)
written straight into the store; an aiosmtpd server on 127.0.0.1 (in this process, on
its own thread) that counts messages. Measured: :meth:`Mailer.send_update` (one SMTP
connection, one message per subscriber, the text rendered once per language); baseline:
rendering every message from its template without sending (what the first version did
per subscriber). Reported: time, rate, ratio.

Run: ``.venv/bin/python benchmarks/bench_notify.py [--subscribers 10000]``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import insert

import blackstart.api as bs
from blackstart.store.incident_rows import now
from blackstart.store.incidents import IncidentStore
from blackstart.store.subscribers import StatusSubscriber, confirmed
from blackstart.web.board import IncidentService
from blackstart.web.dashboard import Dashboard
from blackstart.web.notify import Update
from blackstart.web.subscriptions import MailConfig, Mailer, _render


class Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, _s: Any, _session: Any, _envelope: Any) -> str:
        self.count += 1
        return "250 OK"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subscribers", type=int, default=10_000)
    args = ap.parse_args()
    counter = Counter()
    port = _port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    with tempfile.TemporaryDirectory() as tmp:
        dash = Dashboard.open(bs.example_path(), f"sqlite:///{Path(tmp) / 'bench.db'}")
        svc = IncidentService(dash, IncidentStore(dash.store))
        svc.declare(
            "bench",
            title="bench",
            scenario="colo-power-cut",
            fail=[],
            start=None,
            failure_end=None,
            drill=False,
            clock="real",
        )
        at = now()
        rows = [
            {
                "email": f"person{i}@example.org",
                "lang": "fr" if i % 2 else "en",
                "token": secrets.token_urlsafe(24),
                "created_at": at,
                "confirmed_at": at,
            }
            for i in range(args.subscribers)
        ]
        with dash.store.session() as s, s.begin():
            s.execute(insert(StatusSubscriber), rows)
        mailer = Mailer(MailConfig("127.0.0.1", port, "status@bench", "http://x"), svc)
        payload = svc.public_status()
        t0 = time.perf_counter()
        for p in confirmed(dash.store):
            _render("status_email.txt", p.lang, svc.tz, s=payload, unsubscribe_url="http://x/u")
        render_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        mailer.send_update(Update(frozenset(), payload))  # everyone follows everything
        send_s = time.perf_counter() - t0
        dash.close()
    controller.stop()
    n = args.subscribers
    assert counter.count == n, (counter.count, n)
    print(f"load average: {os.getloadavg()[0]:.1f}; subscribers {n:,}")
    print("| step | s | messages/s | ratio to rendering |")
    print("|---|---|---|---|")
    print(f"| render {n:,} mails (baseline) | {render_s:.2f} | {n / render_s:,.0f} | 1.00 |")
    print(
        f"| notify {n:,} subscribers over SMTP | {send_s:.2f} | {n / send_s:,.0f} "
        f"| {send_s / render_s:.2f} |"
    )


if __name__ == "__main__":
    main()
