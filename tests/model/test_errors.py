"""One invalid model file per error kind (tests/data/invalid), each with its exact
problem: code, file, 1-based line and column, dotted key, message facts, suggestion.

Lines and columns were counted by hand in the data files, not copied from output.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from blackstart.errors import ModelError, Problem, did_you_mean
from blackstart.model.load import load_data, load_model

DATA = Path(__file__).resolve().parent.parent / "data" / "invalid"


@dataclass(frozen=True)
class Expected:
    path: str
    """Relative to tests/data/invalid: what is loaded."""
    code: str
    file: str
    """The label the problem names (relative to where the model was opened)."""
    line: int | None
    column: int | None
    key: str | None
    facts: tuple[str, ...]
    """Fragments the message must contain."""
    suggestion: str | None = None
    """Fragment the suggestion must contain (``None``: no suggestion asserted)."""
    element: str | None = None


CASES = [
    Expected(
        "yaml-syntax.yaml",
        "yaml-syntax",
        "yaml-syntax.yaml",
        4,
        1,
        None,
        ("YAML syntax error", "tab"),
        "indentation",
    ),
    Expected(
        "duplicate-key.yaml",
        "duplicate-key",
        "duplicate-key.yaml",
        5,
        5,
        "components.lab-app.kind",
        ("'kind'", "twice", "line 3"),
        "remove or rename",
    ),
    Expected(
        "not-a-mapping.yaml",
        "bad-file",
        "not-a-mapping.yaml",
        1,
        1,
        None,
        ("mapping of sections", "list"),
    ),
    Expected(
        "unknown-top-level-key.yaml",
        "unknown-key",
        "unknown-top-level-key.yaml",
        2,
        1,
        "componets",
        ("unknown top-level key 'componets'",),
        "did you mean 'components'?",
    ),
    Expected(
        "section-not-mapping.yaml",
        "bad-section",
        "section-not-mapping.yaml",
        2,
        3,
        "sites",
        ("'sites'", "not be a list"),
        "one 'id: {...}' per line",
    ),
    Expected(
        "invalid-id.yaml",
        "bad-id",
        "invalid-id.yaml",
        4,
        3,
        "components.lab app",
        ("'lab app' is not a valid id", "no ':' or spaces"),
    ),
    Expected(
        "component-function-collision.yaml",
        "duplicate-id",
        "component-function-collision.yaml",
        5,
        3,
        "functions.billing",
        ("'billing'", "function", "component-function-collision.yaml:2"),
        "share one namespace",
    ),
    Expected(
        "unknown-key-entity.yaml",
        "unknown-key",
        "unknown-key-entity.yaml",
        7,
        5,
        "components.lab-app.sitee",
        ("unknown key 'sitee'",),
        "did you mean 'site'",
        "component:lab-app",
    ),
    Expected(
        "unknown-key-nested.yaml",
        "unknown-key",
        "unknown-key-nested.yaml",
        6,
        7,
        "components.lab-app.recovery.restrat",
        ("unknown key 'restrat'",),
        "did you mean 'restart'",
        "component:lab-app",
    ),
    Expected(
        "missing-required-key.yaml",
        "missing-key",
        "missing-required-key.yaml",
        3,
        5,
        "components.lab-app.kind",
        ("missing required key 'kind'",),
        "add 'kind:' to component 'lab-app'",
        "component:lab-app",
    ),
    Expected(
        "invalid-enum.yaml",
        "bad-value",
        "invalid-enum.yaml",
        3,
        11,
        "components.lab-vm.kind",
        ("'vmx' is not a valid kind", "vm", "database"),
        "did you mean 'vm'?",
        "component:lab-vm",
    ),
    Expected(
        "duration-without-unit.yaml",
        "bad-value",
        "duration-without-unit.yaml",
        5,
        13,
        "components.lab-app.failure.mtbf",
        ("2000", "no unit", "'2000h'"),
    ),
    Expected(
        "bad-duration-unit.yaml",
        "bad-value",
        "bad-duration-unit.yaml",
        5,
        16,
        "components.lab-app.recovery.restart",
        ("unknown unit 'hours'", "'3hours'"),
    ),
    Expected(
        "backwards-range.yaml",
        "bad-value",
        "backwards-range.yaml",
        5,
        16,
        "components.lab-app.recovery.restart",
        ("'4h..1h'", "backwards"),
    ),
    Expected(
        "invalid-jurisdiction.yaml",
        "bad-value",
        "invalid-jurisdiction.yaml",
        4,
        19,
        "providers.colo-co.jurisdiction",
        ("'France'", "ISO 3166-1 alpha-2", "'FR'"),
        None,
        "provider:colo-co",
    ),
    Expected(
        "invalid-timezone.yaml",
        "bad-value",
        "invalid-timezone.yaml",
        4,
        15,
        "teams.systems.timezone",
        ("unknown time zone 'Europe/Pariss'", "Europe/Paris"),
        None,
        "team:systems",
    ),
    Expected(
        "unknown-site.yaml",
        "unknown-reference",
        "unknown-site.yaml",
        7,
        11,
        "components.lab-app.site",
        ("unknown site 'dc-nort'", "'lab-app'"),
        "did you mean 'dc-north'?",
        "component:lab-app",
    ),
    Expected(
        "unknown-provider.yaml",
        "unknown-reference",
        "unknown-provider.yaml",
        7,
        15,
        "sites.dc-north.provider",
        ("unknown provider 'colo-c0'",),
        "did you mean 'colo-co'?",
        "site:dc-north",
    ),
    Expected(
        "unknown-team.yaml",
        "unknown-reference",
        "unknown-team.yaml",
        8,
        11,
        "components.lab-app.team",
        ("unknown team 'sytems'",),
        "did you mean 'systems'?",
    ),
    Expected(
        "unknown-tenant.yaml",
        "unknown-reference",
        "unknown-tenant.yaml",
        10,
        30,
        "sites.dc-north.shared_with[1]",
        ("unknown provider 'bank-crop'",),
        "did you mean 'bank-corp'?",
        "site:dc-north",
    ),
    Expected(
        "unknown-requirement.yaml",
        "unknown-reference",
        "unknown-requirement.yaml",
        6,
        16,
        "components.lab-app.requires[0]",
        ("unknown component or function 'lab-bd'",),
        "'lab-db'",
        "component:lab-app",
    ),
    Expected(
        "unknown-skill.yaml",
        "unknown-reference",
        "unknown-skill.yaml",
        11,
        14,
        "components.lab-app.recovery.skill",
        ("skill 'virtualisation'",),
        "did you mean 'virtualization'?",
        "component:lab-app",
    ),
    Expected(
        "empty-requirement-list.yaml",
        "bad-requirement",
        "empty-requirement-list.yaml",
        4,
        24,
        "components.lab-app.requires.any_of",
        ("empty list",),
        "remove the key",
    ),
    Expected(
        "at-least-too-many.yaml",
        "bad-requirement",
        "at-least-too-many.yaml",
        7,
        17,
        "components.lab-app.requires.at_least",
        ("at_least 3 of only 2", "never be met"),
        "at most 2",
    ),
    Expected(
        "at-least-zero.yaml",
        "bad-requirement",
        "at-least-zero.yaml",
        7,
        17,
        "components.lab-app.requires.at_least",
        ("at_least", "≥ 1", "not 0"),
    ),
    Expected(
        "unknown-requirement-key.yaml",
        "unknown-key",
        "unknown-requirement-key.yaml",
        7,
        16,
        "components.lab-app.requires.any_off",
        ("unknown key 'any_off'", "requirement"),
        "did you mean 'any_of'",
    ),
    Expected(
        "number-requirement.yaml",
        "bad-requirement",
        "number-requirement.yaml",
        5,
        22,
        "components.lab-app.requires[1]",
        ("int", "2024"),
        "quote names",
    ),
    Expected(
        "self-requirement.yaml",
        "cycle",
        "self-requirement.yaml",
        4,
        16,
        "components.lab-app.requires[0]",
        ("'lab-app' requires itself",),
        "remove the self-reference",
        "component:lab-app",
    ),
    Expected(
        "cycle.yaml",
        "cycle",
        "cycle.yaml",
        4,
        16,
        "components.app-a.requires[0]",
        ("dependency cycle: app-a → app-b → app-c → app-a",),
        "remove one edge",
        "component:app-a",
    ),
    Expected(
        "scenario-unknown-fail.yaml",
        "unknown-reference",
        "scenario-unknown-fail.yaml",
        7,
        12,
        "scenarios.outage.fail[0]",
        ("unknown site 'dc-nort'",),
        "did you mean 'dc-north'?",
        "scenario:outage",
    ),
    Expected(
        "scenario-bad-ref.yaml",
        "bad-reference",
        "scenario-bad-ref.yaml",
        7,
        12,
        "scenarios.outage.fail[0]",
        ("'dc-north' is not a reference", "site:NAME"),
        None,
        "scenario:outage",
    ),
    Expected(
        "scenario-function-fail.yaml",
        "bad-reference",
        "scenario-function-fail.yaml",
        11,
        12,
        "scenarios.outage.fail[0]",
        ("'function:lab-results'", "only sites, providers and components can fail"),
        "fail what the function requires",
        "scenario:outage",
    ),
    Expected(
        "scenario-no-timezone.yaml",
        "missing-timezone",
        "scenario-no-timezone.yaml",
        5,
        12,
        "scenarios.outage.start",
        ("'outage'", "no time zone"),
        "timezone: Europe/Paris",
        "scenario:outage",
    ),
    Expected(
        "missing-include/model.yaml",
        "bad-include",
        "model.yaml",
        3,
        5,
        "include[0]",
        ("include 'sites.yaml' matches no file",),
        "did you mean 'site.yaml'",
    ),
    Expected(
        "not-utf8.yaml",
        "encoding",
        "not-utf8.yaml",
        5,
        None,
        None,
        ("not UTF-8", "byte 105"),
        "save the file as UTF-8",
    ),
    Expected(
        "json-syntax.json",
        "json-syntax",
        "json-syntax.json",
        3,
        39,
        None,
        ("JSON syntax error", "property name"),
        None,
    ),
]


def problems_of(path: Path) -> tuple[Problem, ...]:
    with pytest.raises(ModelError) as info:
        load_model(path)
    return info.value.problems


@pytest.mark.parametrize("case", CASES, ids=[c.path for c in CASES])
def test_one_problem_per_error_kind(case: Expected) -> None:
    problems = problems_of(DATA / case.path)
    assert len(problems) == 1, [str(p) for p in problems]
    [p] = problems
    assert p.code == case.code
    assert p.file == case.file
    assert (p.line, p.column) == (case.line, case.column)
    assert p.key == case.key
    for fact in case.facts:
        assert fact in p.message, (fact, p.message)
    if case.suggestion is not None:
        assert p.suggestion is not None and case.suggestion in p.suggestion
    if case.element is not None:
        assert p.element == case.element
    # the one-line rendering is file:line[:col]: message
    where = f"{case.file}:{case.line}" + (f":{case.column}" if case.column else "")
    assert str(p).startswith(where + ": ")


def test_every_invalid_file_has_a_case() -> None:
    covered = {c.path.split("/")[0] for c in CASES} | {"duplicate-id", "four-problems.yaml"}
    on_disk = {p.name for p in DATA.iterdir()}
    assert on_disk == covered


def test_duplicate_id_across_two_files_names_both_locations() -> None:
    [p] = problems_of(DATA / "duplicate-id")
    assert p.code == "duplicate-id"
    # files load in sorted order: a.yaml defines lab-db first (line 2), b.yaml again (line 5)
    assert (p.file, p.line, p.column) == ("b.yaml", 5, 3)
    assert p.key == "components.lab-db"
    assert p.element == "component:lab-db"
    assert "'lab-db'" in p.message
    assert "a.yaml:2" in p.message
    assert p.suggestion is not None and "rename" in p.suggestion


def test_all_problems_are_reported_at_once_sorted_by_line() -> None:
    problems = problems_of(DATA / "four-problems.yaml")
    assert [(p.code, p.line, p.key) for p in problems] == [
        ("bad-value", 3, "sites.dc-north.kind"),
        ("unknown-reference", 8, "components.lab-app.requires[0]"),
        ("unknown-key", 11, "components.lab-db.colour"),
        ("bad-value", 14, "components.lab-vm.failure.mttr"),
    ]
    assert problems[0].suggestion == "did you mean 'datacenter'?"
    assert "'lab-bd'" in problems[1].message
    assert "'colour'" in problems[2].message
    assert "no unit" in problems[3].message
    assert all(p.file == "four-problems.yaml" for p in problems)


def test_model_error_message_lists_every_problem() -> None:
    with pytest.raises(ModelError) as info:
        load_model(DATA / "four-problems.yaml")
    text = str(info.value)
    assert text.startswith("4 problems in the model")
    for line in (3, 8, 11, 14):
        assert f"four-problems.yaml:{line}:" in text


def test_missing_path_is_a_model_error(tmp_path: Path) -> None:
    (tmp_path / "model.yaml").write_text("components: {}\n")
    with pytest.raises(ModelError) as info:
        load_model(tmp_path / "modle.yaml")
    [p] = info.value.problems
    assert p.code == "not-found"
    assert p.suggestion == "did you mean 'model.yaml'?"


# --------------------------------------------------------------------------- YAML dialect


def _write(tmp_path: Path, text: str, name: str = "model.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def test_yaml_12_booleans_keep_country_codes_and_times_as_text(tmp_path: Path) -> None:
    model = load_model(
        _write(
            tmp_path,
            """
