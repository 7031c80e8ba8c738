"""Scheduled maintenance on a real server: declared on the board (JSON API and form,
role-checked, bad input refused with 4xx and a suggestion), shown ahead of time, live when
the window starts (functions under maintenance, distinct from an incident), in
``/status``, ``status.json``, ``/status.atom``, ``/api/v2/summary.json`` (Statuspage's
``scheduled_maintenances`` shape) and the static snapshot; one webhook message per
published update; the command line's add/list/cancel; nothing internal anywhere."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeET
import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

import blackstart.api as bs
from blackstart.cli import app as cli_app
from blackstart.model.model import Model
from blackstart.web import create_app
from blackstart.web.maintenance import Ticker
from tests.web._board import add_users, declare, login
from tests.web.conftest import serve
from tests.web.test_status_publish import assert_nothing_internal
from tests.web.test_status_webhooks import Receiver

runner = CliRunner()
SCENARIO = "colo-power-cut"
ATOM = "{http://www.w3.org/2005/Atom}"
PUBLIC_NAME = "Onduleurs du centre de données"


def _display(model: Model, fid: str) -> str:
    fn = model.functions[fid]
    return fn.public_name or fn.name or fid.replace("-", " ").capitalize()


def _down_names(model: Model) -> set[str]:
    """The oracle of what the work takes down: the impact engine on the scenario."""
    report = bs.impact(model, scenario=SCENARIO).to_dict()
    return {_display(model, f["id"]) for f in report["functions_down"]}


def _no_english_left(page: str) -> None:
    """The French page shows no English string of the catalog (its visible text)."""
    from tests.web.test_status_i18n import _catalog

    english = {k for k, (v, _) in _catalog().items() if v != k and len(k) > 12}
    visible = re.sub(r"<[^>]+>", " ", page)
    assert not sorted(k for k in english if k in visible)
    assert '<html lang="fr">' in page


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


def _window(start: datetime, hours: float = 4, **extra: Any) -> dict[str, Any]:
    return {
        "name": PUBLIC_NAME,
        "message": "Remplacement planifié des onduleurs.",
        "scenario": SCENARIO,
        "start": _iso(start),
        "end": _iso(start + timedelta(hours=hours)),
        **extra,
    }


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    db = tmp_path_factory.mktemp("maint") / "m.db"
    app = create_app(bs.example_path(), f"sqlite:///{db}")
    add_users(app)
    return app


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[httpx.Client]:
    with serve(app) as c:
        yield c


def _post(client: httpx.Client, csrf: str, path: str, body: Any = None) -> httpx.Response:
    return client.post(path, json=body, headers={"x-csrf-token": csrf})


def test_declared_ahead_shown_as_planned_everywhere(client: httpx.Client, model: Model) -> None:
    csrf = login(client, "olga")
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    r = _post(client, csrf, "/api/maintenance", _window(start))
    assert r.status_code == 201, r.text
    board = r.json()
    assert board["status"] == "scheduled" and board["scenario"] == SCENARIO
    fc = board["forecast"]
    # the forecast runs from the window's start; nothing is back before the work ends
    end = start + timedelta(hours=4)
    down = [f for f in fc["functions"] if f["was_down"]]
    assert {_display(model, f["id"]) for f in down} == _down_names(model)
    for f in down:
        p50, p80, p95 = (datetime.fromisoformat(f[k]) for k in ("p50", "p80", "p95"))
        assert end <= p50 <= p80 <= p95
    client.cookies.clear()
    time.sleep(1.1)  # the public status is cached for a second

    status = client.get("/status.json").json()
    [w] = status["maintenance"]
    assert w["status"] == "scheduled" and w["name"] == PUBLIC_NAME
    assert w["scheduled_for"] == _iso(start) and w["scheduled_until"] == _iso(end)
    assert {f["name"] for f in w["functions"]} == _down_names(model)
    assert all(f["state"] == "scheduled" for f in w["functions"])
    assert w["back"] == {
        k2: fc["all"][k] for k, k2 in (("p50", "from"), ("p80", "to"), ("p95", "p95"))
    }
    # ahead of time nothing is under maintenance yet
    states = {f["state"] for t in status["tiers"] for f in t["functions"]}
    assert states == {"up"}

    page = client.get("/status", headers={"accept-language": "fr"}).text
    section = re.search(r'<section id="maintenance">.*?</section>', page, re.S)
    assert section and PUBLIC_NAME in section.group(0)
    assert "Maintenance programmée" in section.group(0) and "Prévue de" in section.group(0)
    assert "Retour prévu entre" in section.group(0)
    _no_english_left(page)
    en = client.get("/status?lang=en").text
    assert "Planned maintenance" in en and "Expected back between" in en

    summary = client.get("/api/v2/summary.json").json()
    [sm] = summary["scheduled_maintenances"]
    for key in (
        "id",
        "name",
        "status",
        "scheduled_for",
        "scheduled_until",
        "impact",
        "incident_updates",
        "components",
        "created_at",
        "updated_at",
        "page_id",
    ):
        assert key in sm, key
    assert sm["status"] == "scheduled" and sm["impact"] == "maintenance"
    assert {c["name"] for c in sm["components"]} == _down_names(model)
    assert summary["status"]["indicator"] == "none"

    feed = SafeET.fromstring(client.get("/status.atom").content)
    titles = [e.findtext(f"{ATOM}title") or "" for e in feed.findall(f"{ATOM}entry")]
    assert any(PUBLIC_NAME in t and "planned" in t for t in titles)
    for path in (
        "/status",
        "/status?lang=en",
        "/status.json",
        "/status.atom",
        "/api/v2/summary.json",
        "/status/history",
        "/status/history.json",
    ):
        text = client.get(path).text
        assert_nothing_internal(model, text, path)
        assert "olga" not in text


def test_live_when_the_window_starts(client: httpx.Client, model: Model) -> None:
    """A window that has started: its functions are under maintenance (not down), the
    page says so, Statuspage components are under_maintenance; cancelling removes it."""
    csrf = login(client, "olga")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    r = _post(client, csrf, "/api/maintenance", _window(start, name="Travaux en cours"))
    assert r.status_code == 201, r.text
    wid = r.json()["id"]
    assert r.json()["status"] == "in_progress"
    time.sleep(1.1)
    status = client.get("/status.json").json()
    live = [w for w in status["maintenance"] if w["status"] == "in_progress"]
    assert [w["name"] for w in live] == ["Travaux en cours"]
    under = {
        f["name"] for t in status["tiers"] for f in t["functions"] if f["state"] == "maintenance"
    }
    assert under == _down_names(model)
    assert not any(f["state"] == "down" for t in status["tiers"] for f in t["functions"])
    assert status["incident"] is False
    fr = client.get("/status?lang=fr").text
    assert "Maintenance programmée en cours." in fr and "en maintenance" in fr
    _no_english_left(fr)
    summary = client.get("/api/v2/summary.json").json()
    comps = {c["name"]: c["status"] for c in summary["components"] if not c["group"]}
    assert {n for n, s in comps.items() if s == "under_maintenance"} == _down_names(model)
    assert summary["status"]["indicator"] == "maintenance"
    assert [
        m["name"] for m in summary["scheduled_maintenances"] if m["status"] == "in_progress"
    ] == ["Travaux en cours"]

    r = _post(client, csrf, f"/api/maintenance/{wid}/cancel")
    assert r.status_code == 200 and r.json()["cancelled_by"] == "olga"
    assert _post(client, csrf, f"/api/maintenance/{wid}/cancel").status_code == 422
    time.sleep(1.1)
    status = client.get("/status.json").json()
    assert all(w["status"] == "scheduled" for w in status["maintenance"])
    assert not any(f["state"] == "maintenance" for t in status["tiers"] for f in t["functions"])


def test_an_incident_wins_over_maintenance(client: httpx.Client, model: Model) -> None:
    csrf = login(client, "olga")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    wid = _post(client, csrf, "/api/maintenance", _window(start)).json()["id"]
    iid = declare(client, csrf, title="Internal title")["incident"]["id"]
    time.sleep(1.1)
    status = client.get("/status.json").json()
    states = {
        f["state"]
        for t in status["tiers"]
        for f in t["functions"]
        if f["name"] in _down_names(model)
    }
    assert states == {"down"}
    _post(client, csrf, f"/api/maintenance/{wid}/cancel")
    _post(client, csrf, f"/api/incidents/{iid}/close")


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"scenario": "colo-power-cu"}, 422, "did you mean 'colo-power-cut'"),
        ({"end": "2030-01-01T00:00"}, 422, "at most 14 days"),
        ({"start": "2030-01-01T10:00", "end": "2030-01-01T09:00"}, 422, "end after it starts"),
        ({"start": "2024-08-03T10:00", "end": "2024-08-03T12:00"}, 422, "already over"),
        ({"start": "next saturday"}, 422, "cannot read time"),
        ({"start": "9999-01-01T00:00"}, 422, "out of range"),
        ({"name": "   "}, 422, "needs a name"),
        ({"name": "x" * 201}, 422, "name"),
        ({"surprise": 1}, 422, "surprise"),
        ({"start": "2035-01-01T00:00", "end": "2035-01-01T04:00"}, 422, "366 days ahead"),
    ],
)
def test_bad_windows_are_refused_with_a_suggestion(
    client: httpx.Client, change: dict[str, Any], status: int, words: str
) -> None:
    csrf = login(client, "olga")
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    r = _post(client, csrf, "/api/maintenance", {**_window(start), **change})
    assert r.status_code == status, r.text
    body = r.json()
    assert words in body["error"] + (body.get("suggestion") or "")
    assert body["suggestion"]


def test_roles_and_missing_windows(client: httpx.Client) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    client.cookies.clear()
    assert client.get("/api/maintenance").status_code == 401
    csrf = login(client, "vic")  # a viewer reads, never declares
    assert client.get("/api/maintenance").status_code == 200
    r = _post(client, csrf, "/api/maintenance", _window(start))
    assert r.status_code == 403 and r.json()["suggestion"]
    csrf = login(client, "olga")
    r = _post(client, csrf, "/api/maintenance/999/cancel")
    assert r.status_code == 404 and "no maintenance window 999" in r.json()["error"]
    assert _post(client, csrf, "/api/maintenance/99999999999/cancel").status_code == 422


def test_the_board_form(client: httpx.Client) -> None:
    csrf = login(client, "olga")
    page = client.get("/maintenance")
    assert page.status_code == 200 and 'action="/maintenance"' in page.text
    start = (datetime.now(UTC) + timedelta(days=3)).astimezone().strftime("%Y-%m-%dT%H:%M")
    end = (datetime.now(UTC) + timedelta(days=3, hours=2)).astimezone().strftime("%Y-%m-%dT%H:%M")
    form = {
        "csrf_token": csrf,
        "name": "Form window",
        "scenario": SCENARIO,
        "start": start,
        "end": end,
        "message": "",
    }
    r = client.post("/maintenance", data=form)
    assert r.status_code == 303, r.text
    assert "Form window" in client.get("/maintenance").text
    r = client.post("/maintenance", data={**form, "scenario": "nope"})
    assert r.status_code == 422 and "no scenario" in r.text


def test_one_message_per_update_and_the_ticker(tmp_path: Path) -> None:
    """Declaring, a window declared from the command line, a window starting, and a
    cancellation each send exactly one webhook message."""
    receiver = Receiver()
    try:
        url = f"sqlite:///{tmp_path / 'w.db'}"
        r = runner.invoke(cli_app, ["status", "webhook", "add", receiver.url, "--db", url])
        assert r.exit_code == 0, r.output
        app = create_app(bs.example_path(), url)
        ticker: Ticker = app.state.maintenance_ticker
        ticker.every = 0.2
        add_users(app)
        with serve(app) as client:
            notifier = app.state.webhooks
            try:
                csrf = login(client, "olga")
                soon = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
                r = _post(client, csrf, "/api/maintenance", _window(soon))
                assert r.status_code == 201, r.text
                assert notifier.flush()
                assert len(receiver.accepted()) == 1
                first = json.loads(receiver.accepted()[0][1])
                assert [m["status"] for m in first["scheduled_maintenances"]] == ["scheduled"]
                # declared from the command line: the ticker sees it
                later = datetime.now(UTC) + timedelta(days=5)
                r = runner.invoke(
                    cli_app,
                    [
                        "status",
                        "maintenance",
                        "add",
                        "--db",
                        url,
                        "--scenario",
                        SCENARIO,
                        "--start",
                        _iso(later),
                        "--end",
                        _iso(later + timedelta(hours=1)),
                        "--name",
                        "CLI window",
                    ],
                )
                assert r.exit_code == 0, r.output
                deadline = time.monotonic() + 10
                while len(receiver.accepted()) < 2 and time.monotonic() < deadline:
                    time.sleep(0.1)
                    notifier.flush()
                assert len(receiver.accepted()) == 2
                # the first window starts: one message saying in_progress
                while time.monotonic() < deadline + 5 and len(receiver.accepted()) < 3:
                    time.sleep(0.1)
                    notifier.flush()
                time.sleep(0.6)
                notifier.flush()
                accepted = receiver.accepted()
                assert len(accepted) == 3
                third = json.loads(accepted[2][1])
                statuses = sorted(m["status"] for m in third["scheduled_maintenances"])
                assert statuses == ["in_progress", "scheduled"]
                assert third["status"]["indicator"] == "maintenance"
                windows = client.get("/api/maintenance").json()
                cli_id = next(w["id"] for w in windows if w["name"] == "CLI window")
                assert _post(client, csrf, f"/api/maintenance/{cli_id}/cancel").status_code == 200
                assert notifier.flush()
                assert len(receiver.accepted()) == 4
            finally:
                assert ticker.ticks >= 2  # the CLI's window, then the start
        model = bs.load(bs.example_path())
        for _, body in receiver.accepted():
            assert_nothing_internal(model, body.decode(), "webhook body")
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


def test_cli_add_list_cancel_and_the_snapshot(tmp_path: Path, model: Model) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    args = [
        "status",
        "maintenance",
        "add",
        "--db",
        url,
        "--scenario",
        SCENARIO,
        "--start",
        _iso(start),
        "--end",
        _iso(start + timedelta(hours=4)),
        "--name",
        PUBLIC_NAME,
        "--message",
        "Travaux.",
        "--user",
        "olga",
    ]
    r = runner.invoke(cli_app, [*args, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["status"] == "scheduled"
    r = runner.invoke(cli_app, ["status", "maintenance", "list", "--db", url])
    assert r.exit_code == 0 and PUBLIC_NAME in r.stdout and "scheduled" in r.stdout
    local = start.astimezone(__import__("zoneinfo").ZoneInfo(model.timezone or "UTC"))
    assert local.strftime("%Y-%m-%d %H:%M") in r.stdout  # on the model's clock
    out = tmp_path / "site"
    r = runner.invoke(cli_app, ["status", "publish", "--db", url, "--to", str(out)])
    assert r.exit_code == 0, r.output
    index = (out / "index.html").read_text("utf-8")
    assert PUBLIC_NAME in index and "Maintenance programmée" in index
    assert "<script" not in index.lower()
    assert json.loads((out / "status.json").read_text())["maintenance"][0]["name"] == PUBLIC_NAME
    for name in (
        "index.html",
        "index.en.html",
        "status.json",
        "status.atom",
        "history.html",
        "history.en.html",
        "history.json",
    ):
        text = (out / name).read_text("utf-8")
        assert_nothing_internal(model, text, name)
        assert "olga" not in text
    for bad, words in (
        (["--scenario", "nope"], "no scenario 'nope'"),
        (["--end", _iso(start - timedelta(hours=1))], "end after it starts"),
    ):
        r = runner.invoke(cli_app, [*args, *bad])
        assert r.exit_code == 1 and words in r.output
    r = runner.invoke(cli_app, ["status", "maintenance", "cancel", "1", "--db", url])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli_app, ["status", "maintenance", "cancel", "1", "--db", url])
    assert r.exit_code == 1 and "already cancelled" in r.output
    r = runner.invoke(cli_app, ["status", "maintenance", "cancel", "42", "--db", url])
    assert r.exit_code == 1 and "no maintenance window 42" in r.output


@pytest.fixture
def inbox() -> Iterator[tuple[Any, int]]:
    """A real SMTP server (aiosmtpd) on a free port of this branch's range."""
    import socket

    from aiosmtpd.controller import Controller

    from tests.web.test_status_email import Inbox

    box = Inbox()
    for port in range(18300, 18320):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        break
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def test_subscribers_get_one_mail_per_window_update(
    tmp_path: Path, inbox: tuple[Any, int], model: Model
) -> None:
    """A confirmed subscriber gets one mail when a window is declared and one when it is
    cancelled, in their language, with the window's times and names; nothing internal."""
    from blackstart.store import subscribers as subs
    from blackstart.web.subscriptions import MailConfig
    from tests.web.test_status_email import _body

    box, port = inbox
    db = f"sqlite:///{tmp_path / 'e.db'}"
    app = create_app(
        bs.example_path(), db, mail=MailConfig("127.0.0.1", port, "status@test", "http://x")
    )
    add_users(app)
    sub = subs.subscribe(app.state.dashboard.store, "marie@example.org", "fr")
    assert subs.confirm(app.state.dashboard.store, sub.token) is not None
    with serve(app) as client:
        notifier = app.state.webhooks
        csrf = login(client, "olga")
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
        r = _post(client, csrf, "/api/maintenance", _window(start))
        assert r.status_code == 201, r.text
        assert notifier.flush()
        assert len(box.mails) == 1
        text = _body(box.mails[0])
        assert f"Maintenance programmée — {PUBLIC_NAME} (prévue)" in text
        assert "Prévue de" in text and "Retour prévu entre" in text
        assert_nothing_internal(model, text, "mail")
        assert "olga" not in text
        assert _post(client, csrf, f"/api/maintenance/{r.json()['id']}/cancel").is_success
        assert notifier.flush()
        assert len(box.mails) == 2 and PUBLIC_NAME not in _body(box.mails[1])
