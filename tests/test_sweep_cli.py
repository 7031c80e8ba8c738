"""``blackstart sweep`` from the command line, and its HTML report in a real Chromium:
the JSON matrix, the heat map, usage errors, and no request leaving the file."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from blackstart import api
from blackstart.cli.app import app
from blackstart.report import sweep_html
from blackstart.sweep import parse_axes, run_sweep

ARGS = [
    "--over",
    "site,provider",
    "--durations",
    "1h,1d",
    "--starts",
    "Sat 11:00",
    "--runs",
    "64",
    "--workers",
    "1",
]


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path, str]:
    where = tmp_path_factory.mktemp("sweep")
    html = where / "risk.html"
    db = f"sqlite:///{where / 'b.db'}"
    result = CliRunner().invoke(
        app,
        ["sweep", str(api.example_path()), *ARGS, "--json", "--html", str(html), "--db", db],
    )
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload, html, result.stdout


def test_json_matrix_is_ranked_and_complete(swept: tuple[dict[str, Any], Path, str]) -> None:
    payload, _, _ = swept
    m = api.load(api.example_path())
    assert payload["scenarios"] == (len(m.sites) + len(m.providers)) * 2
    care = [r["care_hours_lost"] for r in payload["rows"]]
    assert care == sorted(care, reverse=True)
    # a day without the main colocation site costs more care than an hour of it
    rows = {r["key"]: r for r in payload["rows"]}
    day = rows["site:colo-paris|86400s|Sat 11:00"]["care_hours_lost"]
    hour = rows["site:colo-paris|3600s|Sat 11:00"]["care_hours_lost"]
    assert day > hour > 0
    # a tier's P95 is never before its P50, and a probability is a probability
    for r in payload["rows"]:
        for t in r["tiers"].values():
            assert t["p95_h"] >= t["p50_h"] >= 0
            p = t["rto_breach_probability"]
            assert p is None or 0 <= p <= 1
    # the same numbers as the Python API with the same seed
    axes = parse_axes(m, over="site,provider", durations="1h,1d", starts="Sat 11:00")
    assert run_sweep(m, axes, runs=64, seed=0, workers=1).to_dict()["rows"] == payload["rows"]


def test_table_output(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'b.db'}"
    result = CliRunner().invoke(
        app, ["sweep", str(api.example_path()), *ARGS, "--top", "3", "--db", db]
    )
    assert result.exit_code == 0, result.output
    assert "Ranked by expected care-hours lost" in result.stdout
    assert re.search(r"^\s*1\s+(site:colo-paris|provider:global-switch)", result.stdout, re.M)
    assert "more (--top N" in result.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--over", "sites"], "cannot sweep over 'sites'"),
        (["--starts", "Someday 10:00"], "not a weekday"),
        (["--durations", "4"], "--durations"),
        (["--incident", "colo-power-cutt"], "colo-power-cut"),
        (["--db", "nonsense://"], "database"),
    ],
)
def test_input_errors_exit_1(extra: list[str], message: str, tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'b.db'}"] if "--db" not in extra else []
    result = CliRunner().invoke(app, ["sweep", str(api.example_path()), *db, *extra])
    assert result.exit_code == 1, result.output
    assert message in result.output


def test_html_report_is_self_contained(swept: tuple[dict[str, Any], Path, str]) -> None:
    payload, html, _ = swept
    doc = html.read_text("utf-8")
    assert doc == sweep_html(payload)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", doc)
    assert "<script" not in doc
    # one heat map per start, one row per what, one cell per duration
    assert doc.count("Expected care-hours lost — start") == 1
    assert "site:colo-paris" in doc


def test_html_report_in_chromium_makes_no_request(
    swept: tuple[dict[str, Any], Path, str], page: Any
) -> None:
    payload, html, _ = swept
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(html.as_uri())
    assert requested == [html.as_uri()]
    heat = page.locator("table").first
    first_row = heat.locator("tr").nth(1)
    cells = first_row.locator("td")
    # the worst row of the heat map: its what, then one cell per duration (1h, 1d)
    assert cells.count() == 3
    worst = payload["rows"][0]
    assert cells.nth(0).inner_text() == worst["what"]
    assert cells.nth(2).inner_text() == f"{worst['care_hours_lost']:,.1f}"
    assert "hsl(" in (cells.nth(2).get_attribute("style") or "")