providers:
  nordic-cloud: {kind: cloud, jurisdiction: NO, name: yes}
  swiss-co: {kind: other, jurisdiction: CH, name: off}
teams:
  ops:
    skills: [on, y]
    weekday: {hours: 08:00-18:00, people: 2}
""",
        )
    )
    assert model.providers["nordic-cloud"].jurisdiction == "NO"
    assert model.providers["nordic-cloud"].name == "yes"
    assert model.providers["swiss-co"].name == "off"
    assert model.teams["ops"].skills == ["on", "y"]
    assert model.teams["ops"].weekday.hours == "08:00-18:00"


def test_yaml_integers_and_booleans_are_typed(tmp_path: Path) -> None:
    model = load_model(
        _write(
            tmp_path,
            """
components:
  a: {kind: database}
  b: {kind: database}
  c: {kind: database}
  app: {kind: application, requires: {at_least: 2, of: [a, b, c]}}
functions:
  f: {tier: vital, patient_safety: true, requires: [app]}
""",
        )
    )
    req = model.requirements["app"]
    assert getattr(req, "k", None) == 2
    assert model.functions["f"].patient_safety is True


def test_merge_keys(tmp_path: Path) -> None:
    model = load_model(
        _write(
            tmp_path,
            """
components:
  esx-1: &esx {kind: compute, site: dc, team: systems, tags: [esx]}
  esx-2:
    <<: *esx
    tags: [esx, spare]
  esx-3: {<<: *esx, site: dc2}
