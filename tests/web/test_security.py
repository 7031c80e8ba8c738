"""Security of the dashboard through a real server: who may see what, CSRF, roles,
session cookies, login rate limit, and a public page that leaks nothing internal."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

import blackstart.api as bs
from blackstart.model.model import Model
from blackstart.web import create_app
from blackstart.web.auth import MAX_FAILURES
from tests.web._board import add_users, csrf_of, declare, login
from tests.web.conftest import serve

ANALYSIS = ["/", "/what-if", "/plan", "/resilience", "/api/overview", "/api/spof"]


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[httpx.Client]:
    app = create_app(bs.example_path(), f"sqlite:///{tmp_path / 's.db'}")
    add_users(app)
    with serve(app) as client:
        yield client


def test_without_users_analysis_is_open_but_the_board_is_not(tmp_path: Path) -> None:
    app = create_app(bs.example_path(), f"sqlite:///{tmp_path / 'open.db'}")
    with serve(app) as c:
        for path in ANALYSIS:
            assert c.get(path).status_code == 200, path
        assert c.post("/api/what-if", json={"fail": ["site:colo-paris"]}).status_code == 200
        assert c.get("/incidents").status_code == 303
        assert c.get("/api/incidents").status_code == 401
        assert c.get("/admin/audit").status_code == 303
        assert c.get("/status").status_code == 200


def test_with_a_user_everything_but_status_and_login_needs_a_login(secured: httpx.Client) -> None:
    for path in [*ANALYSIS, "/incidents", "/admin/audit"]:
        r = secured.get(path)
        if path.startswith("/api/"):
            assert r.status_code == 401, path
        else:
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    assert secured.post("/api/what-if", json={"fail": ["site:colo-paris"]}).status_code == 401
    assert secured.get("/openapi.json").status_code == 401
    for path in ("/status", "/status.json", "/login", "/static/style.css"):
        assert secured.get(path).status_code == 200, path


def test_session_cookie_is_httponly_and_samesite_strict(secured: httpx.Client) -> None:
    token = csrf_of(secured.get("/login").text)
    r = secured.post(
        "/login", data={"name": "olga", "password": "olga-password-1", "csrf_token": token}
    )
    assert r.status_code == 303
    cookie = next(
        c for c in r.headers.get_list("set-cookie") if c.startswith("blackstart_session=")
    )
    parts = {p.strip().split("=")[0].lower() for p in cookie.split(";")}
    assert {"httponly", "samesite", "path"} <= parts
    assert "samesite=strict" in cookie.lower()


def test_login_form_without_its_csrf_token_is_refused(secured: httpx.Client) -> None:
    secured.get("/login")
    r = secured.post("/login", data={"name": "olga", "password": "olga-password-1"})
    assert r.status_code == 403
    r = secured.post(
        "/login", data={"name": "olga", "password": "olga-password-1", "csrf_token": "forged"}
    )
    assert r.status_code == 403


def test_csrf_missing_or_wrong_is_403_on_api_and_forms(secured: httpx.Client) -> None:
    csrf = login(secured, "olga")
    iid = declare(secured, csrf)["incident"]["id"]
    task = secured.get(f"/api/incidents/{iid}").json()["tasks"][0]["id"]
    body = {"task": task, "kind": "done"}
    url = f"/api/incidents/{iid}/events"
    assert secured.post(url, json=body).status_code == 403
    assert secured.post(url, json=body, headers={"x-csrf-token": "wrong"}).status_code == 403
    assert secured.post(url, json=body, headers={"x-csrf-token": csrf + "x"}).status_code == 403
    form = f"/incidents/{iid}/events"
    assert secured.post(form, data=body).status_code == 403
    assert secured.post(form, data={**body, "csrf_token": "wrong"}).status_code == 403
    assert (
        secured.post(
            "/api/incidents", json={"title": "t", "scenario": "colo-power-cut"}
        ).status_code
        == 403
    )
    assert secured.post("/logout").status_code == 403
    # nothing was recorded by the refused requests
    assert secured.get(f"/api/incidents/{iid}").json()["events"] == []
    # power is still out: the board asks to confirm a done restart (issue 22)
    confirmed = {**body, "csrf_token": csrf, "confirm": "yes"}
    assert secured.post(form, data=confirmed).status_code == 303
    assert len(secured.get(f"/api/incidents/{iid}").json()["events"]) == 1


def test_a_viewer_can_read_but_change_nothing(secured: httpx.Client) -> None:
    csrf = login(secured, "olga")
    b = declare(secured, csrf)
    iid, task = b["incident"]["id"], b["tasks"][0]["id"]
    vcsrf = login(secured, "vic")
    h = {"x-csrf-token": vcsrf}
    assert secured.get(f"/incidents/{iid}").status_code == 200
    assert secured.get(f"/api/incidents/{iid}").status_code == 200
    attempts = [
        ("/api/incidents", {"title": "t", "scenario": "colo-power-cut"}),
        (f"/api/incidents/{iid}/events", {"task": task, "kind": "done"}),
        (f"/api/incidents/{iid}/unplanned", {"key": "k", "estimate": "1h"}),
        (f"/api/incidents/{iid}/announcements", {"tier": "care", "eta": "2024-08-05T10:00"}),
        (f"/api/incidents/{iid}/messages", {"body": "hello"}),
        (f"/api/incidents/{iid}/clock", {"advance": "1h"}),
        (f"/api/incidents/{iid}/close", {}),
        ("/api/what-if/saved", {"name": "n", "fail": ["site:colo-paris"]}),
    ]
    for url, body in attempts:
        r = secured.post(url, json=body, headers=h)
        assert r.status_code == 403, url
        assert "viewer" in r.json()["error"]
    assert (
        secured.post(
            f"/incidents/{iid}/events", data={"task": task, "kind": "done", "csrf_token": vcsrf}
        ).status_code
        == 403
    )
    assert secured.get("/admin/audit").status_code == 403
    assert secured.get("/api/admin/audit").status_code == 403
    # a what-if only computes: a viewer may ask one (with the CSRF token), not save it
    r = secured.post("/api/what-if", json={"fail": ["site:colo-paris"]}, headers=h)
    assert r.status_code == 200 and "lab-results" in {f["id"] for f in r.json()["functions_down"]}
    assert secured.post("/api/what-if", json={"fail": ["site:colo-paris"]}).status_code == 403
    page = {"fail": "site:colo-paris", "csrf_token": vcsrf}
    assert secured.post("/what-if", data=page).status_code == 200
    assert secured.post("/what-if", data={**page, "save_as": "x"}).status_code == 403
    after = secured.get(f"/api/incidents/{iid}").json()
    assert after["incident"]["version"] == 1 and after["events"] == [] and not after["messages"]
    page = secured.get(f"/incidents/{iid}").text
    assert 'action="/incidents/' not in page  # no change form for a viewer
    assert secured.post("/logout", data={"csrf_token": vcsrf}).status_code == 303


def test_logout_ends_the_session(secured: httpx.Client) -> None:
    csrf = login(secured, "olga")
    cookie = secured.cookies.get("blackstart_session")
    assert secured.post("/logout", data={"csrf_token": csrf}).status_code == 303
    secured.cookies.set("blackstart_session", cookie or "")  # replaying the old cookie
    assert secured.get("/api/incidents").status_code == 401


def test_login_is_rate_limited_per_user_and_address(secured: httpx.Client) -> None:
    secured.cookies.clear()
    token = csrf_of(secured.get("/login").text)
    for _ in range(MAX_FAILURES):
        r = secured.post("/login", data={"name": "olga", "password": "nope", "csrf_token": token})
        assert r.status_code == 401
        token = csrf_of(r.text)  # each login form carries a fresh token
    r = secured.post(
        "/login", data={"name": "olga", "password": "olga-password-1", "csrf_token": token}
    )
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "Back to the login form" in r.text  # a cheap page; the form token still holds
    # another user from the same address is not locked out
    r = secured.post(
        "/login", data={"name": "ada", "password": "ada-password-1", "csrf_token": token}
    )
    assert r.status_code == 303


def _internal_names(model: Model) -> set[str]:
    names: set[str] = set()
    for section in (model.components, model.sites, model.providers, model.teams):
        for key, value in section.items():
            names.add(key)
            if getattr(value, "name", None):
                names.add(value.name)
    return names


def test_public_status_never_shows_an_internal_name_or_id(secured: httpx.Client) -> None:
    """Every id and name of the example's components, sites, providers and teams is
    absent from /status and /status.json, during an incident that takes down every
    function it can (the whole colocation provider). The public function names are
    removed from the text first: a few of them share a plain word with a team or a
    component ('telephony', 'network', 'HR and payroll'). The names of the places of
    delivery (the hospitals: "West hospital") are public by design, as the lines "West
    hospital / Lab results: …"; their ids are not."""
    model = bs.load(bs.example_path())
    csrf = login(secured, "olga")
    b = declare(secured, csrf, title="provider", scenario="colo-provider-failure")
    iid = b["incident"]["id"]
    h = {"x-csrf-token": csrf}
    mid = secured.post(
        f"/api/incidents/{iid}/messages", json={"body": "We are on it."}, headers=h
    ).json()["messages"][0]["id"]
    secured.post(f"/api/incidents/{iid}/messages/{mid}/publish", headers=h)
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    window = {"name": "Planned works", "message": "Works on the power supply.",
              "scenario": "secondary-dc-power-cut", "start": soon.isoformat(),
              "end": (soon + timedelta(hours=4)).isoformat()}  # fmt: skip
    assert secured.post("/api/maintenance", json=window, headers=h).status_code == 201
    time.sleep(1.1)
    secured.cookies.clear()
    places = {p for ps in model.places.values() for p in ps}
    org = model.organisation
    public_words = sorted(
        {w for f in model.functions.values()
         for w in (f.name, f.public_name, *f.names.values()) if w}
        | {model.sites[p].name or "" for p in places} - {""}
        | ({w for w in (org.name, org.helpline, org.instructions) if w} if org else set()),
        key=len,
        reverse=True,
    )  # fmt: skip
    status = secured.get("/status.json").json()
    assert any(f["state"] == "down" for t in status["tiers"] for f in t["functions"])
    assert set(status) == {
        "organisation", "timezone", "now", "incident", "state", "timeline", "tiers", "messages",
        "updated_at", "maintenance",
    }  # fmt: skip
    assert [w["name"] for w in status["maintenance"]] == ["Planned works"]
    pages = ("/status", "/status.json", "/status.atom", "/api/v2/summary.json",
             "/status/history", "/status/history.json")  # fmt: skip
    for text in (secured.get(p).text for p in pages):
        for word in public_words:
            text = text.replace(html.escape(word, quote=False), " ").replace(word, " ")
        lowered = text.lower()
        for name in _internal_names(model):
            pattern = r"(?<![a-z0-9-])" + re.escape(name.lower()) + r"(?![a-z0-9-])"
            assert not re.search(pattern, lowered), name
        assert "We are on it." in text


def test_drills_never_appear_on_the_public_page(secured: httpx.Client) -> None:
    csrf = login(secured, "olga")
    h = {"x-csrf-token": csrf}
    b = declare(secured, csrf, title="exercise", drill=True, clock="simulated")
    iid = b["incident"]["id"]
    mid = secured.post(
        f"/api/incidents/{iid}/messages", json={"body": "Drill message"}, headers=h
    ).json()["messages"][0]["id"]
    secured.post(f"/api/incidents/{iid}/messages/{mid}/publish", headers=h)
    time.sleep(1.1)
    status = secured.get("/status.json").json()
    assert status["incident"] is False and status["messages"] == []
    assert all(f["state"] == "up" for t in status["tiers"] for f in t["functions"])
    assert "Drill message" not in secured.get("/status").text
    board = secured.get(f"/incidents/{iid}").text
    assert "DRILL" in board
    assert "DRILL" in secured.get("/incidents").text


def test_head_status_for_uptime_monitors(secured: httpx.Client) -> None:
    secured.cookies.clear()
    for path in ("/status", "/status.json"):
        r = secured.head(path)
        assert r.status_code == 200 and r.content == b""
        assert int(r.headers["content-length"]) == len(secured.get(path).content)
