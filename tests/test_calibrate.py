"""``blackstart calibrate``: the fit recovers known distributions from synthetic history;
the CSV template's errors name the line; the overlay loads as a normal model file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from blackstart import calibration
from blackstart.cli.app import app
from blackstart.errors import UsageError
from blackstart.model.load import load_data

from .engine._recovery_checks import steps, team, tiny

Z90 = 1.2815515655446004


def model_data() -> dict:
    """Twelve applications whose restart the model says is lognormal, median 1 h, p90 2 h."""
    rec = steps(boot=None, restart={"lognormal": {"median": "1h", "p90": "2h"}}, verify="10min")
    comps = {f"app{i}": {"kind": "application", "site": "dc", "recovery": rec} for i in range(12)}
    return tiny(comps, {"f": {"tier": "care", "requires": list(comps)}}, {"ops": team(12)})


def synthetic_history(incidents: int, seed: int) -> list[calibration.Row]:
    """Incident paces lognormal (median 1.3, p90 1.8); app0's restart really has median
    2 h (p90 4 h), the others as modelled (median 1 h, p90 2 h)."""
    rng = np.random.default_rng(seed)
    sigma = np.log(2.0) / Z90
    rows = []
    for i in range(incidents):
        pace = np.exp(np.log(1.3) + np.log(1.8 / 1.3) / Z90 * rng.standard_normal())
        for a in range(12):
            median = 7200.0 if a == 0 else 3600.0
            y = pace * median * np.exp(sigma * rng.standard_normal())
            rows.append((f"incident {i}", f"app{a}/restart", float(y)))
    return rows


def test_calibrate_recovers_known_distributions() -> None:
    """Tolerance stated: with 60 incidents of 12 steps, the pace prior's median within
    10 % and its p90 within 15 %; app0's restart median within 15 % and its p90/median
    ratio within 20 %; the other steps' medians within 15 % of 1 h."""
    model = load_data(model_data())
    overlay, report = calibration.calibrate(model, synthetic_history(60, seed=7))
    prior = overlay["forecast"]["pace_prior"]
    assert prior["median"] == pytest.approx(1.3, rel=0.10)
    assert prior["p90"] == pytest.approx(1.8, rel=0.15)
    fitted = {r["task"]: r for r in report["steps_refit"]}
    assert len(fitted) == 12
    app0 = fitted["app0/restart"]
    assert app0["median_s"] == pytest.approx(7200, rel=0.15)
    assert app0["p90_s"] / app0["median_s"] == pytest.approx(2.0, rel=0.20)
    for a in range(1, 12):
        assert fitted[f"app{a}/restart"]["median_s"] == pytest.approx(3600, rel=0.15)
    # the overlay is a normal model file: merged, the model takes the fitted figures
    doc = model_data()
    doc["forecast"] = overlay["forecast"]
    doc["overlay"] = overlay["overlay"]
    merged = load_data(doc)
    assert merged.forecast.pace_prior.median == prior["median"]
    restart = merged.components["app0"].recovery.restart  # type: ignore[union-attr]
    assert restart.kind == "lognormal"
    assert restart.median == pytest.approx(app0["median_s"], abs=1)


def test_history_csv_errors_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "h.csv"
    bad.write_text("incident,task\nA,app0/restart\n")
    with pytest.raises(UsageError, match="missing column"):
        calibration.read_history_csv(bad)
    bad.write_text("incident,task,actual\nA,app0/restart,1h\nB,app0/restart,soon\n")
    with pytest.raises(UsageError, match=r"h.csv:3: column actual"):
        calibration.read_history_csv(bad)
    bad.write_text("incident,task,actual\nA,app0/restrat,1h\n")
    rows = calibration.read_history_csv(bad)
    with pytest.raises(UsageError, match="not a step") as exc:
        calibration.calibrate(load_data(model_data()), rows)
    assert exc.value.suggestion and "restart" in exc.value.suggestion


