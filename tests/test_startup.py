"""Start-up of the Open-PSA MEF commands: ``blackstart probability|cutsets|importance
FILE.xml`` load the fault-tree engine and numpy only, never the YAML model's stack
(scipy, numba, blackstart's pydantic models) nor the web one (fastapi).

Each check runs a fresh interpreter with ``-X importtime`` and reads which modules it
imported, and who imported them; the command's answer is checked against a hand
computation so the run is a real one.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# TOP = a OR (b AND c), p(a)=0.1, p(b)=0.2, p(c)=0.3
MEF = """<opsa-mef>
  <define-fault-tree name="T">
    <define-gate name="TOP">
      <or><basic-event name="a"/><and><basic-event name="b"/><basic-event name="c"/></and></or>
    </define-gate>
    <define-basic-event name="a"><float value="0.1"/></define-basic-event>
    <define-basic-event name="b"><float value="0.2"/></define-basic-event>
    <define-basic-event name="c"><float value="0.3"/></define-basic-event>
  </define-fault-tree>
</opsa-mef>
"""
P_TOP = 1 - (1 - 0.1) * (1 - 0.2 * 0.3)  # independent events: 0.154

HEAVY = ("scipy", "numba", "fastapi", "blackstart.api", "blackstart.model")
"""Never imported by the MEF commands (a package or any of its submodules)."""


def _imports(stderr: str) -> list[tuple[int, str]]:
    """``(depth, module)`` of every ``-X importtime`` line, in the order printed (a
    module's own imports come before it, one level deeper)."""
    rows = []
    for line in stderr.splitlines():
        if line.startswith("import time:") and not line.endswith("imported package"):
            name = line.rsplit("|", 1)[1]
            rows.append(((len(name) - len(name.lstrip()) - 1) // 2, name.strip()))
    return rows


def _top_importer(rows: list[tuple[int, str]], index: int) -> str:
    """The module imported at the top level (by the program) that pulled ``rows[index]``."""
    for depth, name in rows[index:]:
        if depth == 0:
            return name
    raise AssertionError(f"no top-level import above {rows[index][1]}")


def _matches(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _run(*args: str) -> tuple[str, list[tuple[int, str]]]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "blackstart", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, _imports(proc.stderr)


@pytest.fixture
def mef(tmp_path: Path) -> str:
    path = tmp_path / "tree.xml"
    path.write_text(MEF, "utf-8")
    return str(path)


def test_importing_the_cli_loads_no_model_web_or_pydantic() -> None:
    code = "import sys, blackstart.cli.app\nprint('\\n'.join(sorted(sys.modules)))\n"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    loaded = proc.stdout.split()
    assert "blackstart.cli.app" in loaded  # the listing is real
    assert "typer" in loaded
    wrong = [m for m in loaded for p in (*HEAVY, "pydantic") if _matches(m, p)]
    assert wrong == []


@pytest.mark.parametrize(
    "command",
    [["probability"], ["cutsets"], ["importance", "--target", "TOP"]],
    ids=["probability", "cutsets", "importance"],
)
def test_mef_commands_import_no_scipy_numba_fastapi_nor_the_model(
    mef: str, command: list[str]
) -> None:
    stdout, rows = _run(*command, mef, "--json")
    payload = json.loads(stdout)
    if command[0] == "probability":
        assert payload["targets"][0]["probability"] == pytest.approx(P_TOP, rel=1e-12)
    elif command[0] == "cutsets":
        assert sorted(payload["targets"][0]["cut_sets"]) == [["a"], ["b", "c"]]
    else:
        birnbaum = {e["event"]: e["birnbaum"] for e in payload["events"]}
        # dP/dp(a) = 1 - p(b)p(c); dP/dp(b) = (1 - p(a)) p(c)
        assert birnbaum["a"] == pytest.approx(1 - 0.2 * 0.3)
        assert birnbaum["b"] == pytest.approx(0.9 * 0.3)

    names = [name for _, name in rows]
    assert "blackstart.engine.bdd" in names  # the listing is real: the engine ran
    assert "blackstart.io.mef" in names
    wrong = [n for n in names for p in HEAVY if _matches(n, p)]
    assert wrong == []
    # pydantic comes in only with Typer's own parameter conversion (typer._adapters of
    # Typer 0.29), never through blackstart
    first = [i for i, (_, name) in enumerate(rows) if _matches(name, "pydantic")][:1]
    assert [_top_importer(rows, i) for i in first] in ([], ["typer._adapters"])


@pytest.mark.parametrize("command", ["probability", "cutsets"])
def test_small_trees_need_neither_numpy_nor_cudd(mef: str, command: str) -> None:
    """A small tree is built in the engine's own pure-Python BDD store: loading numpy and
    CUDD (about 0.2 s) would cost more than the whole analysis."""
    stdout, rows = _run(command, mef, "--json")
    target = json.loads(stdout)["targets"][0]
    if command == "probability":
        assert target["probability"] == pytest.approx(P_TOP, rel=1e-12)
    else:
        assert target["cut_set_count"] == 2
    names = [name for _, name in rows]
    assert "blackstart.engine.smallbdd" in names  # the listing is real
    assert [n for n in names if _matches(n, "numpy") or _matches(n, "dd")] == []
