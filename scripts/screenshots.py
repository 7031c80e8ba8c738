"""Screenshots of each dashboard page, for the docs: the example served for real (uvicorn on
a loopback port, a throwaway SQLite store) and photographed in Debian's Chromium through
Playwright at 1280×800. Fails if a page asks any other host for anything.

    .venv/bin/python scripts/screenshots.py            # writes docs/screenshots/*.png
    .venv/bin/python scripts/screenshots.py --out DIR
    .venv/bin/python scripts/screenshots.py --only plan plan-gantt   # some pages
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, sync_playwright

from blackstart.api import example_path
from blackstart.web import create_app

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 120_000


def _graph(selector: str) -> Callable[[Page], None]:
    return lambda page: page.wait_for_selector(f"{selector}[data-ready=true]", timeout=WAIT_MS)


def _what_if_typed(page: Page) -> None:
    _graph("#whatif-graph")(page)
    page.fill("#pick", "lis")
    page.keyboard.press("Enter")
    page.fill("#pick", "colo-")
    page.wait_for_timeout(200)


def _scroll(selector: str, before: Callable[[Page], None] | None = None) -> Callable[[Page], None]:
    def go(page: Page) -> None:
        if before:
            before(page)
        page.locator(selector).first.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(200)

    return go


SHOTS: list[tuple[str, str, Callable[[Page], None] | None]] = [
    ("overview", "/", None),
    ("explorer", "/explorer?node=function:lab-results", _graph("#graph")),
    ("explorer-cone", "/explorer?node=function:lab-results&view=cone", _graph("#graph")),
    ("what-if-picker", "/what-if", _what_if_typed),
    (
        "what-if",
        "/what-if?fail=site:colo-paris&duration=6h&start=2024-08-03T14:30",
        _graph("#whatif-graph"),
    ),
    (
        "what-if-forecast",
        "/what-if?fail=site:colo-paris&duration=6h&start=2024-08-03T14:30",
        _scroll("#forecast", _graph("#whatif-graph")),
    ),
    ("plan", "/plan?scenario=colo-site-loss&function=lab-results", None),
    ("plan-gantt", "/plan?scenario=colo-site-loss&function=lab-results", _scroll("#gantt")),
    (
        "plan-critical-path",
        "/plan?scenario=colo-site-loss&function=lab-results",
        _scroll("#critical-path"),
    ),
    ("resilience", "/resilience", None),
    ("api-docs", "/docs", lambda page: page.wait_for_selector(".opblock", timeout=WAIT_MS)),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these screenshots")
    args = parser.parse_args()
    shots = [s for s in SHOTS if not args.only or s[0] in args.only]
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(example_path(), f"sqlite:///{tmp}/dashboard.db")
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        host = f"127.0.0.1:{sock.getsockname()[1]}"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                hosts: set[str] = set()
                page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
                for name, path, ready in shots:
                    page.goto(f"http://{host}{path}")
                    if ready:
                        ready(page)
                    target = args.out / f"{name}.png"
                    page.screenshot(path=str(target))
                    print(f"{target} ({target.stat().st_size // 1024} KiB)")
                browser.close()
            if hosts != {host}:
                raise SystemExit(f"requests to other hosts: {sorted(hosts - {host})}")
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            sock.close()


if __name__ == "__main__":
    main()