def test_calibrate_command_writes_the_overlay(tmp_path: Path) -> None:
    import yaml

    model = tmp_path / "model.yaml"
    model.write_text(yaml.safe_dump(model_data()))
    history = tmp_path / "h.csv"
    lines = ["incident,task,actual"]
    lines += [f"{i},{t},{round(s)}" for i, t, s in synthetic_history(4, seed=1)]
    history.write_text("\n".join(lines) + "\n")
    out = tmp_path / "overlay.yaml"
    res = CliRunner().invoke(
        app, ["calibrate", str(model), "--history", str(history), "-o", str(out), "-s", "s"]
    )
    assert res.exit_code == 0, res.output
    assert "pace prior" in res.output and out.exists()
    res = CliRunner().invoke(app, ["calibrate", str(model), "-o", str(out)])
    assert res.exit_code == 1
    assert "exactly one" in res.output


def test_calibrate_reports_how_the_fit_moves_the_forecast(tmp_path: Path) -> None:
    """History twice as slow as the model (incident paces lognormal, median 2, p90 2.6,
    from :func:`synthetic_history`'s step distributions): the report's first forecast
    moves later in every tier, and its figures are those of independent forecasts of the
    model alone and of the model with the written overlay beside it (a directory); on
    incidents drawn from the calibrated model, the calibrated forecast covers the truth
    at its P80 more often than the model as it was, with a smaller P50 error."""
    import json

    import yaml

    from blackstart import planning
    from blackstart.model.load import load_model

    rows = [(inc, task, s / 1.3 * 2.0) for inc, task, s in synthetic_history(40, seed=5)]
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (model_dir / "model.yaml").write_text(yaml.safe_dump(model_data()))
    history = tmp_path / "h.csv"
    history.write_text(
        "incident,task,actual\n" + "".join(f"{i},{t},{round(s)}\n" for i, t, s in rows)
    )
    out = model_dir / "overlay.yaml"
    res = CliRunner().invoke(
        app,
        ["calibrate", str(model_dir / "model.yaml"), "--history", str(history), "-o", str(out),
         "--truths", "12", "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    change = report["change"]
    assert change["scenario"] == "s"  # the model's first (and only) scenario
    prior = report["pace_prior"]["after"]
    assert prior["median"] > 1.5  # slower than the model (the fit's accuracy: above)
    # independent forecasts: the model file alone, and the directory with the overlay
    before = planning.run_forecast(load_data(model_data()), "s", runs=1000, seed=0)
    after = planning.run_forecast(load_model(model_dir), "s", runs=1000, seed=0)
    for label, fc in (("before", before), ("after", after)):
        for tier, band in fc.to_dict()["tiers"].items():
            assert change["forecast"][tier][label] == {b: band[b] for b in ("p50", "p80", "p95")}
    care = change["forecast"]["care"]
    for b in ("p50", "p80", "p95"):
        assert care["after"][b] > care["before"][b], b  # later: the work is slower
    bt = change["backtest"]["tiers"]["care"]
    assert bt["before"]["forecasts"] == bt["after"]["forecasts"] >= 12
    assert bt["after"]["coverage_p80"] > bt["before"]["coverage_p80"]
    assert bt["after"]["p50_error_h"] < bt["before"]["p50_error_h"]
    # skipping the backtest keeps the forecast comparison
    res = CliRunner().invoke(
        app,
        ["calibrate", str(model_dir / "model.yaml"), "--history", str(history), "-o",
         str(tmp_path / "o2.yaml"), "--no-backtest", "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "backtest" not in json.loads(res.stdout)["change"]


def test_calibrate_unknown_scenario_is_an_input_error(tmp_path: Path) -> None:
    import yaml

    model = tmp_path / "model.yaml"
    model.write_text(yaml.safe_dump(model_data()))
    history = tmp_path / "h.csv"
    history.write_text("incident,task,actual\nA,app0/restart,1h\n")
    out = tmp_path / "overlay.yaml"
    res = CliRunner().invoke(
        app, ["calibrate", str(model), "--history", str(history), "-o", str(out), "-s", "t"]
    )
    assert res.exit_code == 1
    assert "no scenario 't'" in res.output and "s" in res.output
    assert not out.exists()  # checked before anything is written
