"""Write docs/cli.md from the real ``--help`` of every command, so it cannot drift.

Run ``python scripts/cli_reference.py`` (``make docs``); ``tests/test_docs.py`` fails when
the committed file differs from what this script renders.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

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
    group = get_command(app)
    for name in sorted(group.commands):  # type: ignore[attr-defined]
        res = runner.invoke(app, [name, "--help"], env=env, terminal_width=100)
        parts += [f"## blackstart {name}", "", "```text", res.output.rstrip(), "```", ""]
    return "\n".join(line.rstrip() for line in "\n".join(parts).splitlines()) + "\n"


if __name__ == "__main__":
    DOC.write_text(render(), "utf-8")
    sys.stdout.write(f"wrote {DOC}\n")
