"""The iTop importer on a generated CMDB (hundreds of objects): impact relations with
redundancy become requirements; a location's loss takes down exactly the application
solutions and business processes iTop's impact semantics say (computed from the raw
relations by :func:`tests.io._itop_fixture.down`, not by the importer)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from blackstart import api
from blackstart.cli import app
from blackstart.errors import ModelError
from blackstart.io.itop import import_itop
from blackstart.model.load import load_data

from ._itop_fixture import Cmdb, down, hospital_group


@pytest.fixture(scope="module")
def cmdb() -> Cmdb:
    return hospital_group()


@pytest.fixture(scope="module")
def saved(cmdb: Cmdb, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cmdb.write(tmp_path_factory.mktemp("itop"))


def test_fixture_has_hundreds_of_objects(cmdb: Cmdb) -> None:
    assert sum(len(rows) for rows in cmdb.objects.values()) >= 400


@pytest.mark.parametrize("location", ["DC Est", "DC Ouest"])
def test_location_loss_takes_down_what_itop_impacts_say(
    cmdb: Cmdb, saved: Path, location: str
) -> None:
    model = load_data(import_itop(saved).document)
    site = next(s for s, v in model.sites.items() if v.name == location)
    report = api.impact(model, fail=[f"site:{site}"])
    got_apps = {
        int(t.rsplit(":", 1)[1])
        for d in report.components_down
        for t in model.components[d.id].tags
        if t.startswith("itop:ApplicationSolution:")
    }
    names = {v.name: f for f, v in model.functions.items()}
    procs = {int(i): r["name"] for i, r in cmdb.objects["BusinessProcess"].items()}
    want_apps, want_bps = down(cmdb, location)
    assert 0 < len(want_apps) < len(cmdb.objects["ApplicationSolution"])
    assert got_apps == want_apps
    assert {d.id for d in report.functions_down} == {names[procs[b]] for b in want_bps}


def test_redundancy_becomes_any_of_and_at_least(saved: Path) -> None:
    comps = import_itop(saved).document["components"]
    stretched = comps["ferme-etendue"]["requires"]
    assert stretched == [{"at_least": 2, "of": sorted(stretched[0]["of"])}]
    assert len(stretched[0]["of"]) == 4
    srv = next(v for k, v in comps.items() if k.startswith("srv-") and k.endswith("-1"))
    assert {"any_of": [p for p in srv["requires"][0]["any_of"]]} == srv["requires"][0]


def test_unknown_link_is_located_by_class_and_id(cmdb: Cmdb, tmp_path: Path) -> None:
    answers = cmdb.answers()
    link = answers["lnkApplicationSolutionToFunctionalCI"]["objects"]
    first = next(iter(link))
    link[first]["fields"]["functionalci_id"] = "987654"
    for cls, answer in answers.items():
        (tmp_path / f"{cls}.json").write_text(json.dumps(answer, indent=1))
    with pytest.raises(ModelError) as info:
        import_itop(tmp_path)
    (p,) = info.value.problems
    assert p.code == "unknown-reference" and p.file == "lnkApplicationSolutionToFunctionalCI.json"
    assert "lnkApplicationSolutionToFunctionalCI id 1" in p.message and p.line


def test_cli_writes_a_valid_model(saved: Path, tmp_path: Path) -> None:
    out = tmp_path / "itop.yaml"
    r = CliRunner().invoke(app, ["import", "itop", str(saved), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert CliRunner().invoke(app, ["validate", str(out)]).exit_code == 0
    r = CliRunner().invoke(
        app,
        ["import", "itop", "--url", "http://127.0.0.1:9", "-o", "x"],
        env={"ITOP_USER": "", "ITOP_TOKEN": ""},
    )
    assert r.exit_code == 1
