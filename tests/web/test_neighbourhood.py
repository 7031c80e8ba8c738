"""The explorer's neighbourhood and cone views against independent oracles: networkx
breadth-first search on the raw compiled graph (requirement gates and places looked
through), on generated models of several seeds and random nodes, depths and directions;
the cone's list against a traversal grouped by site and kind read from the model itself;
the served JSON and HTML against the same oracle."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import blackstart.api as bs
from blackstart.engine.graph import AT_PLACE, GATE, CompiledGraph
from blackstart.errors import UsageError
from blackstart.generate import generate_model, write_model
from blackstart.model.compile import compile_model
from blackstart.model.model import Model
from blackstart.web import create_app
from blackstart.web.explorer import ViewGraph, view_graph
from blackstart.web.neighbourhood import cone_payload, default_node, neighbourhood_payload
from tests.web.conftest import serve

HIDDEN = (GATE, AT_PLACE)
SEEDS = (3, 11, 29)


def _contracted(graph: CompiledGraph) -> nx.DiGraph:
    """Requirer → required between visible nodes, looking through hidden ones."""
    g = nx.DiGraph()
    for v in range(graph.n):
        if graph.kind[v] in HIDDEN:
            continue
        g.add_node(graph.names[v])
        stack = [int(c) for c in graph.children(v)]
        seen: set[int] = set()
        while stack:
            c = stack.pop()
            if c in seen:
                continue
            seen.add(c)
            if graph.kind[c] in HIDDEN:
                stack.extend(int(x) for x in graph.children(c))
            else:
                g.add_edge(graph.names[v], graph.names[c])
    return g


def _oracle(g: nx.DiGraph, ref: str, depth: int | None, direction: str) -> dict[str, int]:
    out = {ref: 0}
    if direction in ("upstream", "both"):
        for n, d in nx.single_source_shortest_path_length(g, ref, cutoff=depth).items():
            out.setdefault(n, d)
    if direction in ("downstream", "both"):
        for n, d in nx.single_source_shortest_path_length(g.reverse(), ref, cutoff=depth).items():
            out.setdefault(n, -d)
    return out


Case = tuple[Model, ViewGraph, nx.DiGraph]


@pytest.fixture(scope="module", params=SEEDS)
def case(request: pytest.FixtureRequest) -> Case:
    model = bs.load_data(generate_model(120, seed=request.param))
    graph = compile_model(model)
    return model, view_graph(model, graph), _contracted(graph)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    pick=st.integers(min_value=0, max_value=10**6),
    depth=st.integers(min_value=1, max_value=4),
    direction=st.sampled_from(["upstream", "downstream", "both"]),
)
def test_neighbourhood_is_the_breadth_first_ball(
    case: Case, pick: int, depth: int, direction: str
) -> None:
    _, vg, g = case
    ref = vg.ids[pick % vg.n]
    p = neighbourhood_payload(vg, ref, depth=depth, direction=direction)  # type: ignore[arg-type]
    expected = _oracle(g, ref, depth, direction)
    assert {n["id"]: n["distance"] for n in p["nodes"]} == expected
    assert {(e["source"], e["target"]) for e in p["edges"]} == set(g.subgraph(expected).edges())
    # columns by distance: requirers left of the centre, what it requires right
    x = {n["id"]: n["position"]["x"] for n in p["nodes"]}
    for n in p["nodes"]:
        assert (x[n["id"]] > x[ref]) == (n["distance"] > 0), n
    assert len({(n["position"]["x"], n["position"]["y"]) for n in p["nodes"]}) == len(x)


def _grouped_from_model(model: Model, ids: set[str]) -> list[tuple[str | None, str, list[str]]]:
    rows: dict[tuple[str | None, str], list[str]] = {}
    for ref in ids:
        kind, _, name = ref.partition(":")
        if kind == "component":
            comp = model.components[name]
            key = (comp.site or None, str(comp.kind))
        elif kind == "site":
            key = (name, "site")
        else:
            key = (None, kind)
        rows.setdefault(key, []).append(ref)
    return sorted(
        ((s, k, sorted(v)) for (s, k), v in rows.items()),
        key=lambda r: (r[0] is None, r[0] or "", r[1]),
    )


def test_cone_lists_everything_needed_by_site_and_kind(case: Case) -> None:
    model, vg, g = case
    for fid in list(model.functions)[:12]:
        ref = f"function:{fid}"
        p = cone_payload(vg, ref)
        needed = set(nx.descendants(g, ref))
        listed = [(s["site"], k["kind"], k["nodes"]) for s in p["by_site"] for k in s["kinds"]]
        assert listed == _grouped_from_model(model, needed), fid
        assert all(n["distance"] >= 0 for n in p["nodes"])
        assert sum(s["count"] for s in p["by_site"]) == len(needed)


@pytest.fixture(scope="module")
def generated_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[httpx.Client, Model]]:
    root = tmp_path_factory.mktemp("nb")
    data = generate_model(150, seed=7)
    write_model(data, root / "model")
    with serve(create_app(root / "model", f"sqlite:///{root / 'nb.db'}")) as client:
        yield client, bs.load(root / "model")


def _served_listing(html: str) -> set[str]:
    listing = html[html.index('id="listing"') : html.index("</section>")]
    return set(re.findall(r'data-node="([^"]+)"', listing))


def test_served_json_and_html_equal_the_oracle(
    generated_server: tuple[httpx.Client, Model],
) -> None:
    client, model = generated_server
    g = _contracted(compile_model(model))
    nodes = sorted(g.nodes)
    for i, (depth, direction) in enumerate([(1, "both"), (2, "upstream"), (3, "downstream")]):
        ref = nodes[(i * 37) % len(nodes)]
        expected = _oracle(g, ref, depth, direction)
        r = client.get(
            "/api/explorer/neighbourhood",
            params={"id": ref, "depth": depth, "direction": direction},
        )
        assert r.status_code == 200
        assert {n["id"]: n["distance"] for n in r.json()["nodes"]} == expected
        page = client.get("/explorer", params={"node": ref, "depth": depth, "direction": direction})
        assert page.status_code == 200
        assert _served_listing(page.text) == set(expected) - {ref}
        embedded = re.search(r"data-view='([^']*)'", page.text, re.S)
        assert embedded and json.loads(embedded.group(1))["center"] == ref
    fid = next(iter(model.functions))
    cone = client.get("/explorer", params={"node": f"function:{fid}", "view": "cone"})
    assert _served_listing(cone.text) == set(nx.descendants(g, f"function:{fid}"))
    api = client.get("/api/explorer/cone", params={"id": f"function:{fid}"}).json()
    assert {n["id"] for n in api["nodes"]} == {f"function:{fid}"} | nx.descendants(
        g, f"function:{fid}"
    )


def test_default_view_search_and_errors(client: httpx.Client) -> None:
    page = client.get("/explorer")
    assert page.status_code == 200 and "data-view=" in page.text
    # the example's first vital function, two hops both ways
    assert "<strong>function:emergency-admissions</strong> and what lies within 2 hops" in page.text
    found = client.get("/explorer", params={"q": "lis-ap"})
    assert "<strong>component:lis-app</strong>" in found.text
    missing = client.get("/explorer", params={"q": "zzzz"})
    assert missing.status_code == 404 and "no node named like" in missing.text
    bad = client.get("/explorer", params={"node": "function:lab-result"})
    assert bad.status_code == 422 and "did you mean" in bad.text
    r = client.get("/api/explorer/neighbourhood", params={"id": "function:lab-results", "depth": 9})
    assert r.status_code == 422 and "depth" in r.json()["error"]
    r = client.get("/api/explorer/neighbourhood", params={"id": "x:nothing"})
    assert r.status_code == 422 and r.json()["suggestion"]
    r = client.get(
        "/api/explorer/neighbourhood", params={"id": "lab-results", "direction": "sideways"}
    )
    assert r.status_code == 422
    assert client.get("/explorer", params={"view": "all"}).text.count('id="collapse"') == 1


def test_default_node_prefers_vital() -> None:
    model = bs.load(bs.example_path())
    vg = view_graph(model, compile_model(model))
    first_vital = min(f for f, fn in model.functions.items() if fn.tier == "vital")
    assert default_node(vg) == f"function:{first_vital}"
    with pytest.raises(UsageError):
        neighbourhood_payload(vg, first_vital, depth=0)
