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
