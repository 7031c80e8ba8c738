"""The iTop importer on a generated CMDB (hundreds of objects): impact relations with
redundancy become requirements; a location's loss takes down exactly the application
solutions and business processes iTop's impact semantics say (computed from the raw
relations by :func:`tests.io._itop_fixture.down`, not by the importer)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6))
def test_any_generated_cmdb_follows_itop_impacts(seed: int) -> None:
    from blackstart.io.importing import Importer
    from blackstart.io.itop import build, records_from_answers

    c = hospital_group(seed)
    imp = Importer("itop")
    model = load_data(build(records_from_answers(c.answers(), "memory", imp), imp).document)
    for location in ("DC Est", "DC Ouest"):
        site = next(s for s, v in model.sites.items() if v.name == location)
        report = api.impact(model, fail=[f"site:{site}"])
        got = {
            int(t.rsplit(":", 1)[1])
            for d in report.components_down
            for t in model.components[d.id].tags
            if t.startswith("itop:ApplicationSolution:")
        }
        assert got == down(c, location)[0]


class _Itop(BaseHTTPRequestHandler):
    """iTop's rest.php: form fields auth_user/auth_pwd and json_data, core/get only."""

    answers: ClassVar[dict[str, Any]] = {}
    operations: ClassVar[list[str]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode())
        query = json.loads(form["json_data"][0])
        self.operations.append(query["operation"])
        if form.get("auth_user") != ["rest"] or form.get("auth_pwd") != ["secret"]:
            body: Any = {"code": 1, "message": "Error: Invalid login"}
        elif query["operation"] != "core/get":
            body = {"code": 2, "message": "read-only test server"}
        else:
            body = self.answers.get(
                query["class"], {"objects": None, "code": 0, "message": "Found: 0"}
            )
        raw = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


def test_live_itop_reads_every_class_with_core_get(cmdb: Cmdb, saved: Path, tmp_path: Path) -> None:
    _Itop.operations.clear()
    handler = type("H", (_Itop,), {"answers": cmdb.answers()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        out = tmp_path / "live.yaml"
        r = CliRunner().invoke(
            app,
            ["import", "itop", "--url", url, "-o", str(out)],
            env={"ITOP_USER": "rest", "ITOP_PASSWORD": "secret"},
        )
        assert r.exit_code == 0, r.output
        assert yaml.safe_load(out.read_text()) == import_itop(saved).document
        assert set(_Itop.operations) == {"core/get"}
        r = CliRunner().invoke(
            app,
            ["import", "itop", "--url", url, "-o", str(out)],
            env={"ITOP_USER": "rest", "ITOP_PASSWORD": "wrong"},
        )
        assert r.exit_code == 1 and "credentials" in r.output
    finally:
        server.shutdown()
        server.server_close()


def test_enclosure_storage_and_base_class_answers(cmdb: Cmdb, saved: Path) -> None:
    """A chassis takes down its servers; classes known only from FunctionalCI.json (PCs)
    are components; Server objects also in FunctionalCI.json keep their full fields."""
    model = load_data(import_itop(saved).document)
    tag = {t: c for c, v in model.components.items() for t in v.tags if t.startswith("itop:")}
    chassis = next(i for i, r in cmdb.objects["Enclosure"].items() if r["name"].endswith("-0"))
    inside = {i for i, r in cmdb.objects["Server"].items() if r["enclosure_id"] == str(chassis)}
    report = api.impact(model, fail=[f"component:{tag[f'itop:Enclosure:{chassis}']}"])
    down = {d.id for d in report.components_down}
    servers_down = {i for i in cmdb.objects["Server"] if tag[f"itop:Server:{i}"] in down}
    assert servers_down == inside and len(inside) == 1
    pc = next(iter(cmdb.objects["PC"]))
    assert model.components[tag[f"itop:PC:{pc}"]].kind == "endpoint"
    assert (
        model.components[
            tag[f"itop:StorageSystem:{next(iter(cmdb.objects['StorageSystem']))}"]
        ].kind
        == "storage"
    )
    srv = model.components[tag[f"itop:Server:{next(iter(cmdb.objects['Server']))}"]]
    assert srv.site is not None and srv.requires is not None  # the richer answer won
