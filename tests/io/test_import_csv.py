"""The CSV importer on a hospital's business impact analysis sheets (173 rows), the
empty templates, and bad sheets located at file, line and column.

CSV as in RFC 4180 (https://www.rfc-editor.org/rfc/rfc4180: header row, comma
separators, quoted cells), read with Python's csv module; the columns are blackstart's
own (``blackstart template csv``), documented in docs/import.md.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from blackstart.cli.app import app
from blackstart.errors import ModelError, Problem
from blackstart.io.csv_import import import_csv
from blackstart.io.csv_templates import TEMPLATES
from blackstart.model.load import load_data

DATA = Path(__file__).resolve().parent.parent / "data" / "import" / "csv"


def rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_fixture_is_large_enough() -> None:
    assert sum(len(rows(n)) for n in TEMPLATES if (DATA / n).exists()) >= 100


def test_sheets_become_a_valid_model() -> None:
    doc = import_csv(DATA).document
    model = load_data(doc)
    assert set(model.components) == {r["id"] for r in rows("components.csv")}
    assert set(model.functions) == {r["id"] for r in rows("functions.csv")}
    assert set(model.teams) == {r["id"] for r in rows("teams.csv")}


def test_dependency_groups_are_alternatives() -> None:
    doc = import_csv(DATA).document
    hosts = [r["requires"] for r in rows("dependencies.csv") if r["id"] == "ehr-app" and r["group"]]
    assert len(hosts) == 2
    assert doc["components"]["ehr-app"]["requires"] == ["ehr-db", {"any_of": hosts}]
    assert doc["components"]["lis-app"]["requires"] == ["lis-db", "lis-vm-colo"]


def test_function_and_team_columns() -> None:
    doc = import_csv(DATA).document
    assert doc["functions"]["lis-use"] == {
        "tier": "care",
        "name": "Use of lis",
        "rto": "4h",
        "rpo": "1h",
        "patient_safety": True,
        "degraded_mode": {"procedure": "phone results", "holds_for": "72h"},
        "owner": "Medical board",
        "requires": ["lis-app"],
    }
    assert doc["teams"]["infra"] == {
        "name": "Infrastructure",
        "skills": ["storage", "network", "vmware"],
        "weekday": {"people": 5},
        "weekend": {"on_call": 1},
        "night": {"on_call": 1},
    }
    assert doc["components"]["ehr-db"]["recovery"]["restart_fails"] == 0.1


def test_templates_are_written_and_documented(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["template", "csv", str(tmp_path / "t")])
    assert res.exit_code == 0, res.output
    for name, cols in TEMPLATES.items():
        header = (tmp_path / "t" / name).read_text().strip()
        assert header == ",".join(c.name for c in cols)
    readme = (tmp_path / "t" / "README.md").read_text()
    assert "| weekday_people * |" in readme
    # empty templates import to an empty, valid model
    assert import_csv(tmp_path / "t").document == {}


# --------------------------------------------------------------------------- errors


def problems(tmp_path: Path, name: str, text: str) -> list[Problem]:
    d = tmp_path / "sheets"
    shutil.copytree(DATA, d)
    (d / name).write_text(text)
    with pytest.raises(ModelError) as exc:
        import_csv(d)
    return list(exc.value.problems)


def test_missing_column(tmp_path: Path) -> None:
    found = problems(tmp_path, "teams.csv", "id,skill,weekday_people\ninfra,storage,2\n")
    p = next(x for x in found if x.code == "missing-column")
    assert (p.file, p.line, p.key) == ("teams.csv", 1, "skills")
    assert (p.suggestion or "").startswith("did you mean 'skill'?")


def test_bad_kind_suggests_one(tmp_path: Path) -> None:
    text = (DATA / "components.csv").read_text().replace("power-colo,power", "power-colo,powr", 1)
    (p,) = problems(tmp_path, "components.csv", text)
    assert (p.file, p.line, p.key) == ("components.csv", 2, "kind")
    assert p.suggestion == "did you mean 'power'?"


def test_unknown_dependency(tmp_path: Path) -> None:
    text = (DATA / "dependencies.csv").read_text() + "ehr-app,ehr-dbb,,\n"
    n = len(text.splitlines())
    (p,) = problems(tmp_path, "dependencies.csv", text)
    assert (p.file, p.line, p.key) == ("dependencies.csv", n, "requires")
    assert (p.suggestion or "").startswith("did you mean 'ehr-db'")


def test_bad_duration(tmp_path: Path) -> None:
    text = (DATA / "functions.csv").read_text().replace(",2h,", ",2 hours,", 1)
    found = problems(tmp_path, "functions.csv", text)
    assert [(p.file, p.line, p.key) for p in found] == [("functions.csv", 2, "rto")]


def test_at_least_above_the_group(tmp_path: Path) -> None:
    text = (
        (DATA / "dependencies.csv")
        .read_text()
        .replace("ehr-app,ehr-vm-colo,hosts,", "ehr-app,ehr-vm-colo,hosts,3")
    )
    (p,) = problems(tmp_path, "dependencies.csv", text)
    assert p.key == "at_least" and p.suggestion == "write a number from 1 to 2"


def test_unknown_site(tmp_path: Path) -> None:
    text = (DATA / "components.csv").read_text().replace(",dc-colo,", ",dc-kolo,", 1)
    (p,) = problems(tmp_path, "components.csv", text)
    assert (p.line, p.key) == (2, "site")
    assert (p.suggestion or "").startswith("did you mean 'dc-colo'")
