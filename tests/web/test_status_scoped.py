"""Subscriptions per function and per place, through the real server, a real SMTP
server (aiosmtpd), a real webhook receiver and a real SMS gateway (local HTTP servers):
after one update, each subscriber gets exactly one message if the update concerns what
it chose, and none otherwise; input errors are 4xx with a suggestion, never 5xx.

The oracle is written by hand from the scenario: losing the site ``hospital-west`` (West
hospital) takes every function delivered at the hospitals down *at West only*, and
nothing at North hospital; the two functions delivered without places stay up (see
``examples/hospital-group``: each function's ``'{place}-…'`` requirements are the
hospital's own rooms and network).
"""

from __future__ import annotations

import email.message
import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import blackstart.api as bs
from blackstart.cli import app as cli_app
from blackstart.web import create_app
from blackstart.web.sms_gateway import GatewayConfig
from blackstart.web.subscriptions import MailConfig
from tests.web._board import add_users, declare, login
from tests.web._gateway import Gateway
from tests.web.conftest import serve
from tests.web.test_status_email import Inbox, _body
from tests.web.test_status_publish import assert_nothing_internal
from tests.web.test_status_webhooks import Receiver

runner = CliRunner()
LAB_FR = "Résultats de biologie vers les services"
WEST, NORTH = "West hospital", "North university hospital"


