"""The NetBox importer on a hospital group's DC inventory (328 objects) and bad exports.

Objects follow the NetBox REST API's JSON (https://netboxlabs.com/docs/netbox/en/stable/
integrations/rest-api/ — nested references ``{id, url, display, name}``, choice fields
``{value, label}``, paginated ``{count, next, previous, results}``); field names of power
feeds (``power_panel``, ``rack``, ``type`` primary/redundant, ``supply``, ``phase``…) as
in the NetBox power-feed model (https://netboxlabs.com/docs/netbox/en/stable/models/dcim/
powerfeed/, and the generated API bindings, docs.rs netbox-openapi ``PowerFeed``); cables
carry ``a_terminations``/``b_terminations`` of ``{object_type, object_id}``. Expected
power chains are derived from the raw cables in the test, not from the importer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from blackstart import api
from blackstart.errors import ModelError, Problem
from blackstart.io.netbox import import_netbox
from blackstart.model.load import load_data

DATA = Path(__file__).resolve().parent.parent / "data" / "import" / "netbox"


def raw(endpoint: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((DATA / f"{endpoint}.json").read_text())["results"]
    return rows


def test_fixture_is_large_enough() -> None:
    assert sum(len(json.loads(f.read_text())["results"]) for f in DATA.glob("*.json")) >= 100


def expected_power_sources() -> dict[str, set[str]]:
    """Device name -> names of what its power ports are cabled to (a feed, or the PDU
    owning the outlet), from the raw cables."""
    ports = {p["id"]: p["device"]["name"] for p in raw("power-ports")}
    outlets = {o["id"]: o["device"]["name"] for o in raw("power-outlets")}
    feeds = {f["id"]: f["name"] for f in raw("power-feeds")}
    out: dict[str, set[str]] = {}
    for cable in raw("cables"):
        a, b = cable["a_terminations"][0], cable["b_terminations"][0]
        assert a["object_type"] == "dcim.powerport"
        other = (feeds if b["object_type"] == "dcim.powerfeed" else outlets)[b["object_id"]]
        out.setdefault(ports[a["object_id"]], set()).add(other)
    return out


def test_power_chain_becomes_requirements() -> None:
    doc = import_netbox(DATA).document
    comps = doc["components"]
    model = load_data(doc)
    assert len(model.components) == 99
    for device, sources in expected_power_sources().items():
        ids = sorted(s.lower() for s in sources)
        want = ids if len(ids) == 1 else [{"any_of": ids}]
        assert comps[device]["requires"] == want, device
    # a feed needs its panel, a panel its site's supply
    feed = next(f for f in raw("power-feeds") if f["name"] == "COLO-R01-B")
    assert comps["colo-r01-b"]["requires"] == ["colo-paris-panel-b"]
    assert feed["type"]["value"] == "redundant"
    assert "feed-type:redundant" in comps["colo-r01-b"]["tags"]
    assert comps["colo-paris-panel-b"]["requires"] == ["colo-paris-supply"]
    assert comps["colo-paris-supply"]["site"] == "colo-paris"


def test_single_power_supply_is_a_single_point_of_failure() -> None:
    """Failing leg A's PDU of rack 1 takes the single-fed switch, not the dual-fed servers."""
    model = load_data(import_netbox(DATA).document)
    report = api.impact(model, fail=["component:colo-paris-r01-pdu-a"])
    down = {c.id for c in report.components_down}
    assert down == {"colo-paris-r01-pdu-a", "colo-paris-r01-sw"}


def test_clusters_vms_sites_and_providers() -> None:
    doc = import_netbox(DATA).document
    hosts = sorted(
        d["name"]
        for d in raw("devices")
        if d["cluster"] and d["cluster"]["name"] == "vmware-colo-paris"
    )
    assert doc["components"]["vmware-colo-paris"]["requires"] == [{"any_of": hosts}]
    vm = next(v for v in raw("virtual-machines") if v["name"] == "vm-ehr-colo")
    assert doc["components"]["vm-ehr-colo"] == {
        "kind": "vm",
        "name": "vm-ehr-colo",
        "site": vm["site"]["slug"],
        "requires": ["vmware-colo-paris"],
        "tags": ["role:app-server"],
    }
    # facility -> the operator; other tenants' racks -> shared_with
    assert doc["sites"]["colo-paris"]["provider"] == "global-switch-paris"
    assert doc["providers"]["global-switch-paris"]["kind"] == "colocation"
    other_tenants = {
        r["tenant"]["slug"]
        for r in raw("racks")
        if r["tenant"] and r["tenant"]["slug"] != "hospital-group"
    }
    assert set(doc["sites"]["colo-paris"]["shared_with"]) == other_tenants
    assert doc["sites"]["hop-nord"]["kind"] == "hospital"


