"""axe-core (from npm, node_modules/axe-core, never a CDN) run in Debian's Chromium on the
screens of issue 22: the public status page on a phone, the incident board (with its
"now" panel), the overview during an incident and the incident list. No serious or
critical WCAG 2.x A/AA violation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

import blackstart.api as bs
from blackstart.web import create_app
from tests.web._board import add_users, declare, login
from tests.web.conftest import serve

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
pytestmark = pytest.mark.skipif(not AXE.exists(), reason="npm ci installs axe-core")


@pytest.fixture
def base(tmp_path: Path) -> Iterator[str]:
    app = create_app(bs.example_path(), f"sqlite:///{tmp_path / 'axe.db'}")
    add_users(app)
    with serve(app) as client:
        csrf = login(client, "olga")
        start = datetime.now(UTC) - timedelta(hours=3)
        end = start + timedelta(hours=2)
        declare(client, csrf, start=start.isoformat(), failure_end=end.isoformat())
        yield str(client.base_url).rstrip("/")


def _serious(page: Any) -> list[str]:
    """The serious and critical WCAG 2.x A/AA violations axe-core finds on the page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document,
            {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa']}});
          return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => v.id + ': ' + v.nodes.slice(0, 6)
              .map(n => n.target.join(' ') + ' ' + (n.any[0] ? n.any[0].message : ''))
              .join(' | '));
        }"""
    )
    return list(result)


def test_status_on_a_phone_has_no_serious_violation(browser: Browser, base: str) -> None:
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = ctx.new_page()
    page.goto(base + "/status")
    assert _serious(page) == []
    ctx.close()


def test_board_overview_and_incidents_have_no_serious_violation(
    browser: Browser, base: str
) -> None:
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    page.goto(base + "/login")
    page.fill("input[name=name]", "olga")
    page.fill("input[name=password]", "olga-password-1")
    page.click("button[type=submit]")
    for path in ("/incidents/1", "/", "/incidents"):
        page.goto(base + path)
        assert _serious(page) == [], path
    ctx.close()
