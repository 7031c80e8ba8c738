"""Resilience analyses of YAML models through the CLI: cut sets, probability,
importance, single points of failure and availability, on a model small enough to
derive every answer by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from blackstart.cli import app

MODEL = {
    "timezone": "Europe/Paris",
    "providers": {"colo-op": {"kind": "colocation", "jurisdiction": "GB"}},
    "sites": {
        "colo": {"kind": "colocation", "provider": "colo-op"},
        "own": {"kind": "datacenter"},
    },
    "components": {
        # a "redundant" database pair in the same building
        "db-a": {"kind": "database", "site": "colo", "team": "dba",
                 "failure": {"probability": 0.1}},
        "db-b": {"kind": "database", "site": "colo", "team": "dba",
                 "failure": {"mtbf": "90h", "mttr": "10h"}},  # also 0.1
        "app": {"kind": "application", "site": "own", "requires": {"any_of": ["db-a", "db-b"]},
                "failure": {"probability": 0.02}},
        "net": {"kind": "network", "site": "own", "failure": {"probability": 0.05}},
    },
    "functions": {
        "records": {"tier": "care", "requires": ["app", "net"]},
        "archive": {"tier": "administrative", "requires": "db-b"},
    },
    "teams": {"dba": {"skills": ["database"], "weekday": {"people": 1}}},
}  # fmt: skip


@pytest.fixture()
def model(tmp_path: Path) -> str:
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(MODEL), "utf-8")
    return str(path)


def run(*args: str) -> dict[str, Any]:
    res = CliRunner().invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    payload: dict[str, Any] = json.loads(res.stdout)
    return payload


def test_cut_sets_of_a_function(model: str) -> None:
    [t] = run("cutsets", model, "--target", "records")["targets"]
    # records fails if app, net, own site, colo site, the colo operator, or both databases
    expected = {
        ("app",), ("net",), ("site:own",), ("site:colo",), ("provider:colo-op",),
        ("db-a", "db-b"),
    }  # fmt: skip
    assert {tuple(sorted(s)) for s in t["cut_sets"]} == expected
    assert t["cut_set_count"] == 6
    assert t["order_distribution"] == [0, 5, 1]


def test_max_order_and_limit(model: str) -> None:
    [t] = run("cutsets", model, "-t", "records", "--max-order", "1", "--limit", "2")["targets"]
    assert t["cut_set_count"] == 5 and len(t["cut_sets"]) == 2


def test_cut_sets_built_bottom_up(model: str) -> None:
    # the same six cut sets as above, by the truncated ZBDD instead of the BDD
    payload = run("cutsets", model, "-t", "records", "--max-order", "2", "--method", "zbdd")
    [t] = payload["targets"]
    assert payload["method"] == "zbdd" and t["method"] == "zbdd"
    assert t["cut_set_count"] == 6 and t["order_distribution"] == [0, 5, 1]
    assert ["db-a", "db-b"] in t["cut_sets"]
    [auto] = run("cutsets", model, "-t", "records", "--max-order", "1")["targets"]
    assert auto["method"] == "zbdd" and auto["cut_set_count"] == 5
    [bdd] = run("cutsets", model, "-t", "records")["targets"]
    assert bdd["method"] == "bdd"  # no order limit: the BDD


NEGATED_MEF = """<?xml version="1.0"?>
<opsa-mef>
  <define-fault-tree name="t">
    <define-gate name="top"><and><not><basic-event name="a"/></not>
      <basic-event name="b"/></and></define-gate>
  </define-fault-tree>
  <model-data>
    <define-basic-event name="a"><float value="0.1"/></define-basic-event>
    <define-basic-event name="b"><float value="0.2"/></define-basic-event>
  </model-data>
