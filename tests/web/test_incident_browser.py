"""The incident board in Debian's Chromium through Playwright: log in, declare the
example's incident, mark tasks done, watch the ETA and the public status change, log out
and check nothing internal is reachable; no request ever leaves the host."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, expect

import blackstart.api as bs
from blackstart import planning
from blackstart.web import create_app
from tests.web._board import PASSWORDS, add_users
from tests.web.conftest import serve


@pytest.fixture
def base(tmp_path: Path) -> Iterator[str]:
    app = create_app(bs.example_path(), f"sqlite:///{tmp_path / 'browser.db'}")
    add_users(app)
    with serve(app) as client:
        yield str(client.base_url).rstrip("/")


def _cone(function: str) -> list[str]:
    """The components with recovery steps a function needs (down in the scenario), from
    the compiled dependency graph: the arrays, not the forecast."""
    m = bs.load(bs.example_path())
    ctx = planning.context(m, "colo-power-cut")
    p, g = ctx.problem, ctx.graph
    stack, seen = [g.index[f"function:{function}"]], set()
    while stack:
        v = stack.pop()
        for c in p.child_idx[p.child_ptr[v] : p.child_ptr[v + 1]].tolist():
            if p.down[c] and c not in seen:
                seen.add(c)
                stack.append(c)
    return sorted(g.names[v].partition(":")[2] for v in seen if p.task_ptr[v + 1] > p.task_ptr[v])


def _public(page: Page, base: str) -> dict[str, str]:
    page.wait_for_timeout(1100)  # the public status is cached for a second
    data = json.loads(page.context.request.get(base + "/status.json").text())
    return {f["name"]: f["state"] for t in data["tiers"] for f in t["functions"]}


def test_crisis_cell_in_chromium(page: Page, base: str) -> None:
    hosts: set[str] = set()

    def record(request: Request) -> None:
        hosts.add(request.url.split("/")[2])

    page.on("request", record)
    # log in
    page.goto(base + "/incidents")
    expect(page).to_have_url(base + "/login?next=%2Fincidents")
    page.fill("input[name=name]", "olga")
    page.fill("input[name=password]", PASSWORDS["olga"])
    page.click("button[type=submit]")
    expect(page.locator("#whoami")).to_contain_text("olga (operator)")
    # declare the example's incident: power was cut two days ago, back 3.5 h later
    start = datetime.now(UTC) - timedelta(days=2)
    page.fill("input[name=title]", "Colocation power cut")
    page.select_option("select[name=scenario]", "colo-power-cut")
    page.fill("input[name=start]", start.isoformat(timespec="minutes"))
    page.fill("input[name=failure_end]", (start + timedelta(hours=3.5)).isoformat("T", "minutes"))
    page.click("#declare button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Colocation power cut")
    iid = page.url.rstrip("/").split("/")[-1]
    vital = page.locator('#forecast tr[data-tier="vital"] .p50 time')
    before_eta = vital.get_attribute("datetime") or ""
    before_status = _public(page, base)
    assert "down" in before_status.values()
    # mark done the last step of every vital function's critical path (the vital ETA
    # moves), and of every component the public website needs (it comes back)
    board = json.loads(page.context.request.get(f"{base}/api/incidents/{iid}").text())
    last_of = {t["component"]: t["id"] for t in board["tasks"]}
    website = [last_of[c] for c in _cone("public-information")]
    vital_steps = sorted(
        {
            f["critical_path"][-1]
            for f in board["plan"]["functions"]
            if f["tier"] == "vital" and f["was_down"]
        }
    )
    clicks = vital_steps + website
    for task in clicks:
        page.locator(f'tr[data-task="{task}"] button[value="done"]').click()
        if page.locator("#confirm").count():  # done before its prerequisites: confirm
            page.click("#confirm")
        expect(page.locator(f'tr[data-task="{task}"] .state')).to_have_text("done")
    after_eta = vital.get_attribute("datetime") or ""
    assert datetime.fromisoformat(after_eta) < datetime.fromisoformat(before_eta)
    after_status = _public(page, base)
    name = bs.load(bs.example_path()).functions["public-information"].name
    assert (before_status[name], after_status[name]) == ("down", "restored")
    page.goto(base + "/status")
    expect(page.locator("body")).to_contain_text("restored")
    # the ETA-history chart has one point per forecast kept
    page.goto(f"{base}/incidents/{iid}")
    assert page.locator("polyline.eta-vital-p50").count() == 1
    points = page.locator("polyline.eta-vital-p50").get_attribute("points") or ""
    assert len(points.split()) == 1 + len(clicks)
    # log out: nothing internal is reachable any more
    page.click(".userbox button")
    expect(page).to_have_url(base + "/login")
    for path in ("/incidents", f"/incidents/{iid}", "/", "/plan", "/admin/audit"):
        page.goto(base + path)
        assert page.url.startswith(base + "/login"), path
    for path in (f"/api/incidents/{iid}", "/api/overview", "/openapi.json"):
        assert page.context.request.get(base + path).status == 401, path
    page.goto(base + "/status")
    expect(page.locator("h1")).to_have_text("Service status")
    assert hosts == {base.split("/")[2]}
