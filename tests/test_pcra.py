"""``blackstart pcra``: the plan's figures are the CLI's figures, every section is in the
.docx and the .html, the .html renders in Chromium with no request to any host, the
exercise history comes from the store, and bad requests exit with a message."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from blackstart import api
from blackstart.cli import app
from blackstart.report.pcra import pcra_data
from blackstart.report.pcra_text import TEXT

MODEL = """
name: Small hospital
timezone: Europe/Paris
providers:
  colo-op: {kind: colocation, jurisdiction: FR}
sites:
  dc-a: {kind: colocation, provider: colo-op}
  dc-b: {kind: datacenter}
  hosp: {kind: hospital}
components:
  power-a: {kind: power, site: dc-a}
  power-b: {kind: power, site: dc-b}
  san-a: {kind: storage, site: dc-a, requires: [power-a], team: infra,
          recovery: {restart: 1h..2h, verify: 30min..1h, skill: storage}}
  vm-lab: {kind: vm, site: dc-a, requires: [san-a], team: infra}
  db-lab: {kind: database, site: dc-a, requires: [san-a], team: apps,
           recovery: {restart: 30min, data_check: 1h..3h, verify: 1h, skill: apps}}
  lab-app: {kind: application, requires: [vm-lab, db-lab], team: apps,
            recovery: {restart: 20min, verify: 1h..2h, skill: apps}}
  mail-a: {kind: messaging, site: dc-a, requires: [power-a], team: infra}
  mail-b: {kind: messaging, site: dc-b, requires: [power-b], team: infra}
  ward-net: {kind: network, site: hosp}
functions:
  lab-results:
    tier: care
    name: Résultats de biologie
    requires: [lab-app, ward-net]
    rto: 4h
    mtpd: 48h
    rpo: 15min
    patient_safety: true
    owner: Biologie
    degraded_mode: {procedure: Résultats par téléphone, holds_for: 24h}
  messaging:
    tier: administrative
    requires: [{any_of: [mail-a, mail-b]}]
    rto: 24h
teams:
  infra: {skills: [storage, systems], contact: "+33 1 00 00 00 01",
          weekday: {hours: "08:00-18:00", people: 2}, weekend: {on_call: 1}}
  apps: {skills: [apps], contact: astreinte-apps@example.org,
         weekday: {hours: "08:00-18:00", people: 2}, weekend: {on_call: 1}}
scenarios:
  dc-a-cut: {start: "2026-03-07T11:00", fail: [site:dc-a], duration: 3h}
  hosp-net: {start: "2026-03-09T10:00", fail: [component:ward-net], duration: 2h}
