"""The bundled example (examples/hospital-group): size, coverage of the functions named
in the seed issue, and the August 2024 colocation power cut as publicly reported.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from blackstart import api
from blackstart.cli.app import app
from blackstart.model.model import Model

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "hospital-group"

# functions named in the issue -> their ids in the example
ISSUE_FUNCTIONS = {
    "messaging / e-mail": "messaging",
    "telephony": "telephony",
    "internet access": "internet-access",
    "site-to-hospital links": "hospital-connectivity",
    "patient record": "patient-record",
    "doctor information sharing": "doctor-information-sharing",
    "lab results": "lab-results",
    "imaging results": "imaging-results",
    "emergency admissions": "emergency-admissions",
    "pharmacy": "pharmacy",
    "identity / directory": "identity-directory",
    "billing": "billing",
    "HR / payroll": "hr-payroll",
    "purchasing": "purchasing",
}


@pytest.fixture(scope="module")
def model() -> Model:
    return api.load(EXAMPLE)


def test_example_is_bundled_with_the_package() -> None:
    assert api.example_path().resolve() == EXAMPLE.resolve()


def test_size(model: Model) -> None:
    assert len(model.components) >= 150
    assert len(model.functions) >= 15
    assert len(model.sites) >= 2
    assert len(model.providers) >= 2


@pytest.mark.parametrize("what", sorted(ISSUE_FUNCTIONS))
def test_issue_functions_present(model: Model, what: str) -> None:
    assert ISSUE_FUNCTIONS[what] in model.functions


def test_colo_power_cut_timing(model: Model) -> None:
    start = model.scenario_start("colo-power-cut")
    assert start.astimezone(UTC) == datetime(2024, 8, 3, 9, 0, tzinfo=UTC)  # 11:00 CEST
    assert start.replace(tzinfo=None) == datetime(2024, 8, 3, 11, 0)
    assert model.scenarios["colo-power-cut"].duration == 3.5 * 3600


def test_colo_power_cut_impact(model: Model) -> None:
    report = api.impact(model, scenario="colo-power-cut")
    down = {f.id for f in report.functions_down}
    assert {"messaging", "telephony", "lab-results", "patient-record"} <= down
    assert "emergency-dispatch" not in down
    assert "emergency-dispatch" in report.functions_up
    # every consequence traces back to what the scenario fails
    failed = set(report.failed)
    assert failed == set(model.scenarios["colo-power-cut"].fail)
    for f in report.functions_down:
        assert f.causes and set(f.causes) <= failed
        assert f.chain[0] == f.id


def test_demo() -> None:
    from blackstart import advice, planning

    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())  # whatever the wrapping
    assert "colo-power-cut" in text
    # the plan and the forecast are named apart, the plan first
    assert text.index("The plan: every step at its usual duration") < text.index(
        "The forecast: 10,000 runs with uncertain durations"
    )
    # the function explained is the care function really last in the plan
    model = api.load(api.example_path())
    plan = planning.plan(model, "colo-power-cut").to_dict()
    care = [f for f in plan["functions"] if f["tier"] == "care" and f["was_down"]]
    last = max(care, key=lambda f: datetime.fromisoformat(f["restored_at"]))["id"]
    assert f"Why {last} is the last care function back" in text
    # it ends with the three best changes and the public timeline, not a list of commands
    best = advice.improve(model, budget=3)["candidates"]
    for c in best:
        assert c["description"] in text
    assert text.index(best[0]["description"]) < text.index("against the public timeline")
    assert "Mon 5 Aug ~10:00" in text and "Tue 6 Aug evening" in text
    assert "Try next" not in text
