"""The explorer's view graph and its API: cones checked against networkx on the raw
compiled graph (gates included), collapse keeping every node and edge accounted for,
errors with suggestions."""

from __future__ import annotations

import httpx
import networkx as nx
import pytest

import blackstart.api as bs
from blackstart.engine.graph import AT_PLACE, GATE, CompiledGraph
from blackstart.errors import UsageError
from blackstart.generate import generate_model
from blackstart.model.compile import compile_model
from blackstart.model.model import Model
from blackstart.web.explorer import ViewGraph, graph_payload, node_payload, search, view_graph

HIDDEN = (GATE, AT_PLACE)
"""Contracted in the view: requirement gates, and a function at one of its places."""


@pytest.fixture(scope="module")
def example() -> tuple[Model, CompiledGraph, ViewGraph]:
    model = bs.load(bs.example_path())
    graph = compile_model(model)
    return model, graph, view_graph(model, graph)


def _nx(graph: CompiledGraph) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(graph.n))
    for v in range(graph.n):
        g.add_edges_from((v, int(c)) for c in graph.children(v))
    return g


def test_cone_and_neighbours_agree_with_networkx(
    example: tuple[Model, CompiledGraph, ViewGraph],
) -> None:
    model, graph, vg = example
    g = _nx(graph)
    for fid in model.functions:
        v = graph.index[f"function:{fid}"]
        expected = {graph.names[u] for u in nx.descendants(g, v) if graph.kind[u] not in HIDDEN}
        node = node_payload(vg, f"function:{fid}")
        assert set(node["cone"]) == expected, fid
        # direct requirements: children, looking through anonymous gates
        direct = set()
        stack = [int(c) for c in graph.children(v)]
        while stack:
            c = stack.pop()
            if graph.kind[c] in HIDDEN:
                stack.extend(int(x) for x in graph.children(c))
            else:
                direct.add(graph.names[c])
        assert {r["id"] for r in node["requires"]} == direct


def test_lab_results_by_hand(example: tuple[Model, CompiledGraph, ViewGraph]) -> None:
    _, _, vg = example
    lis = node_payload(vg, "component:lis-app")
    # examples/hospital-group/applications.yaml: lis-app runs on vm-lis, needs db-lis and
    # hl7-engine, at colo-paris; lab-results needs it
    assert {r["id"] for r in lis["requires"]} == {
        "component:vm-lis", "component:db-lis", "component:hl7-engine", "site:colo-paris"
    }  # fmt: skip
    assert lis["required_by"] == ["function:lab-results"]
    lab = node_payload(vg, "lab-results")
    via = {r["id"]: r["via"] for r in lab["requires"]}
    assert via["component:lis-app"] == "all_of"
    assert via["component:results-portal"] == "any_of"


def test_uncollapsed_example_draws_everything(
    example: tuple[Model, CompiledGraph, ViewGraph],
) -> None:
    model, _, vg = example
    p = graph_payload(vg)
    n = len(model.providers) + len(model.sites) + len(model.components) + len(model.functions)
    assert p["collapse"] == "none" and p["visible_nodes"] == len(p["nodes"]) == n
    assert len(p["edges"]) == len(vg.src)


def test_collapse_accounts_for_every_node_and_edge() -> None:
    model = bs.load_data(generate_model(2000, seed=1))
    vg = view_graph(model, compile_model(model))
    assert vg.n > 2000
    p = graph_payload(vg)
    assert p["collapse"] == "site" and p["visible_nodes"] <= 2000
    drawn = {n["id"] for n in p["nodes"]}
    members = {m for ms in p["groups"].values() for m in ms}
    assert drawn.isdisjoint(members)
    assert len(drawn) + len(members) == vg.n + len(p["groups"])  # site nodes sit in groups
    assert set(vg.ids) <= drawn | members
    # each aggregate edge counts the member edges it stands for
    owner = {m: g for g, ms in p["groups"].items() for m in ms}
    crossing = sum(
        1 for s, d in zip(vg.src.tolist(), vg.dst.tolist(), strict=True)
        if owner.get(vg.ids[s], vg.ids[s]) != owner.get(vg.ids[d], vg.ids[d])
    )  # fmt: skip
    assert sum(e["count"] for e in p["edges"]) == crossing
    # expanding one site draws its members inside it (compound node)
    site = next(g for g in p["groups"] if g.startswith("group:site:"))
    opened = graph_payload(vg, expand=[site])
    inside = [n for n in opened["nodes"] if n.get("parent") == site]
    assert {n["id"] for n in inside} == set(p["groups"][site])
    by_kind = graph_payload(vg, collapse="kind")
    assert {n["id"] for n in by_kind["nodes"] if n["kind"] == "function"} == set()
    assert {g for g in by_kind["groups"] if g.startswith("group:tier:")}


def test_errors_suggest(example: tuple[Model, CompiledGraph, ViewGraph]) -> None:
    _, _, vg = example
    with pytest.raises(UsageError) as info:
        node_payload(vg, "component:lis-ap")
    assert str(info.value.suggestion).startswith("did you mean 'component:lis-app'")
    with pytest.raises(UsageError) as info:
        graph_payload(vg, collapse="site", expand=["group:site:colo-pari"])
    assert "group:site:colo-paris" in str(info.value.suggestion)
    with pytest.raises(UsageError):
        search(vg, "  ")
    assert search(vg, "lis-app")[0]["id"] == "component:lis-app"


def test_explorer_api(client: httpx.Client) -> None:
    r = client.get("/api/explorer")
    assert r.status_code == 200 and r.json()["collapse"] == "none"
    r = client.get("/api/explorer", params={"limit": 100})
    assert r.json()["collapse"] == "site" and r.json()["visible_nodes"] <= 100
    r = client.get("/api/explorer/node", params={"id": "function:lab-results"})
    assert "component:lis-app" in r.json()["cone"]
    r = client.get("/api/explorer/search", params={"q": "LIS"})
    assert "component:lis-app" in [h["id"] for h in r.json()]
    bad = client.get("/api/explorer/node", params={"id": "function:lab-result"})
    assert bad.status_code == 422
    assert bad.json()["suggestion"].startswith("did you mean 'function:lab-results'")
    bad = client.get("/api/explorer", params={"collapse": "sites"})
    assert bad.status_code == 422 and "collapse" in bad.json()["error"]


def test_layered_layout_puts_requirers_left_of_what_they_require() -> None:
    model = bs.load_data(generate_model(1940, seed=2))
    vg = view_graph(model, compile_model(model))
    p = graph_payload(vg, collapse="none")
    assert p["layout"] == "layered" and p["visible_nodes"] > 400
    x = {n["id"]: n["position"]["x"] for n in p["nodes"]}
    assert len(x) == vg.n
    for e in p["edges"]:
        assert x[e["source"]] < x[e["target"]], e
    # no two nodes on one spot
    spots = {(n["position"]["x"], n["position"]["y"]) for n in p["nodes"]}
    assert len(spots) == vg.n
    small = graph_payload(vg, collapse="site")
    assert small["layout"] == "dagre" and all("position" not in n for n in small["nodes"])
