"""Webhook subscribers of the public status, against a real HTTP receiver: one signed
message per public change (HMAC-SHA256 checked here independently), retried with
back-off after a failure, nothing internal in the body, subscribe and erase by CLI."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import blackstart.api as bs
from blackstart.cli import app as cli_app
from blackstart.web import create_app
from tests.web._board import add_users, declare, login
from tests.web.conftest import serve
from tests.web.test_status_publish import assert_nothing_internal

runner = CliRunner()


class Receiver:
    """A real HTTP server recording POSTs; answers 503 to the first ``fail_first``."""

    def __init__(self, fail_first: int = 0) -> None:
        self.received: list[tuple[dict[str, str], bytes, int, float]] = []
        self.fail_first = fail_first
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                code = 503 if len(outer.received) < outer.fail_first else 204
                outer.received.append(
                    ({k.lower(): v for k, v in self.headers.items()}, body, code, time.monotonic())
                )
                self.send_response(code)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def accepted(self) -> list[tuple[dict[str, str], bytes]]:
        return [(h, b) for h, b, code, _ in self.received if code == 204]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(fail_first=1)
    yield r
    r.server.shutdown()
    r.server.server_close()


def _verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    stamp = headers["x-blackstart-timestamp"]
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["x-blackstart-signature"], "sha256=" + expected)


def test_one_signed_message_per_public_change_with_retry(
    tmp_path: Path, receiver: Receiver
) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    r = runner.invoke(cli_app, ["status", "webhook", "add", receiver.url, "--db", url])
    assert r.exit_code == 0, r.output
    secret = r.stdout.strip().splitlines()[0]
    model = bs.load(bs.example_path())
    app = create_app(bs.example_path(), url)
    app.state.webhooks.backoff = 0.2
    add_users(app)
    with serve(app) as client:
        notifier = app.state.webhooks
        csrf = login(client, "olga")
        iid = declare(client, csrf, title="Internal title")["incident"]["id"]
        assert notifier.flush()
        h = {"x-csrf-token": csrf}
        # a draft changes nothing public: no message
        mid = client.post(
            f"/api/incidents/{iid}/messages", json={"body": "Lab results by phone."}, headers=h
        ).json()["messages"][-1]["id"]
        assert notifier.flush()
        n_after_draft = len(receiver.accepted())
        assert client.post(f"/api/incidents/{iid}/messages/{mid}/publish", headers=h).is_success
        assert notifier.flush()
        assert client.post(
            f"/api/incidents/{iid}/state", json={"state": "identified"}, headers=h
        ).is_success
        assert notifier.flush()
    accepted = receiver.accepted()
    assert n_after_draft == 1  # the declaration only (declare re-forecasts: one change)
    assert len(accepted) == 3  # declaration, published message, state
    # the first was refused once (503), then retried with the same delivery id, later
    (h0, _b0, code0, t0), (h1, _b1, code1, t1) = receiver.received[:2]
    assert (code0, code1) == (503, 204)
    assert h0["x-blackstart-delivery"] == h1["x-blackstart-delivery"]
    assert t1 - t0 >= 0.2
    assert len({h["x-blackstart-delivery"] for h, _ in accepted}) == 3
    bodies = [json.loads(b) for _, b in accepted]
    assert all(_verify(secret, h, b) for h, b in accepted)
    assert not _verify("wrong secret", *accepted[0])
    assert bodies[0]["incidents"] and bodies[1]["incidents"][0]["incident_updates"]
    assert bodies[2]["incidents"][0]["status"] == "identified"
    for _, b in accepted:
        assert_nothing_internal(model, b.decode(), "webhook body")


def test_subscribe_and_erase_by_cli(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    args = ["status", "webhook"]
    assert runner.invoke(cli_app, [*args, "add", "https://x.example/h", "--db", url]).exit_code == 0
    again = runner.invoke(cli_app, [*args, "add", "https://x.example/h", "--db", url])
    assert again.exit_code == 1 and "already subscribed" in again.output
    bad = runner.invoke(cli_app, [*args, "add", "ftp://x", "--db", url])
    assert bad.exit_code == 1 and "not a webhook URL" in bad.output
    assert (
        runner.invoke(cli_app, [*args, "remove", "https://x.example/h", "--db", url]).exit_code == 0
    )
    gone = runner.invoke(cli_app, [*args, "remove", "https://x.example/h", "--db", url])
    assert gone.exit_code == 1 and "no subscriber" in gone.output
