"""``improve`` (blackstart.advice): what is proposed where, the yardstick weighed by
places of delivery, costs, and what is not ranked. Expected values computed by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from blackstart import advice, api
from blackstart.errors import ModelError
from blackstart.generate import generate_model
from blackstart.model.compile import compile_model
from blackstart.model.faulttree import model_fault_tree
from blackstart.model.load import load_data
from blackstart.model.model import Model

H = 8760.0


def placed(costs: dict[str, Any] | None = None) -> Model:
    """A function delivered at hospitals a and b: a shared app in a data centre (p 0.1)
    and each hospital's own network (0.2 at a, 0.3 at b)."""
    data: dict[str, Any] = {
        "sites": {"a": {"kind": "hospital"}, "b": {"kind": "hospital"},
                  "dc": {"kind": "datacenter"}, "dc2": {"kind": "datacenter"}},
        "components": {
            "app": {"kind": "application", "site": "dc", "failure": {"probability": 0.1}},
            "a-lan": {"kind": "network", "site": "a", "failure": {"probability": 0.2}},
            "b-lan": {"kind": "network", "site": "b", "failure": {"probability": 0.3}},
            "b-desk": {"kind": "endpoint", "site": "b"},
        },
        "functions": {"f": {"tier": "care", "delivered_at": ["a", "b"],
                            "requires": ["app", "{place}-lan"]},
                      "g": {"tier": "care", "delivered_at": ["b"], "requires": "b-desk"}},
    }  # fmt: skip
    if costs:
        data["costs"] = costs
    return load_data(data)


def _rows(payload: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["change"], r["component"]): r for r in payload["candidates"]}


def test_downtime_is_weighed_by_the_places_reached() -> None:
    out = advice.improve(placed())
    q_a, q_b = 1 - 0.9 * 0.8, 1 - 0.9 * 0.7  # f at a, f at b; g never fails (no data)
    assert out["care_downtime_hours_per_year"] == pytest.approx((q_a + q_b) / 2 * H + 0)
    rows = _rows(out)
    # a standby of the shared app halves nothing but squares its failure: both places gain
    standby = rows[("standby", "app")]
    assert standby["site"] == "dc2" and standby["places_reached"] == ["a", "b"]
    saved = ((q_a - (1 - 0.99 * 0.8)) + (q_b - (1 - 0.99 * 0.7))) / 2 * H
    assert standby["care_downtime_saved_hours_per_year"] == pytest.approx(saved)
    # a second network unit in hospital b: one place of two
    lan_b = rows[("second-unit", "b-lan")]
    assert lan_b["site"] == "b" and lan_b["places_reached"] == ["b"]
    saved_b = (q_b - (1 - 0.9 * (1 - 0.3**2))) / 2 * H
    assert lan_b["care_downtime_saved_hours_per_year"] == pytest.approx(saved_b)
    # moving the app to another data centre saves nothing (sites never fail): not ranked
    assert ("move", "app") not in rows
    # without costs, 1 per change: ranked by hours saved
    order = [(r["change"], r["component"]) for r in out["candidates"]]
    assert order == [("second-unit", "b-lan"), ("second-unit", "a-lan"), ("standby", "app")]
    assert out["not_ranked"] == [{"component": "b-desk", "kind": "endpoint"}]


def test_costs_rank_per_unit_of_cost() -> None:
    out = advice.improve(placed({"second-unit": {"default": 100, "by_kind": {"network": 10}},
                                 "standby": {"default": 1}}))  # fmt: skip
    rows = _rows(out)
    assert rows[("second-unit", "a-lan")]["cost"] == 10
    assert rows[("standby", "app")]["cost"] == 1
    per = {k: r["care_downtime_saved_hours_per_year"] / r["cost"] for k, r in rows.items()}
    order = [(r["change"], r["component"]) for r in out["candidates"]]
    assert order == sorted(per, key=lambda k: -per[k])
    assert order[0] == ("standby", "app")
    assert "costs: section" in out["costs"]


def test_costs_name_kinds_of_change() -> None:
    with pytest.raises(ModelError) as err:
        load_data({"costs": {"stanby": {"default": 3}}})
    [p] = err.value.problems
    assert p.code == "unknown-key" and "did you mean 'standby'" in (p.suggestion or "")


def _check_buildings(model: Model, rows: list[dict[str, Any]]) -> None:
    for r in rows:
        comp = model.components[r["component"]]
        if comp.kind in advice.BUILDING:
            assert r["site"] == comp.site, r  # building infrastructure stays in its building
            assert r["change"] in ("second-unit", "split-power"), r
        elif r["change"] in ("standby", "move", "second-link"):
            assert r["site"] != comp.site, r
            assert model.sites[r["site"]].kind in advice.HOSTING, r
        else:
            assert r["site"] == comp.site, r


@pytest.mark.parametrize(("seed", "establishments"), [(1, 1), (2, 1), (3, 2)])
def test_generated_models_never_get_building_infrastructure_elsewhere(
    seed: int, establishments: int
) -> None:
    model = load_data(generate_model(600 * establishments, seed=seed,
                                     establishments=establishments))  # fmt: skip
    tree, _ = model_fault_tree(model, compile_model(model))
    stick = advice.yardstick(model, tree)
    every = advice.proposals(model, tree, stick, shortlist=len(model.components), exact=False)
    assert any(model.components[r["component"]].kind in advice.BUILDING for r in every)
    _check_buildings(model, every)
    rows = advice.proposals(model, tree, stick, shortlist=30)
    _check_buildings(model, rows)


def test_the_example_never_gets_building_infrastructure_elsewhere() -> None:
    model = api.load(api.example_path())
    tree, _ = model_fault_tree(model, compile_model(model))
    stick = advice.yardstick(model, tree)
    # every component that can be proposed (where, not how much: savings skipped)
    every = advice.proposals(model, tree, stick, shortlist=len(model.components), exact=False)
    assert len({r["component"] for r in every}) > 60
    _check_buildings(model, every)
    rows = advice.proposals(model, tree, stick, shortlist=24)
    kinds = {model.components[r["component"]].kind for r in rows}
    assert {"cooling", "power", "ups"} <= kinds
    _check_buildings(model, rows)
    # the seed incident's lesson: colo cooling gets a second unit in the colo, not in
    # the group's own data centre
    cooling = [r for r in rows if r["component"] == "colo-cooling"]
    assert cooling and all(r["site"] == "colo-paris" for r in cooling)


def test_improve_in_the_terminal_says_costs_and_what_is_not_ranked(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from blackstart.cli.app import app

    data = {
        "sites": {"a": {"kind": "hospital"}, "dc": {"kind": "datacenter"},
                  "dc2": {"kind": "datacenter"}},
        "components": {
            "app": {"kind": "application", "site": "dc", "failure": {"probability": 0.1}},
            "ups": {"kind": "ups", "site": "a", "failure": {"mtbf": "1000h", "mttr": "10h"}},
            "desk": {"kind": "endpoint", "site": "a"},
        },
        "functions": {"f": {"tier": "vital", "delivered_at": ["a"],
                            "requires": ["app", "ups", "desk"]}},
        "costs": {"standby": {"default": 4}},
    }  # fmt: skip
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(data), "utf-8")
    res = CliRunner().invoke(app, ["improve", str(path)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    out = " ".join(res.stdout.split())
    assert "add a standby of app in dc2" in out
    assert "add a second ups unit beside ups, in a" in out
    assert "costs: from the model's costs: section" in out
    assert "not ranked: 1 components have no failure data" in out and "desk" in out
