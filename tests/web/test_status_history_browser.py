"""The 90-day history of the off-site snapshot in Debian's Chromium: ``history.html``
opened from ``file://`` renders the hand-made incident's timeline and its judged
announcements, in French, with no request to any host."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, Request

import blackstart.api as bs
from blackstart.model.model import Model
from blackstart.store.incidents import IncidentStore
from blackstart.web.board import IncidentService
from blackstart.web.dashboard import Dashboard
from blackstart.web.publish import DirectoryTarget, publish
from blackstart.web.status_history import history
from blackstart.web.status_public import snapshot
from tests.web.test_status_history import _build


def test_history_renders_from_file_without_any_request(
    page: Page, tmp_path: Path, model: Model
) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    _build(url, model)
    dash = Dashboard.open(bs.example_path(), url)
    try:
        svc = IncidentService(dash, IncidentStore(dash.store))
        publish(
            snapshot(svc.public_status(), svc.tz, history(svc, fresh=True)),
            DirectoryTarget(tmp_path / "out"),
        )
    finally:
        dash.close()
    urls: list[str] = []

    def record(request: Request) -> None:
        urls.append(request.url)

    page.set_viewport_size({"width": 390, "height": 844})
    page.on("request", record)
    target = (tmp_path / "out" / "history.html").as_uri()
    page.goto(target)
    assert urls == [target]
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", name="Historique des incidents").is_visible()
    assert page.get_by_text("en retard de 2 h").first.is_visible()
    assert page.get_by_text("tenue, avec 1 h d’avance").first.is_visible()
    assert page.locator("table tbody tr").count() == 7
    assert page.locator("script").count() == 0
    # fits a phone's width: no horizontal scroll of the page
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    page.get_by_role("link", name="English").click()
    assert page.url.endswith("history.en.html")
    assert page.get_by_text("late by 2 h").first.is_visible()
