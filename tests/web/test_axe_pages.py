"""axe-core (npm, node_modules/axe-core) in Debian's Chromium on every page of the
dashboard: overview, plan, explorer (neighbourhood and cone), resilience, what-if with a
result, an incident's review, the offline export, the audit log, the diagnosis board,
the incident list, the board, /status, the login page and the API docs. No serious or
critical WCAG 2.x A/AA violation, and on each page the first thing Tab reaches is the
skip link, which takes focus to the content."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

import blackstart.api as bs
from blackstart.web import create_app
from blackstart.web.export import render_incident
from tests.web._board import PASSWORDS, add_users, declare, login
from tests.web.conftest import serve
from tests.web.test_axe import AXE, _serious

pytestmark = pytest.mark.skipif(not AXE.exists(), reason="npm ci installs axe-core")

PAGES = [
    "/",
    "/plan?scenario=colo-site-loss&function=lab-results",
    "/explorer",
    "/explorer?node=function:lab-results&view=cone",
    "/resilience",
    "/what-if?fail=site:colo-paris&duration=6h",
    "/incidents/2/review",
    "/admin/audit",
    "/incidents/diagnose",
    "/incidents",
    "/incidents/1",
    "/status",
    "/docs",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A served example with an open incident (1), a closed one (2), and the export of 1."""
    tmp = tmp_path_factory.mktemp("axe-pages")
    app = create_app(bs.example_path(), f"sqlite:///{tmp / 'axe.db'}")
    add_users(app)
    with serve(app) as client:
        csrf = login(client, "olga")
        start = datetime.now(UTC) - timedelta(hours=3)
        declare(client, csrf, start=start.isoformat(),
                failure_end=(start + timedelta(hours=2)).isoformat())  # fmt: skip
        svc = app.state.incidents
        row = svc.declare("olga", title="exercise", scenario="colo-power-cut", fail=[],
                          start=start.isoformat(), failure_end=None, drill=True,
                          clock="simulated")  # fmt: skip
        svc.close(row.id, "ada")
        export = render_incident(svc.store, svc.dash.model, 1)
        yield str(client.base_url).rstrip("/"), export


def _logged_in(browser: Browser, base: str) -> Page:
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    page.goto(base + "/login")
    page.fill("input[name=name]", "ada")
    page.fill("input[name=password]", PASSWORDS["ada"])
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


FIRST_FOCUSABLE = """() => Array.from(document.querySelectorAll(
  'a[href], button, input, select, textarea, summary, [tabindex]'))
  .filter(e => !e.disabled && e.tabIndex >= 0 && e.type !== 'hidden')[0].className"""


def _skip_link_first(page: Page) -> None:
    """The skip link is the first focusable element; from a fresh page (focus on the
    body) Tab reaches it; Enter moves focus to the content."""
    assert page.evaluate(FIRST_FOCUSABLE) == "skip-link"
    if page.evaluate("document.activeElement === document.body"):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
    else:  # the page moved focus on purpose (the what-if to its result)
        page.focus(".skip-link")
    target = page.get_attribute(".skip-link", "href")
    page.keyboard.press("Enter")
    assert target and page.evaluate("document.activeElement.id") == target.lstrip("#")


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_serious_violation(browser: Browser, site: tuple[str, str], path: str) -> None:
    base, _ = site
    page = _logged_in(browser, base)
    page.goto(base + path)
    if path.startswith("/explorer") or path.startswith("/what-if"):
        page.wait_for_selector("[data-ready=true]")
    if path == "/docs":
        page.wait_for_selector(".opblock")
    assert _serious(page) == [], path
    _skip_link_first(page)
    page.context.close()


def test_login_and_export_have_no_serious_violation(
    browser: Browser, site: tuple[str, str]
) -> None:
    base, export = site
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    page.goto(base + "/login")
    assert _serious(page) == []
    _skip_link_first(page)
    page.set_content(export)
    assert _serious(page) == []
    _skip_link_first(page)
    ctx.close()


def test_axe_is_the_npm_copy() -> None:
    assert Path(AXE).parent.name == "axe-core" and "node_modules" in Path(AXE).parts
