"""One invalid model per error of places of delivery: code, line, key, message facts and
suggestion (lines counted by hand in the texts below)."""

from __future__ import annotations

from pathlib import Path

import pytest

from blackstart.errors import ModelError
from blackstart.model.load import load_model

HEAD = """\
sites:
  hospital-a: {kind: hospital}
  hospital-b: {kind: hospital}
components:
  hospital-a-lan: {kind: network, site: hospital-a}
  hospital-b-lan: {kind: network, site: hospital-b}
functions:
"""

CASES = {
    "unknown-site": (
        "  lab:\n    tier: care\n    delivered_at: [hospital-a, hospital-c]\n",
        ("unknown-reference", 10, "functions.lab.delivered_at[1]"),
        ("unknown site 'hospital-c'",),
        "'hospital-a'?",
    ),
    "kind-with-no-site": (
        "  lab:\n    tier: care\n    delivered_at: {kind: office}\n",
        ("unknown-reference", 10, "functions.lab.delivered_at.kind"),
        ("every site of kind 'office'", "none"),
        "kinds in the model: hospital",
    ),
    "placeholder-without-places": (
        "  lab:\n    tier: care\n    requires: ['{place}-lan']\n",
        ("bad-requirement", 10, "functions.lab.requires[0]"),
        ("'{place}-lan'", "no places of delivery"),
        "add delivered_at",
    ),
    "unresolved-at-one-place": (
        "  lab:\n    tier: care\n    delivered_at: {kind: hospital}\n    requires: '{place}-lab'\n",
        ("unknown-reference", 11, "functions.lab.requires"),
        ("at place 'hospital-a'", "'hospital-a-lab'"),
        "did you mean 'hospital-a-lan'",
    ),
    "placeholder-in-component": (
        "  lab: {tier: care}\n",
        ("bad-requirement", 7, "components.x.requires[0]"),
        ("component 'x'", "only for the requires of a function"),
        "name the component itself",
    ),
    "placeholder-unquoted": (
        "  lab:\n    tier: care\n    delivered_at: [hospital-a]\n    requires:\n      - {place}\n",
        ("unknown-key", 12, "functions.lab.requires[0].place"),
        ("unknown key 'place'",),
        "quote a name holding the place placeholder",
    ),
    "bad-selector-key": (
        "  lab:\n    tier: care\n    delivered_at: {kinds: hospital}\n",
        ("unknown-key", 10, "functions.lab.delivered_at.selector.kinds"),
        ("unknown key 'kinds'",),
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_places_errors(tmp_path: Path, case: str) -> None:
    tail, (code, line, key), facts, suggestion = CASES[case]
    text = HEAD + tail
    if case == "placeholder-in-component":
        text = text.replace(
            "functions:\n", "  x: {kind: other, requires: ['{place}-lan']}\nfunctions:\n"
        )
    f = tmp_path / "m.yaml"
    f.write_text(text, "utf-8")
    with pytest.raises(ModelError) as err:
        load_model(f)
    problems = err.value.problems
    if case == "unresolved-at-one-place":  # one problem per place where it does not resolve
        assert [q.message.split("at place ")[1][:12] for q in problems] == [
            "'hospital-a'",
            "'hospital-b'",
        ]
    p = next(q for q in problems if q.code == code)
    assert (p.code, p.line) == (code, line), p
    assert p.key == key, p
    for fact in facts:
        assert fact in p.message, p.message
    if suggestion is not None:
        assert suggestion in (p.suggestion or ""), p.suggestion
