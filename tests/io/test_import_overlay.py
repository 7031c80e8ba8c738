"""Imported files + a hand-written overlay form one model.

The combined example (tests/data/import/combined/) is a Backstage catalogue (descriptor
format, https://backstage.io/docs/features/software-catalog/descriptor-format/) and a
NetBox export (REST API JSON, https://netboxlabs.com/docs/netbox/en/stable/integrations/
rest-api/) joined by ``model.yaml``'s overlay. ``handwritten.yaml`` describes the same
system written by hand, independently: both must give the same impact for every site,
provider and power-feed failure. Then the overlay rules: merge, located conflicts,
unknown targets, idempotent re-import.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from blackstart import api
from blackstart.errors import ModelError
from blackstart.io.backstage import import_backstage
from blackstart.io.importing import write_document
from blackstart.io.netbox import import_netbox
from blackstart.model.load import load_model

COMBINED = Path(__file__).resolve().parent.parent / "data" / "import" / "combined"


def assemble(tmp_path: Path) -> Path:
    root = tmp_path / "model"
    (root / "imported").mkdir(parents=True)
    shutil.copy(COMBINED / "model.yaml", root / "model.yaml")
    write_document(import_backstage(COMBINED / "catalog.yaml"), root / "imported", "catalog")
    write_document(import_netbox(COMBINED / "netbox.json"), root / "imported", "netbox")
    return root / "model.yaml"


FAILURES = [
    "site:dc-a",
    "site:dc-b",
    "provider:colo-operator-a",
    "component:fa1",
    "component:fa2",
    "component:fb1",
    "component:dc-a-supply",
]


@pytest.mark.parametrize("failure", FAILURES)
def test_imported_plus_overlay_equals_the_hand_written_model(tmp_path: Path, failure: str) -> None:
    imported = load_model(assemble(tmp_path))
    by_hand = load_model(COMBINED / "handwritten.yaml")
    a = api.impact(imported, fail=[failure])
    b = api.impact(by_hand, fail=[failure])
    assert [f.id for f in a.functions_down] == [f.id for f in b.functions_down]
    assert {c.id for c in a.components_down} == {c.id for c in b.components_down}


def test_known_answers_of_the_combined_model(tmp_path: Path) -> None:
    """By hand: DC A down takes vm-lab (only on cl-a), so lab-db and lab; the patient
    record survives on ehr-db-b / vm-ehr-b in DC B. Feed FA1 alone: host-a1 keeps FA2."""
    model = load_model(assemble(tmp_path))
    assert [f.id for f in api.impact(model, fail=["site:dc-a"]).functions_down] == ["lab"]
    assert api.impact(model, fail=["site:dc-b"]).functions_down == ()
    fa1 = {c.id for c in api.impact(model, fail=["component:fa1"]).components_down}
    assert fa1 == {"fa1", "host-a2"}
    # the overlay's fields are in the model, the imported ones kept
    assert model.functions["lab"].rto == 4 * 3600
    assert model.functions["lab"].tier == "care"
    assert model.components["ehr-db-a"].kind == "database"


def test_reimport_is_idempotent_and_the_overlay_survives(tmp_path: Path) -> None:
    path = assemble(tmp_path)
    before = {p.name: p.read_bytes() for p in (path.parent / "imported").iterdir()}
    first = load_model(path)
    _, changed = write_document(
        import_netbox(COMBINED / "netbox.json"), path.parent / "imported", "netbox"
    )
    assert not changed
    assert {p.name: p.read_bytes() for p in (path.parent / "imported").iterdir()} == before
    assert load_model(path).hash == first.hash


# --------------------------------------------------------------------------- rules


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


BASE = """\
components:
  db: {kind: database, recovery: {restart: 1h, verify: 2h}}
  app: {kind: application, requires: [db], tags: [a]}
functions:
  care: {tier: care, requires: [app]}
"""


def test_overlay_merges_mappings_replaces_values_and_null_removes(tmp_path: Path) -> None:
    overlay = """\
overlay:
  components:
    db: {recovery: {restart: 30min}}
    app: {tags: [b], requires: null}
  functions:
    care: {rto: 4h, requires: [db]}
"""
    model = load_model(write(tmp_path, {"a.yaml": BASE, "b.yaml": overlay}))
    db = model.components["db"].recovery
    assert db is not None and db.restart is not None and db.verify is not None
    assert (db.restart.text(), db.verify.text()) == ("30min", "2h")
    assert model.components["app"].tags == ["b"]
    assert model.requirements["app"] is None
    assert model.functions["care"].rto == 4 * 3600


def test_overlay_of_an_unknown_id_suggests_the_close_one(tmp_path: Path) -> None:
    overlay = "overlay:\n  components:\n    dbb: {team: infra}\n"
    with pytest.raises(ModelError) as exc:
        load_model(write(tmp_path, {"a.yaml": BASE, "b.yaml": overlay}))
    (p,) = exc.value.problems
    assert (p.code, p.file, p.line, p.key) == ("unknown-overlay-target", "b.yaml", 3,
                                               "overlay.components.dbb")  # fmt: skip
    assert p.suggestion == "did you mean 'db'?"


def test_overlays_that_disagree_name_both_places(tmp_path: Path) -> None:
    one = "overlay:\n  functions:\n    care: {rto: 4h}\n"
    two = "overlay:\n  functions:\n    care: {rto: 8h}\n"
    with pytest.raises(ModelError) as exc:
        load_model(write(tmp_path, {"a.yaml": BASE, "b.yaml": one, "c.yaml": two}))
    (p,) = exc.value.problems
    assert (p.code, p.file, p.line) == ("conflict", "c.yaml", 3)
    assert "b.yaml:3" in p.message and "'4h'" in p.message and "'8h'" in p.message


def test_a_bad_value_from_the_overlay_is_located_in_the_overlay(tmp_path: Path) -> None:
    overlay = "# hand-written\noverlay:\n  functions:\n    care: {rto: 4 hours}\n"
    with pytest.raises(ModelError) as exc:
        load_model(write(tmp_path, {"a.yaml": BASE, "b.yaml": overlay}))
    (p,) = exc.value.problems
    assert (p.file, p.line, p.key) == ("b.yaml", 4, "overlay.functions.care.rto")


def test_same_definition_twice_is_no_conflict_but_a_different_one_is(tmp_path: Path) -> None:
    same = "components:\n  db: {kind: database, recovery: {restart: 1h, verify: 2h}}\n"
    assert "db" in load_model(write(tmp_path, {"a.yaml": BASE, "b.yaml": same})).components
    other = "components:\n  db: {kind: storage}\n"
    with pytest.raises(ModelError) as exc:
        load_model(write(tmp_path, {"a.yaml": BASE, "b.yaml": other}))
    (p,) = exc.value.problems
    assert p.code == "duplicate-id" and p.file == "b.yaml" and p.line == 2
    assert "a.yaml:2" in p.message
