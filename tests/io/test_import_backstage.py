"""The Backstage importer on a hospital catalogue (130 entities) and on malformed files.

Field names follow the Descriptor Format of Catalog Entities,
https://backstage.io/docs/features/software-catalog/descriptor-format/ (Component spec:
type, lifecycle, owner, system, subcomponentOf, providesApis, consumesApis, dependsOn,
dependencyOf; Resource spec: type, owner, dependsOn, dependencyOf, system; System spec:
owner, domain, type), as in the catalog-model reference pages
https://backstage.io/docs/reference/catalog-model.componententityv1alpha1 and
https://backstage.io/docs/reference/catalog-model.resourceentityv1alpha1. Expected
values are read from the fixture files independently of the importer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from blackstart.cli.app import app
from blackstart.errors import ModelError, Problem
from blackstart.io.backstage import import_backstage
from blackstart.model.load import load_data

DATA = Path(__file__).resolve().parent.parent / "data" / "import" / "backstage"


def raw_entities() -> list[dict[str, Any]]:
    return [e for f in sorted(DATA.glob("*.yaml")) for e in yaml.safe_load_all(f.read_text())]


def test_fixture_is_large_enough() -> None:
    assert len(raw_entities()) >= 100


def test_imports_a_hospital_catalogue_that_validates() -> None:
    raw = raw_entities()
    result = import_backstage(DATA)
    model = load_data(result.document, label="backstage.yaml")
    deployed = [
        e for e in raw if e["kind"] in ("Component", "Resource") and e["spec"]["type"] != "library"
    ]
    assert set(model.components) == {e["metadata"]["name"] for e in deployed}
    assert set(model.functions) == {e["metadata"]["name"] for e in raw if e["kind"] == "System"}
    assert set(model.teams) == {e["metadata"]["name"] for e in raw if e["kind"] == "Group"}


def test_dependencies_redundancy_groups_and_apis() -> None:
    doc = import_backstage(DATA).document
    service = doc["components"]["lab-results-service"]
    # dependsOn both databases of one redundancy group -> one any_of; the two Kubernetes
    # clusters and directory servers likewise; consumesApis hl7-api -> its provider.
    assert service["requires"] == [
        "hl7-gateway",
        {"any_of": ["ad-north", "ad-south"]},
        {"any_of": ["k8s-north", "k8s-south"]},
        {"any_of": ["lab-results-db-a", "lab-results-db-b"]},
    ]
    assert service["kind"] == "application"
    assert service["team"] == "clinical-apps"
    assert service["recovery"] == {
        "restart": "15min..45min",
        "verify": "30min..2h",
        "skill": "apps",
    }
    assert "domain:clinical" in service["tags"]
    assert doc["components"]["lab-results-db-a"]["kind"] == "database"
    assert doc["components"]["k8s-north"]["kind"] == "cluster"


def test_system_becomes_a_function_on_its_entry_points() -> None:
    fn = import_backstage(DATA).document["functions"]["lab-results"]
    # the portal is the only member no other member depends on
    assert fn == {
        "tier": "care",
        "name": "Lab results",
        "requires": ["lab-results-portal"],
        "rto": "4h",
        "mtpd": "48h",
        "rpo": "1h",
        "patient_safety": True,
        "degraded_mode": {"procedure": "phone results to wards", "holds_for": "72h"},
        "owner": "clinical-apps",
    }


def test_groups_become_teams_with_head_count() -> None:
    teams = import_backstage(DATA).document["teams"]
    assert teams["infrastructure"] == {
        "name": "Infrastructure team",
        "skills": ["infra"],
        "weekday": {"hours": "08:00-18:00", "people": 5},
        "weekend": {"on_call": 1},
        "contact": "infrastructure@hospital.example",
    }


def test_unmapped_fields_and_ignored_entities_are_listed() -> None:
    raw = raw_entities()
    n_components = sum(1 for e in raw if e["kind"] == "Component")
    warnings = import_backstage(DATA).warnings
    assert (
        f"Component.metadata.annotations.backstage.io/techdocs-ref: not mapped "
        f"({n_components} objects)" in warnings
    )
    assert any("Location 'hospital-catalog' ignored" in w for w in warnings)
    assert any("'lab-results-client-lib' skipped" in w for w in warnings)
    assert any("System 'data-warehouse' has no blackstart.io/tier" in w for w in warnings)


def test_cli_import_is_idempotent(tmp_path: Path) -> None:
    out = tmp_path / "backstage.yaml"
    runner = CliRunner()
    first = runner.invoke(app, ["import", "backstage", str(DATA), "-o", str(out)])
    assert first.exit_code == 0, first.output
    text = out.read_text()
    second = runner.invoke(app, ["import", "backstage", str(DATA), "-o", str(out)])
    assert second.exit_code == 0
    assert "unchanged" in second.output
    assert out.read_text() == text
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0


# --------------------------------------------------------------------------- errors

GOOD = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ehr-service
spec:
  type: service
  lifecycle: production
  owner: apps
  dependsOn: [resource:ehr-db]
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: ehr-db
spec:
  type: database
  owner: apps
"""


