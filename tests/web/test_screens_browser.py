"""Screens for 3 a.m., in Debian's Chromium: a crisis-cell operator at 1366×768 declares
an incident, finds the next task in the "now" panel without scrolling, marks it, undoes
it, is warned before marking a task whose prerequisites are not done and before
announcing an ETA earlier than the P80; a nurse reads /status on a 390×844 phone and
finds what to do on the first screen.

Oracles are independent of the code under test: "ready" is checked against the
transitive dependency cone computed here from the compiled graph, the chance of an ETA
between P50 and P80 must lie strictly between 50 % and 80 % (the definition of the
quantiles), and typed times must come back character for character."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

import blackstart.api as bs
from blackstart import planning
from blackstart.web import create_app
from tests.web._board import PASSWORDS, add_users
from tests.web.conftest import serve

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
ZONE = ZoneInfo("Europe/Paris")
SHOTS = os.environ.get("BLACKSTART_SCREENSHOTS")
"""A directory to write the docs' screenshots to (``docs/screenshots``), if set."""


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / name))


@pytest.fixture
def base(tmp_path: Path) -> Iterator[str]:
    app = create_app(bs.example_path(), f"sqlite:///{tmp_path / 'screens.db'}")
    add_users(app)
    with serve(app) as client:
        yield str(client.base_url).rstrip("/")


def _cones(tasks: set[str]) -> dict[str, set[str]]:
    """Per board task: the board tasks it must wait for, by brute force — every task of a
    down component in its transitive dependency cone, and the earlier steps of its own
    component."""
    m = bs.load(bs.example_path())
    p = planning.context(m, "colo-power-cut").problem
    out: dict[str, set[str]] = {}
    for k, label in enumerate(p.task_labels):
        if label not in tasks:
            continue
        v = int(p.task_node[k])
        below: set[int] = set()
        stack = [v]
        while stack:
            u = stack.pop()
            for c in p.child_idx[p.child_ptr[u] : p.child_ptr[u + 1]].tolist():
                if p.down[c] and c not in below:
                    below.add(c)
                    stack.append(c)
        need = {p.task_labels[j] for c in below for j in range(p.task_ptr[c], p.task_ptr[c + 1])}
        need |= {p.task_labels[j] for j in range(int(p.task_ptr[v]), k)}
        out[label] = need & tasks
    return out


def _login(page: Page, base: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=name]", "olga")
    page.fill("input[name=password]", PASSWORDS["olga"])
    page.click("button[type=submit]")
    expect(page.locator("#whoami")).to_contain_text("olga")


def _board(page: Page, base: str, iid: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        page.context.request.get(f"{base}/api/incidents/{iid}").text()
    )
    return data


