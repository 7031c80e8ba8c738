"""Places of delivery on the bundled example and on a generated region.

Facts asserted come from the example's own description (functions.yaml, hospitals.yaml:
North and East keep a legacy local PBX, South, West and Central use the IPBX in the colo)
and from the public account of August 2024 (DESIGN.md §1), not from the tool's output.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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


def _cli_json(*args: str) -> dict[str, Any]:
    from typer.testing import CliRunner

    from blackstart.cli.app import app

    res = CliRunner().invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    payload: dict[str, Any] = json.loads(res.stdout)
    return payload


def test_fault_trees_target_a_function_at_one_place() -> None:
    ex = str(EXAMPLE)
    # North keeps a legacy local PBX on its own trunk (hospitals.yaml): its phones need
    # nothing outside the building, so every single point of failure is North's
    [row] = _cli_json("spof", ex, "--target", "telephony@hospital-north")["functions"]
    assert row["id"] == "telephony@hospital-north"
    names = row["single_points_of_failure"]
    assert names and all("hospital-north" in n or n == "provider:carrier-a" for n in names)
    assert "site:colo-paris" not in names
    # West's phones ride on the IPBX in the colo: the colocation site is one of them
    [west] = _cli_json("spof", ex, "--target", "telephony@hospital-west")["functions"]
    assert "site:colo-paris" in west["single_points_of_failure"]
    cut = _cli_json("cutsets", ex, "--target", "lab-results@hospital-west", "--max-order", "1")
    [t] = cut["targets"]
    singles = {s[0] for s in t["cut_sets"] if len(s) == 1}
    assert not any("hospital-east" in s for s in singles)
    # down somewhere is at least as likely as down at any one place
    probs = _cli_json("probability", ex, "-t", "lab-results", "-t", "lab-results@hospital-west")
    whole, west_p = (r["probability"] for r in probs["targets"])
    assert whole >= west_p > 0
    imp = _cli_json("importance", ex, "-t", "telephony@hospital-north")
    assert imp["target"] == "telephony@hospital-north"
    outside = {"provider:carrier-a", "provider:utility-grid"}  # its trunk's carrier, the grid
    assert all("hospital-north" in e["event"] or e["event"] in outside for e in imp["events"])


def test_a_misspelt_place_target_suggests_the_places() -> None:
    from typer.testing import CliRunner

    from blackstart.cli.app import app

    res = CliRunner().invoke(app, ["probability", str(EXAMPLE), "-t", "lab-results@hospital-wst"])
    assert res.exit_code == 1
    assert "did you" in res.output and "lab-results@hospital-west" in res.output


def test_concentration_counts_a_hospital_as_partial_not_lost() -> None:
    from blackstart import resilience

    out = resilience.concentration(api.load(EXAMPLE))
    west = next(r for r in out["sites"] if r["id"] == "hospital-west")
    colo = next(r for r in out["sites"] if r["id"] == "colo-paris")
    assert sum(west["by_tier"].values()) == 0
    assert west["partial"] and all(p["down_at"] == ["hospital-west"] for p in west["partial"])
    assert colo["by_tier"]["care"] > 0  # the colo takes care down at every hospital
    # ranked by what is lost: the colocation site before any hospital
    order = [r["id"] for r in out["sites"]]
    assert order.index("colo-paris") < order.index("hospital-west")


def test_availability_per_place_agrees_with_the_place_target() -> None:
    avail = _cli_json("availability", str(EXAMPLE))
    tel = next(r for r in avail["functions"] if r["id"] == "telephony")
    by_place = {p["place"]: p["unavailability"] for p in tel["places"]}
    probs = _cli_json("probability", str(EXAMPLE), "-t", "telephony@hospital-north",
                      "-t", "telephony@hospital-west")  # fmt: skip
    for row in probs["targets"]:
        assert by_place[row["id"].partition("@")[2]] == pytest.approx(row["probability"])
    # down somewhere is at least as likely as down at any place, at most their sum
    assert max(by_place.values()) <= tel["unavailability"] <= sum(by_place.values()) + 1e-12
