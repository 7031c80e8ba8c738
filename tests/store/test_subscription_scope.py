"""Migration ``0009_subscription_scope`` and erasure (GDPR) of every kind of subscriber.

A store at 0007 with an e-mail subscriber and a webhook is upgraded (SQLite and
PostgreSQL): both keep their rows and follow everything; the SMS table exists; it
downgrades back. ``blackstart
status erase`` removes an e-mail, SMS or webhook subscriber with what it follows: after
it, no row of any table holds the address, the number or the URL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text
from typer.testing import CliRunner

from blackstart.cli import app as cli_app
from blackstart.store import open_store, sms, subscribers
from blackstart.store.scope import Scope
from blackstart.store.store import migrations_config
from blackstart.store.webhooks import add_webhook, webhooks

runner = CliRunner()


def _upgrade_from_0007(url: str) -> None:
    engine = create_engine(url)
    command.upgrade(migrations_config(engine), "0007")
    at = datetime(2024, 8, 3, 11, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO status_subscribers (email, lang, token, created_at, confirmed_at) "
                "VALUES ('old@example.org', 'fr', 'tok', :at, :at)"
            ),
            {"at": at},
        )
        conn.execute(
            text(
                "INSERT INTO status_webhooks (url, secret, created_at) "
                "VALUES ('https://hook.example.org/x', 's', :at)"
            ),
            {"at": at},
        )
    engine.dispose()
    store = open_store(url)  # migrates to head
    try:
        (old,) = subscribers.confirmed(store)
        assert old.email == "old@example.org" and old.scope == Scope() and old.scope.everything
        (hook,) = webhooks(store)
        assert hook.scope.everything
        cols = {c["name"] for c in inspect(store.engine).get_columns("status_sms_subscribers")}
        assert {"phone", "lang", "token", "code_hash", "functions", "places"} <= cols
        assert "code" not in cols  # only the code's hash is kept
    finally:
        store.close()
    engine = create_engine(url)
    command.downgrade(migrations_config(engine), "0007")
    names = set(inspect(engine).get_table_names())
    assert "status_sms_subscribers" not in names
    assert "functions" not in {c["name"] for c in inspect(engine).get_columns("status_webhooks")}
    engine.dispose()


def test_upgrade_from_0007_on_sqlite(tmp_path: Path) -> None:
    _upgrade_from_0007(f"sqlite:///{tmp_path / 'm.db'}")


def test_upgrade_from_0007_on_postgresql(postgres_url: str) -> None:
    _upgrade_from_0007(postgres_url)


def _every_value(url: str) -> str:
    """Every value of every row of every table, as one text."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            out = []
            for table in inspect(engine).get_table_names():
                for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                    out.append(" ".join(str(v) for v in row))
            return "\n".join(out)
    finally:
        engine.dispose()


def test_erase_removes_every_kind_of_subscriber_and_its_scope(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'e.db'}"
    store = open_store(url)
    scope = Scope(("lab-results",), ("hospital-west",))
    try:
        mail = subscribers.subscribe(store, "marie@example.org", "fr", scope)
        subscribers.confirm(store, mail.token, scope)
        number, code = sms.subscribe(store, "+33612345678", "fr")
        assert sms.confirm(store, "+33612345678", code, scope) is not None
        add_webhook(store, "https://hooks.example.org/status", scope)
        keep = subscribers.subscribe(store, "other@example.org", "en")
    finally:
        store.close()
    before = _every_value(url)
    for secret in ("marie@example.org", "+33612345678", "hooks.example.org", "hospital-west"):
        assert secret in before
    for contact, kind in (
        ("marie@example.org", "e-mail"),
        ("+33 6 12 34 56 78", "SMS"),
        ("https://hooks.example.org/status", "webhook"),
    ):
        r = runner.invoke(cli_app, ["status", "erase", contact, "--db", url])
        assert r.exit_code == 0, r.output
        assert f"({kind})" in r.output
    after = _every_value(url)
    for gone in ("marie@example.org", "+33612345678", "hooks.example.org", "hospital-west",
                 mail.token, number.token):  # fmt: skip
        assert gone not in after
    assert "other@example.org" in after and keep.token in after  # only what was asked
    r = runner.invoke(cli_app, ["status", "erase", "marie@example.org", "--db", url])
    assert r.exit_code == 1 and "no subscriber" in r.output
