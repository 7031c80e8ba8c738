"""The README's exit-code rule, command by command: 0 ok, 1 a model or input error (a
missing or empty model file, a scenario, site or function the model does not have), 2 a
command-line usage error (an unknown option, a missing one). Never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from blackstart import api
from blackstart.cli.app import app

EXAMPLE = str(api.example_path())
SC = ["-s", "colo-power-cut"]

# command -> arguments after the model that make it run (or fail only on the model)
MODEL_COMMANDS: dict[str, list[str]] = {
    "validate": [],
    "show": [],
    "impact": ["--fail", "site:colo-paris"],
    "plan": SC,
    "forecast": [*SC, "--runs", "50"],
    "explain": [*SC, "--function", "lab-results"],
    "spof": [],
    "concentration": [],
    "availability": [],
    "improve": ["--budget", "1"],
    "cutsets": [],
    "probability": [],
    "importance": ["--target", "lab-results"],
    "sweep": ["--over", "site", "--durations", "1h", "--starts", "Sat 11:00", "--runs", "5"],
}

# an input the model does not have: exit 1 with the message
UNKNOWN: list[tuple[str, list[str], str]] = [
    ("impact", ["--scenario", "colo-power-cutt"], "no scenario 'colo-power-cutt'"),
    ("impact", ["--fail", "site:nowhere"], "no site 'nowhere'"),
    ("impact", ["--fail", "provider:nobody"], "no provider 'nobody'"),
    ("plan", ["-s", "nope"], "nope"),
    ("forecast", ["-s", "nope", "--runs", "10"], "nope"),
    ("explain", [*SC, "--function", "lab-result"], "no function 'lab-result'"),
    ("importance", ["--target", "lab-result"], "lab-result"),
    ("cutsets", ["--target", "lab-result"], "lab-result"),
    ("sweep", ["--incident", "nope", "--runs", "5"], "nope"),
]


def _run(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


def _check(result: object, code: int, fragment: str = "") -> None:
    assert result.exit_code == code, result.output  # type: ignore[attr-defined]
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
    text = " ".join(result.output.split())  # type: ignore[attr-defined]
    assert fragment in text, text


@pytest.mark.parametrize("command", sorted(MODEL_COMMANDS))
def test_missing_model_is_exit_1(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "nothing.yaml"
    extra = MODEL_COMMANDS[command]
    db = ["--db", str(tmp_path / "s.db")] if command == "sweep" else []
    _check(_run(command, str(missing), *extra, *db), 1, "nothing.yaml")


@pytest.mark.parametrize("command", sorted(MODEL_COMMANDS))
def test_empty_model_file_is_exit_1_naming_it(command: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing yet\n", "utf-8")
    extra = MODEL_COMMANDS[command]
    db = ["--db", str(tmp_path / "s.db")] if command == "sweep" else []
    _check(_run(command, str(empty), *extra, *db), 1, "empty.yaml is empty")


@pytest.mark.parametrize("command", sorted(MODEL_COMMANDS))
def test_unknown_option_is_exit_2(command: str) -> None:
    _check(_run(command, EXAMPLE, "--no-such-option"), 2, "No such option")


@pytest.mark.parametrize(("command", "extra", "fragment"), UNKNOWN)
def test_what_the_model_does_not_have_is_exit_1(
    command: str, extra: list[str], fragment: str, tmp_path: Path
) -> None:
    db = ["--db", str(tmp_path / "s.db")] if command == "sweep" else []
    _check(_run(command, EXAMPLE, *extra, *db), 1, fragment)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["plan", EXAMPLE], "Missing option '--scenario'"),
        (["impact", EXAMPLE], "--fail"),
        (["generate", "-n", "100", "-k", "3", "-o", "x"], "at least --components 150"),
        (["forecast", EXAMPLE, *SC, "--runs", "0"], "--runs"),
        (["export", EXAMPLE], "Missing option"),
        (["frobnicate"], "No such command"),
    ],
)
def test_command_line_usage_is_exit_2(args: list[str], fragment: str) -> None:
    _check(_run(*args), 2, fragment)


def test_empty_file_inside_a_directory_names_it(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("components:\n  a: {kind: compute}\n", "utf-8")
    (tmp_path / "b.yaml").write_text("", "utf-8")
    result = _run("validate", str(tmp_path))
    _check(result, 1, "b.yaml is empty")
    assert "a.yaml" not in result.output.replace("a.yaml is", "")  # type: ignore[attr-defined]


def test_sweep_db_takes_a_plain_path(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "results.db"
    result = _run("sweep", EXAMPLE, *MODEL_COMMANDS["sweep"], "--db", str(db), "--json")
    _check(result, 0)
    assert db.is_file() and db.stat().st_size > 0


def test_sweep_default_store_is_the_user_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import platformdirs

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    result = _run("sweep", EXAMPLE, *MODEL_COMMANDS["sweep"], "--json")
    _check(result, 0)
    assert list(tmp_path.glob("*.db")) == []  # nothing left in the working directory
    store = Path(platformdirs.user_data_dir("blackstart", appauthor=False)) / "sweeps.db"
    assert store.is_file() and store.is_relative_to(tmp_path / "data")
