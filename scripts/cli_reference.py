"""Write docs/cli.md from the real ``--help`` of every command, so it cannot drift.

Run ``python scripts/cli_reference.py`` (``make docs``); ``tests/test_docs.py`` fails when
the committed file differs from what this script renders.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from typer.main import get_command
from typer.testing import CliRunner

from blackstart.cli import app

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def render() -> str:
    """The Markdown reference: the top-level help, then each command's help."""
    runner = CliRunner()
    env = {**os.environ, "COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1"}
    parts = [
        "# Command-line reference",
        "",
        "Generated from `--help` by `scripts/cli_reference.py`; do not edit by hand.",
        "",
    ]
    top = runner.invoke(app, ["--help"], env=env, terminal_width=100)
    parts += ["## blackstart", "", "```text", top.output.rstrip(), "```", ""]

    def walk(command: click.Command, path: list[str]) -> None:
        """Each command's help, then its sub-commands' (``import backstage``...)."""
        for name in sorted(getattr(command, "commands", {})):
            sub = command.commands[name]  # type: ignore[attr-defined]
            res = runner.invoke(app, [*path, name, "--help"], env=env, terminal_width=100)
            title = " ".join(["blackstart", *path, name])
            parts.extend([f"## {title}", "", "```text", res.output.rstrip(), "```", ""])
            walk(sub, [*path, name])

    walk(get_command(app), [])
    return "\n".join(line.rstrip() for line in "\n".join(parts).splitlines()) + "\n"


if __name__ == "__main__":
    DOC.write_text(render(), "utf-8")
    sys.stdout.write(f"wrote {DOC}\n")
