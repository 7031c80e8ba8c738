"""The what-if page in Debian's Chromium at 1366×768: the type-ahead picker (type a few
letters, pick with the keyboard and the mouse, remove a choice), the run landing on its
result (in the viewport, focused, announced), and the same form without JavaScript."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import httpx
import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page

import blackstart.api as bs
from blackstart.web import create_app
from tests.web.test_axe import AXE, _serious

TIMEOUT_MS = 60_000
IN_VIEW = """sel => { const r = document.querySelector(sel).getBoundingClientRect();
  return r.top >= 0 && r.bottom <= window.innerHeight; }"""


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
    live: Callable[[FastAPI], AbstractContextManager[httpx.Client]],
) -> Iterator[str]:
    db = tmp_path_factory.mktemp("planning-browser") / "dashboard.db"
    with live(create_app(bs.example_path(), f"sqlite:///{db}")) as client:
        yield str(client.base_url).rstrip("/")


def _screen(browser: Browser, js: bool = True) -> Page:
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, java_script_enabled=js)
    page = ctx.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def _chosen(page: Page) -> list[str]:
    return page.eval_on_selector_all(
        "select[name=fail] option:checked", "opts => opts.map(o => o.value)"
    )


def test_type_ahead_two_components_then_result_in_view(browser: Browser, server: str) -> None:
    page = _screen(browser)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server + "/what-if")
    # the 230-item lists are hidden behind one field
    assert not page.is_visible("select[name=fail]")
    page.fill("#pick", "lis-a")
    options = page.locator("#pick-list [role=option]")
    assert "lis-app" in options.first.inner_text()
    page.keyboard.press("Enter")  # the first match, by keyboard
    assert _chosen(page) == ["component:lis-app"]
    assert page.evaluate("document.activeElement.id") == "pick"
    page.fill("#pick", "db-eh")
    if AXE.exists():  # the open list and the chips pass axe-core too
        assert _serious(page) == []
    page.locator("#pick-list [role=option]", has_text="db-ehr").first.click()  # by mouse
    assert sorted(_chosen(page)) == ["component:db-ehr", "component:lis-app"]
    assert page.locator("ul.chips li").count() == 2
    # a third pick, then removed with its chip's button
    page.fill("#pick", "colo-paris")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    assert len(_chosen(page)) == 3
    page.click("ul.chips li:last-child button")
    assert sorted(_chosen(page)) == ["component:db-ehr", "component:lis-app"]
    page.click("form.what-if button[type=submit]")
    page.wait_for_selector("#result")
    assert "component:db-ehr" in page.inner_text("#result")
    assert page.evaluate(IN_VIEW, "#result")
    assert page.evaluate("document.activeElement.id") == "result"
    live = page.inner_text("#result-live")
    assert "functions down" in live and "vital" in live
    assert errors == []
    page.context.close()


def test_the_form_works_without_javascript(browser: Browser, server: str) -> None:
    page = _screen(browser, js=False)
    page.goto(server + "/what-if")
    assert page.is_visible("select[name=fail][data-kind=component]")
    page.select_option("select[data-kind=component]", ["component:lis-app", "component:db-ehr"])
    page.click("form.what-if button[type=submit]")
    page.wait_for_selector("#result")
    assert page.url.endswith("#result")
    assert page.evaluate(IN_VIEW, "#result")
    page.context.close()
