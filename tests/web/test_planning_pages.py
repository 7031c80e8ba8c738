"""The planning pages served for real: the resilience page leads with its ranked
findings (raw tables folded below), the what-if form jumps to its result and offers a
type-ahead picker over a plain form that works without JavaScript."""

from __future__ import annotations

import httpx


def test_resilience_leads_with_ranked_findings(client: httpx.Client) -> None:
    api = client.get("/api/findings")
    assert api.status_code == 200
    first = api.json()["findings"][0]
    html = client.get("/resilience").text
    assert html.index('id="findings"') < html.index('id="spof-details"')
    assert html.index(first["summary"].split(",")[0]) < html.index("<table>")
    # the raw tables are folded
    assert '<details class="raw" id="spof-details">' in html
    assert '<details class="raw" id="concentration-details">' in html
    assert "<details open" not in html
