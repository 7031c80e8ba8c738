"""Tests of the synthetic model generator (blackstart.generate)."""

from __future__ import annotations

import graphlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from blackstart.generate import (
    LAYERS,
    count_requirement_edges,
    generate_model,
    layer_of,
    write_model,
)
from blackstart.model import schema
from blackstart.model.load import load_model


@pytest.fixture(scope="module")
def m1000() -> dict[str, Any]:
    return generate_model(1000, seed=7)


def _leaves(req: Any) -> list[str]:
    """Leaf names of a requirement, written independently of the generator."""
    if req is None:
        return []
    if isinstance(req, str):
        return [req]
    if isinstance(req, list):
        return [x for r in req for x in _leaves(r)]
    assert isinstance(req, dict), req
    if "at_least" in req:
        assert set(req) == {"at_least", "of"}, req
        assert 1 <= req["at_least"] <= len(req["of"]), req
        return _leaves(req["of"])
    assert len(req) == 1 and next(iter(req)) in ("any_of", "all_of"), req
    return _leaves(next(iter(req.values())))


def check_references(data: dict[str, Any]) -> None:
    """Every reference resolves, ids share one namespace, and there is no cycle."""
    comps, fns = data["components"], data["functions"]
    providers, sites, teams = data["providers"], data["sites"], data["teams"]
    assert not set(comps) & set(fns), "components and functions share one namespace"
    names = set(comps) | set(fns)
    skills = {s for t in teams.values() for s in t["skills"]}
    for sid, site in sites.items():
        assert site.get("provider") is None or site["provider"] in providers, sid
        assert all(p in providers for p in site.get("shared_with", [])), sid
    graph: dict[str, set[str]] = {}
    for cid, c in comps.items():
        assert c.get("site") is None or c["site"] in sites, (cid, c)
        assert c.get("provider") is None or c["provider"] in providers, (cid, c)
        assert c.get("team") is None or c["team"] in teams, (cid, c)
        skill = (c.get("recovery") or {}).get("skill")
        assert skill is None or skill in skills, (cid, c)
        graph[cid] = set(_leaves(c.get("requires")))
    for fid, f in fns.items():
        # places of delivery: '{place}' stands for each site the function is delivered at
        places = f.get("delivered_at") or [None]
        assert all(p is None or sites[p]["kind"] == "hospital" for p in places), fid
        graph[fid] = {
            x.replace("{place}", p) if p else x for x in _leaves(f.get("requires")) for p in places
        }
    for node, deps in graph.items():
        missing = deps - names
        assert not missing, (node, missing)
    order = list(graphlib.TopologicalSorter(graph).static_order())  # CycleError if any
    assert len(order) == len(names)
    for sc in data["scenarios"].values():
        for item in sc["fail"]:
            what, _, name = item.partition(":")
            pool = {"site": sites, "provider": providers, "component": comps}[what]
            assert name in pool, item


def validate_schema(data: dict[str, Any]) -> None:
    for section, cls in schema.SECTIONS.items():
        for entity in data.get(section, {}).values():  # costs: optional
            cls.model_validate(entity)
    schema.Document.model_validate({k: v for k, v in data.items() if k != "components"})


def read_dir(out: Path, suffix: str) -> dict[str, Any]:
    """Merge a directory of model files back into one mapping."""
    merged: dict[str, Any] = {}
    for path in sorted(out.glob(f"*.{suffix}")):
        text = path.read_text(encoding="utf-8")
        doc = yaml.load(text, Loader=yaml.CSafeLoader) if suffix == "yaml" else json.loads(text)
        for key, value in doc.items():
            if isinstance(value, dict):
                section = merged.setdefault(key, {})
                assert not set(section) & set(value), f"duplicate ids in {path}"
                section.update(value)
            else:
                merged[key] = value
    return merged


@pytest.mark.parametrize("n", [50, 51, 399, 400, 1000, 20000])
def test_exact_component_count(n: int) -> None:
    data = generate_model(n, seed=1)
    assert len(data["components"]) == n
    assert 3 <= len(data["functions"]) <= 5000
    assert len(data["sites"]) >= 3
    assert list(data) == [
        "name",
        "description",
        "timezone",
        "providers",
        "sites",
        "components",
        "functions",
        "teams",
        "scenarios",
    ]


def test_too_small_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        generate_model(49)


def test_deterministic(m1000: dict[str, Any]) -> None:
    assert generate_model(1000, seed=7) == m1000
    assert generate_model(1000, seed=8) != m1000


