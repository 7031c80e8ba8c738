"""``blackstart backtest`` through its real entry point: JSON shape, learning beats the
model as written on a slow truth, HTML output, and its usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from blackstart.cli.app import app

from .engine._recovery_checks import steps, team, tiny


def write_model(tmp_path: Path) -> Path:
    rec = steps(boot=None, restart={"lognormal": {"median": "1h", "p90": "2h"}}, verify="20min")
    comps = {f"app{i}": {"kind": "application", "site": "dc", "recovery": rec} for i in range(6)}
    comps["app5"]["requires"] = ["app0", "app1"]
    data = tiny(comps, {"f": {"tier": "care", "requires": list(comps)}}, {"ops": team(2)})
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_backtest_json_and_html(tmp_path: Path) -> None:
    model = write_model(tmp_path)
    page = tmp_path / "bt.html"
    res = CliRunner().invoke(app, ["backtest", str(model), "-s", "s", "--pace", "3",
                                   "--truths", "3", "--every", "1h", "--runs", "60",
                                   "--json", "--html", str(page)])  # fmt: skip
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    care_learn, care_plain = payload["learning"]["care"], payload["no_learning"]["care"]
    assert care_learn["forecasts"] == care_plain["forecasts"] > 0  # same truths, same points
    # three times slower than written: the model's bands miss, the learnt ones less so
    assert care_plain["coverage_p80"] < 0.5
    assert care_learn["coverage_p80"] > care_plain["coverage_p80"]
    assert care_learn["p50_error_h"] < care_plain["p50_error_h"]
    assert "<table>" in page.read_text() and "coverage" in page.read_text().lower()


def test_backtest_usage_errors(tmp_path: Path) -> None:
    model = write_model(tmp_path)
    for args, words in (
        (["--team-pace", "ops"], "TEAM=K"),
        (["--team-pace", "dba=2"], "no team 'dba'"),
        (["--every", "soon"], "--every"),
        (["--pace", "0"], "positive"),
    ):
        res = CliRunner().invoke(app, ["backtest", str(model), "-s", "s", *args])
        assert res.exit_code == 1, (args, res.output)
        assert words in res.output, (args, res.output)