sites:
  dc: {kind: datacenter}
  dc2: {kind: datacenter}
teams:
  systems: {skills: [virtualization], weekday: {people: 3}}
""",
        )
    )
    assert model.components["esx-2"].kind == "compute"
    assert model.components["esx-2"].site == "dc"
    assert model.components["esx-2"].tags == ["esx", "spare"]  # explicit key wins
    assert model.components["esx-3"].site == "dc2"
    assert model.components["esx-3"].team == "systems"


def test_json_model_file_loads(tmp_path: Path) -> None:
    model = load_model(
        _write(
            tmp_path,
            """{
  "sites": {"dc": {"kind": "datacenter"}},
  "components": {"app": {"kind": "application", "site": "dc"}}
}""",
            "model.json",
        )
    )
    assert model.components["app"].site == "dc"


def test_json_duplicate_key(tmp_path: Path) -> None:
    path = _write(
        tmp_path, '{"components": {"a": {"kind": "vm"}, "a": {"kind": "vm"}}}', "model.json"
    )
    codes = [p.code for p in problems_of(path)]
    assert codes == ["duplicate-key"]


def test_model_timezone_covers_scenarios(tmp_path: Path) -> None:
    model = load_model(
        _write(
            tmp_path,
            """
timezone: Europe/Paris
sites:
  dc: {kind: datacenter}
