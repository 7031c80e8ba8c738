"""The language switch in Debian's Chromium: an English browser logs in, clicks
"Français" in the page header, and the board, the next page it opens and the page after
the board reloads itself stay French (the cookie); "English" brings English back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

import blackstart.api as bs
from blackstart.web import create_app
from tests.web._board import PASSWORDS, add_users, declare, login
from tests.web.conftest import serve


@pytest.fixture
def base(tmp_path: Path) -> Iterator[tuple[str, int]]:
    app = create_app(bs.example_path(), f"sqlite:///{tmp_path / 'lang.db'}")
    add_users(app)
    with serve(app) as client:
        incident = declare(client, login(client, "olga"))["incident"]
        yield str(client.base_url).rstrip("/"), int(incident["id"])  # type: ignore[index]


def test_the_switch_in_the_header_holds_across_pages(
    browser: Browser, base: tuple[str, int]
) -> None:
    url, iid = base
    ctx = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    page.goto(url + "/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.fill("input[name=name]", "olga")
    page.fill("input[name=password]", PASSWORDS["olga"])
    page.click("button[type=submit]")
    page.goto(f"{url}/incidents/{iid}")
    expect(page.locator("#tasks")).to_have_text("Task board")
    page.click("#lang-switch")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#tasks")).to_have_text("Tableau des tâches")
    page.click("nav >> text=Incidents")  # the next page, no ?lang= in its address
    expect(page.locator("h1")).to_have_text("Incidents et exercices")
    page.goto(f"{url}/incidents/{iid}")
    page.reload()
    expect(page.locator("#now-title")).to_have_text("Maintenant")
    expect(page.locator("#lang-switch")).to_have_text("English")
    page.click("#lang-switch")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#now-title")).to_have_text("Now")
    ctx.close()