def _local(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")


def test_operator_and_nurse(browser: Browser, base: str) -> None:
    ctx = browser.new_context(viewport=DESKTOP)
    page = ctx.new_page()
    _login(page, base)
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=3)
    page.goto(base + "/incidents")
    page.fill("input[name=title]", "Colocation power cut")
    page.select_option("select[name=scenario]", "colo-power-cut")
    page.fill("input[name=start]", start.isoformat(timespec="minutes"))
    page.fill("input[name=failure_end]", (start + timedelta(hours=2)).isoformat("T", "minutes"))
    page.click("#declare button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Colocation power cut")
    iid = page.url.rstrip("/").split("/")[-1]

    # one clock, said once; "now" is after the start, both in the incident's zone
    assert page.locator("text=all times Europe/Paris").count() == 1
    header = page.locator("main > p").nth(1).inner_text()
    started = re.search(r"started (\d{4}-\d\d-\d\d \d\d:\d\d)", header)
    assert started and started.group(1) == start.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")
    assert page.locator("#now").inner_text() > started.group(1)

    # the next task is in the "now" panel, on the first screen, and really is ready
    board = _board(page, base, iid)
    tasks = {t["id"] for t in board["tasks"]}  # type: ignore[attr-defined]
    cones = _cones(tasks)
    first = page.locator("#ready .now-task").first
    box = first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= DESKTOP["height"]
    _shot(page, "board-now.png")
    task = first.get_attribute("data-task") or ""
    assert cones[task] == set(), f"{task} waits for {sorted(cones[task])}"
    row_state = page.locator(
        f'#open-tasks tr[data-task="{task}"] .state, #done-tasks tr[data-task="{task}"] .state'
    )

    # mark it done from the panel (touch-size button), then undo
    button = first.locator('button[value="done"]')
    bbox = button.bounding_box()
    assert bbox is not None and bbox["width"] >= 44 and bbox["height"] >= 44
    button.click()
    expect(row_state).to_have_text("done")
    page.locator("#now-panel button.undo").click()
    expect(row_state).to_have_text("todo")
    kinds = [e["kind"] for e in _board(page, base, iid)["events"] if e["task"] == task]  # type: ignore[attr-defined]
    assert kinds == ["done", "undo-done"]  # never a delete: a compensating event

    # an impossible order is a warning to confirm, inline on the board
    blocked = next(
        t for t in sorted(tasks) if cones[t] and t in {x["id"] for x in board["tasks"] if x["team"]}
    )  # type: ignore[attr-defined]
    page.goto(f"{base}/incidents/{iid}?state=todo#tasks")
    page.locator(f'#open-tasks tr[data-task="{blocked}"] button[value="done"]').click()
    expect(page.locator("#notice")).to_contain_text("before its prerequisites")
    assert [e for e in _board(page, base, iid)["events"] if e["task"] == blocked] == []  # type: ignore[attr-defined]
    page.click("#confirm")
    expect(page.locator(f'tr[data-task="{blocked}"] .state')).to_have_text("done")

    # an ETA earlier than the P80: prefilled with the P80, warned with its chance
    fc = _board(page, base, iid)["forecast"]
    vital = fc["tiers"]["vital"]  # type: ignore[index]
    expect(page.locator("#announce-eta")).to_have_value(_local(vital["p80"]))
    p50, p80 = datetime.fromisoformat(vital["p50"]), datetime.fromisoformat(vital["p80"])
    typed = _local((p50 + (p80 - p50) / 2).isoformat())
    page.select_option("#announce-tier", "vital")
    page.fill("#announce-eta", typed)
    page.locator("form[action$='/announce'] button[type=submit]").click()
    notice = page.locator("#notice")
    expect(notice).to_contain_text("chance of being kept")
    _shot(page, "board-eta-warning.png")
    chance = int(re.search(r"(\d+) % chance", notice.inner_text()).group(1))  # type: ignore[union-attr]
    assert 50 < chance < 80
    page.click("#confirm")
    expect(page.locator("body")).to_contain_text(f"vital → {typed.replace('T', ' ')}")
    # beside the ETA history: the announcement against the current P80, at risk
    promise = page.locator('#promises tr[data-tier="vital"]')
    expect(promise).to_have_attribute("data-verdict", "at risk")
    page.locator("#eta").evaluate("e => e.scrollIntoView({block: 'start'})")
    _shot(page, "board-eta.png")
    # a person chooses what /status shows: the announced ETA, said on the board
    expect(page.locator("#public-says")).to_contain_text("live range")
    page.check("#public-eta input[value=announced]")
    page.locator("#public-eta button").click()
    expect(page.locator("#public-says")).to_contain_text("announced ETAs")

    # the overview says there is an incident and takes its states from the forecast
    page.goto(base + "/")
    expect(page.locator(".incident-banner a")).to_have_attribute("href", f"/incidents/{iid}")
    assert page.locator("td .state-down").count() > 0
    ctx.close()

    # a nurse on a phone: what to do is on the first screen; nothing wraps a date
    phone = browser.new_context(viewport=PHONE, is_mobile=True)
    page = phone.new_page()
    page.goto(base + "/status?lang=en")  # French by default (issue 18); words read in English
    org = bs.load(bs.example_path()).organisation
    assert org is not None
    expect(page.locator("#organisation")).to_have_text(org.name)
    expect(page.locator("#helpline")).to_contain_text(org.helpline or "")
    _shot(page, "status-phone.png")
    todo = page.locator("#what-to-do").bounding_box()
    assert todo is not None and todo["y"] + todo["height"] <= PHONE["height"]
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    lines = page.evaluate(
        "[...document.querySelectorAll('.nowrap')].map(e => e.getClientRects().length)"
    )
    assert lines and set(lines) == {1}
    services = page.locator("#services").inner_text()
    assert "Réseau informatique entre les hôpitaux" in services
    # vital functions show the announced ETA, in the zone and as typed
    hhmm = typed[-5:]
    vital_names = [f.public_name or f.name for f in bs.load(bs.example_path()).functions.values()
                   if f.tier == "vital"]  # fmt: skip
    lines = [x for x in services.splitlines() if any(n and n in x for n in vital_names)]
    assert lines and any("expected back" in x and hhmm in x for x in lines), lines
    phone.close()
