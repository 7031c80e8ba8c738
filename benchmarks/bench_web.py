"""Benchmark: the dashboard's what-if answer time and the explorer's first paint.

- What-if: ``POST /api/what-if`` on generated models (:func:`blackstart.generate.generate_model`)
  of 10^4 and 10^5 components, served for real (uvicorn on a loopback port, as
  ``blackstart serve`` does). The failure is the site hosting the most components. Reported:
  the median of 50 requests' round trips (an upper bound of the server time: it includes
  JSON encoding and the loopback) and, as the baseline in the same process, the median of
  50 calls of ``Dashboard.what_if`` (the ``blackstart impact --json`` payload, no HTTP).
  Targets: 200 ms at 10^4, 1 s at 10^5.
- Explorer: first paint of ``/explorer`` in Debian's Chromium at about 2,000 visible nodes
  (a generated model of 1,940 components, uncollapsed, the server's layered layout),
  against the example's 274 nodes laid out by dagre in the browser. ``--with-dagre`` also
  times dagre itself at 2,000 nodes (minutes).

Run: ``.venv/bin/python benchmarks/bench_web.py [--sizes 1e4,1e5] [--requests 50]``
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from blackstart.api import example_path
from blackstart.generate import generate_model, write_model
from blackstart.web import create_app

TARGET_S = {10_000: 0.2, 100_000: 1.0}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def served(model: Path, db: Path) -> Iterator[tuple[httpx.Client, Any]]:
    """The dashboard on ``model`` under uvicorn on a free loopback port."""
    app = create_app(model, f"sqlite:///{db}")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with httpx.Client(base_url=url, timeout=120) as client:
            yield client, app.state.dashboard
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def median_s(fn: Any, n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_what_if(size: int, requests: int, tmp: Path) -> dict[str, Any]:
    data = generate_model(size, seed=0)
    hosted: dict[str, int] = {}
    for comp in data["components"].values():
        if comp.get("site"):
            hosted[comp["site"]] = hosted.get(comp["site"], 0) + 1
    site = max(sorted(hosted), key=lambda s: hosted[s])
    write_model(data, tmp / f"m{size}", fmt="json")
    with served(tmp / f"m{size}", tmp / f"m{size}.db") as (client, dash):
        body = {"fail": [f"site:{site}"]}
        first = client.post("/api/what-if", json=body)
        assert first.status_code == 200, first.text
        payload = first.json()
        http_s = median_s(
            lambda: client.post("/api/what-if", json=body).raise_for_status(), requests
        )
        in_process_s = median_s(lambda: dash.what_if([f"site:{site}"]), requests)
    return {
        "components": size,
        "failed": f"site:{site} ({hosted[site]} components)",
        "functions_down": payload["summary"]["functions_down"],
        "components_down": payload["summary"]["components_down"],
        "response_kb": round(len(first.content) / 1024),
        "http_median_s": http_s,
        "in_process_median_s": in_process_s,
        "ratio": http_s / in_process_s,
        "target_s": TARGET_S.get(size),
    }


def first_paint(base: str, query: str, timeout_s: float) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        hosts: set[str] = set()
        page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
        page.goto(base + "/explorer" + query)
        page.wait_for_selector("#graph[data-ready=true]", timeout=timeout_s * 1000)
        ready: dict[str, Any] = page.evaluate("window.explorerReady")
        browser.close()
    ready["hosts"] = sorted(hosts)
    return ready


def bench_explorer(tmp: Path, with_dagre: bool) -> list[dict[str, Any]]:
    write_model(generate_model(1940, seed=0), tmp / "m2000", fmt="json")
    out = []
    with served(example_path(), tmp / "ex.db") as (client, _):
        base = str(client.base_url).rstrip("/")
        out.append({"view": "example, whole graph, dagre", **first_paint(base, "?view=all", 300)})
        out.append({"view": "example, default (neighbourhood)", **first_paint(base, "", 300)})
    with served(tmp / "m2000", tmp / "m2000.db") as (client, _):
        base = str(client.base_url).rstrip("/")
        out.append(
            {"view": "2,000 nodes, layered", **first_paint(base, "?view=all&collapse=none", 300)}
        )
        out.append(
            {
                "view": "2,000 nodes, collapsed by site",
                **first_paint(base, "?view=all&collapse=site", 300),
            }
        )
        if with_dagre:
            out.append(
                {
                    "view": "2,000 nodes, dagre",
                    **first_paint(base, "?view=all&collapse=none&layout=dagre", 1800),
                }
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1e4,1e5")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--with-dagre", action="store_true")
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",") if s]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        print("what-if (POST /api/what-if), median of", args.requests, "requests")
        print(
            f"{'components':>10} {'failed':>34} {'down f/c':>12} {'KiB':>6} "
            f"{'HTTP ms':>8} {'in-proc ms':>10} {'ratio':>6} {'target':>7}"
        )
        for size in sizes:
            r = bench_what_if(size, args.requests, tmp)
            target = r["target_s"]
            verdict = "" if target is None else ("ok" if r["http_median_s"] <= target else "MISSED")
            print(
                f"{r['components']:>10} {r['failed']:>34} "
                f"{r['functions_down']:>5}/{r['components_down']:<6} {r['response_kb']:>6} "
                f"{r['http_median_s'] * 1e3:>8.1f} {r['in_process_median_s'] * 1e3:>10.1f} "
                f"{r['ratio']:>6.2f} {verdict:>7}"
            )
        if not args.skip_browser:
            print("\nexplorer first paint in Chromium (navigation start → graph drawn)")
            rows = bench_explorer(tmp, args.with_dagre)
            base = rows[0]["sinceNavigation"]
            for row in rows:
                print(
                    f"{row['view']:>32}: {row['nodes']:>5} nodes {row['edges']:>5} edges, "
                    f"{row['sinceNavigation']:>7} ms since navigation "
                    f"(load+draw {row['ms']} ms; "
                    f"ratio to the example {row['sinceNavigation'] / base:.2f}); "
                    f"hosts {row['hosts']}"
                )


if __name__ == "__main__":
    main()