def _free_port() -> int:
    for port in range(18400, 18420):  # this area's range of ports
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18400-18419")


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server (aiosmtpd) on a free port, and what it received."""
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    g = Gateway()
    yield g
    g.close()


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver]]:
    pair = (Receiver(), Receiver())
    yield pair
    for r in pair:
        r.server.shutdown()
        r.server.server_close()


def _confirm_link(msg: email.message.EmailMessage) -> str:
    found = re.search(r"http://x(/status/confirm\?\S+)", _body(msg))
    assert found, _body(msg)
    return found.group(1)


def test_each_subscriber_gets_exactly_the_updates_about_what_it_follows(
    tmp_path: Path,
    smtp: tuple[Inbox, int],
    gateway: Gateway,
    receivers: tuple[Receiver, Receiver],
) -> None:
    inbox, port = smtp
    db = f"sqlite:///{tmp_path / 'b.db'}"
    west_hook, north_hook = receivers
    for url, args in (
        (west_hook.url, ["--place", WEST]),
        (north_hook.url, ["--function", "Téléphonie interne et externe de chaque hôpital",
                          "--place", NORTH]),
    ):  # fmt: skip
        r = runner.invoke(cli_app, ["status", "webhook", "add", url, "--db", db, *args])
        assert r.exit_code == 0, r.output
    model = bs.load(bs.example_path())
    app = create_app(
        bs.example_path(),
        db,
        mail=MailConfig("127.0.0.1", port, "status@test", "http://x"),
        sms=GatewayConfig(gateway.url, backoff=0.05),
        public_url="http://x",
    )
    add_users(app)
    with serve(app) as client:
        choices = client.get("/api/status/scopes?lang=fr").json()
        key = {c["name"]: c["key"] for c in choices["functions"] + choices["places"]}
        assert LAB_FR in key and WEST in key and NORTH in key
        assert not set(key) & set(model.functions) and not set(key) & set(model.sites)
        page = client.get("/status?lang=fr").text
        assert f'value="{key[LAB_FR]}"' in page and "S’abonner par SMS" in page
        # A: lab results at West, through the form (keys), confirmed by the mailed link
        r = client.post(
            "/status/subscribe",
            data={"email": "a@example.org", "lang": "fr", "function": key[LAB_FR],
                  "place": key[WEST]},
        )  # fmt: skip
        assert r.status_code == 202
        # B: lab results at North, through the API (public names, English)
        r = client.post(
            "/api/status/subscriptions",
            json={"email": "b@example.org", "lang": "en", "functions": [LAB_FR],
                  "places": [NORTH]},
        )  # fmt: skip
        assert r.status_code == 202, r.text
        assert r.json()["follows"] == {"functions": [LAB_FR], "places": [NORTH]}
        # C: everything
        assert client.post("/api/status/subscriptions", json={"email": "c@example.org"}).is_success
        for who in ("a@example.org", "b@example.org", "c@example.org"):
            (confirmation,) = inbox.to(who)
            assert client.get(_confirm_link(confirmation)).status_code == 200
        # D: SMS, North only; E: SMS, lab results anywhere (form, then code by SMS)
        for phone, data in (
            ("+33611111111", {"place": key[NORTH]}),
            ("+33622222222", {"function": key[LAB_FR]}),
        ):
            r = client.post("/status/sms/subscribe", data={"phone": phone, "lang": "fr", **data})
            assert r.status_code == 202
            assert app.state.sms_gateway.flush()
            code = gateway.code_for(phone)
            r = client.post(
                "/status/sms/confirm", data={"phone": phone, "code": code, "lang": "fr", **data}
            )
            assert r.status_code == 200, r.text
        mails0, sms0 = len(inbox.mails), len(gateway.accepted())

        # update 1: the incident is declared (West hospital lost)
        csrf = login(client, "olga")
        h = {"x-csrf-token": csrf}
        back = (datetime.now(UTC) + timedelta(hours=4)).isoformat(timespec="seconds")
        iid = declare(client, csrf, scenario=None, fail=["site:hospital-west"], failure_end=back)[
            "incident"
        ]["id"]
        assert app.state.webhooks.flush() and app.state.sms_gateway.flush()
        got = {w: len(inbox.to(w)) - 1 for w in ("a@example.org", "b@example.org", "c@example.org")}
        assert got == {"a@example.org": 1, "b@example.org": 0, "c@example.org": 1}
        assert len(gateway.to("+33611111111")) == 1  # the code only
        assert len(gateway.to("+33622222222")) == 2  # the code and one update
        assert len(west_hook.accepted()) == 1 and north_hook.accepted() == []
        a_mail = _body(inbox.to("a@example.org")[-1])
        assert LAB_FR in a_mail and WEST in a_mail
        assert "Téléphonie" not in a_mail and NORTH not in a_mail  # only what A follows
        assert_nothing_internal(model, a_mail, "scoped mail")

        # update 2: a message is published: it concerns what the incident touches
        mid = client.post(
            f"/api/incidents/{iid}/messages", json={"body": "Lab results by phone."}, headers=h
        ).json()["messages"][-1]["id"]
        assert client.post(f"/api/incidents/{iid}/messages/{mid}/publish", headers=h).is_success
        assert app.state.webhooks.flush() and app.state.sms_gateway.flush()
        got = {w: len(inbox.to(w)) - 1 for w in ("a@example.org", "b@example.org", "c@example.org")}
        assert got == {"a@example.org": 2, "b@example.org": 0, "c@example.org": 2}
        assert len(gateway.to("+33611111111")) == 1 and len(gateway.to("+33622222222")) == 3
        assert len(west_hook.accepted()) == 2 and north_hook.accepted() == []
        assert len(inbox.mails) - mails0 == 4 and len(gateway.accepted()) - sms0 == 2
        for text in gateway.to("+33622222222")[1:]:
            assert_nothing_internal(model, text, "SMS")
            assert text.startswith(model.organisation.name if model.organisation else "")


def test_scope_input_errors_are_4xx_with_a_suggestion(
    tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    _inbox, port = smtp
    app = create_app(
        bs.example_path(),
        f"sqlite:///{tmp_path / 'b.db'}",
        mail=MailConfig("127.0.0.1", port, "status@test", "http://x"),
    )
    with serve(app) as client:
        r = client.post(
            "/api/status/subscriptions",
            json={"email": "a@example.org", "functions": ["Résultats de biologie"]},
        )
        assert r.status_code == 422
        assert "unknown function" in r.json()["error"]
        assert r.json()["suggestion"] == f"did you mean '{LAB_FR}'?"
        r = client.post(
            "/api/status/subscriptions",
            json={"email": "a@example.org", "places": [f"p{i}" for i in range(31)]},
        )
        assert r.status_code == 422 and "suggestion" in r.json()
        r = client.post("/api/status/subscriptions", json={"lang": "fr"})
        assert r.status_code == 422 and "e-mail" in r.json()["error"]
        r = client.post("/api/status/subscriptions", json={"phone": "+33612345678"})
        assert r.status_code == 422 and "SMS" in r.json()["error"]  # no gateway here
        r = client.post("/status/subscribe", data={"email": "a@example.org", "place": "nowhere"})
        assert r.status_code == 422


class _NoLimit:
    def allow(self, _who: str) -> bool:
        return True


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
bodies = st.fixed_dictionaries(
    {},
    optional={
        "email": st.text(max_size=60) | st.just("x@example.org") | json_values,
        "phone": st.text(max_size=20) | st.just("+33612345678") | json_values,
        "lang": st.sampled_from(["fr", "en", "de", ""]) | json_values,
        "functions": st.lists(st.text(max_size=30), max_size=35) | json_values,
        "places": st.lists(st.text(max_size=30), max_size=35) | json_values,
        "code": st.text(max_size=12),
    },
)


def test_the_subscription_api_never_answers_5xx(tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    _inbox, port = smtp
    gw = Gateway()
    app = create_app(
        bs.example_path(),
        f"sqlite:///{tmp_path / 'f.db'}",
        mail=MailConfig("127.0.0.1", port, "status@test", "http://x"),
        sms=GatewayConfig(gw.url),
    )
    app.state.subscribe_limit = _NoLimit()  # reach the checks behind the limit
    try:
        with serve(app) as client:

            @settings(max_examples=80, deadline=None)
            @given(bodies, st.sampled_from(["", "/confirm"]))
            def post(body: dict[str, object], path: str) -> None:
                r = client.post(f"/api/status/subscriptions{path}", json=body)
                assert r.status_code < 500, (body, r.text)
                if r.status_code >= 400:
                    assert set(r.json()) >= {"error"}, r.text

            post()
    finally:
        gw.close()
