"""The plan page in Debian's Chromium against a real server: the Gantt labels that fit
their bar are drawn and those that do not are not (text measured by the browser, room
taken from the bars' geometry), every tooltip says the day, the critical path drawn is the
brute-force longest path of a small model, the automatic lane unfolds, and axe-core finds
no serious or critical violation. The board's ETA-history legend stays outside the plot
with no two items overlapping, at 1366×768 and on a phone."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect

import blackstart.api as bs
from blackstart.web import create_app
from blackstart.web.charts import BAR_PAD
from tests.web._board import add_users, declare, login
from tests.web.test_axe import AXE, _serious
from tests.web.test_plan_gantt import chain_model, longest_path

WEEKDAY = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b")
MEASURE = """() => {
  const svg = document.querySelector('.gantt svg');
  const probe = document.createElementNS('http://www.w3.org/2000/svg', 'text');
  probe.setAttribute('font-size', '10');
  probe.setAttribute('font-family', 'DejaVu Sans Mono, monospace');
  svg.appendChild(probe);
  const width = t => { probe.textContent = t; return probe.getComputedTextLength(); };
  const out = [];
  for (const g of svg.querySelectorAll('g.team')) {
    const bars = [...g.querySelectorAll('rect.task')].map(r => ({task: r.dataset.task,
      x: +r.getAttribute('x'), y: +r.getAttribute('y'), w: +r.getAttribute('width')}));
    const shown = new Map([...g.querySelectorAll('text.bar-label')]
      .map(t => [t.dataset.task, t.textContent]));
    bars.forEach((b, i) => {
      // free room: to the bar's end, or to a bar painted over it in the same row
      let end = b.x + b.w;
      bars.forEach((o, j) => {
        if (j !== i && o.y === b.y && o.x >= b.x && o.x < end && (o.x > b.x || j > i)) end = o.x;
      });
      out.push({task: b.task, room: end - b.x, full: width(b.task),
                short: width(b.task.split('/')[0]), shown: shown.get(b.task) ?? null});
    });
  }
  probe.remove();
  return out;
}"""


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
    live: Callable[[FastAPI], AbstractContextManager[httpx.Client]],
) -> Iterator[str]:
    db = tmp_path_factory.mktemp("plan-browser") / "dashboard.db"
    with live(create_app(bs.example_path(), f"sqlite:///{db}")) as client:
        yield str(client.base_url).rstrip("/")


def _slack(text_px: float) -> float:
    """How far the server's width estimate may run over the measured width (0.61 em
    per character against DejaVu Sans Mono's 0.602), plus half a pixel of rounding."""
    return 0.02 * text_px + 0.5


@pytest.mark.parametrize("zoom", [1, 8])
def test_labels_are_drawn_exactly_where_they_fit(page: Page, server: str, zoom: int) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{server}/plan?scenario=colo-site-loss&zoom={zoom}&automatic=expanded")
    bars: list[dict[str, Any]] = page.evaluate(MEASURE)
    assert len(bars) > 200
    drawn = [b for b in bars if b["shown"] is not None]
    if zoom == 8:
        assert len(drawn) >= 20
    for b in bars:
        need_full, need_short = b["full"] + 2 * BAR_PAD, b["short"] + 2 * BAR_PAD
        if b["shown"] == b["task"]:
            assert need_full <= b["room"] + 0.5, b
        elif b["shown"] is not None:
            assert b["shown"] == b["task"].split("/")[0], b
            assert need_short <= b["room"] + 0.5, b
            assert need_full > b["room"] - _slack(b["full"]), b
        else:
            assert need_short > b["room"] - _slack(b["short"]), b


def test_every_tooltip_says_the_day(page: Page, server: str) -> None:
    page.goto(f"{server}/plan?scenario=colo-site-loss")
    titles = page.locator(".gantt svg rect.task > title").all_text_contents()
    assert len(titles) > 200
    assert [t for t in titles if not WEEKDAY.search(t)] == []


def test_fold_link_unfolds_the_automatic_lane(page: Page, server: str) -> None:
    page.goto(f"{server}/plan?scenario=colo-site-loss")
    lane = page.locator('g.team[data-team="(automatic)"]')
    expect(lane).to_have_attribute("data-lanes", "1")
    page.click("#expand-automatic")
    expect(page.locator("#fold-automatic")).to_be_visible()
    assert int(lane.get_attribute("data-lanes") or "0") > 1


