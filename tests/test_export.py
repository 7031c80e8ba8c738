"""``blackstart export``: GraphML read back by networkx, DOT, the BIA workbook reopened with
openpyxl, the model as one JSON document, and MEF read back by the MEF importer.

Expected counts and single points of failure of the combined example's hand-written
model (tests/data/import/combined/handwritten.yaml) are derived by hand in comments.
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
from openpyxl import load_workbook
from typer.testing import CliRunner

from blackstart import api
from blackstart.cli.app import app
from blackstart.engine.cutsets import minimal_cut_sets
from blackstart.io.mef import read_mef
from blackstart.io.mef_export import gate_names, mef_name, write_mef
from blackstart.model.faulttree import model_fault_tree
from blackstart.model.load import load_data, load_model
from blackstart.report.bia import COLUMNS, write_bia
from blackstart.report.graph_export import model_graph, to_dot, to_graphml

HAND = Path(__file__).resolve().parent / "data" / "import" / "combined" / "handwritten.yaml"

# Nodes: 1 provider, 2 sites, 22 components, 2 functions, 4 gates (host-a1 any_of feeds,
# cl-a any_of hosts, ehr-service's two any_of). Edges: 32 "requires" (one per reference,
# plus one into each gate), 16 "hosted_at" (the power chain, hosts, clusters and VMs),
# 1 "operated_by" (dc-a by colo-operator-a).
NODES, EDGES = 1 + 2 + 22 + 2 + 4, 32 + 16 + 1


def test_graphml_parses_with_networkx(tmp_path: Path) -> None:
    path = tmp_path / "g.graphml"
    path.write_text(to_graphml(model_graph(load_model(HAND))))
    g = nx.read_graphml(path)
    assert g.is_directed()
    assert (g.number_of_nodes(), g.number_of_edges()) == (NODES, EDGES)
    assert g.nodes["function:ehr"] == {"type": "function", "tier": "vital", "name": "ehr"}
    gate = next(v for v in g.successors("component:host-a1") if v.startswith("gate:"))
    assert g.nodes[gate]["op"] == "any_of" and g.nodes[gate]["k"] == 1
    assert set(g.successors(gate)) == {"component:fa1", "component:fa2"}
    assert g.edges["component:fa1", "site:dc-a"]["relation"] == "hosted_at"
    assert g.edges["site:dc-a", "provider:colo-operator-a"]["relation"] == "operated_by"
    assert set(g.successors("function:lab")) == {"component:lab-app"}


def test_dot_has_every_node_and_edge() -> None:
    text = to_dot(model_graph(load_model(HAND)))
    assert text.startswith('digraph "Combined example, by hand" {')
    assert text.count(" -> ") == EDGES
    assert '"component:host-a1" [label="host-a1", shape=box];' in text
    assert '"function:ehr" [label="ehr (vital)", shape=ellipse];' in text


def test_bia_workbook_reopens_with_one_row_per_function(tmp_path: Path) -> None:
    path = tmp_path / "bia.xlsx"
    assert write_bia(load_model(HAND), path) == 2
    ws = load_workbook(path)["BIA"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == [c for c, _ in COLUMNS]
    ehr, lab = (dict(zip(rows[0], r, strict=True)) for r in rows[1:])
    assert (ehr["Function"], ehr["Tier"], ehr["RTO (h)"]) == ("ehr", "vital", 2)
    assert ehr["MTPD (h)"] is None and ehr["Dependencies"] == "ehr-portal"
    # ehr survives any one failure below its service (two databases, two VMs in two DCs)
    assert ehr["Single points of failure"] == "component:ehr-portal, component:ehr-service"
    # lab: its app, database and VM; cluster cl-a; the service it calls; and DC A itself:
    # site, operator, and the one supply feeding both panels (so both feeds, both hosts)
    assert lab["Single points of failure"] == (
        "provider:colo-operator-a, site:dc-a, component:cl-a, component:dc-a-supply, "
        "component:ehr-service, component:lab-app, component:lab-db, component:vm-lab"
    )
    assert lab["RTO (h)"] == 4


def test_bia_degraded_mode_mtpd_and_rpo() -> None:
    from blackstart.report.bia import bia_rows

    model = load_data(
        {
            "components": {"db-a": {"kind": "database"}, "db-b": {"kind": "database"}},
            "functions": {
                "lab": {
                    "tier": "care",
                    "requires": {"any_of": ["db-a", "db-b"]},
                    "rto": "4h",
                    "mtpd": "2d",
                    "rpo": "30min",
                    "degraded_mode": {"procedure": "phone", "holds_for": "3h"},
                }
            },
        }
    )
    (row,) = bia_rows(model)
    assert (row["MTPD (h)"], row["RPO (h)"], row["Holds for (h)"]) == (48, 0.5, 3)
    assert row["Covers RTO"] == "no"  # holds 3 h < RTO 4 h
    assert row["Dependencies"] == "any of (db-a, db-b)"
    assert row["Single points of failure"] == ""


def test_json_export_is_the_same_model(tmp_path: Path) -> None:
    out = tmp_path / "model.json"
    res = CliRunner().invoke(app, ["export", str(api.example_path()), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "include" not in json.loads(out.read_text())
    again, original = load_model(out), api.load(api.example_path())
    assert again.hash == original.hash
    assert again.components == original.components


def test_mef_round_trips_through_the_mef_importer(tmp_path: Path) -> None:
    model = api.load(api.example_path())
    tree, _ = model_fault_tree(model, api.compile_model(model))
    path = tmp_path / "model.xml"
    write_mef(tree, path)
    back = read_mef([path])
    names = gate_names(tree)
    back_index = {g.name: i for i, g in enumerate(back.gates)}
    assert {names[t] for t in tree.tops} <= set(back_index)
    for top in tree.tops:
        ours = {
            frozenset(mef_name(tree.events[e]) for e in s)
            for s in minimal_cut_sets(tree, top, max_order=2).sets()
        }
        theirs = {
            frozenset(back.events[e] for e in s)
            for s in minimal_cut_sets(back, back_index[names[top]], max_order=2).sets()
        }
        assert ours == theirs, names[top]


def test_cli_format_from_the_suffix_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["export", str(HAND), "-o", str(tmp_path / "g.graphml")])
    assert res.exit_code == 0 and f"wrote {NODES} nodes and {EDGES} edges" in res.output
    res = runner.invoke(app, ["export", str(HAND), "-o", str(tmp_path / "g.x"), "--format", "dot"])
    assert res.exit_code == 0 and (tmp_path / "g.x").read_text().startswith("digraph")
    res = runner.invoke(app, ["export", str(tmp_path / "nope"), "-o", str(tmp_path / "a.json")])
    assert res.exit_code == 1
