"""The off-site status: ``blackstart status publish`` to a directory and to a real OpenSSH
server, ``serve --publish-to`` republishing after every change, ``/status.atom`` and
``/api/v2/summary.json``, and nothing internal in any public artefact."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeET
import httpx
import pytest
from typer.testing import CliRunner

import blackstart.api as bs
from blackstart.cli import app as cli_app
from blackstart.model.model import Model
from blackstart.store.incidents import IncidentStore
from blackstart.web import create_app
from blackstart.web.board import IncidentService
from blackstart.web.dashboard import Dashboard
from blackstart.web.publish import DirectoryTarget, SftpTarget, parse_target, publish
from blackstart.web.status_public import SNAPSHOT_FILES, summary_v2
from tests.web._board import add_users, declare, login
from tests.web._sshd import sshd
from tests.web.conftest import serve

ATOM = "{http://www.w3.org/2005/Atom}"
runner = CliRunner()
SCENARIO = "colo-power-cut"


def _declared_store(path: Path) -> str:
    """A store with one live incident of the scenario, declared now (real clock)."""
    url = f"sqlite:///{path}"
    dash = Dashboard.open(bs.example_path(), url)
    try:
        svc = IncidentService(dash, IncidentStore(dash.store))
        row = svc.declare(
            "olga",
            title="Internal title: colo-power-cut at GS",
            scenario=SCENARIO,
            fail=[],
            start=None,
            failure_end=None,
            drill=False,
            clock="real",
        )
        mid = svc.store.draft_message(row.id, body="Lab results by phone.", user="olga")
        msgs = svc.snapshot(row.id).messages
        svc.publish(row.id, "ada", msgs[-1].id)
        assert mid
    finally:
        dash.close()
    return url


def _display(model: Model, fid: str) -> str:
    fn = model.functions[fid]  # the public name when given (issue 22)
    return fn.public_name or fn.name or fid.replace("-", " ").capitalize()


def _down_names(model: Model) -> set[str]:
    """The oracle: the functions the scenario takes down, from the impact engine."""
    report = bs.impact(model, scenario=SCENARIO).to_dict()
    return {_display(model, f["id"]) for f in report["functions_down"]}


def _internal_words(model: Model) -> set[str]:
    """Ids of everything internal, and the tasks' ids: none may appear publicly."""
    words = {*model.components, *model.sites, *model.providers, *model.teams, *model.functions}
    words |= {t for t in model.scenarios}
    words.add("Internal title")
    return {w for w in words if len(w) >= 4}


def assert_nothing_internal(model: Model, text: str, what: str) -> None:
    leaked = sorted(w for w in _internal_words(model) if w in text)
    assert not leaked, f"{what} shows internal names: {leaked[:10]}"


def _read_snapshot(directory: Path) -> dict[str, str]:
    return {name: (directory / name).read_text("utf-8") for name in SNAPSHOT_FILES}


def _check_snapshot(model: Model, files: dict[str, str]) -> None:
    status = json.loads(files["status.json"])
    down = {f["name"] for t in status["tiers"] for f in t["functions"] if f["state"] == "down"}
    assert status["incident"] is True
    assert down == _down_names(model)
    page = files["index.html"]
    assert "<script" not in page.lower() and "http://" not in page and "https://" not in page
    assert "Lab results by phone." in page
    feed = SafeET.fromstring(files["status.atom"].encode())
    assert feed.tag == f"{ATOM}feed"
    bodies = [e.findtext(f"{ATOM}content") for e in feed.findall(f"{ATOM}entry")]
    assert "Lab results by phone." in bodies
    for name, text in files.items():
        assert_nothing_internal(model, text, name)


def test_publish_to_a_directory_from_the_cli(tmp_path: Path, model: Model) -> None:
    url = _declared_store(tmp_path / "s.db")
    out = tmp_path / "site" / "status"
    r = runner.invoke(cli_app, ["status", "publish", "--db", url, "--to", str(out)])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == sorted(SNAPSHOT_FILES)  # no temp left
    _check_snapshot(model, _read_snapshot(out))


def test_publish_replaces_files_atomically(tmp_path: Path) -> None:
    """A reader holding the old file keeps reading the old content in full; the new
    content arrives under the same name in one step (a new inode, not rewritten in place)."""
    out = tmp_path / "pub"
    publish({"index.html": b"old" * 1000}, DirectoryTarget(out))
    before = os.stat(out / "index.html").st_ino
    with open(out / "index.html", "rb") as reader:
        publish({"index.html": b"new"}, DirectoryTarget(out))
        assert reader.read() == b"old" * 1000
    assert (out / "index.html").read_bytes() == b"new"
    assert os.stat(out / "index.html").st_ino != before
    assert [p.name for p in out.iterdir()] == ["index.html"]


