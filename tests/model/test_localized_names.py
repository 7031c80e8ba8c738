"""Function names per language (``name: {fr: …, en: …}``) or plain text, everywhere a
name is shown; the public status page shows the one of its language."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import blackstart.api as bs
from blackstart.errors import ModelError
from blackstart.model.schema import Function

MODEL = """\
name: tiny
timezone: Europe/Paris
sites:
  dc-a: {{kind: datacenter}}
components:
  power-a: {{kind: power, site: dc-a}}
  lis: {{kind: application, site: dc-a, requires: [power-a]}}
functions:
  lab-results:
    tier: care
    requires: [lis]
    name: {name}
  billing: {{tier: administrative, requires: [lis], name: Facturation}}
"""


def _load(tmp_path: Path, name: str) -> object:
    path = tmp_path / "model.yaml"
    path.write_text(MODEL.format(name=name))
    return bs.load(path)


def test_a_mapping_and_a_plain_string_both_load(tmp_path: Path) -> None:
    model = _load(tmp_path, "{fr: Résultats de biologie, en: Lab results}")
    fn = model.functions["lab-results"]  # type: ignore[attr-defined]
    assert fn.name == "Résultats de biologie"  # the default name, shown everywhere
    assert fn.name_in("en") == "Lab results" and fn.name_in("fr") == "Résultats de biologie"
    plain = model.functions["billing"]  # type: ignore[attr-defined]
    assert (
        plain.name == "Facturation" and plain.names == {} and plain.name_in("en") == "Facturation"
    )
    # shown by the CLI as a string, as before
    report = bs.impact(model, fail=["site:dc-a"]).to_dict()  # type: ignore[arg-type]
    names = {f["id"]: f.get("name") for f in report["functions_down"]}
    assert names["lab-results"] == "Résultats de biologie"


def test_english_only_name_is_the_default(tmp_path: Path) -> None:
    model = _load(tmp_path, "{en: Lab results}")
    assert model.functions["lab-results"].name == "Lab results"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("{de: Laborergebnisse}", "unknown language 'de'"),
        ("{}", "non-empty text"),
        ("{fr: ''}", "non-empty text"),
    ],
)
def test_bad_localized_names_are_reported_with_the_file_and_line(
    tmp_path: Path, name: str, message: str
) -> None:
    with pytest.raises(ModelError) as info:
        _load(tmp_path, name)
    (problem,) = info.value.problems
    assert message in problem.message
    assert problem.file and problem.file.endswith("model.yaml") and problem.line is not None


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1).filter(
    lambda s: s.strip() != ""
)


@given(fr=st.none() | text, en=st.none() | text)
@settings(max_examples=60, deadline=None)
def test_name_in_falls_back_to_the_default(fr: str | None, en: str | None) -> None:
    given_names = {k: v for k, v in (("fr", fr), ("en", en)) if v is not None}
    if not given_names:
        return
    fn = Function.model_validate({"tier": "care", "name": given_names})
    default = (fr or en or "").strip()
    assert fn.name == default
    for lang in ("fr", "en", "de"):
        expected = given_names.get(lang)
        assert fn.name_in(lang) == (expected.strip() if expected is not None else default)
