"""Places of delivery on the bundled example and on a generated region.

Facts asserted come from the example's own description (functions.yaml, hospitals.yaml:
North and East keep a legacy local PBX, South, West and Central use the IPBX in the colo)
and from the public account of August 2024 (DESIGN.md §1), not from the tool's output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from blackstart import api
from blackstart.generate import generate_model
from blackstart.model.load import load_data
from blackstart.model.model import Model

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "hospital-group"
HOSPITALS = (
    "hospital-north",
    "hospital-south",
    "hospital-east",
    "hospital-west",
    "hospital-centre",
)


@pytest.fixture(scope="module")
def model() -> Model:
    return api.load(EXAMPLE)


def test_functions_are_delivered_at_the_five_hospitals(model: Model) -> None:
    placed = {f for f, ps in model.places.items() if ps == HOSPITALS}
    # every function but emergency dispatch (its own centre) and the public website
    assert placed == set(model.functions) - {"emergency-dispatch", "public-information"}


def test_losing_hospital_west_takes_functions_down_there_only(model: Model) -> None:
    report = api.impact(model, fail=["site:hospital-west"])
    assert report.functions_down, "the hospital's loss must show"
    for f in report.functions_down:
        assert f.down_at == ("hospital-west",), f.id
        assert f.partial and f.where() == "down at hospital-west (1 of 5)"
    # group-wide, nothing is lost for the other hospitals: the public website, dispatch up
    assert {"emergency-dispatch", "public-information"} <= set(report.functions_up)
    hit = {p: n for p, n in (report.places_hit or {}).items() if any(n.values())}
    assert list(hit) == ["hospital-west"]
    d = report.to_dict()
    lab = next(f for f in d["functions_down"] if f["id"] == "lab-results")
    assert lab["down_at"] == ["hospital-west"] and lab["delivered_at"] == list(HOSPITALS)


def test_colo_power_cut_still_takes_the_seed_functions_down_everywhere(model: Model) -> None:
    report = api.impact(model, scenario="colo-power-cut")
    down = {f.id: f for f in report.functions_down}
    for fid in ("lab-results", "messaging", "patient-record", "doctor-information-sharing"):
        assert down[fid].down_at == HOSPITALS, fid
    # "telephony of some hospitals": the three on the IPBX in the colo lost their phones
    assert down["telephony"].down_at == ("hospital-south", "hospital-west", "hospital-centre")
    assert report.functions_up == ("emergency-dispatch",)


def test_impact_cli_shows_partial_functions() -> None:
    from typer.testing import CliRunner

    from blackstart.cli.app import app

    res = CliRunner().invoke(
        app, ["impact", str(EXAMPLE), "--fail", "site:hospital-west"], env={"COLUMNS": "200"}
    )
    assert res.exit_code == 0, res.output
    assert "lab-results: down at hospital-west (1 of 5)" in res.stdout


def test_a_region_delivers_each_function_at_its_groups_hospitals() -> None:
    data = generate_model(20_000, seed=3, establishments=2)
    model = load_data(data)
    g2 = sorted(s for s in model.sites if s.startswith("g2-hosp-"))
    assert len(g2) >= 2
    for fid, fn in model.functions.items():
        own = "g2-hosp-" if fn.establishment == "g2" else "hosp-"
        assert model.places[fid] and all(p.startswith(own) for p in model.places[fid]), fid
    report = api.impact(model, fail=[f"site:{g2[0]}"])
    assert report.functions_down
    for f in report.functions_down:
        assert f.establishment == "g2" and f.down_at == (g2[0],), f.id
