"""The command line through its real entry point: exit codes, JSON payloads, messages.

Expected impacts are derived by hand from SMALL_MODEL (see the comments there).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import blackstart
from blackstart import api
from blackstart.cli.app import app

INVALID = Path(__file__).resolve().parent / "data" / "invalid"

# Power-a feeds dc-a. Failing it by hand:
#   db-1, web-1, pdu-a, lab-app (all require power-a) go down; web-2 (needs pdu-a) too.
#   db-cluster = any_of(db-1, db-2): db-2 is up, so it survives.
#   web-farm = at_least 2 of (web-1, web-2, web-3): only web-3 up, so it is down.
#   ehr-app needs web-farm: down. mail/wan-link do not depend on power: up.
#   Functions: patient-record (ehr-app), lab-results (lab-app), billing (ehr-app) down;
#   messaging (mail) up.
SMALL_MODEL = """\
name: Small clinic
timezone: Europe/Paris
providers:
  colo-co: {kind: colocation, jurisdiction: FR}
  carrier: {kind: telecom}
  mail-saas: {kind: saas, jurisdiction: US}
sites:
  dc-a: {kind: colocation, provider: colo-co}
  dc-b: {kind: datacenter}
components:
  power-a: {kind: power, site: dc-a}
  power-b: {kind: power, site: dc-b}
  pdu-a: {kind: power, site: dc-a, requires: [power-a]}
  db-1: {kind: database, site: dc-a, requires: [power-a]}
  db-2: {kind: database, site: dc-b, requires: [power-b]}
  web-1: {kind: compute, site: dc-a, requires: [power-a]}
  web-2: {kind: compute, site: dc-a, requires: [pdu-a]}
  web-3: {kind: compute, site: dc-b, requires: [power-b]}
  db-cluster: {kind: cluster, requires: {any_of: [db-1, db-2]}}
  web-farm: {kind: cluster, requires: {at_least: 2, of: [web-1, web-2, web-3]}}
  lab-app: {kind: application, site: dc-a, requires: [power-a, db-cluster]}
  ehr-app: {kind: application, requires: [web-farm, db-cluster]}
  wan-link: {kind: link, provider: carrier}
  mail: {kind: saas, provider: mail-saas, requires: [wan-link]}
functions:
  lab-results: {tier: care, patient_safety: true, rto: 4h, requires: [lab-app]}
  patient-record: {tier: vital, patient_safety: true, rto: 2h, requires: [ehr-app]}
  messaging: {tier: administrative, requires: [mail]}
  billing: {tier: administrative, requires: [ehr-app]}
scenarios:
  power-cut:
    start: 2024-08-03T11:00
    fail: [component:power-a]
    duration: 3.5h
