"""The pages through a real server: 200, the expected names, no external URL."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
import pytest

from blackstart.model.model import Model

PAGES = ["/", "/what-if", "/what-if?fail=site:colo-paris", "/plan?scenario=colo-site-loss",
         "/plan", "/resilience", "/explorer", "/docs"]  # fmt: skip
URL = re.compile(r"""(?:https?:)?//[^\s"'<>)]+""", re.IGNORECASE)


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_with_function_names(client: httpx.Client, model: Model, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    if path not in ("/plan", "/what-if", "/explorer", "/docs"):
        for fid in ("lab-results", "emergency-dispatch"):
            assert fid in r.text
    if path != "/docs":
        for link in ("/explorer", "/what-if", "/plan", "/resilience", "/api/", "/docs"):
            assert f'href="{link}' in r.text


def _external(text: str, host: str) -> list[str]:
    return [u for u in URL.findall(text) if urlsplit(u if ":" in u[:6] else "x:" + u).netloc
            not in ("", host)]  # fmt: skip


def test_no_url_to_another_host(client: httpx.Client) -> None:
    host = client.base_url.netloc.decode()
    bodies = [client.get(p).text for p in PAGES]
    css = {h for b in bodies for h in re.findall(r'href="([^"]+\.css)"', b)}
    scripts = {s for b in bodies for s in re.findall(r'<script src="([^"]+)"', b)}
    assert {c.rsplit("/", 1)[1] for c in css} == {"style.css", "incidents.css", "swagger-ui.css"}
    assert {s.rsplit("/", 1)[1] for s in scripts} >= {
        "cytoscape.min.js",
        "dagre.min.js",
        "cytoscape-dagre.js",
        "swagger-ui-bundle.js",
    }
    for href in sorted(css | scripts):
        assert href.startswith("/static/"), href
        r = client.get(href)
        assert r.status_code == 200, href
        if href.endswith(".css"):
            assert r.headers["content-type"].startswith("text/css")
        elif not href.startswith("/static/vendor/"):  # ours; vendored bundles hold doc links
            bodies.append(r.text)
    for body in bodies:
        assert _external(body, host) == []
    # every <script> loads a file of this server: none inline, none elsewhere
    for body in bodies[: len(PAGES)]:
        assert body.count("<script") == body.count('<script src="/static/')


def test_what_if_form_shows_down_functions_with_chains(client: httpx.Client) -> None:
    r = client.post("/what-if", data={"fail": ["site:colo-paris"]})
    assert r.status_code == 200
    assert "lab-results" in r.text
    assert "lab-results → lis-app → site:colo-paris" in r.text


def test_what_if_form_saves(client: httpx.Client) -> None:
    r = client.post(
        "/what-if",
        data={"fail": ["provider:global-switch"], "save_as": "page-saved", "duration": "3d"},
    )
    assert r.status_code == 200
    assert "saved as &#39;page-saved&#39;" in r.text or "saved as 'page-saved'" in r.text
    names = [s["name"] for s in client.get("/api/what-if/saved").json()]
    assert "page-saved" in names
    r = client.get("/what-if", params={"saved": "page-saved"})
    assert r.status_code == 200 and "lab-results" in r.text


def test_page_errors_are_html_4xx_without_traceback(client: httpx.Client) -> None:
    r = client.get("/plan", params={"scenario": "colo-site-los"})
    assert r.status_code == 422
    assert "did you mean" in r.text and "Traceback" not in r.text
    r = client.post("/what-if", data={"fail": ["site:colo-pari"]})
    assert r.status_code == 422 and "did you mean" in r.text
    r = client.post("/what-if", data={})
    assert r.status_code == 422 and "nothing fails" in r.text
    assert client.get("/nowhere").status_code == 404
