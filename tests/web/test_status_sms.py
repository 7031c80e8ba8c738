"""SMS subscribers against a real HTTP gateway (a local server started here) and a real
dashboard: E.164 numbers, double opt-in by code, exactly one SMS per update, at most
160 GSM-7 characters in the subscriber's language, nothing internal, the STOP link
erases the number without a login, 5xx retried with back-off, the pace and the two
request shapes (generic, Brevo)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import blackstart.api as bs
from blackstart.errors import UsageError
from blackstart.store import sms as rows
from blackstart.web import create_app
from blackstart.web.sms import _BASIC, _EXTENDED, septets
from blackstart.web.sms_gateway import GatewayConfig, SmsGateway, config_from
from tests.web._board import add_users, declare, login
from tests.web._gateway import Gateway
from tests.web.conftest import serve
from tests.web.test_status_publish import assert_nothing_internal

PHONE = "+33612345678"


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    g = Gateway()
    yield g
    g.close()


def _is_gsm7(text: str) -> bool:
    return all(c in _BASIC or c in _EXTENDED for c in text)


def test_code_one_sms_per_update_in_french_and_stop(tmp_path: Path, gateway: Gateway) -> None:
    model = bs.load(bs.example_path())
    app = create_app(
        bs.example_path(),
        f"sqlite:///{tmp_path / 'b.db'}",
        sms=GatewayConfig(gateway.url),
        public_url="https://status.example.org",
    )
    add_users(app)
    sent = app.state.sms_gateway
    with serve(app) as client:
        r = client.post("/status/sms/subscribe", data={"phone": "06 12 34 56 78", "lang": "fr"})
        assert r.status_code == 202 and "+33612345678" in r.text
        assert client.post("/status/sms/subscribe", data={"phone": "12345"}).status_code == 422
        assert sent.flush()
        (code_sms,) = gateway.to(PHONE)
        assert "votre code est" in code_sms and septets(code_sms) <= 160
        code = gateway.code_for(PHONE)
        wrong = "000000" if code != "000000" else "111111"
        r = client.post("/status/sms/confirm", data={"phone": PHONE, "code": wrong})
        assert r.status_code == 400
        assert rows.confirmed(app.state.dashboard.store) == []
        r = client.post("/status/sms/confirm", data={"phone": PHONE, "code": code})
        assert r.status_code == 200
        assert (
            client.post("/status/sms/confirm", data={"phone": PHONE, "code": code}).status_code
            == 400
        )  # used
        (sub,) = rows.confirmed(app.state.dashboard.store)
        assert sub.phone == PHONE and sub.scope.everything

        csrf = login(client, "olga")
        h = {"x-csrf-token": csrf}
        iid = declare(client, csrf, title="Internal title")["incident"]["id"]
        assert app.state.webhooks.flush() and sent.flush()
        updates = gateway.to(PHONE)[1:]
        assert len(updates) == 1
        text = updates[0]
        assert septets(text) <= 160 and _is_gsm7(text), text
        assert "en panne" in text and "autres" in text  # French, the list summed up
        assert text.rstrip().endswith(f"Info/STOP https://status.example.org/s/{sub.token}")
        assert_nothing_internal(model, text, "SMS")
        mid = client.post(
            f"/api/incidents/{iid}/messages", json={"body": "Lab results by phone."}, headers=h
        ).json()["messages"][-1]["id"]
        assert client.post(f"/api/incidents/{iid}/messages/{mid}/publish", headers=h).is_success
        assert app.state.webhooks.flush() and sent.flush()
        assert len(gateway.to(PHONE)) == 3  # code + one per update

        client.cookies.clear()  # STOP without a login; a GET changes nothing
        stop = f"/s/{sub.token}"
        assert client.get(stop).status_code == 200 and rows.confirmed(app.state.dashboard.store)
        assert client.post(stop).status_code == 200
        assert rows.confirmed(app.state.dashboard.store) == []
        assert client.post(stop).status_code == 404
        csrf = login(client, "olga")
        client.post(
            f"/api/incidents/{iid}/state",
            json={"state": "identified"},
            headers={"x-csrf-token": csrf},
        )
        assert app.state.webhooks.flush() and sent.flush()
        assert len(gateway.to(PHONE)) == 3  # nobody left


def test_a_code_is_tried_at_most_five_times(tmp_path: Path) -> None:
    from blackstart.store.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    try:
        sub, code = rows.subscribe(store, PHONE, "en")
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(rows.MAX_TRIES):
            assert rows.confirm(store, PHONE, wrong, sub.scope) is None
        assert rows.confirm(store, PHONE, code, sub.scope) is None  # burnt
        for _ in range(rows.CODES_PER_HOUR - 1):
            rows.subscribe(store, PHONE, "en")
        with pytest.raises(rows.StoreError, match="too many codes"):
            rows.subscribe(store, PHONE, "en")
    finally:
        store.close()


def test_server_errors_are_retried_with_back_off() -> None:
    g = Gateway(fail_first=2)
    sender = SmsGateway(GatewayConfig(g.url, backoff=0.2))
    try:
        sender.enqueue([(PHONE, "hello")])
        assert sender.flush()
        assert [code for _, _, code, _ in g.received] == [503, 503, 200]
        times = [t for *_, t in g.received]
        assert times[1] - times[0] >= 0.2 and times[2] - times[1] >= 0.4
        assert (sender.sent, sender.failed, sender.retried) == (1, 0, 2)
        assert len(g.accepted()) == 1  # exactly one SMS
    finally:
        sender.close()
        g.close()


def test_the_pace_and_the_two_request_shapes(monkeypatch: pytest.MonkeyPatch) -> None:
    g = Gateway()
    monkeypatch.setenv("BLACKSTART_SMS_TOKEN", "t0ken")
    generic = SmsGateway(config_from(g.url, "generic", "Hopital", rate=20))
    try:
        start = time.monotonic()
        generic.enqueue([(PHONE, f"n{i}") for i in range(10)])
        assert generic.flush()
        assert time.monotonic() - start >= 9 / 20 - 0.01  # 20 per second at most
        headers, body, _, _ = g.received[0]
        assert headers["authorization"] == "Bearer t0ken"
        assert body == {"to": PHONE, "text": "n0", "from": "Hopital"}
    finally:
        generic.close()
    brevo = SmsGateway(config_from(g.url, "brevo", "Hopital"))
    try:
        brevo.enqueue([(PHONE, "hello")])
        assert brevo.flush()
        headers, body, _, _ = g.received[-1]
        assert headers["api-key"] == "t0ken" and "authorization" not in headers
        assert body == {
            "sender": "Hopital",
            "recipient": "33612345678",
            "content": "hello",
            "type": "transactional",
        }
    finally:
        brevo.close()
        g.close()
    for args in (("ftp://x",), ("http://x", "other"), ("http://x", "brevo", "A sender!")):
        with pytest.raises(UsageError):
            config_from(*args)


def test_cli_input_errors_exit_1_with_the_option_named(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from blackstart.cli import app as cli_app

    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'c.db'}"
    r = runner.invoke(
        cli_app, ["serve", str(bs.example_path()), "--db", db, "--sms-gateway", "ftp://gw"]
    )
    assert r.exit_code == 1 and "--sms-gateway: not an HTTP URL" in " ".join(r.output.split())
    r = runner.invoke(
        cli_app,
        [
            "serve",
            str(bs.example_path()),
            "--db",
            db,
            "--sms-gateway",
            "http://gw",
            "--sms-format",
            "ovh",
        ],
    )
    assert r.exit_code == 1 and "unknown format 'ovh'" in r.output
    r = runner.invoke(
        cli_app,
        ["status", "webhook", "add", "https://h.example.org/x", "--db", db,
         "--function", "Résultats de biologie"],
    )  # fmt: skip
    assert r.exit_code == 1 and "unknown function" in r.output
    assert "Résultats de biologie vers les services" in " ".join(r.output.split())  # closest


def test_a_reply_stop_forwarded_by_the_gateway_erases_the_number(
    tmp_path: Path, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from blackstart.store.scope import Scope

    app = create_app(
        bs.example_path(), f"sqlite:///{tmp_path / 'b.db'}", sms=GatewayConfig(gateway.url)
    )
    store = app.state.dashboard.store
    _, code = rows.subscribe(store, PHONE, "fr")
    assert rows.confirm(store, PHONE, code, Scope()) is not None
    with serve(app) as client:
        body = {"from": PHONE, "text": " stop "}
        assert client.post("/status/sms/inbound", json=body).status_code == 404  # no token set
        monkeypatch.setenv("BLACKSTART_SMS_INBOUND_TOKEN", "in-t0ken")
        wrong = {"authorization": "Bearer nope"}
        assert client.post("/status/sms/inbound", json=body, headers=wrong).status_code == 401
        h = {"authorization": "Bearer in-t0ken"}
        r = client.post("/status/sms/inbound", json={"from": PHONE, "text": "Merci"}, headers=h)
        assert r.json() == {"stop": False, "erased": False} and rows.confirmed(store)
        r = client.post("/status/sms/inbound", json={"from": 3}, headers=h)
        assert r.status_code == 422 and "suggestion" in r.json()
        r = client.post("/status/sms/inbound", json=body, headers=h)
        assert r.json() == {"stop": True, "erased": True}
        assert rows.confirmed(store) == []
        assert client.post("/status/sms/inbound", json=body, headers=h).json()["erased"] is False