"""
RUNS = 300


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("pcra")
    (d / "model.yaml").write_text(MODEL, "utf-8")
    return d


def cli_json(*args: str) -> Any:
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_every_figure_is_the_clis(model_dir: Path) -> None:
    data = pcra_data(api.load(model_dir), "lab-results", runs=RUNS, seed=3)
    by_id = {s["id"]: s for s in data["forecast"]["scenarios"]}
    for sid in ("dc-a-cut", "hosp-net"):
        fc = cli_json("forecast", str(model_dir), "-s", sid, "--runs", str(RUNS), "--seed", "3")
        row = next(f for f in fc["functions"] if f["id"] == "lab-results")
        mine = by_id[sid]
        assert mine["down"] and (mine["p50"], mine["p80"], mine["p95"]) == (
            row["p50"],
            row["p80"],
            row["p95"],
        )
        assert mine["rto_breach_probability"] == row["rto_breach_probability"]
        plan = cli_json("plan", str(model_dir), "-s", sid)
        prow = next(f for f in plan["functions"] if f["id"] == "lab-results")
        assert mine["plan_restored_after_s"] == prow["restored_after_s"]
        assert mine["critical_path"] == prow["critical_path"]
    spof = cli_json("spof", str(model_dir))
    srow = next(f for f in spof["functions"] if f["id"] == "lab-results")
    assert data["dependencies"]["single_points_of_failure"] == srow["single_points_of_failure"]
    assert "site:dc-a" in srow["single_points_of_failure"]


def test_bia_figures_match_the_workbook(model_dir: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    data = pcra_data(api.load(model_dir), "lab-results", runs=RUNS)
    out = tmp_path / "bia.xlsx"
    assert CliRunner().invoke(app, ["export", str(model_dir), "-o", str(out)]).exit_code == 0
    ws = load_workbook(out)["BIA"]
    head = [c.value for c in ws[1]]
    row = next(
        dict(zip(head, (c.value for c in r), strict=True))
        for r in ws.iter_rows(min_row=2)
        if r[0].value == "lab-results"
    )
    for col in ("RTO (h)", "MTPD (h)", "RPO (h)", "Holds for (h)", "Tier"):
        assert data["bia"][col] == row[col]
    assert (row["RTO (h)"], row["MTPD (h)"], row["RPO (h)"]) == (4, 48, 0.25)
    # impacts over time, from the objectives: 24 h exceeds the RTO and exhausts nothing yet
    at = {i["after_s"]: i["states"] for i in data["bia"]["impacts"]}
    assert at[4 * 3600] == ["imp_ok"]
    assert at[24 * 3600] == ["imp_rto"]
    assert at[72 * 3600] == ["imp_rto", "imp_degraded", "imp_mtpd"]


def test_dependencies_recovery_and_place(model_dir: Path) -> None:
    m = api.load(model_dir)
    data = pcra_data(m, "lab-results", place="hosp", runs=RUNS)
    layers = {
        lay["layer"]: [i["id"] for i in lay["items"]] for lay in data["dependencies"]["layers"]
    }
    assert layers["application"] == ["lab-app"]
    assert layers["data"] == ["db-lab", "san-a"] and layers["compute"] == ["vm-lab"]
    assert layers["facilities"] == ["power-a"] and layers["network"] == ["ward-net"]
    assert set(layers["sites"]) == {"dc-a", "hosp"} and layers["providers"] == ["colo-op"]
    assert data["place"]["down_if_lost"] is True
    assert data["place"]["dependencies_here"] == ["ward-net"]
    assert pcra_data(m, "messaging", place="dc-a", runs=RUNS)["place"]["down_if_lost"] is False
    rec = data["recovery"]
    assert rec["scenario"] == "dc-a-cut"
    comps = {s["component"] for s in rec["steps"]}
    assert comps <= {"power-a", "san-a", "vm-lab", "db-lab", "lab-app", "ward-net"}
    assert {"san-a", "db-lab", "lab-app"} <= comps
    contacts = {s["team"]: s["contact"] for s in rec["steps"] if s["team"]}
    assert contacts == {"infra": "+33 1 00 00 00 01", "apps": "astreinte-apps@example.org"}
    assert data["degraded"]["covers_rto"] is True
    gaps = {g["gap"] for g in data["gaps"]}
    assert "gap_spof" in gaps and "gap_missing" not in gaps


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_docx_holds_every_section(model_dir: Path, tmp_path: Path, lang: str) -> None:
    from docx import Document

    out = tmp_path / "plan.docx"
    r = CliRunner().invoke(
        app,
        [
            "pcra",
            str(model_dir),
            "-f",
            "lab-results",
            "-o",
            str(out),
            "--lang",
            lang,
            "--runs",
            str(RUNS),
        ],
    )
    assert r.exit_code == 0, r.output
    doc = Document(str(out))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    t = TEXT[lang]
    for key in (
        "s_scope",
        "s_bia",
        "s_deps",
        "s_degraded",
        "s_recovery",
        "s_forecast",
        "s_gaps",
        "s_tests",
        "s_signoff",
    ):
        assert t[key] in headings
    cells = {c.text for table in doc.tables for row in table.rows for c in row.cells}
    assert "Résultats de biologie" in cells and "astreinte-apps@example.org" in cells
    assert t["r_continuity"] in cells


def test_html_renders_in_chromium_without_any_request(
    model_dir: Path, tmp_path: Path, page: Any
) -> None:
    out = tmp_path / "plan.html"
    r = CliRunner().invoke(
        app, ["pcra", str(model_dir), "-f", "lab-results", "-o", str(out), "--runs", str(RUNS)]
    )
    assert r.exit_code == 0, r.output
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    page.goto(out.as_uri())
    h2 = page.locator("h2").all_inner_texts()
    assert h2 == [
        TEXT["fr"][k]
        for k in (
            "s_scope",
            "s_bia",
            "s_deps",
            "s_degraded",
            "s_recovery",
            "s_forecast",
            "s_gaps",
            "s_tests",
            "s_signoff",
        )
    ]
    assert requests == [out.as_uri()]


def test_all_writes_plans_index_and_bia(model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "plans"
    r = CliRunner().invoke(
        app, ["pcra", str(model_dir), "--all", "-o", str(out), "--runs", str(RUNS)]
    )
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "bia.xlsx",
        "index.html",
        "pcra-lab-results.docx",
        "pcra-lab-results.html",
        "pcra-messaging.docx",
        "pcra-messaging.html",
    ]
    assert 'href="pcra-lab-results.html"' in (out / "index.html").read_text()


def test_exercise_history_comes_from_the_store(model_dir: Path, tmp_path: Path) -> None:
    from blackstart.store import open_store
    from blackstart.store.incidents import IncidentStore

    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = IncidentStore(open_store(url))
    m = api.load(model_dir)
    start = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    row = store.create_incident(
        by="olga",
        title="Exercice coupure DC A",
        scenario="dc-a-cut",
        fail=["site:dc-a"],
        start_at=start,
        failure_end_at=None,
        drill=True,
        clock="simulated",
        sim_now=start,
        model_hash=m.hash,
        plan={"functions": [{"id": "lab-results", "was_down": True}]},
    )
    store.close(
        row.id,
        at=start,
        user="olga",
        review={
            "exercise_report": {
                "rto": [
                    {
                        "function": "lab-results",
                        "restored_at": "2026-01-15T17:00:00+00:00",
                        "rto_met": False,
                    }
                ],
                "gaps": ["Résultats de biologie missed its RTO (4 h)"],
            }
        },
    )
    store.create_incident(
        by="olga",
        title="Vraie panne",
        scenario=None,
        fail=["component:ward-net"],
        start_at=start,
        failure_end_at=None,
        drill=False,
        clock="real",
        sim_now=None,
        model_hash=m.hash,
        plan={"functions": []},
    )
    out = tmp_path / "plan.html"
    r = CliRunner().invoke(
        app,
        [
            "pcra",
            str(model_dir),
            "-f",
            "lab-results",
            "-o",
            str(out),
            "--db",
            url,
            "--runs",
            str(RUNS),
        ],
    )
    assert r.exit_code == 0, r.output
    html = out.read_text()
    assert "Exercice coupure DC A" in html and "Vraie panne" not in html
    assert "missed its RTO" in html
    no_db = pcra_data(m, "lab-results", runs=RUNS)
    assert no_db["tests"]["history"] is None


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["-f", "lab-result", "-o", "x.html"], 1, "lab-results"),
        (["-f", "lab-results", "--place", "hosp-x", "-o", "x.html"], 1, "hosp"),
        (["-f", "lab-results", "-o", "x.pdf"], 1, ".docx"),
        (["-o", "x.html"], 2, "--function"),
        (["-f", "lab-results", "--all", "-o", "d"], 2, "not both"),
    ],
)
def test_bad_requests(
    model_dir: Path, tmp_path: Path, args: list[str], code: int, text: str
) -> None:
    args = [str(tmp_path / a) if a.startswith(("x.", "d")) and len(a) < 7 else a for a in args]
    r = CliRunner().invoke(app, ["pcra", str(model_dir), *args])
    assert r.exit_code == code
    assert text in r.output
