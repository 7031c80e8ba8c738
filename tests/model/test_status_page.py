"""The model's ``status_page:``: the components the public status page runs on; ``impact``
warns when a failure takes it down; bad entries are reported with file, line and a
suggestion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import blackstart.api as bs
from blackstart.cli import app
from blackstart.errors import ModelError

MODEL = """\
name: tiny
timezone: Europe/Paris
status_page:
  url: https://status.example.org
  components: [{page}]
sites:
  dc-a: {{kind: datacenter}}
  dc-b: {{kind: datacenter}}
components:
  power-a: {{kind: power, site: dc-a}}
  power-b: {{kind: power, site: dc-b}}
  web-a: {{kind: application, site: dc-a, requires: [power-a]}}
  web-b: {{kind: application, site: dc-b, requires: [power-b]}}
functions:
  portal: {{tier: care, requires: [web-a]}}
"""


def _write(tmp_path: Path, page: str) -> Path:
    path = tmp_path / "model.yaml"
    path.write_text(MODEL.format(page=page))
    return path


def test_impact_warns_when_the_status_page_goes_down(tmp_path: Path) -> None:
    model = bs.load(_write(tmp_path, "web-b"))
    assert model.status_page is not None and model.status_page.components == ["web-b"]
    hit = bs.impact(model, fail=["site:dc-b"]).to_dict()
    assert len(hit["warnings"]) == 1 and "web-b" in hit["warnings"][0]
    spared = bs.impact(model, fail=["site:dc-a"]).to_dict()
    assert spared["warnings"] == []  # the page is hosted elsewhere: no warning
    r = CliRunner().invoke(app, ["impact", str(tmp_path / "model.yaml"), "--fail", "site:dc-b"])
    assert r.exit_code == 0 and "status page goes down too" in " ".join(r.output.split())


def test_a_page_on_the_failed_site_through_a_dependency_is_caught(tmp_path: Path) -> None:
    model = bs.load(_write(tmp_path, "web-b"))
    hit = bs.impact(model, fail=["component:power-b"]).to_dict()
    assert hit["warnings"], "web-b is down through power-b: the page is down"


def test_unknown_component_is_reported_with_line_and_suggestion(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as info:
        bs.load(_write(tmp_path, "web-c"))
    (problem,) = info.value.problems
    assert problem.line == 5 and "web-c" in problem.message
    assert problem.suggestion and "web-a" in problem.suggestion


def test_empty_component_list_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text(MODEL.format(page="").replace("components: []", "components: []"))
    r = CliRunner().invoke(app, ["validate", str(path)])
    assert r.exit_code == 1 and "status_page" in r.output


def test_json_schema_documents_status_page() -> None:
    schema = json.loads(json.dumps(bs.json_schema()))
    assert "status_page" in schema["properties"]
    page = schema["$defs"]["StatusPage"]
    assert page["required"] == ["components"]


def test_spof_warns_when_a_site_takes_the_page_down_with_care(tmp_path: Path) -> None:
    from blackstart import resilience

    same = resilience.spof(bs.load(_write(tmp_path, "web-a")))  # the portal's own site
    assert [c["cause"] for c in same["status_page"]["causes"]] == ["site:dc-a"]
    assert same["status_page"]["causes"][0]["functions_down"] == ["portal"]
    assert len(same["warnings"]) == 1 and "site:dc-a" in same["warnings"][0]
    apart = resilience.spof(bs.load(_write(tmp_path, "web-b")))  # hosted elsewhere
    assert apart["status_page"]["causes"][0]["functions_down"] == []
    assert apart["warnings"] == []
    r = CliRunner().invoke(app, ["spof", str(tmp_path / "model.yaml")])
    assert r.exit_code == 0 and "warning" not in r.output