def test_one_file_export_and_link_peers_give_the_same_model(tmp_path: Path) -> None:
    """The same data as one JSON keyed by endpoint, without the cable list (power ports'
    ``link_peers`` then give the connections)."""
    one = {
        f"dcim/{f.stem}" if f.stem not in ("tenants", "clusters", "virtual-machines") else
        f"{'tenancy' if f.stem == 'tenants' else 'virtualization'}/{f.stem}":
        json.loads(f.read_text())["results"]
        for f in DATA.glob("*.json")
        if f.stem != "cables"
    }  # fmt: skip
    path = tmp_path / "export.json"
    path.write_text(json.dumps(one))
    assert import_netbox(path).document == import_netbox(DATA).document


def test_unmapped_fields_are_listed() -> None:
    warnings = import_netbox(DATA).warnings
    n = len(raw("devices"))
    assert f"dcim.device.serial: not mapped ({n} objects)" in warnings
    assert any("dcim.location objects read" in w for w in warnings)


# --------------------------------------------------------------------------- errors

SMALL: dict[str, Any] = {
    "dcim/sites": [{"id": 1, "name": "DC A", "slug": "dc-a"}],
    "dcim/power-panels": [{"id": 1, "name": "PP1", "site": {"id": 1, "name": "DC A"}}],
    "dcim/power-feeds": [{"id": 1, "name": "F1", "power_panel": {"id": 1, "name": "PP1"}}],
    "dcim/devices": [
        {"id": 1, "name": "srv1", "role": {"slug": "server"}, "site": {"id": 1, "name": "DC A"}}
    ],
    "dcim/power-ports": [{"id": 1, "name": "PSU1", "device": {"id": 1, "name": "srv1"}}],
    "dcim/cables": [
        {
            "id": 1,
            "a_terminations": [{"object_type": "dcim.powerport", "object_id": 1}],
            "b_terminations": [{"object_type": "dcim.powerfeed", "object_id": 1}],
        }
    ],
}


def problems(tmp_path: Path, data: dict[str, Any]) -> list[Problem]:
    f = tmp_path / "netbox.json"
    f.write_text(json.dumps(data, indent=2))
    with pytest.raises(ModelError) as exc:
        import_netbox(f)
    return list(exc.value.problems)


def line_of(tmp_path: Path, needle: str) -> int:
    lines = (tmp_path / "netbox.json").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_small_export_imports(tmp_path: Path) -> None:
    f = tmp_path / "netbox.json"
    f.write_text(json.dumps(SMALL))
    assert import_netbox(f).document["components"]["srv1"]["requires"] == ["f1"]


def test_feed_on_an_unknown_panel(tmp_path: Path) -> None:
    data = json.loads(json.dumps(SMALL))
    data["dcim/power-feeds"][0]["power_panel"] = {"id": 7, "name": "PP1"}
    (p,) = problems(tmp_path, data)
    assert p.code == "unknown-reference"
    assert p.key == "dcim/power-feeds[0].power_panel"
    assert p.line == line_of(tmp_path, '"power_panel"')
    assert "id 7" in p.message and p.suggestion == "did you mean 'PP1'? (its id is 1)"


def test_object_without_id(tmp_path: Path) -> None:
    data = json.loads(json.dumps(SMALL))
    del data["dcim/devices"][0]["id"]
    found = problems(tmp_path, data)
    assert found[0].code == "missing-field" and found[0].key == "dcim/devices[0].id"
    assert found[0].line == line_of(tmp_path, '"name": "srv1"') - 1  # the object's brace


def test_id_of_the_wrong_type(tmp_path: Path) -> None:
    data = json.loads(json.dumps(SMALL))
    data["dcim/sites"][0]["id"] = "1"
    found = problems(tmp_path, data)
    p = found[0]
    assert p.code == "wrong-type" and p.key == "dcim/sites[0].id"
    assert p.line == line_of(tmp_path, '"id": "1"')
    assert "an integer" in p.message


def test_cable_to_a_missing_port(tmp_path: Path) -> None:
    data = json.loads(json.dumps(SMALL))
    data["dcim/cables"][0]["a_terminations"][0]["object_id"] = 9
    (p,) = problems(tmp_path, data)
    assert p.code == "unknown-reference"
    assert p.key == "dcim/cables[0].a_terminations[0].object_id"
    assert p.line == line_of(tmp_path, '"object_id": 9')


def test_json_syntax_error(tmp_path: Path) -> None:
    f = tmp_path / "netbox.json"
    f.write_text('{"dcim/sites": [\n  {"id": 1,}\n]}')
    with pytest.raises(ModelError) as exc:
        import_netbox(f)
    (p,) = exc.value.problems
    assert p.code == "json-syntax" and p.line == 2


def test_not_a_list(tmp_path: Path) -> None:
    (p,) = problems(tmp_path, {**SMALL, "dcim/devices": {"id": 1}})
    assert p.code == "bad-export" and p.key == "dcim/devices"
