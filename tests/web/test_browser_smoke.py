"""The dashboard in Debian's Chromium through Playwright: the overview page renders and makes
no request to any other host."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from playwright.sync_api import Page, Request

import blackstart.api as bs
from blackstart.web import create_app


@pytest.fixture(scope="module")
def base_url_live(
    tmp_path_factory: pytest.TempPathFactory,
    live: Callable[[FastAPI], AbstractContextManager[httpx.Client]],
) -> Iterator[str]:
    db = tmp_path_factory.mktemp("browser") / "dashboard.db"
    with live(create_app(bs.example_path(), f"sqlite:///{db}")) as client:
        yield str(client.base_url).rstrip("/")


def test_overview_renders_in_chromium_without_leaving_the_host(
    page: Page, base_url_live: str, tmp_path: Path
) -> None:
    hosts: set[str] = set()

    def record(request: Request) -> None:
        hosts.add(request.url.split("/")[2])

    page.on("request", record)
    page.goto(base_url_live + "/")
    assert "blackstart" in page.title().lower()
    assert page.get_by_text("Résultats de biologie", exact=False).first.is_visible()
    assert hosts == {base_url_live.split("/")[2]}
