"""The off-site snapshot in Debian's Chromium: ``index.html`` opened from ``file://``
renders the status and makes no request to any host (not even a sibling file)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, Request

import blackstart.api as bs
from blackstart.store.incidents import IncidentStore
from blackstart.web.board import IncidentService
from blackstart.web.dashboard import Dashboard
from blackstart.web.publish import DirectoryTarget, publish
from blackstart.web.status_public import snapshot


def test_snapshot_renders_from_file_without_any_request(page: Page, tmp_path: Path) -> None:
    dash = Dashboard.open(bs.example_path(), f"sqlite:///{tmp_path / 's.db'}")
    try:
        svc = IncidentService(dash, IncidentStore(dash.store))
        svc.declare(
            "olga",
            title="t",
            scenario="colo-power-cut",
            fail=[],
            start=None,
            failure_end=None,
            drill=False,
            clock="real",
        )
        payload = svc.public_status()
        publish(snapshot(payload), DirectoryTarget(tmp_path / "out"))
    finally:
        dash.close()
    down = [f["name"] for t in payload["tiers"] for f in t["functions"] if f["state"] == "down"]
    assert down
    urls: list[str] = []

    def record(request: Request) -> None:
        urls.append(request.url)

    page.on("request", record)
    index = (tmp_path / "out" / "index.html").as_uri()
    page.goto(index)
    assert urls == [index]  # the page itself, nothing else: no style, script, font or image
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_text("Certains services sont interrompus").is_visible()
    assert page.get_by_role("cell", name=down[0], exact=True).first.is_visible()
    assert page.locator("script").count() == 0
    page.get_by_role("link", name="English").click()  # the switch, to the sibling file
    english = (tmp_path / "out" / "index.en.html").as_uri()
    assert page.url == english and urls == [index, english]
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_text("Some services are disrupted").is_visible()
