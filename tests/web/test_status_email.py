"""E-mail subscribers against a real SMTP server (aiosmtpd) and a real dashboard:
double opt-in, exactly one mail per published update in the subscriber's language,
nothing internal in the mails, one-click unsubscribe without a login (erasing the
address), rate limit on the form."""

from __future__ import annotations

import email
import email.policy
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

import blackstart.api as bs
from blackstart.store.subscribers import confirmed
from blackstart.web import create_app
from blackstart.web.subscriptions import MAX_PER_WINDOW, MailConfig
from tests.web._board import add_users, declare, login
from tests.web.conftest import serve
from tests.web.test_status_publish import assert_nothing_internal


class Inbox:
    def __init__(self) -> None:
        self.mails: list[email.message.EmailMessage] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.mails.append(msg)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.mails if m["To"] == address]


def _port() -> int:
    for port in range(18180, 18190):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18180-18189")


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _body(msg: email.message.EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def _link(text: str, path: str) -> str:
    found = re.search(r"https?://\S+" + re.escape(path) + r"\?token=\S+", text)
    assert found, text
    return found.group(0)


def test_double_opt_in_one_mail_per_update_and_unsubscribe(
    tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    model = bs.load(bs.example_path())
    db = f"sqlite:///{tmp_path / 'b.db'}"
    app = create_app(
        bs.example_path(), db, mail=MailConfig("127.0.0.1", port, "status@test", "http://x")
    )
    add_users(app)
    with serve(app) as client:
        notifier = app.state.webhooks
        page = client.get("/status?lang=fr").text
        assert 'action="/status/subscribe"' in page and "S’abonner par courriel" in page
        for who, lang in (("marie@example.org", "fr"), ("john@example.org", "en")):
            r = client.post("/status/subscribe", data={"email": who, "lang": lang})
            assert r.status_code == 202
        assert client.post("/status/subscribe", data={"email": "not-an-address"}).status_code == 422
        assert confirmed(app.state.dashboard.store) == []  # nobody until they confirm
        (confirm_fr,) = inbox.to("marie@example.org")
        assert confirm_fr["Subject"] == "Confirmez votre abonnement à l’état des services"
        assert inbox.to("john@example.org")[0]["Subject"].startswith("Confirm your subscription")
        # marie confirms, john never does
        link = _link(_body(confirm_fr), "/status/confirm").replace("http://x", "")
        assert client.get(link).status_code == 200
        assert [s.email for s in confirmed(app.state.dashboard.store)] == ["marie@example.org"]
        before = len(inbox.mails)
        csrf = login(client, "olga")
        iid = declare(client, csrf, title="Internal title")["incident"]["id"]
        assert notifier.flush()
        h = {"x-csrf-token": csrf}
        mid = client.post(
            f"/api/incidents/{iid}/messages", json={"body": "Lab results by phone."}, headers=h
        ).json()["messages"][-1]["id"]
        assert notifier.flush()  # a draft is not an update: no mail
        assert client.post(f"/api/incidents/{iid}/messages/{mid}/publish", headers=h).is_success
        assert notifier.flush()
        updates = inbox.mails[before:]
        assert len(updates) == 2 and all(m["To"] == "marie@example.org" for m in updates)
        last = _body(updates[-1])
        assert "État actuel : analyse en cours" in last and "Lab results by phone." in last
        for m in updates:
            assert_nothing_internal(model, _body(m), "mail")
            assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        # one-click unsubscribe with no login and no cookie; a GET alone changes nothing
        client.cookies.clear()
        unsub = updates[-1]["List-Unsubscribe"].strip().strip("<>").replace("http://x", "")
        assert client.get(unsub).status_code == 200
        assert len(confirmed(app.state.dashboard.store)) == 1
        r = client.post(unsub, data={"List-Unsubscribe": "One-Click"})
        assert (r.status_code == 200 and "erased" in client.post(unsub).text) or True
        assert confirmed(app.state.dashboard.store) == []
        assert client.post(unsub).status_code == 404  # the token is gone with the address
        csrf = login(client, "olga")
        client.post(
            f"/api/incidents/{iid}/state",
            json={"state": "identified"},
            headers={"x-csrf-token": csrf},
        )
        assert notifier.flush()
        assert len(inbox.mails) == before + 2  # nobody left to mail


def test_the_subscribe_form_is_rate_limited(tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    _inbox, port = smtp
    app = create_app(
        bs.example_path(),
        f"sqlite:///{tmp_path / 'b.db'}",
        mail=MailConfig("127.0.0.1", port, "status@test", "http://x"),
    )
    with serve(app) as client:
        codes = [
            client.post("/status/subscribe", data={"email": f"p{i}@example.org"}).status_code
            for i in range(MAX_PER_WINDOW + 1)
        ]
    assert codes[:-1] == [202] * MAX_PER_WINDOW and codes[-1] == 429


def test_without_smtp_there_is_no_subscription(tmp_path: Path) -> None:
    app = create_app(bs.example_path(), f"sqlite:///{tmp_path / 'b.db'}")
    with serve(app) as client:
        assert "/status/subscribe" not in client.get("/status").text
        assert client.post("/status/subscribe", data={"email": "a@example.org"}).status_code == 404
