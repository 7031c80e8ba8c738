"""The explorer's default view in Debian's Chromium at 1366×768: every node of the
neighbourhood it opens on carries a readable label inside the graph's box, the zoom and
fit buttons change the view's transform, and the keyboard alone finds a node (search
field by "/", the graph by Tab and the arrow keys) and opens it with Enter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import httpx
import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page

import blackstart.api as bs
from blackstart.web import create_app

TIMEOUT_MS = 60_000
MIN_LABEL_PX = 9.0


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
    live: Callable[[FastAPI], AbstractContextManager[httpx.Client]],
) -> Iterator[str]:
    db = tmp_path_factory.mktemp("explorer-browser") / "dashboard.db"
    with live(create_app(bs.example_path(), f"sqlite:///{db}")) as client:
        yield str(client.base_url).rstrip("/")


@pytest.fixture
def screen(browser: Browser) -> Iterator[Page]:
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    ctx.close()
    assert errors == []


def _ready(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#graph[data-ready=true]")


LABELS = """() => {
  const cy = window.explorerGraph, box = document.getElementById('graph');
  const w = box.clientWidth, h = box.clientHeight;
  return cy.nodes().map(n => {
    const bb = n.renderedBoundingBox({includeLabels: true});
    return {id: n.id(), label: n.style('label'), shown: n.style('display') === 'element'
              && Number(n.style('opacity')) > 0.5,
            px: parseFloat(n.style('font-size')) * cy.zoom(),
            inside: bb.x1 >= 0 && bb.y1 >= 0 && bb.x2 <= w && bb.y2 <= h};
  });
}"""


def test_default_view_labels_every_node(screen: Page, server: str) -> None:
    _ready(screen, server + "/explorer")
    with httpx.Client(base_url=server) as c:
        center = "function:emergency-admissions"
        expected = c.get("/api/explorer/neighbourhood", params={"id": center, "depth": 2}).json()
    nodes = screen.evaluate(LABELS)
    assert {n["id"] for n in nodes} == {n["id"] for n in expected["nodes"]}
    for n in nodes:
        assert n["label"] == n["id"].partition(":")[2], n
        assert n["shown"] and n["inside"], n
        assert n["px"] >= MIN_LABEL_PX, n
    # the legend names every kind of node drawn
    legend = screen.locator(".graph-legend").inner_text()
    for word in ("vital", "care", "administrative", "component", "site", "provider", "any of"):
        assert word in legend


def test_zoom_and_fit_buttons_change_the_transform(screen: Page, server: str) -> None:
    _ready(screen, server + "/explorer?node=function:lab-results&view=cone")
    zoom = "window.explorerGraph.zoom()"
    start = screen.evaluate(zoom)
    screen.click("#zoom-in")
    assert screen.evaluate(zoom) == pytest.approx(start * 1.25)
    screen.click("#zoom-out")
    screen.click("#zoom-out")
    assert screen.evaluate(zoom) == pytest.approx(start * 0.8)
    screen.click("#fit")
    fitted = screen.evaluate(zoom)
    # fit shows all of the cone: every node's centre inside the box
    inside = screen.evaluate(
        """() => { const b = document.getElementById('graph');
          return window.explorerGraph.nodes().every(n => { const p = n.renderedPosition();
            return p.x >= 0 && p.y >= 0 && p.x <= b.clientWidth && p.y <= b.clientHeight; }); }"""
    )
    assert inside and fitted < start


def test_keyboard_reaches_a_node_and_opens_it(screen: Page, server: str) -> None:
    _ready(screen, server + "/explorer?node=component:lis-app&depth=1")
    # "/" focuses the search field
    screen.keyboard.press("/")
    assert screen.evaluate("document.activeElement.id") == "q"
    # Tab reaches the graph (the zoom buttons come first); the centre is focused
    screen.focus("#fit")
    screen.keyboard.press("Tab")
    assert screen.evaluate("document.activeElement.id") == "graph"
    assert screen.get_attribute("#graph", "data-focused") == "component:lis-app"
    # lis-app needs db-lis and others (right) and is needed by lab-results (left)
    screen.keyboard.press("ArrowLeft")
    assert screen.get_attribute("#graph", "data-focused") == "function:lab-results"
    assert "function:lab-results" in screen.inner_text("#focused")
    screen.keyboard.press("ArrowRight")
    screen.keyboard.press("ArrowRight")
    right = screen.get_attribute("#graph", "data-focused")
    assert right and right != "component:lis-app"
    screen.keyboard.press("Enter")
    screen.wait_for_url(lambda url: "node=" in url and right.replace(":", "%3A") in url)
    screen.wait_for_selector("#graph[data-ready=true]")
    assert screen.inner_text("#selected") == right


def test_whole_graph_keeps_legend_and_zoom(screen: Page, server: str) -> None:
    screen.goto(server + "/explorer?view=all")
    screen.wait_for_selector("#graph[data-ready=true]")
    assert screen.evaluate("window.explorerGraph.nodes().length") > 200
    assert "any of" in screen.locator(".graph-legend").inner_text()
    start = screen.evaluate("window.explorerGraph.zoom()")
    screen.click("#zoom-in")
    assert screen.evaluate("window.explorerGraph.zoom()") == pytest.approx(start * 1.25)
    screen.click("#fit")
    assert screen.evaluate("window.explorerGraph.zoom()") == pytest.approx(start, rel=0.05)


def test_view_menu_switches_to_the_cone_and_back(screen: Page, server: str) -> None:
    _ready(screen, server + "/explorer?node=component:lis-app&depth=1")
    assert not screen.is_disabled("#depth")
    screen.select_option("#view", "cone")
    assert screen.is_disabled("#depth") and screen.is_disabled("#direction")
    screen.click("#explorer-view button[type=submit]")
    screen.wait_for_selector("#graph[data-ready=true]")
    assert "view=cone" in screen.url and "Dependency cone of" in screen.inner_text("#caption")
    screen.select_option("#view", "neighbourhood")
    assert not screen.is_disabled("#depth")