def test_publish_over_sftp_to_a_real_openssh_server(tmp_path: Path, model: Model) -> None:
    url = _declared_store(tmp_path / "s.db")
    remote = tmp_path / "remote" / "www" / "status"
    with sshd(tmp_path / "ssh") as server:
        r = runner.invoke(cli_app, ["status", "publish", "--db", url, "--to", server.url(remote)])
        assert r.exit_code == 0, r.output
        assert sorted(p.name for p in remote.iterdir()) == sorted(SNAPSHOT_FILES)
        _check_snapshot(model, _read_snapshot(remote))
        # an unknown host key is refused (no trust on first use)
        (tmp_path / "empty_known_hosts").write_text("")
        wrong = server.url(remote).replace(
            str(server.known_hosts), str(tmp_path / "empty_known_hosts")
        )
        r = runner.invoke(cli_app, ["status", "publish", "--db", url, "--to", wrong])
        assert r.exit_code == 1 and "cannot publish" in r.output


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("ftp://host/status", "unsupported target scheme 'ftp'"),
        ("sftp://host/path", "incomplete SFTP target"),
        ("sftp://u@host:99999/p", "bad port"),
        ("sftp://u@host/p?password=x", "unknown option 'password'"),
    ],
)
def test_bad_targets_are_refused_with_a_message(target: str, message: str) -> None:
    r = runner.invoke(cli_app, ["status", "publish", "--to", target])
    assert r.exit_code == 1  # an input error (README: exit codes)
    assert message in " ".join(r.output.split())


def test_parse_target() -> None:
    t = parse_target("sftp://ops@status.example.org:2222/var/www/status?identity=/k")
    assert t == SftpTarget("ops", "status.example.org", 2222, "/var/www/status", "/k", None)
    assert parse_target("out/status") == DirectoryTarget(Path("out/status"))


def test_unreachable_sftp_server_is_a_clear_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    # a port of this area's range where nothing listens
    r = runner.invoke(
        cli_app, ["status", "publish", "--db", url, "--to", "sftp://u@127.0.0.1:18189/x"]
    )
    assert r.exit_code == 1 and "cannot publish" in r.output


# --------------------------------------------------------------------------- serve


@pytest.fixture
def published(tmp_path: Path) -> Iterator[tuple[httpx.Client, Path, Any]]:
    out = tmp_path / "offsite"
    app = create_app(bs.example_path(), f"sqlite:///{tmp_path / 'b.db'}", publish_to=str(out))
    add_users(app)
    with serve(app) as client:
        yield client, out, app.state.publisher


def test_serve_republishes_after_every_change(
    published: tuple[httpx.Client, Path, Any], model: Model
) -> None:
    client, out, publisher = published
    assert publisher.flush()
    assert json.loads((out / "status.json").read_text())["incident"] is False
    csrf = login(client, "olga")
    iid = declare(client, csrf, title="Internal title")["incident"]["id"]
    assert publisher.flush()
    files = _read_snapshot(out)
    assert json.loads(files["status.json"])["incident"] is True
    h = {"x-csrf-token": csrf}
    r = client.post(
        f"/api/incidents/{iid}/messages", json={"body": "Lab results by phone."}, headers=h
    )
    mid = r.json()["messages"][-1]["id"]
    csrf = login(client, "ada")
    r = client.post(f"/api/incidents/{iid}/messages/{mid}/publish", headers={"x-csrf-token": csrf})
    assert r.status_code == 200
    assert publisher.flush()
    _check_snapshot(model, _read_snapshot(out))
    assert publisher.failures == 0


def test_a_failing_target_never_breaks_the_board(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    app = create_app(
        bs.example_path(), f"sqlite:///{tmp_path / 'b.db'}", publish_to=str(blocker / "sub")
    )
    add_users(app)
    with serve(app) as client:
        csrf = login(client, "olga")
        declare(client, csrf)  # asserts 201
        assert app.state.publisher.flush()
        assert app.state.publisher.failures >= 1
        assert client.get("/status").status_code == 200


def test_atom_and_summary_are_served_publicly(
    published: tuple[httpx.Client, Path, Any], model: Model
) -> None:
    client, _out, _pub = published
    csrf = login(client, "olga")
    declare(client, csrf, title="Internal title")
    client.cookies.clear()  # the public needs no login
    import time

    time.sleep(1.1)  # the public status is cached for a second
    feed = client.get("/status.atom")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith(
        "application/atom+xml"
    )
    SafeET.fromstring(feed.content)
    r = client.get("/api/v2/summary.json")
    assert r.status_code == 200
    s = r.json()
    assert set(s) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    leaves = [c for c in s["components"] if not c["group"]]
    assert len(leaves) == len(model.functions)
    broken = {c["name"] for c in leaves if c["status"] != "operational"}
    assert broken == _down_names(model)
    assert {c["status"] for c in leaves} <= {
        "operational",
        "degraded_performance",
        "partial_outage",
        "major_outage",
    }
    vital_down = any(
        model.functions[f].tier == "vital"
        for f in bs.impact(model, scenario=SCENARIO).to_dict()["functions_down"]
        for f in [f["id"]]
    )
    assert s["status"]["indicator"] == ("critical" if vital_down else "major")
    assert len(s["incidents"]) == 1 and s["incidents"][0]["status"] == "investigating"
    for name, text in (("feed", feed.text), ("summary", r.text)):
        assert_nothing_internal(model, text, name)


def test_summary_when_all_is_well_says_so(model: Model) -> None:
    tiers = {"vital": [], "care": [], "administrative": []}
    for fid, fn in model.functions.items():
        tiers[fn.tier].append({"name": _display(model, fid), "state": "up"})
    payload = {
        "incident": False,
        "tiers": [{"tier": t, "functions": fs} for t, fs in tiers.items()],
        "messages": [],
        "updated_at": None,
    }
    s = summary_v2(payload)
    assert s["status"] == {"indicator": "none", "description": "All Systems Operational"}
    assert s["incidents"] == [] and all(c["status"] == "operational" for c in s["components"])
