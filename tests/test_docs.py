"""Docs that cannot drift: the committed CLI reference equals the one rendered from --help."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _render() -> str:
    spec = importlib.util.spec_from_file_location(
        "cli_reference", ROOT / "scripts" / "cli_reference.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text: str = module.render()
    return text


def test_cli_reference_is_current() -> None:
    committed = (ROOT / "docs" / "cli.md").read_text("utf-8")
    assert committed == _render(), "docs/cli.md is stale: run `make docs`"


def test_cli_reference_lists_every_command() -> None:
    text = _render()
    for command in ("validate", "show", "impact", "schema", "generate", "demo"):
        assert f"## blackstart {command}" in text


def test_readme_console_example_is_real_output() -> None:
    """Every line of the README's console example appears in the command's real output."""
    import re

    from typer.testing import CliRunner

    from blackstart.cli import app

    readme = (ROOT / "README.md").read_text("utf-8")
    block = re.search(r"```console\n\$ blackstart (.+?)\n(.*?)```", readme, re.S)
    assert block, "the README has no console example"
    args = block.group(1).split()
    res = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    output = " ".join(res.stdout.split())
    for line in block.group(2).splitlines():
        if line.strip() and line.strip() != "…":
            assert " ".join(line.split()) in output, line
