"""The Python API (``blackstart.api``): loading, impact semantics, model hash.

Every expected down set is derived by hand from the small models written here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from blackstart import api
from blackstart.errors import ModelError, UsageError
from blackstart.model.model import Model

MODEL: dict[str, Any] = {
    "name": "API test model",
    "providers": {
        "colo-co": {"kind": "colocation"},
        "cloud-co": {"kind": "cloud"},
        "carrier": {"kind": "telecom"},
    },
    "sites": {
        "dc-a": {"kind": "colocation", "provider": "colo-co"},
        "dc-b": {"kind": "datacenter"},
        "dc-c": {"kind": "colocation", "provider": "colo-co"},
    },
    "components": {
        "power-a": {"kind": "power", "site": "dc-a"},
        "db-1": {"kind": "database", "site": "dc-a", "requires": ["power-a"]},
        "db-2": {"kind": "database", "site": "dc-b"},
        "db-3": {"kind": "database", "site": "dc-c"},
        "db-pair": {"kind": "cluster", "requires": {"any_of": ["db-1", "db-2"]}},
        "db-quorum": {
            "kind": "cluster",
            "requires": {"at_least": 2, "of": ["db-1", "db-2", "db-3"]},
        },
        "app-pair": {"kind": "application", "requires": ["db-pair"]},
        "app-quorum": {"kind": "application", "requires": ["db-quorum"]},
        "saas-mail": {"kind": "saas", "provider": "cloud-co"},
        "backup": {"kind": "backup", "provider": "colo-co"},  # colo-co's service, no site
        "wan": {"kind": "link", "provider": "carrier"},
    },
    "functions": {
        "records": {"tier": "vital", "requires": ["app-pair"]},
        "results": {"tier": "care", "requires": ["app-quorum"]},
        "mail": {"tier": "administrative", "requires": ["saas-mail"]},
        "archive": {"tier": "administrative", "requires": ["backup"]},
        "remote": {"tier": "care", "requires": {"all_of": ["wan", "db-2"]}},
    },
}


@pytest.fixture(scope="module")
def model() -> Model:
    return api.load_data(MODEL)


def down(report: api.ImpactReport) -> tuple[set[str], set[str]]:
    return {f.id for f in report.functions_down}, {c.id for c in report.components_down}


def test_site_failure_equals_failing_every_hosted_component(model: Model) -> None:
    by_site = api.impact(model, fail=["site:dc-a"])
    hosted = sorted(c for c, comp in model.components.items() if comp.site == "dc-a")
    assert hosted == ["db-1", "power-a"]
    by_components = api.impact(model, fail=[f"component:{c}" for c in hosted])
    # dc-a hosts power-a and db-1; db-pair and db-quorum each keep enough databases
    assert down(by_site) == down(by_components) == (set(), {"power-a", "db-1"})
    assert by_site.sites_down == ("dc-a",)

    both = api.impact(model, fail=["site:dc-a", "site:dc-b"])
    expected_components = {
        "power-a",
        "db-1",
        "db-2",
        "db-pair",
        "app-pair",
        "db-quorum",
        "app-quorum",
    }
    assert down(both) == ({"records", "results", "remote"}, expected_components)
    hosted_ab = [f"component:{c}" for c in ("power-a", "db-1", "db-2")]
    assert down(api.impact(model, fail=hosted_ab)) == down(both)


def test_provider_failure_fails_its_sites_and_components(model: Model) -> None:
    report = api.impact(model, fail=["provider:colo-co"])
    # colo-co operates dc-a and dc-c (db-1, power-a, db-3) and provides backup directly
    assert report.providers_down == ("colo-co",)
    assert report.sites_down == ("dc-a", "dc-c")
    functions, components = down(report)
    # db-pair keeps db-2; db-quorum loses db-1 and db-3: only 1 of 3 left
    assert components == {"power-a", "db-1", "db-3", "backup", "db-quorum", "app-quorum"}
    assert functions == {"results", "archive"}
    archive = next(f for f in report.functions_down if f.id == "archive")
    assert archive.causes == ("provider:colo-co",)
    assert archive.chain == ("archive", "backup", "provider:colo-co")


def test_any_of_survives_one_loss_not_two(model: Model) -> None:
    for lost in ("db-1", "db-2"):
        _, components = down(api.impact(model, fail=[f"component:{lost}"]))
        assert "db-pair" not in components
    functions, components = down(api.impact(model, fail=["component:db-1", "component:db-2"]))
    assert {"db-pair", "app-pair"} <= components
    assert "records" in functions


def test_at_least_two_of_three_survives_one_loss_not_two(model: Model) -> None:
    for lost in ("db-1", "db-2", "db-3"):
        functions, components = down(api.impact(model, fail=[f"component:{lost}"]))
        assert "db-quorum" not in components
        assert "results" not in functions
    for pair in (("db-1", "db-2"), ("db-1", "db-3"), ("db-2", "db-3")):
        functions, components = down(api.impact(model, fail=[f"component:{c}" for c in pair]))
        assert {"db-quorum", "app-quorum"} <= components
        assert "results" in functions
        results = next(
            f
            for f in api.impact(model, fail=[f"component:{c}" for c in pair]).functions_down
            if f.id == "results"
        )
        assert results.causes == tuple(f"component:{c}" for c in pair)


def test_all_of_fails_on_any_item(model: Model) -> None:
    assert "remote" in down(api.impact(model, fail=["provider:carrier"]))[0]
    assert "remote" in down(api.impact(model, fail=["component:db-2"]))[0]


def test_functions_up_and_tiers(model: Model) -> None:
    report = api.impact(model, fail=["provider:cloud-co"])
    assert [f.id for f in report.functions_down] == ["mail"]
    assert report.functions_down[0].tier == "administrative"
    # up, ordered by tier then id
    assert report.functions_up == ("records", "remote", "results", "archive")


def test_impact_usage_errors(model: Model) -> None:
    with pytest.raises(UsageError, match="nothing fails"):
        api.impact(model)
    with pytest.raises(UsageError) as info:
        api.impact(model, fail=["db-1"])
    assert info.value.suggestion == "did you mean 'component:db-1'?"
    with pytest.raises(UsageError) as info:
        api.impact(model, fail=["site:dc-d"])
    assert info.value.suggestion is not None and "'dc-a'" in info.value.suggestion
    with pytest.raises(UsageError, match="no scenario"):
        api.impact(model, scenario="fire")


def test_show_summary(model: Model) -> None:
    summary = api.show(model)
    assert summary["counts"]["components"] == 11
    assert summary["providers"]["colo-co"]["operates_sites"] == ["dc-a", "dc-c"]
    assert summary["providers"]["colo-co"]["components"] == ["backup", "db-1", "db-3", "power-a"]
    assert summary["functions_by_tier"]["care"] == ["remote", "results"]


# --------------------------------------------------------------------------- files


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


INFRA = """\
sites:
  dc: {kind: datacenter}
