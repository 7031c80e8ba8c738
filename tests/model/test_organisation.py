"""The model's ``organisation`` (public status page) and functions' ``public_name``."""

from __future__ import annotations

from pathlib import Path

import pytest

from blackstart.errors import ModelError
from blackstart.model.load import load_data, load_model

FUNCS = {
    "functions": {"lab": {"tier": "care", "name": "LIS (lab app)", "public_name": "Lab results"}}
}


def test_organisation_and_public_name_are_read() -> None:
    m = load_data(
        {"name": "x", "organisation": {"name": "General Hospital", "helpline": "5555"}, **FUNCS}
    )
    assert m.organisation is not None
    assert (m.organisation.name, m.organisation.helpline) == ("General Hospital", "5555")
    assert m.organisation.instructions is None
    assert m.functions["lab"].public_name == "Lab results"
    assert load_data({"name": "x"}).organisation is None


def test_bad_organisation_names_file_line_and_key(tmp_path: Path) -> None:
    f = tmp_path / "model.yaml"
    f.write_text("name: x\norganisation:\n  helpline: '5555'\n  phone: 1\n")
    with pytest.raises(ModelError) as info:
        load_model(f)
    problems = {(p.key, p.line) for p in info.value.problems}
    assert "organisation.name" in {k for k, _ in problems}
    assert any(k == "organisation.phone" and line == 4 for k, line in problems)