</opsa-mef>
"""


def test_bottom_up_cut_sets_say_what_they_need(model: str, tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["cutsets", model, "--method", "zbdd"])
    assert res.exit_code == 1
    assert "needs an order limit" in res.stderr and "--max-order" in res.stderr
    negated = tmp_path / "negated.xml"
    negated.write_text(NEGATED_MEF, "utf-8")
    res = CliRunner().invoke(app, ["cutsets", str(negated), "--method", "zbdd", "--max-order", "2"])
    assert res.exit_code == 1
    assert "coherent trees only" in res.stderr and "--method bdd" in res.stderr
    res = CliRunner().invoke(app, ["cutsets", model, "--method", "mocus"])
    assert res.exit_code == 1
    assert "unknown method 'mocus'" in res.stderr and "auto, bdd, zbdd" in res.stderr


def test_probability_from_an_sdd_when_no_bdd_fits(
    model: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Budgets no BDD meets and a first round deemed slow: the probability comes from
    the SDD (the same value as the BDD's, by hand below), the approximations are absent
    and a note says why."""
    from blackstart.engine import bdd, modular

    monkeypatch.setattr(modular, "NODE_BUDGETS", (1, 1))
    monkeypatch.setattr(modular, "SMALL_STORE_EVENTS", 0)
    monkeypatch.setattr(modular, "SDD_AFTER_SLOW_ROUND", 0.0)
    monkeypatch.setattr(bdd, "BUDGET_CHECK_EVENTS", 0)
    rows = {t["id"]: t for t in run("probability", model, "-t", "records",
                                    "--approximations")["targets"]}  # fmt: skip
    records = rows["records"]
    # records is down unless app, net, both sites, the operator and one database work
    p_db = 1 - 0.1 * 0.1
    expected = 1 - 0.98 * 0.95 * p_db
    assert records["probability"] == pytest.approx(expected, rel=1e-12)
    assert records["rare_event"] is None and records["cut_set_count"] is None
    assert "sentential decision diagram" in records["note"]
    text = CliRunner().invoke(app, ["probability", model, "-t", "records", "--approximations"])
    assert text.exit_code == 0, text.output
    assert "note:" in text.stdout and "records" in text.stdout


def test_exact_probability_and_approximations(model: str) -> None:
    plain = {t["id"]: t for t in run("probability", model)["targets"]}
    # no cut set is built unless the approximations are asked for
    assert set(plain["records"]) == {"id", "probability"}
    rows = {t["id"]: t for t in run("probability", model, "--approximations")["targets"]}
    assert rows["records"]["probability"] == plain["records"]["probability"]
    # sites and providers have no failure data: probability 0
    p_db = 0.1 * 0.1
    q = 1 - (1 - 0.02) * (1 - 0.05) * (1 - p_db)
    assert rows["records"]["probability"] == pytest.approx(q, rel=1e-12)
    assert rows["records"]["rare_event"] == pytest.approx(0.02 + 0.05 + p_db, rel=1e-12)
    mcub = 1 - (1 - 0.02) * (1 - 0.05) * (1 - p_db)
    assert rows["records"]["mcub"] == pytest.approx(mcub, rel=1e-9)
    assert rows["archive"]["probability"] == pytest.approx(0.1, rel=1e-12)


def test_importance_measures(model: str) -> None:
    payload = run("importance", model, "--target", "records")
    events = {e["event"]: e for e in payload["events"]}
    q = payload["probability"]
    # net: a single point of failure; without it the top needs the others
    q_without_net = 1 - (1 - 0.02) * (1 - 0.01)
    net = events["net"]
    assert net["birnbaum"] == pytest.approx(1 - q_without_net, rel=1e-9)
    assert net["raw"] == pytest.approx(1 / q, rel=1e-9)
    assert net["rrw"] == pytest.approx(q / q_without_net, rel=1e-9)
    # db-a matters only with db-b down: Birnbaum = P(db-b) · P(app, net up)
    assert events["db-a"]["birnbaum"] == pytest.approx(0.1 * 0.98 * 0.95, rel=1e-9)


def test_rrw_is_infinite_for_the_only_cause(model: str) -> None:
    payload = run("importance", model, "--target", "archive")
    db_b = next(e for e in payload["events"] if e["event"] == "db-b")
    assert db_b["rrw_infinite"] is True and db_b["rrw"] is None
    assert db_b["fussell_vesely"] == pytest.approx(1.0)


def test_single_points_of_failure_and_shared_building(model: str) -> None:
    rows = {f["id"]: f for f in run("spof", model)["functions"]}
    records = rows["records"]
    assert set(records["single_points_of_failure"]) == {
        "component:app", "component:net", "site:own", "site:colo", "provider:colo-op",
    }  # fmt: skip
    # the redundant pair shares the building, its operator and its team
    [pair] = records["pairs_with_common_cause"]
    assert sorted(pair["pair"]) == ["component:db-a", "component:db-b"]
    assert set(pair["shared"]) == {"site:colo", "provider:colo-op", "team:dba"}
    assert [f["id"] for f in run("spof", model)["functions"]] == ["records", "archive"]


def test_availability_downtime(model: str) -> None:
    rows = {f["id"]: f for f in run("availability", model)["functions"]}
    q = 1 - 0.98 * 0.95 * (1 - 0.01)
    assert rows["records"]["unavailability"] == pytest.approx(q, rel=1e-12)
    assert rows["records"]["downtime_hours_per_year"] == pytest.approx(q * 8760, rel=1e-12)
    assert math.isclose(rows["archive"]["downtime_hours_per_year"], 876.0, rel_tol=1e-12)