components:
  power: {kind: power, site: dc}
  db: {kind: database, site: dc, requires: [power]}
"""
APPS = """\
components:
  app: {kind: application, requires: [db]}
functions:
  records: {tier: vital, requires: [app]}
"""


def test_directory_model(tmp_path: Path) -> None:
    write(tmp_path / "m" / "infra.yaml", INFRA)
    write(tmp_path / "m" / "apps" / "apps.yaml", APPS)
    write(tmp_path / "m" / ".hidden" / "ignored.yaml", "not: [a model")
    write(tmp_path / "m" / "notes.txt", "not a model file")
    model = api.load(tmp_path / "m")
    assert set(model.components) == {"power", "db", "app"}
    assert model.origin["component:app"] == "apps/apps.yaml"
    assert model.origin["site:dc"] == "infra.yaml"
    functions, _ = down(api.impact(model, fail=["site:dc"]))
    assert functions == {"records"}


def test_include(tmp_path: Path) -> None:
    write(tmp_path / "parts" / "infra.yaml", INFRA)
    write(tmp_path / "parts" / "apps.yaml", APPS)
    main = write(tmp_path / "main.yaml", "name: included\ninclude: [parts/*.yaml]\n")
    model = api.load(main)
    assert model.name == "included"
    assert set(model.components) == {"power", "db", "app"}
    assert set(model.sources) == {"main.yaml", "parts/infra.yaml", "parts/apps.yaml"}
    assert model.sources[0] == "main.yaml"


def test_include_cycle_reads_each_file_once(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "include: [b.yaml]\n" + INFRA)
    write(tmp_path / "b.yaml", "include: [a.yaml]\n" + APPS)
    model = api.load(tmp_path / "a.yaml")
    assert model.sources == ("a.yaml", "b.yaml")


ONE_FILE = """\
name: hashed
sites:
  dc: {kind: datacenter}
components:
  power: {kind: power, site: dc}
  db: {kind: database, site: dc, requires: [power]}
  app: {kind: application, requires: [db]}
functions:
  records: {tier: vital, requires: [app]}
"""

REFORMATTED = """\
# same content, block style, other order, comments
functions:
  records:
    requires:
      - app   # the application
    tier: vital
components:
  app:
    requires: [db]
    kind: application
  db:
    kind: database
    requires: [power]
    site: dc
  power:
    site: dc
    kind: power
sites:
  dc:
    kind: datacenter
name: hashed
"""


def test_model_hash(tmp_path: Path) -> None:
    base = api.load(write(tmp_path / "one" / "model.yaml", ONE_FILE)).hash
    assert len(base) == 64

    assert api.load(write(tmp_path / "two" / "model.yaml", REFORMATTED)).hash == base

    data = yaml.safe_load(ONE_FILE)
    split_a = {
        "name": data["name"],
        "sites": data["sites"],
        "components": {k: data["components"][k] for k in ("power",)},
    }
    split_b = {
        "components": {k: data["components"][k] for k in ("db", "app")},
        "functions": data["functions"],
    }
    write(tmp_path / "split" / "a.yaml", yaml.safe_dump(split_a))
    write(tmp_path / "split" / "b.yaml", yaml.safe_dump(split_b))
    assert api.load(tmp_path / "split").hash == base

    write(tmp_path / "json" / "model.json", json.dumps(data))
    assert api.load(tmp_path / "json").hash == base

    assert api.load_data(data).hash == base

    edited = ONE_FILE.replace("kind: database", "kind: storage")
    assert api.load(write(tmp_path / "edit" / "model.yaml", edited)).hash != base
    renamed = ONE_FILE.replace("name: hashed", "name: other")
    assert api.load(write(tmp_path / "rename" / "model.yaml", renamed)).hash != base


def test_load_raises_model_error_with_all_problems(tmp_path: Path) -> None:
    bad = write(
        tmp_path / "bad.yaml", "components:\n  a: {kind: vmx}\n  b: {kind: vm, site: nowhere}\n"
    )
    with pytest.raises(ModelError) as info:
        api.load(bad)
    assert [(p.code, p.line) for p in info.value.problems] == [
        ("bad-value", 2),
        ("unknown-reference", 3),
    ]


def test_compile_model_is_exported(model: Model) -> None:
    graph = api.compile_model(model)
    assert graph.model_hash == model.hash
    assert "function:records" in graph.index
