"""Issue 17, findings 2, 3, 9 and 10 through a real server: a viewer cannot save a what-if
whatever the encoding (multipart, duplicated fields, upper-case Content-Type); saves are
audited; the audit view pages and filters (HTML and API); security headers on every
response; Host checked in no-user mode (DNS rebinding); Origin checked on changes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

import blackstart.api as bs
from blackstart.web import create_app
from tests.web._board import add_users, declare, login
from tests.web.conftest import serve


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    db = tmp_path_factory.mktemp("gate") / "g.db"
    a = create_app(bs.example_path(), f"sqlite:///{db}")
    add_users(a)
    return a


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[httpx.Client]:
    with serve(app) as c:
        yield c


def _saved(client: httpx.Client) -> set[str]:
    return {row["name"] for row in client.get("/api/what-if/saved").json()}


def test_a_viewer_cannot_save_a_what_if_in_any_encoding(client: httpx.Client) -> None:
    csrf = login(client, "vic")
    fail = "site:colo-paris"
    attempts: list[dict[str, object]] = [
        # multipart: FastAPI reads it, the old check did not
        {"files": {"fail": (None, fail), "save_as": (None, "m1"), "csrf_token": (None, csrf)}},
        # a duplicated field: the old check took the first, the handler the last
        {"content": f"fail={fail}&save_as=&save_as=d1&csrf_token={csrf}"},
        {"content": f"fail={fail}&save_as=d2&save_as=&csrf_token={csrf}"},
        # an upper-case Content-Type
        {
            "content": f"fail={fail}&save_as=u1&csrf_token={csrf}",
            "headers": {"content-type": "Application/X-WWW-Form-URLENCODED"},
        },
    ]
    for extra in attempts:
        headers = {"content-type": "application/x-www-form-urlencoded"}
        headers.update(extra.pop("headers", {}))  # type: ignore[arg-type]
        if "files" in extra:
            r = client.post("/what-if", files=extra["files"])  # type: ignore[arg-type]
        else:
            r = client.post("/what-if", content=extra["content"], headers=headers)  # type: ignore[arg-type]
        assert r.status_code == 403, (extra, r.status_code)
    assert _saved(client) == set()
    # asking (no save) is still fine for a viewer, in either encoding
    r = client.post("/what-if", files={"fail": (None, fail), "csrf_token": (None, csrf)})
    assert r.status_code == 200


def test_saves_of_what_ifs_are_audited(client: httpx.Client) -> None:
    csrf = login(client, "olga")
    r = client.post(
        "/what-if", data={"fail": "site:colo-paris", "save_as": "page save", "csrf_token": csrf}
    )
    assert r.status_code == 200 and "saved as" in r.text
    r = client.post(
        "/api/what-if/saved",
        json={"name": "api save", "fail": ["site:colo-paris"], "duration": "4h"},
        headers={"x-csrf-token": csrf},
    )
    assert r.status_code == 201
    rows = client.get("/api/what-if/saved").json()
    assert {"page save", "api save"} <= {row["name"] for row in rows}
    login(client, "ada")
    audit = client.get("/api/admin/audit", params={"action": "what-if."}).json()
    assert [(e["user"], e["target"]) for e in audit] == [
        ("olga", "what-if:api save"),
        ("olga", "what-if:page save"),
    ]
    assert audit[0]["after"]["duration"] == "4h"


def test_the_audit_view_pages_and_filters(client: httpx.Client, app: FastAPI) -> None:
    store = app.state.auth.incidents
    for i in range(230):
        store.record("flooder", "test.noise", f"noise:{i}", None, {"i": i})
    store.record("olga", "test.signal", "signal:1", None, None)
    login(client, "ada")
    seen: list[int] = []
    url: str | None = "/api/admin/audit?limit=100&user=flooder"
    pages = 0
    while url:
        r = client.get(url)
        assert r.status_code == 200
        seen += [e["id"] for e in r.json()]
        pages += 1
        link = r.headers.get("link")
        url = link.split(">")[0].lstrip("<") if link else None
    assert pages == 3 and len(seen) == 230 and len(set(seen)) == 230
    assert seen == sorted(seen, reverse=True)
    signal = client.get("/api/admin/audit", params={"action": "test.signal"}).json()
    assert [e["target"] for e in signal] == ["signal:1"]
    prefixed = client.get("/api/admin/audit", params={"target": "noise:22"}).json()
    assert {e["target"] for e in prefixed} == {"noise:22", *(f"noise:22{k}" for k in range(10))}
    assert client.get("/api/admin/audit", params={"since": "2099-01-01T00:00"}).json() == []
    for bad in ({"limit": 0}, {"limit": 501}, {"before": 2**63}, {"since": "0001-01-01"}):
        r = client.get("/api/admin/audit", params=bad)
        assert r.status_code == 422 and r.json()["error"], bad
    page = client.get("/admin/audit", params={"user": "flooder", "limit": 50})
    assert page.status_code == 200
    assert "Older entries" in page.text and "before=" in page.text
    assert "test.signal" not in page.text
    assert "Security log" in page.text


def test_security_headers_on_every_response(client: httpx.Client) -> None:
    csrf = login(client, "olga")
    iid = declare(client, csrf)["incident"]["id"]  # type: ignore[index]
    responses = {
        path: client.get(path)
        for path in (
            "/",
            f"/incidents/{iid}",
            f"/api/incidents/{iid}",
            "/incidents",
            "/status",
            "/status.json",
            "/static/style.css",
            "/no-such-page",
            "/login",
        )
    }
    responses["413"] = client.post(
        "/api/incidents", content=b"x" * 1_200_000, headers={"x-csrf-token": csrf}
    )
    login(client, "ada")
    responses["/admin/audit"] = client.get("/admin/audit")
    for path, r in responses.items():
        h = r.headers
        assert h["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in h["content-security-policy"], path
        assert h["x-content-type-options"] == "nosniff", path
        assert h["referrer-policy"] == "same-origin", path
        assert len(h.get_list("x-content-type-options")) == 1, path
    for path in (f"/incidents/{iid}", f"/api/incidents/{iid}", "/admin/audit", "/incidents"):
        assert responses[path].headers["cache-control"] == "no-store", path
    assert responses["/status"].headers["cache-control"] == "no-cache"
    assert "no-store" not in responses["/static/style.css"].headers.get("cache-control", "")


def test_origin_of_another_site_cannot_change_anything(client: httpx.Client) -> None:
    csrf = login(client, "olga")
    h = {"x-csrf-token": csrf}
    body = {"title": "t", "scenario": "colo-power-cut"}
    for bad in (
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"sec-fetch-site": "cross-site"},
    ):
        r = client.post("/api/incidents", json=body, headers={**h, **bad})
        assert r.status_code == 403 and "cross-site" in r.json()["error"], bad
    same = f"http://{client.base_url.host}:{client.base_url.port}"
    r = client.post("/api/incidents", json=body, headers={**h, "origin": same})
    assert r.status_code == 201


def test_host_is_checked_while_the_store_has_no_user(tmp_path: Path) -> None:
    app = create_app(bs.example_path(), f"sqlite:///{tmp_path / 'open.db'}")
    with serve(app) as c:
        for host in ("evil.example", "evil.example:8000", "127.0.0.1.nip.io"):
            r = c.get("/api/overview", headers={"host": host})
            assert r.status_code == 400 and "no user" in r.json()["error"], host
        for host in ("127.0.0.1", "localhost:8000", "[::1]:8000"):
            assert c.get("/api/overview", headers={"host": host}).status_code == 200, host
    allowed = create_app(
        bs.example_path(), f"sqlite:///{tmp_path / 'open.db'}", allowed_hosts=["twin.lan"]
    )
    with serve(allowed) as c:
        assert c.get("/api/overview", headers={"host": "twin.lan:8000"}).status_code == 200
    add_users(app)
    with serve(app) as c:  # with users, a login guards everything: any host name is fine
        assert c.get("/status", headers={"host": "status.hospital.example"}).status_code == 200
