"""``blackstart user add``, ``serve`` without users, and ``export-html`` through the real
entry point."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from typer.testing import CliRunner

import blackstart.api as bs
from blackstart.cli import app
from blackstart.store import open_store
from blackstart.store.incidents import IncidentStore

runner = CliRunner()


def test_user_add_from_stdin_hashes_with_argon2(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'u.db'}"
    res = runner.invoke(
        app,
        ["user", "add", "ada", "--role", "admin", "--db", db, "--password-stdin"],
        input="correct horse battery\n",
    )
    assert res.exit_code == 0, res.output
    store = IncidentStore(open_store(db))
    user = store.user("ada")
    assert user is not None and user.role == "admin"
    assert user.password_hash.startswith("$argon2id$")
    assert "correct horse" not in user.password_hash
    assert [r.action for r in store.audit_log()] == ["user.add"]
    store.store.close()


def test_user_add_prompts_twice(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'u.db'}"
    res = runner.invoke(
        app,
        ["user", "add", "olga", "--role", "operator", "--db", db],
        input="a long password\na long password\n",
    )
    assert res.exit_code == 0, res.output


def test_user_add_errors(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'u.db'}"
    args = ["user", "add", "ada", "--role", "admin", "--db", db, "--password-stdin"]
    res = runner.invoke(app, args, input="short\n")
    assert res.exit_code == 1 and "too short" in res.output
    assert runner.invoke(app, args, input="long enough passphrase\n").exit_code == 0
    res = runner.invoke(app, args, input="long enough passphrase\n")
    assert res.exit_code == 1 and "exists" in res.output
    res = runner.invoke(app, ["user", "add", "x", "--role", "root", "--db", db])
    assert res.exit_code == 2 and "root" in res.output
    res = runner.invoke(
        app,
        ["user", "add", "two words", "--role", "admin", "--db", db, "--password-stdin"],
        input="long enough passphrase\n",
    )
    assert res.exit_code == 1 and "bad user name" in res.output


def test_serve_without_users_refuses_a_public_address(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    res = subprocess.run(
        [
            str(Path(sys.executable).parent / "blackstart"),
            "serve",
            str(bs.example_path()),
            "--db",
            db,
            "--host",
            "0.0.0.0",
            "--port",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 1
    assert "no user" in res.stderr and "blackstart user add" in res.stderr


class _Refs(HTMLParser):
    """Every URL an element would load or link to."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scripts += tag == "script"
        for key, value in attrs:
            if key in ("src", "href", "action", "data") and value:
                self.refs.append(value)


def test_export_html_is_one_self_contained_file(tmp_path: Path) -> None:
    from blackstart.web import create_app

    db = f"sqlite:///{tmp_path / 'e.db'}"
    web = create_app(bs.example_path(), db)
    svc = web.state.incidents
    row = svc.declare(
        "olga",
        title="USB stick",
        scenario="colo-power-cut",
        fail=[],
        start="2024-08-03T11:00",
        failure_end=None,
        drill=False,
        clock="real",
    )
    task = svc.board(row.id)["tasks"][0]["id"]
    svc.record(row.id, "olga", task=task, kind="done", comment="switched on")
    svc.draft(row.id, "olga", "Lab results by phone")
    web.state.dashboard.close()
    out = tmp_path / "incident.html"
    res = runner.invoke(app, ["export-html", str(row.id), "-o", str(out), "--db", db])
    assert res.exit_code == 0, res.output
    html = out.read_text("utf-8")
    refs = _Refs()
    refs.feed(html)
    assert refs.scripts == 0
    assert all(r.startswith("#") for r in refs.refs), [r for r in refs.refs if r[0] != "#"]
    assert not re.search(r"url\((?!#)", html)  # no CSS resource either
    model = bs.load(bs.example_path())
    for team in model.teams.values():  # contacts
        assert (team.name or "") in html
    assert "switched on" in html and "Lab results by phone" in html and "<svg" in html
    assert task in html


def test_export_html_of_a_missing_incident_is_a_clear_error(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'e.db'}"
    res = runner.invoke(app, ["export-html", "42", "-o", str(tmp_path / "x.html"), "--db", db])
    assert res.exit_code == 1 and "no incident 42" in res.output
