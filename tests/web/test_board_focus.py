"""The board's focus order in Debian's Chromium: the task tables' many mark buttons take
one Tab stop per table (roving tabindex), the arrow keys move between tasks and marks,
and without JavaScript every button is still reachable."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

import blackstart.api as bs
from blackstart.web import create_app
from tests.web._board import PASSWORDS, add_users, declare, login
from tests.web.conftest import serve

TABBABLE = (
    """sel => Array.from(document.querySelectorAll(sel)).filter(b => b.tabIndex >= 0).length"""
)
IN_TABLES = "table form.marks button, table button.undo"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp: Path = tmp_path_factory.mktemp("focus")
    app = create_app(bs.example_path(), f"sqlite:///{tmp / 'f.db'}")
    add_users(app)
    with serve(app) as client:
        csrf = login(client, "olga")
        start = datetime.now(UTC) - timedelta(hours=3)
        declare(client, csrf, start=start.isoformat(),
                failure_end=(start + timedelta(hours=2)).isoformat())  # fmt: skip
        yield str(client.base_url).rstrip("/")


def _board(browser: Browser, base: str, js: bool = True) -> Page:
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, java_script_enabled=js)
    page = ctx.new_page()
    page.goto(base + "/login")
    page.fill("input[name=name]", "olga")
    page.fill("input[name=password]", PASSWORDS["olga"])
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(base + "/incidents/1")
    return page


def test_mark_buttons_take_one_tab_stop_per_table(browser: Browser, base: str) -> None:
    page = _board(browser, base)
    page.wait_for_load_state("load")
    total = page.locator(IN_TABLES).count()
    tables = page.evaluate(
        "() => Array.from(document.querySelectorAll('table'))"
        ".filter(t => t.querySelector('form.marks button')).length"
    )
    assert total > 50 and tables >= 1
    assert page.evaluate(TABBABLE, IN_TABLES) == tables
    # Tab from the filter's button lands on the open tasks' first mark, then leaves the table
    page.focus("#task-filter button[type=submit]")
    page.keyboard.press("Tab")
    first = page.evaluate("document.activeElement.closest('tr').dataset.task")
    assert page.evaluate("document.activeElement.closest('table').id") == "open-tasks"
    page.keyboard.press("ArrowDown")
    second = page.evaluate("document.activeElement.closest('tr').dataset.task")
    assert second != first
    assert page.evaluate(TABBABLE, IN_TABLES) == tables  # still one stop, now on row 2
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.closest('tr').dataset.task") == first
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#open-tasks')") is None
    page.context.close()


def test_without_javascript_every_button_is_reachable(browser: Browser, base: str) -> None:
    page = _board(browser, base, js=False)
    total = page.locator(IN_TABLES).count()
    assert total > 50 and page.evaluate(TABBABLE, IN_TABLES) == total
    page.context.close()