@pytest.mark.parametrize("n", [50, 400, 20000])
def test_references_resolve_and_no_cycles(n: int) -> None:
    check_references(generate_model(n, seed=2))


def test_shape(m1000: dict[str, Any]) -> None:
    sites = m1000["sites"]
    kinds = {s["kind"] for s in sites.values()}
    assert kinds == {"colocation", "datacenter", "hospital"}
    colo = [s for s in sites.values() if s["kind"] == "colocation"]
    assert all(s["provider"] and s["shared_with"] for s in colo)
    comps = m1000["components"].values()
    assert any(isinstance(c.get("requires"), dict) and "at_least" in c["requires"] for c in comps)
    assert any(isinstance(c.get("requires"), dict) and "any_of" in c["requires"] for c in comps)
    assert sum("recovery" in c for c in comps) > len(comps) / 4
    assert sum("failure" in c for c in comps) > len(comps) / 10
    scenario_sites = {f for s in m1000["scenarios"].values() for f in s["fail"]}
    assert "site:colo-01" in scenario_sites
    tiers = {f["tier"] for f in m1000["functions"].values()}
    assert tiers == {"vital", "care", "administrative"}


def test_edges_per_component() -> None:
    data = generate_model(20000, seed=0)
    comp_edges, fn_edges = count_requirement_edges(data)
    ratio = comp_edges / len(data["components"])
    print(f"requirement edges per component: {ratio:.3f} (+{fn_edges} from functions)")
    assert 2.0 <= ratio <= 2.5
    # independent count
    assert comp_edges == sum(len(_leaves(c.get("requires"))) for c in data["components"].values())


@pytest.mark.parametrize("n", [50, 1000])
def test_schema_validates(n: int) -> None:
    validate_schema(generate_model(n, seed=3))


def test_establishments_share_colocation_and_providers() -> None:
    data = generate_model(3000, seed=4, establishments=3)
    assert len(data["components"]) == 3000
    check_references(data)
    validate_schema(data)
    teams = set(data["teams"])
    assert {"systems", "g2-systems", "g3-systems"} <= teams
    colo_sites = {s for s, v in data["sites"].items() if v["kind"] == "colocation"}
    users = {
        cid.split("-")[0]
        for cid, c in data["components"].items()
        if c.get("site") in colo_sites and c["kind"] == "vm"
    }
    assert {"vm", "g2", "g3"} <= users


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_write_round_trip(m1000: dict[str, Any], tmp_path: Path, fmt: str) -> None:
    paths = write_model(m1000, tmp_path, fmt=fmt)  # type: ignore[arg-type]
    assert {p.stem for p in paths} == {"model", "functions", *LAYERS}
    assert all(p.suffix == f".{fmt}" for p in paths)
    assert read_dir(tmp_path, fmt) == m1000
    for p in paths:
        if p.stem in LAYERS:
            doc = read_dir_one(p, fmt)
            assert {layer_of(c["kind"]) for c in doc["components"].values()} == {p.stem}


def read_dir_one(path: Path, fmt: str) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    out: dict[str, Any] = (
        yaml.load(text, Loader=yaml.CSafeLoader) if fmt == "yaml" else json.loads(text)
    )
    return out


def test_yaml_is_one_entity_per_line(m1000: dict[str, Any], tmp_path: Path) -> None:
    write_model(m1000, tmp_path)
    lines = (tmp_path / "vms.yaml").read_text().splitlines()
    assert lines[0] == "components:"
    assert len(lines) == 1 + sum(1 for c in m1000["components"].values() if c["kind"] == "vm")
    assert lines[1].startswith("  vm-") and lines[1].endswith("}")


def test_awkward_strings_round_trip(tmp_path: Path) -> None:
    data = generate_model(50, seed=0)
    data["description"] = "yes: a 'quoted' \"text\", #not-a-comment, é, null"
    data["name"] = "true"
    fn = next(iter(data["functions"].values()))
    fn["degraded_mode"]["procedure"] = "08:00-18:00 - 12 - on"
    data["teams"]["apps"]["contact"] = "+33 1 23 45 67 89"
    write_model(data, tmp_path)
    assert read_dir(tmp_path, "yaml") == data


def test_load_model_accepts_generated(tmp_path: Path) -> None:
    write_model(generate_model(1000, seed=5), tmp_path)
    model = load_model(tmp_path)
    assert len(model.components) == 1000
