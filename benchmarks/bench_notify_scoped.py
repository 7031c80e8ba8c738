"""Benchmark: scoped notification of one update, and SMS throughput.

In one process: the example model in a SQLite store, ``--subscribers`` confirmed e-mail
subscribers with mixed scopes (40 % everything, 30 % one function at one place, 20 % one
place, 10 % two functions; seeded), then the ``colo-power-cut`` incident declared.

1. Recipients: what the update concerns (:func:`blackstart.web.notify.concerned`) and
   which subscribers it concerns — timed against the baseline of loading the subscribers
   alone (what an unscoped notification does). The count is checked against an oracle
   from the impact engine (``functions_down`` and their ``down_at``), not from the code
   under test.
2. Sending: :meth:`Mailer.send_update` to the recipients over a local SMTP server
   (aiosmtpd, in this process): time and rate.
3. SMS: ``--sms`` subscribers of everything, one update, through a local HTTP gateway
   (a ``ThreadingHTTPServer`` in this process) with the pace set to 1,000/s: SMS per
   second (texts fitted once per language and scope), against the baseline of composing
   each subscriber's text from the template without sending.

Run: ``.venv/bin/python benchmarks/bench_notify_scoped.py [--subscribers 10000] [--sms 1000]``.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import socket
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import insert

import blackstart.api as bs
from blackstart.store import sms as sms_rows
from blackstart.store import subscribers as subs
from blackstart.store.incident_rows import now
from blackstart.store.incidents import IncidentStore
from blackstart.store.scope import Scope
from blackstart.web.board import IncidentService
from blackstart.web.dashboard import Dashboard
from blackstart.web.notify import Update, concerned
from blackstart.web.sms import SmsChannel
from blackstart.web.sms_gateway import GatewayConfig, SmsGateway
from blackstart.web.subscriptions import MailConfig, Mailer

FAIL = ["site:hospital-west"]
"""The update: West hospital lost (every function delivered there down there only)."""


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


def _gateway() -> tuple[ThreadingHTTPServer, list[int]]:
    got = [0]
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            with lock:
                got[0] += 1
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, got


def _scopes(model: Any, n: int, rng: random.Random) -> list[Scope]:
    placed = sorted(f for f in model.functions if model.places.get(f))
    places = sorted({p for ps in model.places.values() for p in ps})
    functions = sorted(model.functions)
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.4:
            out.append(Scope())
        elif r < 0.7:
            f = rng.choice(placed)
            out.append(Scope((f,), (rng.choice(model.places[f]),)))
        elif r < 0.9:
            out.append(Scope((), (rng.choice(places),)))
        else:
            out.append(Scope(tuple(rng.sample(functions, 2))))
    return out


def _oracle(model: Any, scopes: list[Scope]) -> int:
    """Recipients from the impact engine: a scope is concerned if a function it follows
    is down at a place it follows (a function without places counts at every place)."""
    report = bs.impact(model, fail=FAIL).to_dict()
    down = {(f["id"], p) for f in report["functions_down"] for p in (f.get("down_at") or [""])}
    count = 0
    for sc in scopes:
        if sc.everything or any(
            (not sc.functions or f in sc.functions) and (not sc.places or not p or p in sc.places)
            for f, p in down
        ):
            count += 1
    return count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subscribers", type=int, default=10_000)
    ap.add_argument("--sms", type=int, default=1_000)
    args = ap.parse_args()
    counter, port = Counter(), _port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    rng = random.Random(18)
    with tempfile.TemporaryDirectory() as tmp:
        dash = Dashboard.open(bs.example_path(), f"sqlite:///{Path(tmp) / 'bench.db'}")
        model = dash.model
        svc = IncidentService(dash, IncidentStore(dash.store))
        scopes = _scopes(model, args.subscribers, rng)
        at = now()
        rows = []
        for i, sc in enumerate(scopes):
            functions, places = sc.columns()
            rows.append({"email": f"p{i}@example.org", "lang": "fr" if i % 2 else "en",
                         "token": secrets.token_urlsafe(24), "created_at": at,
                         "confirmed_at": at, "functions": functions, "places": places})  # fmt: skip
        with dash.store.session() as s, s.begin():
            s.execute(insert(subs.StatusSubscriber), rows)
        before = svc.public_status()
        back = (datetime.now(UTC) + timedelta(hours=4)).isoformat()
        svc.declare("bench", title="bench", scenario=None, fail=FAIL, start=None,
                    failure_end=back, drill=False, clock="real")  # fmt: skip
        after = svc.public_status()

        t0 = time.perf_counter()
        everyone = subs.confirmed(dash.store)
        load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        update = Update(concerned(before, after, model), after)
        recipients = [p for p in subs.confirmed(dash.store) if update.concerns(p.scope)]
        pick_s = time.perf_counter() - t0
        expected = _oracle(model, scopes)
        assert len(everyone) == args.subscribers
        assert len(recipients) == expected, (len(recipients), expected)

        mailer = Mailer(MailConfig("127.0.0.1", port, "status@bench", "http://x"), svc)
        t0 = time.perf_counter()
        mailer.send_update(update)
        send_s = time.perf_counter() - t0
        assert counter.count == expected, (counter.count, expected)

        server, got = _gateway()
        url = f"http://127.0.0.1:{server.server_address[1]}/sms"
        gateway = SmsGateway(GatewayConfig(url, rate=1000.0))
        channel = SmsChannel(gateway, svc, "https://status.example.org")
        with dash.store.session() as s, s.begin():
            s.execute(insert(sms_rows.StatusSmsSubscriber), [
                {"phone": f"+3361{i:07d}", "lang": "fr", "token": secrets.token_urlsafe(9),
                 "codes_sent": 0, "tries": 0, "created_at": at, "confirmed_at": at}
                for i in range(args.sms)
            ])  # fmt: skip
        t0 = time.perf_counter()
        for p in sms_rows.confirmed(dash.store):
            channel.update_text(after, p.lang, p.token)
        compose_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        channel.send_update(update)
        assert gateway.flush(timeout=600)
        sms_s = time.perf_counter() - t0
        assert got[0] == args.sms and gateway.failed == 0, (got[0], gateway.failed)
        gateway.close()
        server.shutdown()
        server.server_close()
        dash.close()
    controller.stop()
    n, k = args.subscribers, len(recipients)
    print(f"load average: {os.getloadavg()[0]:.1f}; {n:,} e-mail subscribers, {k:,} concerned")
    print("| step | s | per second | ratio to baseline |")
    print("|---|---|---|---|")
    print(f"| load {n:,} subscribers (baseline) | {load_s:.3f} | {n / load_s:,.0f} | 1.00 |")
    print(f"| what the update concerns + pick {k:,} of {n:,} | {pick_s:.3f} | "
          f"{n / pick_s:,.0f} | {pick_s / load_s:.2f} |")  # fmt: skip
    print(f"| mail {k:,} recipients over SMTP | {send_s:.2f} | {k / send_s:,.0f} | — |")
    m = args.sms
    print(f"| compose {m:,} SMS (baseline) | {compose_s:.2f} | {m / compose_s:,.0f} | 1.00 |")
    print(f"| send {m:,} SMS to the local gateway | {sms_s:.2f} | {m / sms_s:,.0f} | "
          f"{sms_s / compose_s:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