def test_critical_path_overlay_is_the_longest_path(
    browser: Browser,
    tmp_path: Path,
    live: Callable[[FastAPI], AbstractContextManager[httpx.Client]],
) -> None:
    # c2 needs c0 and c1; c3 needs c2; c4 needs c0; f needs c3 and c4
    parents = [[], [], [0, 1], [2], [0]]
    minutes = [(30, 10), (100, 60), (20, 15), (10, 5), (240, 30)]
    expected, unique = longest_path(parents, minutes, [3, 4])
    assert unique and expected == {"c0/restart", "c0/verify", "c4/restart", "c4/verify"}
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(chain_model(parents, minutes, [3, 4])), "utf-8")
    with live(create_app(path, f"sqlite:///{tmp_path / 'store.db'}")) as client:
        page = browser.new_page()
        page.goto(f"{str(client.base_url).rstrip('/')}/plan?scenario=s")
        expect(page.locator(".gantt rect.critical")).to_have_count(0)
        page.select_option("#critical-picker select[name=function]", "f")
        page.get_by_role("button", name="Explain").click()
        expect(page.locator("table.critical-path")).to_be_visible()
        critical = page.locator(".gantt rect.task.critical")
        drawn = {critical.nth(i).get_attribute("data-task") for i in range(critical.count())}
        assert drawn == expected
        dimmed = page.locator(".gantt rect.task.dimmed").count()
        assert dimmed + len(drawn) == page.locator(".gantt rect.task").count()
        page.close()


@pytest.mark.skipif(not AXE.exists(), reason="npm ci installs axe-core")
def test_plan_page_has_no_serious_violation(browser: Browser, server: str) -> None:
    """At a desk's size (the plan is a planning page; the navigation bar's target size on
    a phone belongs to base.html)."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    page.goto(f"{server}/plan?scenario=colo-site-loss&function=lab-results")
    for details in ("#gantt-table", "#eta-table", "#breakdown-table"):
        page.locator(f"{details} summary").click()
    assert _serious(page) == []
    ctx.close()


# --------------------------------------------------------------------------- the board


@pytest.fixture
def board(tmp_path: Path, live: Callable[[FastAPI], AbstractContextManager[httpx.Client]]
          ) -> Iterator[str]:  # fmt: skip
    app = create_app(bs.example_path(), f"sqlite:///{tmp_path / 'board.db'}")
    add_users(app)
    with live(app) as client:
        csrf = login(client, "olga")
        start = datetime.now(UTC) - timedelta(hours=3)
        end = (start + timedelta(hours=2)).isoformat()
        iid = declare(client, csrf, start=start.isoformat(), failure_end=end)["incident"]["id"]
        fc = client.get(f"/api/incidents/{iid}").json()["forecast"]
        client.post(
            f"/api/incidents/{iid}/announcements",
            json={"tier": "vital", "eta": fc["tiers"]["vital"]["p50"]},
            headers={"x-csrf-token": csrf},
        )
        yield f"{str(client.base_url).rstrip('/')}/incidents/{iid}"


def _boxes(page: Page) -> dict[str, Any]:
    return page.evaluate(
        """() => {
          const svg = document.querySelector('.eta-history svg');
          const box = e => {  // in the chart's own units, whatever the page's scale
            const b = e.getBBox(); const t = e.transform.baseVal.consolidate();
            return [b.x + (t ? t.matrix.e : 0), b.y + (t ? t.matrix.f : 0), b.width, b.height]; };
          return {plot: box(svg.querySelector('rect')),
                  items: [...svg.querySelectorAll('g.legend-item')].map(box),
                  ticks: [...svg.querySelectorAll('text.x-tick')].map(box),
                  width: svg.viewBox.baseVal.width, height: svg.viewBox.baseVal.height};
        }"""
    )


@pytest.mark.parametrize("size", [(1366, 768), (390, 844)])
def test_eta_legend_is_outside_the_plot(
    browser: Browser, board: str, size: tuple[int, int]
) -> None:
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = ctx.new_page()
    page.goto(board.split("/incidents")[0] + "/login")
    page.fill("input[name=name]", "olga")
    page.fill("input[name=password]", "olga-password-1")
    page.click("button[type=submit]")
    page.goto(board)
    expect(page.locator('#promises tr[data-tier="vital"]')).to_contain_text("at risk")
    b = _boxes(page)
    _px, py, _pw, ph = b["plot"]
    assert len(b["items"]) == 4
    for i, (x, y, w, h) in enumerate(b["items"]):
        assert y >= py + ph, "a legend item over the plot"
        assert x >= 0 and x + w <= b["width"] and y + h <= b["height"], "outside the chart"
        for x2, y2, w2, h2 in b["items"][i + 1 :]:
            apart = x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y
            assert apart, "two legend items overlap"
    ticks = sorted(b["ticks"])
    assert len(ticks) >= 2
    for x, _y, w, _h in ticks:
        assert x >= 0 and x + w <= b["width"], "a tick label cut by the chart's edge"
    for (x, _y, w, _h), (x2, *_) in itertools.pairwise(ticks):
        assert x + w <= x2, "two tick labels overlap"
    ctx.close()