scenarios:
  outage: {start: 2024-08-03T11:00, fail: [site:dc], duration: 90min}
""",
        )
    )
    assert model.scenario_start("outage").utcoffset() == timedelta(hours=2)  # CEST
    assert model.scenarios["outage"].duration == 5400.0


def test_load_data_reports_problems_with_memory_label() -> None:
    with pytest.raises(ModelError) as info:
        load_data({"components": {"app": {"kind": "application", "site": "nowhere"}}})
    [p] = info.value.problems
    assert p.code == "unknown-reference"
    assert p.file == "<memory>"
    assert p.line is None
    assert p.key == "components.app.site"


# --------------------------------------------------------------------------- helpers


def test_did_you_mean() -> None:
    assert did_you_mean("COMPONENTS", ["components", "sites"]) == "did you mean 'components'?"
    assert did_you_mean("restrat", ["boot", "restart"]) == "did you mean 'restart'?"
    assert did_you_mean("zzz", ["boot", "restart"]) is None


def test_problem_where_and_dict() -> None:
    p = Problem(
        "cycle", "loop", file="m.yaml", line=3, column=7, key="components.a", suggestion="fix it"
    )
    assert p.where == "m.yaml:3:7"
    assert Problem("x", "y").where == "<input>"
    assert str(p) == "m.yaml:3:7: loop [components.a] — fix it"
    assert p.to_dict()["line"] == 3


def test_float_duration_without_unit(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "sites:\n  dc: {kind: datacenter}\nscenarios:\n  cut:\n"
        "    start: 2024-08-03T11:00+02:00\n    fail: [site:dc]\n    duration: 3.5\n",
    )
    [p] = problems_of(path)
    assert (p.code, p.line, p.key) == ("bad-value", 7, "scenarios.cut.duration")
    assert "no unit" in p.message
