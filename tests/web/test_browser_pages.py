"""The dashboard's pages in Debian's Chromium through Playwright, against a real server:
the explorer (search, details, dependency cone), the what-if page (fail the colocation
site by clicking it on the graph, see lab-results go down with its chain, and the
forecast), the plan (Gantt chart, bands, critical path) and the API docs, all without a
request to any other host."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import FastAPI
from playwright.sync_api import ConsoleMessage, Page, expect

import blackstart.api as bs
from blackstart.web import create_app

TIMEOUT_MS = 60_000
expect.set_options(timeout=TIMEOUT_MS)  # dagre lays out in seconds on a loaded machine


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
    live: Callable[[FastAPI], AbstractContextManager[httpx.Client]],
) -> Iterator[str]:
    db = tmp_path_factory.mktemp("browser-pages") / "dashboard.db"
    with live(create_app(bs.example_path(), f"sqlite:///{db}")) as client:
        yield str(client.base_url).rstrip("/")


def _host(url: str) -> str:
    return url.split("/")[2]


@dataclass
class Watch:
    """What a page did while a test ran: the hosts it requested, the JavaScript errors
    it raised (uncaught exceptions, ``pageerror``) and what it logged as errors."""

    hosts: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)

    def assert_clean(self, server: str) -> None:
        assert self.errors == [], f"JavaScript errors on the page: {self.errors}"
        assert self.hosts == {_host(server)}


@pytest.fixture
def watch(page: Page) -> Watch:
    """Filled as the page runs; each test ends with :meth:`Watch.assert_clean`."""
    seen = Watch()
    page.on("request", lambda request: seen.hosts.add(_host(request.url)))
    page.on("pageerror", lambda exc: seen.errors.append(f"uncaught: {exc}"))

    def console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            seen.errors.append(f"console.error: {msg.text}")

    page.on("console", console)
    page.set_default_timeout(TIMEOUT_MS)
    return seen


def test_page_errors_are_caught(page: Page, server: str, watch: Watch) -> None:
    """The watch sees an uncaught exception thrown by a page script (it would otherwise
    pass unnoticed)."""
    page.goto(server + "/explorer")
    page.evaluate("setTimeout(() => { throw new Error('boom from a test'); }, 0)")
    page.wait_for_timeout(200)
    assert any("boom from a test" in e for e in watch.errors)


def test_explorer_search_details_and_cone(page: Page, server: str, watch: Watch) -> None:
    page.goto(server + "/explorer?view=all")
    page.wait_for_selector("#graph[data-ready=true]")
    assert page.evaluate("window.explorerGraph.nodes().length") == 274
    page.fill("#q", "lis-ap")
    page.click("#explorer-search button[type=submit]")
    expect(page.locator("#selected")).to_have_text("component:lis-app")
    details = page.locator("#details")
    expect(details).to_contain_text("requires (4)")
    expect(details).to_contain_text("component:db-lis")
    expect(details).to_contain_text("function:lab-results")
    assert page.evaluate("window.explorerGraph.$(':selected').id()") == "component:lis-app"
    # follow "required by" to the function, then highlight its dependency cone
    details.get_by_text("function:lab-results").click()
    expect(page.locator("#selected")).to_have_text("function:lab-results")
    cone = client_cone(server, "function:lab-results")
    page.click("#cone")
    highlighted = page.evaluate("window.explorerGraph.nodes('.cone').map(n => n.id())")
    assert set(highlighted) == {"function:lab-results", *cone}
    watch.assert_clean(server)


def client_cone(server: str, node: str) -> list[str]:
    with httpx.Client(base_url=server) as c:
        cone = c.get("/api/explorer/node", params={"id": node}).json()["cone"]
    assert isinstance(cone, list)
    return cone


def test_explorer_collapses_and_expands(page: Page, server: str, watch: Watch) -> None:
    page.goto(server + "/explorer?view=all&collapse=site")
    page.wait_for_selector("#graph[data-ready=true]")
    ids = page.evaluate("window.explorerGraph.nodes().map(n => n.id())")
    assert "group:site:colo-paris" in ids and "component:lis-app" not in ids
    # searching a member of a collapsed site opens that site and selects the member
    page.fill("#q", "lis-app")
    page.click("#explorer-search button[type=submit]")
    expect(page.locator("#selected")).to_have_text("component:lis-app")
    parent = page.evaluate("window.explorerGraph.getElementById('component:lis-app').parent().id()")
    assert parent == "group:site:colo-paris"
    watch.assert_clean(server)


def test_fail_the_colocation_site_by_clicking_it(page: Page, server: str, watch: Watch) -> None:
    page.goto(server + "/what-if")
    page.wait_for_selector("#whatif-graph[data-ready=true]")
    # click the site on the graph: the form's list selects it
    page.evaluate(
        "window.whatIfGraph.fit(window.whatIfGraph.getElementById('site:colo-paris'), 200)"
    )
    pos = page.evaluate(
        "(() => { const n = window.whatIfGraph.getElementById('site:colo-paris');"
        " const p = n.renderedPosition(); return [p.x, p.y]; })()"
    )
    box = page.locator("#whatif-graph").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + pos[0], box["y"] + pos[1])
    expect(page.locator("#graph-status")).to_have_text("1 element(s) chosen to fail")
    selected = page.eval_on_selector_all(
        "select[name=fail] option:checked", "opts => opts.map(o => o.value)"
    )
    assert selected == ["site:colo-paris"]
    page.fill("input[name=duration]", "6h")
    page.fill("input[name=start]", "2024-08-03T14:30")
    page.get_by_role("button", name="Fail these").click()
    row = page.locator("tr", has=page.locator("code", has_text="lab-results")).first
    expect(row).to_contain_text("lab-results → lis-app → site:colo-paris")
    expect(page.locator("#forecast")).to_contain_text("2024-08-03 14:30")
    expect(page.locator('g.band[data-id="lab-results"]')).to_have_count(1)
    page.wait_for_selector("#whatif-graph[data-ready=true]")
    down = page.evaluate("window.whatIfGraph.nodes('.down').map(n => n.id())")
    assert "function:lab-results" in down
    watch.assert_clean(server)


def test_plan_shows_gantt_and_critical_path(page: Page, server: str, watch: Watch) -> None:
    page.goto(server + "/plan")
    page.select_option("select[name=scenario]", "colo-site-loss")
    page.get_by_role("button", name="Plan").click()
    gantt = page.locator(".gantt svg")
    expect(gantt).to_be_visible()
    assert gantt.locator("rect.task").count() > 50
    assert gantt.locator("rect.off-hours").count() > 0
    expect(gantt.locator('g.team[data-team="datacenter"]')).to_have_count(1)
    page.select_option("select[name=function]", "lab-results")
    page.get_by_role("button", name="Explain").click()
    expect(page.locator("table.critical-path")).to_contain_text("lis-app")
    watch.assert_clean(server)


def test_api_docs_work_offline(page: Page, server: str, watch: Watch) -> None:
    page.goto(server + "/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.get_by_text("/api/what-if/forecast")).to_be_visible()
    watch.assert_clean(server)