"""

POWER_A = "component:power-a"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "clinic.yaml"
    path.write_text(SMALL_MODEL, "utf-8")
    return path


def run(runner: CliRunner, *args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def as_json(result: Any) -> Any:
    return json.loads(result.stdout)


# --------------------------------------------------------------------------- validate


def test_validate_valid_model(runner: CliRunner, small: Path) -> None:
    result = run(runner, "validate", small)
    assert result.exit_code == 0, result.output
    assert "Small clinic" in result.stdout
    assert "14 components" in result.stdout
    assert "4 functions" in result.stdout
    assert "valid" in result.stdout


def test_validate_invalid_model_lists_locations_on_stderr(runner: CliRunner) -> None:
    result = run(runner, "validate", INVALID / "four-problems.yaml")
    assert result.exit_code == 1
    err = result.stderr
    for where, code in (
        ("3:11", "bad-value"),
        ("8:16", "unknown-reference"),
        ("11:5", "unknown-key"),
        ("14:21", "bad-value"),
    ):
        assert f"four-problems.yaml:{where}: error[{code}]" in err
    assert "did you mean 'datacenter'?" in err
    assert "4 problems found" in err
    assert "Traceback" not in result.output


def test_validate_json_errors(runner: CliRunner) -> None:
    result = run(runner, "validate", INVALID / "unknown-key-nested.yaml", "--json")
    assert result.exit_code == 1
    payload = as_json(result)
    assert payload["ok"] is False
    [error] = payload["errors"]
    assert error == {
        "code": "unknown-key",
        "message": "unknown key 'restrat'",
        "file": "unknown-key-nested.yaml",
        "line": 6,
        "column": 7,
        "key": "components.lab-app.recovery.restrat",
        "element": "component:lab-app",
        "suggestion": error["suggestion"],
    }
    assert "'restart'" in error["suggestion"]


def test_validate_json_ok(runner: CliRunner, small: Path) -> None:
    result = run(runner, "validate", small, "--json")
    assert result.exit_code == 0
    payload = as_json(result)
    assert payload["ok"] is True
    assert payload["errors"] == []
    assert payload["model"] == "Small clinic"
    assert re.fullmatch(r"[0-9a-f]{64}", payload["model_hash"])
    assert payload["model_hash"] == api.load(small).hash


def test_validate_missing_path_is_exit_1(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, "validate", tmp_path / "nothing.yaml")
    assert result.exit_code == 1
    assert "not-found" in result.stderr


# --------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["validate", "{model}", "--bogus"], "No such option"),
        (["impact", "{model}"], "--fail"),
        (["frobnicate"], "No such command"),
    ],
)
def test_bad_usage_is_exit_2(
    runner: CliRunner, small: Path, args: list[str], fragment: str
) -> None:
    result = run(runner, *[a.replace("{model}", str(small)) for a in args])
    assert result.exit_code == 2, result.output
    assert fragment in " ".join(result.stderr.split())  # Rich may wrap long lines
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["impact", "{model}", "--scenario", "power-cutt"], "did you mean 'power-cut'?"),
        (["impact", "{model}", "--fail", "dc-north"], "is not a reference"),
        (["impact", "{model}", "--fail", "dc-a"], "did you mean 'site:dc-a'?"),
        (["impact", "{model}", "--fail", "site:dc-c"], "no site 'dc-c'"),
        (["impact", "{model}", "--fail", "function:billing"], "only sites, providers"),
    ],
)
def test_bad_input_is_exit_1(
    runner: CliRunner, small: Path, args: list[str], fragment: str
) -> None:
    result = run(runner, *[a.replace("{model}", str(small)) for a in args])
    assert result.exit_code == 1, result.output
    assert fragment in " ".join(result.stderr.split())  # Rich may wrap long lines
    assert "Traceback" not in result.output


def test_unknown_site_suggests_close_name(runner: CliRunner, small: Path) -> None:
    result = run(runner, "impact", small, "--fail", "site:dc-aa")
    assert result.exit_code == 1
    assert "did you mean 'dc-a'" in " ".join(result.stderr.split())


def test_input_error_as_json(runner: CliRunner, small: Path) -> None:
    result = run(runner, "impact", small, "--scenario", "power-cutt", "--json")
    assert result.exit_code == 1
    payload = as_json(result)
    assert payload["ok"] is False
    [error] = payload["errors"]
    assert error["code"] == "input"
    assert "power-cutt" in error["message"]
    assert error["suggestion"] == "did you mean 'power-cut'?"


def test_impact_on_invalid_model_is_exit_1(runner: CliRunner) -> None:
    result = run(runner, "impact", INVALID / "cycle.yaml", "--fail", "component:app-a")
    assert result.exit_code == 1
    assert "dependency cycle: app-a → app-b → app-c → app-a" in result.stderr


# --------------------------------------------------------------------------- impact


def test_impact_json_power_cut(runner: CliRunner, small: Path) -> None:
    result = run(runner, "impact", small, "--scenario", "power-cut", "--json")
    assert result.exit_code == 0, result.output
    report = as_json(result)
    assert report["scenario"] == "power-cut"
    assert report["failed"] == [POWER_A]

    # tier order (vital, care, administrative), patient safety first, then id
    functions = report["functions_down"]
    assert [f["id"] for f in functions] == ["patient-record", "lab-results", "billing"]
    assert [f["tier"] for f in functions] == ["vital", "care", "administrative"]
    assert [f["patient_safety"] for f in functions] == [True, True, False]
    assert [f["rto_s"] for f in functions] == [7200.0, 14400.0, None]
    assert all(f["causes"] == [POWER_A] for f in functions)
    chains = {f["id"]: f["chain"] for f in functions}
    assert chains == {
        # shortest path through down nodes; web-1 (1 step from power-a) beats web-2 (2)
        "patient-record": ["patient-record", "ehr-app", "web-farm", "web-1", "power-a"],
        "lab-results": ["lab-results", "lab-app", "power-a"],
        "billing": ["billing", "ehr-app", "web-farm", "web-1", "power-a"],
    }
    assert report["functions_up"] == ["messaging"]

    components = {c["id"]: c for c in report["components_down"]}
    assert list(components) == sorted(
        ["power-a", "pdu-a", "db-1", "web-1", "web-2", "web-farm", "lab-app", "ehr-app"]
    )
    assert components["web-2"]["chain"] == ["web-2", "pdu-a", "power-a"]
    assert components["power-a"]["chain"] == ["power-a"]
    assert components["db-1"] == {
        "id": "db-1",
        "causes": [POWER_A],
        "chain": ["db-1", "power-a"],
        "kind": "database",
        "site": "dc-a",
    }
    assert components["ehr-app"]["site"] is None
    assert "db-cluster" not in components  # any_of survives the loss of db-1
    assert report["sites_down"] == []
    assert report["providers_down"] == []

    summary = report["summary"]
    assert summary["functions_down"] == 3
    assert summary["functions_up"] == 1
    assert summary["functions_down_by_tier"] == {"vital": 1, "care": 1, "administrative": 1}
    assert summary["patient_safety_down"] == 2
    assert summary["components_down"] == 8

    prov = report["provenance"]
    assert prov["blackstart"] == blackstart.__version__
    assert prov["model"] == "Small clinic"
    assert prov["model_hash"] == api.load(small).hash
    assert prov["sources"] == ["clinic.yaml"]
    assert prov["settings"] == {"failed": [POWER_A], "scenario": "power-cut"}


def test_impact_json_two_failures_have_two_causes(runner: CliRunner, small: Path) -> None:
    result = run(runner, "impact", small, "-f", "component:db-1", "-f", "component:db-2", "--json")
    assert result.exit_code == 0, result.output
    report = as_json(result)
    both = ["component:db-1", "component:db-2"]
    assert report["failed"] == both
    components = {c["id"]: c for c in report["components_down"]}
    # any_of(db-1, db-2) is down only because both are; lab-app and ehr-app need it
    assert sorted(components) == ["db-1", "db-2", "db-cluster", "ehr-app", "lab-app"]
    assert components["db-cluster"]["causes"] == both
    assert components["db-1"]["causes"] == ["component:db-1"]
    chain = components["ehr-app"]["chain"]
    assert chain[:2] == ["ehr-app", "db-cluster"] and chain[2] in ("db-1", "db-2")
    assert len(chain) == 3
    assert [f["id"] for f in report["functions_down"]] == [
        "patient-record",
        "lab-results",
        "billing",
    ]
    assert all(f["causes"] == both for f in report["functions_down"])


def test_impact_provider_chain_ends_at_provider(runner: CliRunner, small: Path) -> None:
    result = run(runner, "impact", small, "--fail", "provider:carrier", "--json")
    assert result.exit_code == 0, result.output
    report = as_json(result)
    [messaging] = report["functions_down"]
    assert messaging["id"] == "messaging"
    assert messaging["causes"] == ["provider:carrier"]
    assert messaging["chain"] == ["messaging", "mail", "wan-link", "provider:carrier"]
    assert sorted(c["id"] for c in report["components_down"]) == ["mail", "wan-link"]
    assert report["functions_up"] == ["patient-record", "lab-results", "billing"]


def test_impact_table_output(runner: CliRunner, small: Path) -> None:
    result = run(runner, "impact", small, "--scenario", "power-cut")
    assert result.exit_code == 0, result.output
    text = result.stdout
    for name in ("patient-record", "lab-results", "billing", "messaging"):
        assert name in text
    assert "patient safety" in text


# --------------------------------------------------------------------------- others


def test_show_json_counts(runner: CliRunner, small: Path) -> None:
    result = run(runner, "show", small, "--json")
    assert result.exit_code == 0, result.output
    summary = as_json(result)
    assert summary["counts"] == {
        "providers": 3,
        "sites": 2,
        "components": 14,
        "functions": 4,
        "teams": 0,
        "scenarios": 1,
    }
    assert summary["components_by_kind"] == {
        "power": 3,
        "compute": 3,
        "application": 2,
        "cluster": 2,
        "database": 2,
        "link": 1,
        "saas": 1,
    }
    assert summary["functions_by_tier"] == {
        "vital": ["patient-record"],
        "care": ["lab-results"],
        "administrative": ["billing", "messaging"],
    }
    dc_a = ["db-1", "lab-app", "pdu-a", "power-a", "web-1", "web-2"]
    assert summary["sites"]["dc-a"]["components"] == dc_a
    assert summary["sites"]["dc-b"]["components"] == ["db-2", "power-b", "web-3"]
    assert summary["providers"]["colo-co"]["operates_sites"] == ["dc-a"]
    assert summary["providers"]["colo-co"]["components"] == dc_a
    assert summary["providers"]["carrier"]["components"] == ["wan-link"]
    assert summary["providers"]["mail-saas"]["jurisdiction"] == "US"


def test_show_table(runner: CliRunner, small: Path) -> None:
    result = run(runner, "show", small)
    assert result.exit_code == 0, result.output
    assert "Small clinic" in result.stdout
    assert "dc-a" in result.stdout


def test_schema_is_json_with_requirement_definition(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, "schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert "Requirement" in schema["$defs"]
    assert "components" in schema["properties"]
    out = tmp_path / "schema.json"
    result = run(runner, "schema", "-o", out)
    assert result.exit_code == 0
    assert json.loads(out.read_text("utf-8")) == schema


def test_version(runner: CliRunner) -> None:
    result = run(runner, "--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"blackstart {blackstart.__version__}"


def test_no_arguments_shows_help(runner: CliRunner) -> None:
    result = run(runner)
    assert "validate" in result.output and "impact" in result.output


def test_generate_writes_a_valid_model(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "gen"
    result = run(runner, "generate", "--components", "200", "-o", out, "--seed", "3")
    assert result.exit_code == 0, result.output
    result = run(runner, "validate", out, "--json")
    assert result.exit_code == 0, result.output
    assert as_json(result)["counts"]["components"] == 200


# --------------------------------------------------------------------------- real process


def test_python_dash_m_entry_point() -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "blackstart", "validate", str(INVALID / "cycle.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1
    assert "cycle.yaml:4:16: error[cycle]" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_console_script(small: Path) -> None:
    script = Path(sys.executable).parent / "blackstart"
    if not script.exists():
        pytest.skip("console script not installed next to this interpreter")
    done = subprocess.run(
        [str(script), "impact", str(small), "-s", "power-cut", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["functions_down"] == 3