def problems(tmp_path: Path, text: str) -> list[Problem]:
    f = tmp_path / "catalog-info.yaml"
    f.write_text(text)
    with pytest.raises(ModelError) as exc:
        import_backstage(f)
    return list(exc.value.problems)


def test_good_snippet_imports(tmp_path: Path) -> None:
    f = tmp_path / "catalog-info.yaml"
    f.write_text(GOOD)
    assert import_backstage(f).document["components"]["ehr-service"]["requires"] == ["ehr-db"]


def test_missing_name_is_located(tmp_path: Path) -> None:
    (p,) = problems(tmp_path, GOOD.replace("  name: ehr-db\n", "  title: EHR database\n"))
    assert p.code == "missing-field"
    assert p.file.endswith("catalog-info.yaml")
    assert p.line == 14  # the metadata mapping of the second document (its first key)
    assert p.key == "metadata.name"
    assert "name" in p.message and p.suggestion


def test_unknown_dependency_suggests_the_close_name(tmp_path: Path) -> None:
    (p,) = problems(tmp_path, GOOD.replace("[resource:ehr-db]", "[resource:ehr-bd]"))
    assert p.code == "unknown-reference"
    assert p.line == 9
    assert p.key == "spec.dependsOn[0]"
    assert p.suggestion == "did you mean 'ehr-db'?"


def test_dependson_of_the_wrong_type(tmp_path: Path) -> None:
    (p,) = problems(tmp_path, GOOD.replace("[resource:ehr-db]", "resource:ehr-db"))
    assert p.code == "wrong-type"
    assert p.line == 9 and p.key == "spec.dependsOn"
    assert "must be a list" in p.message


def test_bad_duration_annotation(tmp_path: Path) -> None:
    text = GOOD.replace(
        "  name: ehr-db\n", "  name: ehr-db\n  annotations:\n    blackstart.io/restart: 2 hours\n"
    )
    (p,) = problems(tmp_path, text)
    assert p.code == "bad-value"
    assert p.line == 16
    assert p.key == "metadata.annotations.blackstart.io/restart"
    assert "45min" in (p.suggestion or "")


def test_bad_tier_suggests_one(tmp_path: Path) -> None:
    text = GOOD + (
        "---\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: ehr\n"
        "  annotations:\n    blackstart.io/tier: vitall\nspec:\n  owner: apps\n"
    )
    (p,) = problems(tmp_path, text)
    assert p.line == 24 and p.suggestion == "did you mean 'vital'?"


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    (p,) = problems(tmp_path, GOOD.replace("  type: database\n", "  type: [database\n"))
    assert p.code == "yaml-syntax" and p.line is not None and p.line >= 16


def test_missing_file_suggests_a_close_name(tmp_path: Path) -> None:
    (tmp_path / "catalog-info.yaml").write_text(GOOD)
    with pytest.raises(ModelError) as exc:
        import_backstage(tmp_path / "catalog-infos.yaml")
    assert exc.value.problems[0].suggestion == "did you mean 'catalog-info.yaml'?"


def test_cli_reports_located_errors_as_json_and_exit_code_1(tmp_path: Path) -> None:
    f = tmp_path / "catalog-info.yaml"
    f.write_text(GOOD.replace("[resource:ehr-db]", "[resource:ehr-bd]"))
    res = CliRunner().invoke(
        app, ["import", "backstage", str(f), "-o", str(tmp_path / "out.yaml"), "--json"]
    )
    assert res.exit_code == 1
    payload = json.loads(res.output)
    assert payload["ok"] is False
    (error,) = payload["errors"]
    assert (error["line"], error["key"]) == (9, "spec.dependsOn[0]")
    assert not (tmp_path / "out.yaml").exists()