def test_unknown_target_suggests(model: str) -> None:
    res = CliRunner().invoke(app, ["cutsets", model, "--target", "record"])
    assert res.exit_code == 1
    assert "records" in res.stderr


def test_export_to_mef_round_trips(model: str, tmp_path: Path) -> None:
    """YAML → MEF → our importer gives the same probability for every function, and the
    file names functions so another tool can find them."""
    from blackstart.engine.bdd import probability
    from blackstart.io.mef import read_mef

    out = tmp_path / "m.xml"
    res = CliRunner().invoke(app, ["export", model, "-o", str(out)])
    assert res.exit_code == 0, res.output
    tree = read_mef([out])
    gates = tree.gate_index()
    rows = {t["id"]: t for t in run("probability", model)["targets"]}
    for fid in ("records", "archive"):
        p = probability(tree, gates[f"function__{fid}"])
        assert p == pytest.approx(rows[fid]["probability"], rel=1e-12)


def test_example_exports_and_reimports(tmp_path: Path) -> None:
    from blackstart import api
    from blackstart.engine.bdd import probability
    from blackstart.io.mef import read_mef

    out = tmp_path / "example.xml"
    assert (
        CliRunner().invoke(app, ["export", str(api.example_path()), "-o", str(out)]).exit_code == 0
    )
    tree = read_mef([out])
    p = probability(tree, tree.gate_index()["function__lab-results"])
    expected = run("probability", str(api.example_path()), "-t", "lab-results")["targets"][0]
    assert p == pytest.approx(expected["probability"], rel=1e-12)


def test_improve_ranks_the_redundant_peer_of_the_weakest_single_point(model: str) -> None:
    payload = run("improve", model, "--budget", "3")
    # records' downtime: 1 - 0.98·0.95·0.99 of a year; app (0.02) and net (0.05) are
    # single points of failure at site "own" (a datacenter): a peer of net in the other
    # hosting site ("colo", run by another operator) removes the most
    q = 1 - 0.98 * 0.95 * 0.99
    assert payload["care_downtime_hours_per_year"] == pytest.approx(q * 8760, rel=1e-9)
    best = payload["candidates"][0]
    assert (best["change"], best["component"], best["site"]) == ("standby", "net", "colo")
    q_after = 1 - 0.98 * (1 - 0.05 * 0.05) * 0.99
    assert best["care_downtime_saved_hours_per_year"] == pytest.approx((q - q_after) * 8760,
                                                                       rel=1e-9)  # fmt: skip
    savings = [c["care_downtime_saved_hours_per_year"] for c in payload["candidates"]]
    assert savings == sorted(savings, reverse=True)


def test_improve_removes_a_power_source_shared_by_a_redundant_pair(tmp_path: Path) -> None:
    """Two redundant servers fed by one power distribution: the shared feed is a single
    point of failure that a second feed for one of them removes (computed by hand)."""
    model = {
        "sites": {"hosp": {"kind": "hospital"}},
        "components": {
            "pdu": {"kind": "power", "site": "hosp", "failure": {"probability": 0.05}},
            "srv-a": {"kind": "compute", "site": "hosp", "requires": "pdu",
                      "failure": {"probability": 0.1}},
            "srv-b": {"kind": "compute", "site": "hosp", "requires": "pdu",
                      "failure": {"probability": 0.1}},
            "lamp": {"kind": "power", "site": "hosp", "failure": {"probability": 0.01}},
            "sign": {"kind": "application", "site": "hosp", "requires": "lamp"},
            "desk": {"kind": "application", "site": "hosp", "requires": "lamp"},
        },
        "functions": {"ehr": {"tier": "care", "requires": {"any_of": ["srv-a", "srv-b"]}},
                      "hall": {"tier": "care", "requires": ["sign", "desk"]}},
    }  # fmt: skip
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(model), "utf-8")
    payload = run("improve", str(path), "--budget", "20")
    splits = [c for c in payload["candidates"] if c["change"] == "split-power"]
    # lamp feeds two elements in series: splitting it only adds failures, never offered
    assert [c["component"] for c in splits] == ["pdu"]
    q_before = 1 - (1 - 0.05) * (1 - 0.1 * 0.1)  # pdu, or both servers
    q_after = (1 - 0.95 * 0.9) ** 2  # each server with its own feed
    assert splits[0]["care_downtime_saved_hours_per_year"] == pytest.approx(
        (q_before - q_after) * 8760, rel=1e-9
    )
    assert "srv-b" in splits[0]["description"] and "srv-a" in splits[0]["description"]
