"""The diagnosis board in Debian's Chromium: an operator logs in, sees the hypotheses the
alerts point to, records a ward's call through the form (naming its hospital), and
declares an incident from the leading hypothesis. No request leaves the host."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import httpx
import pytest
from fastapi import FastAPI
from playwright.sync_api import Page, Request

import blackstart.api as bs
from blackstart.store.diagnose import AlertStore
from blackstart.web import create_app

from ._board import PASSWORDS, add_users


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
    live: Callable[[FastAPI], AbstractContextManager[httpx.Client]],
) -> Iterator[str]:
    db = tmp_path_factory.mktemp("browser-diagnose") / "dashboard.db"
    web = create_app(bs.example_path(), f"sqlite:///{db}")
    add_users(web)
    token = AlertStore(web.state.dashboard.store).add_integration("prometheus", by="test")
    model = web.state.dashboard.model
    down = bs.impact(model, scenario="colo-power-cut").components_down
    alerts = [{"labels": {"alertname": "HostDown", **model.components[c.id].monitoring.labels[0]}}
              for c in down if model.components[c.id].monitoring is not None]  # fmt: skip
    with live(web) as client:
        r = client.post("/api/alerts/generic", json={"alerts": alerts},
                        headers={"authorization": f"Bearer {token}"})  # fmt: skip
        assert r.status_code == 200 and r.json()["unmapped"] == []
        yield str(client.base_url).rstrip("/")


def test_operator_records_a_call_and_declares(page: Page, server: str) -> None:
    hosts: set[str] = set()

    def record(request: Request) -> None:
        hosts.add(request.url.split("/")[2])

    page.on("request", record)
    page.goto(server + "/incidents/diagnose")
    page.fill("input[name=name]", "olga")
    page.fill("input[name=password]", PASSWORDS["olga"])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/incidents/diagnose")
    table = page.locator("#hypotheses")
    assert "alerts explained by site:colo-paris" in table.inner_text()
    assert "Global Switch" in page.locator("#checks").inner_text()

    page.fill("#observe input[name=ref]", "function:lab-results")
    page.select_option("#observe select[name=place]", "hospital-west")
    page.fill("#observe input[name=note]", "ward 3 reports lab results down")
    page.locator("#observe").get_by_role("button", name="Record").click()
    page.wait_for_url("**/incidents/diagnose")
    reports = page.locator("#observations").inner_text()
    assert "ward 3 reports lab results down" in reports
    assert "function:lab-results@hospital-west" in reports

    table.get_by_role("button", name="Declare an incident from this hypothesis").first.click()
    page.wait_for_url("**/incidents/*")
    assert "site:colo-paris" in page.content()
    assert hosts == {server.split("/")[2]}
