"""The console entry point's fast path for ``probability``, ``cutsets`` and
``importance`` (``blackstart.cli.fast``) behaves as the Typer commands do.

- its options are the Typer commands' (names, kinds, defaults, bounds, required);
- through the real entry point, with and without the fast path
  (``BLACKSTART_NO_FAST_PATH``), every answer and every error is the same;
- ``--help`` and malformed arguments go to Typer;
- a plain ``blackstart probability FILE.xml`` never imports Typer, pydantic, nor Rich
  with ``--json``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from blackstart.cli.app import app
from blackstart.cli.fast import OPTIONS, parse

# TOP = a OR (b AND NOT c): 0.1 + 0.9 · 0.2 · 0.7
MEF = """<opsa-mef>
  <define-fault-tree name="T">
    <define-gate name="TOP">
      <or><basic-event name="a"/><and><basic-event name="b"/>
        <not><basic-event name="c"/></not></and></or>
    </define-gate>
    <define-gate name="OTHER"><and><basic-event name="a"/><basic-event name="c"/></and>
    </define-gate>
    <define-basic-event name="a"><float value="0.1"/></define-basic-event>
    <define-basic-event name="b"><float value="0.2"/></define-basic-event>
    <define-basic-event name="c"><float value="0.3"/></define-basic-event>
  </define-fault-tree>
</opsa-mef>
"""
P_TOP = 0.1 + 0.9 * 0.2 * 0.7


@pytest.fixture
def mef(tmp_path: Path) -> str:
    f = tmp_path / "t.xml"
    f.write_text(MEF, "utf-8")
    return str(f)


def _click_command(name: str) -> Any:
    """The command as Typer builds it (Typer 0.29 vendors Click as ``typer._click``)."""
    group: Any = typer.main.get_command(app)
    return group.commands[name]


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_fast_options_are_the_typer_commands_options(name: str) -> None:
    params = [p for p in _click_command(name).params if p.param_type_name == "option"]
    typer_opts = {tuple(sorted(p.opts)): p for p in params if p.name != "help"}
    fast_opts = {tuple(sorted(o.names)): o for o in OPTIONS[name]}
    assert set(typer_opts) == set(fast_opts)
    for names, o in fast_opts.items():
        p = typer_opts[names]
        annotation = p.type_descriptor.annotation
        kind = {bool: "flag", int: "int", int | None: "int", str: "str"}.get(annotation, "list")
        assert (p.name, kind, p.required, p.min) == (o.dest, o.kind, o.required, o.minimum)
        assert p.multiple == (o.kind == "list")
        if not p.multiple:
            assert p.default == o.default


def test_parse_reads_plain_arguments_and_leaves_the_rest_to_typer() -> None:
    got = parse("cutsets", ["a.xml", "b.xml", "-t", "T", "--target=U", "--max-order", "3",
                            "--prime-implicants", "--json"])  # fmt: skip
    assert got is not None
    assert got["model"] == ["a.xml", "b.xml"] and got["target"] == ["T", "U"]
    assert got["max_order"] == 3 and got["prime_implicants"] and got["as_json"]
    assert got["limit"] == 20 and got["method"] == "auto"
    for args in (["a.xml", "--help"], ["a.xml", "--max-order", "0"], ["a.xml", "--limit", "x"],
                 ["a.xml", "--nope"], [], ["a.xml", "--max-order"], ["a.xml", "--json=1"],
                 ["a.xml", "-tT"]):  # fmt: skip
        assert parse("cutsets", args) is None, args
    assert parse("importance", ["a.xml"]) is None  # --target is required


def _run(*args: str, fast: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "BLACKSTART_NO_FAST_PATH"}
    env["COLUMNS"] = "100"
    if not fast:
        env["BLACKSTART_NO_FAST_PATH"] = "1"
    code = "import sys; from blackstart.cli import main; sys.argv[0] = 'blackstart'; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, timeout=120)  # fmt: skip


CASES = [
    ("probability", "{mef}", "--json"),
    ("probability", "{mef}", "--approximations"),
    ("probability", "{mef}", "-t", "OTHER", "--target", "TOP"),
    ("cutsets", "{mef}"),
    ("cutsets", "{mef}", "--json", "--limit", "1"),
    ("cutsets", "{mef}", "--prime-implicants", "--json"),
    ("cutsets", "{mef}", "--prime-implicants", "--budget", "1"),
    ("cutsets", "{mef}", "--method", "zbdd", "--max-order", "2"),
    ("importance", "{mef}", "-t", "TOP"),
    ("importance", "{mef}", "-t", "NOPE", "--json"),
    ("probability", "{mef}", "--target", "NOPE"),
    ("probability", "/nonexistent/x.xml"),
    ("probability", "{mef}", "--help"),
    ("cutsets", "{mef}", "--max-order", "0"),
]


@pytest.mark.parametrize("case", CASES, ids=[" ".join(c) for c in CASES])
def test_fast_path_and_typer_give_the_same_answer(case: tuple[str, ...], mef: str) -> None:
    args = [a.format(mef=mef) for a in case]
    fast, slow = _run(*args), _run(*args, fast=False)
    assert (fast.returncode, fast.stdout, fast.stderr) == (slow.returncode, slow.stdout,
                                                          slow.stderr)  # fmt: skip
    assert "Traceback" not in fast.stderr


def test_answers_are_right(mef: str) -> None:
    out = json.loads(_run("probability", mef, "--json", "-t", "TOP").stdout)
    assert out["targets"][0]["probability"] == pytest.approx(P_TOP, rel=1e-12)
    assert set(out["targets"][0]) == {"id", "probability"}  # no cut set built
    cuts = json.loads(_run("cutsets", mef, "--json", "-t", "TOP").stdout)["targets"][0]
    # minimal solutions: {a}, {b} (c working); prime implicants: {a}, {b, ~c}
    assert cuts["kind"] == "minimal solutions" and cuts["cut_sets"] == [["a"], ["b"]]
    pis = json.loads(_run("cutsets", mef, "--json", "-t", "TOP", "--prime-implicants").stdout)
    t = pis["targets"][0]
    assert (t["kind"], t["cut_set_count"], t["cut_sets"]) == ("prime implicants", 2, [])
    out_of_reach = _run("cutsets", mef, "-t", "TOP", "--prime-implicants", "--budget", "1")
    assert out_of_reach.returncode == 1
    assert "out of reach" in out_of_reach.stderr and "--budget" in out_of_reach.stderr


def _imported(*args: str) -> set[str]:
    env = dict(os.environ, COLUMNS="100")
    env.pop("BLACKSTART_NO_FAST_PATH", None)
    code = "import sys; from blackstart.cli import main; sys.argv[0] = 'blackstart'; main()"
    res = subprocess.run([sys.executable, "-X", "importtime", "-c", code, *args],
                         capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert res.returncode == 0, res.stderr[-2000:]
    return {line.rsplit("|", 1)[1].strip() for line in res.stderr.splitlines()
            if line.startswith("import time:")}  # fmt: skip


def test_the_fast_path_imports_neither_typer_nor_pydantic(mef: str) -> None:
    tops = {m.split(".")[0] for m in _imported("probability", mef, "--json")}
    assert not tops & {"typer", "click", "pydantic", "rich"}, tops & {"typer", "rich"}
    tops = {m.split(".")[0] for m in _imported("probability", mef)}
    assert "rich" in tops  # the table
    assert not tops & {"typer", "click", "pydantic"}
