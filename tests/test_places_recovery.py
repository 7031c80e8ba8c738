"""Plan, forecast and sweep per place of delivery."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from blackstart import api
from blackstart.model.compile import compile_model
from blackstart.model.load import load_data
from blackstart.planning import plan, run_forecast
from blackstart.sweep.compute import SweepKit, evaluate
from blackstart.sweep.scenarios import ScenarioSpec

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "hospital-group"


@pytest.fixture(scope="module")
def colo_plan() -> dict[str, Any]:
    payload: dict[str, Any] = plan(api.load(EXAMPLE), "colo-power-cut").to_dict()
    return payload


def test_plan_gives_each_function_at_each_place(colo_plan: dict[str, Any]) -> None:
    tel = next(f for f in colo_plan["functions"] if f["id"] == "telephony")
    down = {p["place"]: p["was_down"] for p in tel["places"]}
    # North and East keep their own PBX (hospitals.yaml); the others ride on the colo IPBX
    assert down == {"hospital-north": False, "hospital-south": True, "hospital-east": False,
                    "hospital-west": True, "hospital-centre": True}  # fmt: skip
    for f in colo_plan["functions"]:
        if "places" in f:  # back everywhere when back at the last place
            assert f["restored_after_s"] == max(p["restored_after_s"] for p in f["places"])


def test_plan_gives_each_tier_at_each_place(colo_plan: dict[str, Any]) -> None:
    by_place = colo_plan["tiers_by_place"]
    assert set(by_place) == {"hospital-north", "hospital-south", "hospital-east",
                             "hospital-west", "hospital-centre"}  # fmt: skip
    for place, tiers in by_place.items():
        for tier, row in tiers.items():
            placed = [p["restored_at"] for f in colo_plan["functions"] if f["tier"] == tier
                      for p in f.get("places", []) if p["place"] == place]  # fmt: skip
            assert row["restored_at"] == max(placed, key=datetime.fromisoformat)


def test_forecast_gives_bands_per_place() -> None:
    fc = run_forecast(api.load(EXAMPLE), "colo-power-cut", runs=200, seed=1).to_dict()
    tel = next(f for f in fc["functions"] if f["id"] == "telephony")
    north = next(p for p in tel["places"] if p["place"] == "hospital-north")
    assert not north["was_down"] and north["p95"] == fc["start"]
    for tier, band in fc["tiers_by_place"]["hospital-west"].items():
        group = fc["tiers"][tier]
        assert datetime.fromisoformat(band["p50"]) <= datetime.fromisoformat(group["p50"])


def _kit(placed: bool) -> SweepKit:
    f: dict[str, Any] = {"tier": "care", "requires": "a-lan"}
    if placed:
        f = {"tier": "care", "delivered_at": ["a", "b"], "requires": "{place}-lan"}
    model = load_data(
        {
            "sites": {"a": {"kind": "hospital"}, "b": {"kind": "hospital"}},
            "components": {
                "a-lan": {"kind": "network", "site": "a", "recovery": {"boot": "1h"}},
                "b-lan": {"kind": "network", "site": "b", "recovery": {"boot": "1h"}},
            },
            "functions": {"f": f},
        }
    )
    return SweepKit.build(model, compile_model(model))


def test_sweeps_weigh_care_hours_by_the_places_hit() -> None:
    start = datetime(2024, 3, 4, 10, 0, tzinfo=UTC)
    spec = ScenarioSpec("site:a|2h", "site:a", "site", 7200, "Mon 10:00", start,
                        ("site:a",), 7200)  # fmt: skip
    whole = evaluate(_kit(placed=False), spec, runs=20, seed=0)
    one_of_two = evaluate(_kit(placed=True), spec, runs=20, seed=0)
    assert whole["care_hours_lost"] >= 3.0  # 2 h down, then at least the 1 h boot
    assert one_of_two["care_hours_lost"] == pytest.approx(whole["care_hours_lost"] / 2, abs=1e-4)
    assert one_of_two["functions_down"] == whole["functions_down"] == 1


def test_public_status_has_per_place_lines_with_public_names_only() -> None:
    import json

    from blackstart import incident

    model = api.load(EXAMPLE)
    fc = run_forecast(model, "colo-power-cut", runs=200, seed=2, as_of="2024-08-03T14:30")
    summary = incident.eta_summary(fc.to_dict())
    public = incident.public_functions(model, summary)
    tel = next(r for r in public["vital"] if r["name"] == model.functions["telephony"].name)
    names = [p["name"] for p in tel["places"]]
    # the hospitals that lost their phones, by the names the model gives them
    assert names == [model.sites[s].name for s in ("hospital-south", "hospital-west",
                                                   "hospital-centre")]  # fmt: skip
    assert all(p["state"] == "down" and "eta" in p for p in tel["places"])
    text = json.dumps(public)
    for internal in [*model.sites, *model.components, *model.providers]:
        assert f'"{internal}"' not in text
    # merging two incidents keeps one line per place, the worst state
    merged = incident.merge_public([public, incident.public_functions(model, summary)])
    tel2 = next(r for r in merged["vital"] if r["name"] == tel["name"])
    assert [p["name"] for p in tel2["places"]] == names


def test_explain_a_function_at_one_place(colo_plan: dict[str, Any]) -> None:
    from blackstart.errors import UsageError
    from blackstart.planning import explain

    model = api.load(EXAMPLE)
    west = explain(model, "colo-power-cut", "telephony@hospital-west")
    tel = next(f for f in colo_plan["functions"] if f["id"] == "telephony")
    at_west = next(p for p in tel["places"] if p["place"] == "hospital-west")
    assert west["function"] == "telephony@hospital-west" and west["was_down"]
    assert west["restored_at"] == at_west["restored_at"]
    # West's phones need the colo IPBX: its critical path runs through it
    assert any(s["component"].startswith("ipbx") for s in west["steps"])
    with pytest.raises(UsageError) as err:
        explain(model, "colo-power-cut", "telephony@hospital-nort")
    assert "hospital-north" in (err.value.suggestion or "")


def test_show_lists_the_places_of_delivery() -> None:
    shown = api.show(api.load(EXAMPLE))
    assert shown["places"]["lab-results"] == [
        "hospital-north", "hospital-south", "hospital-east", "hospital-west", "hospital-centre"
    ]  # fmt: skip
    assert "emergency-dispatch" not in shown["places"]
