"""The Mercator importer on a hospital's IS cartography (121 objects) and bad exports.

Field names are those of Mercator's data model (https://dbarzin.github.io/mercator/model/
— repository docs/model.md of dbarzin/mercator: tables m_applications with ``rto``,
``rpo``, ``security_need_a``, ``databases``, ``logical_servers``, ``activities``;
logical_servers with ``physical_servers``, ``active``; physical_servers with ``site_id``,
``building_id``; buildings with ``site_id``; activities with
``recovery_time_objective``, ``maximum_tolerable_downtime``,
``recovery_point_objective``; fluxes with ``application_source_id``,
``application_dest_id``, ``bidirectional``) and of its API (docs/api.md: one endpoint per
object, e.g. /api/applications, /api/logical-servers).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from blackstart.errors import ModelError, Problem
from blackstart.io.mercator import import_mercator
from blackstart.model.load import load_data

DATA = Path(__file__).resolve().parent.parent / "data" / "import" / "mercator"


def raw(endpoint: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((DATA / f"{endpoint}.json").read_text())
    return rows


def test_fixture_is_large_enough() -> None:
    assert sum(len(json.loads(f.read_text())) for f in DATA.glob("*.json")) >= 100


def test_imports_a_cartography_that_validates() -> None:
    doc = import_mercator(DATA).document
    model = load_data(doc)
    active = [s for s in raw("logical-servers") if s["active"]]
    n = len(raw("physical-servers")) + len(active) + len(raw("databases"))
    assert len(model.components) == n + len(raw("applications"))
    assert len(model.sites) == len(raw("sites"))
    external = [e for e in raw("entities") if e["is_external"]]
    assert len(model.providers) == len(external)


def test_application_needs_its_databases_and_any_of_its_servers() -> None:
    doc = import_mercator(DATA).document
    app = next(a for a in raw("applications") if a["name"] == "DPI")
    servers = {s["id"]: s["name"] for s in raw("logical-servers")}
    assert doc["components"]["dpi"]["requires"][:2] == [
        "dpi-db",
        {"any_of": sorted(servers[i] for i in app["logical_servers"])},
    ]
    # the lab system receives the ADT flow from the patient record (DPI -> SIL): it needs it
    assert "dpi" in doc["components"]["sil-laboratoire"]["requires"]


def test_servers_sites_through_buildings() -> None:
    doc = import_mercator(DATA).document
    buildings = {b["id"]: b["site_id"] for b in raw("buildings")}
    sites = {s["id"]: s["name"] for s in raw("sites")}
    for ps in raw("physical-servers"):
        site = ps["site_id"] or buildings[ps["building_id"]]
        assert doc["components"][ps["name"]]["site"] == doc_site_id(sites[site]), ps["name"]
    ls = next(s for s in raw("logical-servers") if s["name"] == "vm-00-colo-1")
    names = {p["id"]: p["name"] for p in raw("physical-servers")}
    assert doc["components"]["vm-00-colo-1"]["requires"] == [
        {"any_of": sorted(names[i] for i in ls["physical_servers"])}
    ]
    assert "vm-old-reporting" not in doc["components"]  # inactive


def doc_site_id(name: str) -> str:
    return {
        "Colocation Paris": "colocation-paris",
        "Datacenter secondaire": "datacenter-secondaire",
    }[name]


def test_activities_become_functions_with_rto_mtpd_rpo() -> None:
    doc = import_mercator(DATA).document
    act = next(a for a in raw("activities") if a["name"] == "Délivrance des produits sanguins")
    assert (act["recovery_time_objective"], act["maximum_tolerable_downtime"]) == (60, 240)
    fn = doc["functions"]["delivrance-des-produits-sanguins"]
    assert fn["rto"] == "1h" and fn["mtpd"] == "4h" and fn["rpo"] == "0min"
    assert fn["requires"] == ["transfusion"]
    # Transfusion's availability need is 4: vital
    assert fn["tier"] == "vital"
    # an application with an RTO and no activity gets its own function
    portal = next(a for a in raw("applications") if a["name"] == "Portail patient")
    assert portal["rto"] == 1440 and not portal["activities"]
    assert doc["functions"]["portail-patient-use"]["rto"] == "1d"


def test_flows_that_cannot_be_requirements_are_listed() -> None:
    warnings = import_mercator(DATA).warnings
    assert any("'Urgences vers DPI'" in w and "bidirectional" in w for w in warnings)
    assert any("'Résultats SIL vers DPI'" in w and "cycle" in w for w in warnings)
    assert any("vm-old-reporting" in w for w in warnings)
    assert "logical-servers.operating_system: not mapped (34 objects)" in warnings


# --------------------------------------------------------------------------- errors


def small() -> dict[str, Any]:
    return {
        "applications": [
            {"id": 1, "name": "DPI", "rto": 120, "databases": [1], "logical_servers": [1]}
        ],
        "databases": [{"id": 1, "name": "dpi-db"}],
        "logical-servers": [{"id": 1, "name": "vm-dpi", "physical_servers": []}],
    }


def problems(tmp_path: Path, data: dict[str, Any]) -> list[Problem]:
    f = tmp_path / "mercator.json"
    f.write_text(json.dumps(data, indent=2))
    with pytest.raises(ModelError) as exc:
        import_mercator(f)
    return list(exc.value.problems)


def test_small_export_imports(tmp_path: Path) -> None:
    f = tmp_path / "mercator.json"
    f.write_text(json.dumps(small()))
    doc = import_mercator(f).document
    assert doc["functions"]["dpi-use"] == {
        "tier": "administrative",
        "name": "Use of DPI",
        "requires": ["dpi"],
        "rto": "2h",
    }


def test_unknown_database_number(tmp_path: Path) -> None:
    data = small()
    data["applications"][0]["databases"] = [9]
    (p,) = problems(tmp_path, data)
    assert p.code == "unknown-reference" and p.key == "applications[0].databases[0]"
    assert p.line == 8 and "databases 9" in p.message


def test_rto_as_text(tmp_path: Path) -> None:
    data = small()
    data["applications"][0]["rto"] = "2h"
    (p,) = problems(tmp_path, data)
    assert p.code == "wrong-type" and p.key == "applications[0].rto"
    assert p.line == 6 and "whole minutes" in (p.suggestion or "")


def test_missing_name(tmp_path: Path) -> None:
    data = small()
    del data["databases"][0]["name"]
    (p,) = problems(tmp_path, data)
    assert p.code == "missing-field" and p.key == "databases[0].name"
