"""Human output in an 80-column terminal: every command, run in a real pseudo-terminal
of 80 columns (``COLUMNS=80`` too), prints no line wider than 80 cells and cuts no name
(Rich's "…" ellipsis appears only in "… and N more"). Every id the JSON twin names is
printed whole somewhere. Piped output wraps causal chains under themselves."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from rich.cells import cell_len

from blackstart import api

EXAMPLE = str(api.example_path())
SC = ["-s", "colo-power-cut"]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
ELLIPSIS_OK = re.compile(r"… and \d+|… \d+ more|… et \d+|… \d+ étapes")

COMMANDS: dict[str, list[str]] = {
    "validate": ["validate", EXAMPLE],
    "show": ["show", EXAMPLE],
    "impact": ["impact", EXAMPLE, *SC],
    "plan": ["plan", EXAMPLE, *SC],
    "forecast": ["forecast", EXAMPLE, *SC, "--runs", "300"],
    "explain": ["explain", EXAMPLE, *SC, "--function", "lab-results"],
    "spof": ["spof", EXAMPLE],
    "concentration": ["concentration", EXAMPLE],
    "availability": ["availability", EXAMPLE],
    "improve": ["improve", EXAMPLE, "--budget", "5"],
    "cutsets": ["cutsets", EXAMPLE, "--target", "lab-results", "--limit", "5"],
    "probability": ["probability", EXAMPLE, "--target", "lab-results"],
    "importance": ["importance", EXAMPLE, "--target", "lab-results"],
    "help": ["--help"],
    "impact-help": ["impact", "--help"],
}


def in_pty(args: list[str], cols: int = 80, env: dict[str, str] | None = None) -> str:
    """stdout and stderr of ``blackstart ARGS`` in a pseudo-terminal ``cols`` wide."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes blackstart
        os.environ.update({"COLUMNS": str(cols), "LINES": "50", "TERM": "xterm", **(env or {})})
        os.execv(sys.executable, [sys.executable, "-m", "blackstart", *args])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, cols, 0, 0))
    chunks = []
    while True:
        ready, _, _ = select.select([fd], [], [], 600)
        if not ready:
            break
        try:
            data = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, b"".join(chunks).decode(errors="replace")
    text = b"".join(chunks).decode("utf-8", "replace")
    return ANSI.sub("", text).replace("\r", "")


def _fits(text: str, cols: int = 80) -> None:
    for line in text.splitlines():
        assert cell_len(line) <= cols, f"{cell_len(line)} cells: {line!r}"
        assert "…" not in ELLIPSIS_OK.sub("", line), f"a name is cut: {line!r}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_fits_80_columns(name: str, tmp_path: Path) -> None:
    text = in_pty(COMMANDS[name], env={"BLACKSTART_CACHE_DIR": str(tmp_path / "c")})
    assert text.strip()
    _fits(text)


FRENCH = ("impact", "spof", "plan", "forecast", "explain")
"""The commands whose human output is translated (blackstart.cli.lang)."""


@pytest.mark.parametrize("name", FRENCH)
def test_french_output_fits_80_columns(name: str, tmp_path: Path) -> None:
    env = {"BLACKSTART_CACHE_DIR": str(tmp_path / "c"), "LANG": "fr_FR.UTF-8", "LC_ALL": ""}
    text = in_pty(COMMANDS[name], env={**env, "BLACKSTART_LANG": ""})
    assert text.strip()
    _fits(text)


def test_demo_fits_80_columns_and_names_every_function_whole(tmp_path: Path) -> None:
    text = in_pty(["demo"], env={"BLACKSTART_CACHE_DIR": str(tmp_path / "c")})
    _fits(text)
    words = set(re.findall(r"[A-Za-z0-9][A-Za-z0-9_.\-]*", text))
    model = api.load(api.example_path())
    down = api.impact(model, scenario="colo-power-cut")
    for f in down.functions_down:  # each function down is named whole
        assert f.id in words, f.id


def test_impact_names_every_function_and_cause_whole(tmp_path: Path) -> None:
    text = in_pty([*COMMANDS["impact"], "--fail", "site:hospital-north"],
                  env={"BLACKSTART_CACHE_DIR": str(tmp_path / "c")})  # fmt: skip
    words = set(re.findall(r"[A-Za-z0-9][A-Za-z0-9_.:\-]*", text))
    payload = json.loads(
        subprocess.run(
            [sys.executable, "-m", "blackstart", *COMMANDS["impact"], "--fail",
             "site:hospital-north", "--json"],
            capture_output=True, text=True, check=True,
        ).stdout
    )  # fmt: skip
    for f in payload["functions_down"]:
        assert f["id"] in words
        for name in f["chain"]:
            assert name in words, name


def test_piped_chains_wrap_under_themselves() -> None:
    """Piped to a 60-column reader, a chain goes on under the chain, not at column 0."""
    out = subprocess.run(
        [sys.executable, "-m", "blackstart", *COMMANDS["impact"]],
        capture_output=True, text=True, check=True, env={**os.environ, "COLUMNS": "60"},
    ).stdout  # fmt: skip
    lines = out.splitlines()
    starts = [i for i, line in enumerate(lines) if line.lstrip().startswith("chain:")]
    assert starts
    indent = lines[starts[0]].index("chain:") + len("chain: ")
    wrapped = 0
    for i in starts:
        j = i + 1
        while j < len(lines) and lines[j].startswith(" " * indent) and lines[j].strip():
            wrapped += 1
            j += 1
        if j < len(lines) and lines[j].strip():
            nxt = lines[j]
            assert (
                nxt.startswith("  ")
                or nxt.isupper()
                or not nxt[0].isalnum()
                or (nxt.startswith("Still up") or nxt.startswith("Components"))
            ), nxt
    assert wrapped > 0  # some chains are longer than 60 columns, and they wrapped indented
    for line in lines:
        assert not line.startswith(("colo-", "← ")), line  # no chain text at column 0


def test_a_cold_read_of_a_large_model_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    from blackstart.generate import generate_model, write_model

    write_model(generate_model(20_000, seed=3), tmp_path / "big")  # about 3 MB of YAML
    env = {"BLACKSTART_CACHE_DIR": str(tmp_path / "c")}
    shown = in_pty(["--no-cache", "validate", str(tmp_path / "big")], env=env)
    assert re.search(r"reading \w+\.yaml", shown) and "validating" in shown
    assert "valid" in shown.splitlines()[-1]
    piped = subprocess.run(
        [sys.executable, "-m", "blackstart", "--no-cache", "validate", str(tmp_path / "big")],
        capture_output=True, text=True, check=True, env={**os.environ, **env},
    )  # fmt: skip
    assert piped.stderr == ""
    small = in_pty(["--no-cache", "validate", EXAMPLE], env=env)
    assert "reading" not in small  # small models load too fast for a display


@pytest.mark.parametrize("command", ["impact", "plan", "forecast", "sweep", "validate"])
def test_help_shows_model_and_types_but_no_bool(command: str) -> None:
    text = in_pty([command, "--help"])
    _fits(text)
    assert re.search(rf"Usage: .*blackstart {command} \[OPTIONS\] MODEL\b", text)
    assert "<bool>" not in text and "{MODEL}" not in text and "<str>" not in text
    assert "--json" in text


def test_help_paragraphs_wrap_to_the_terminal() -> None:
    """The docstring's own line breaks are gone: a sentence runs to the right edge."""
    text = in_pty(["plan", "--help"], cols=120)
    assert (
        "The recovery plan: who restarts and verifies what, when; when each function is back"
        in (text)
    )


def test_wide_shows_the_columns_a_narrow_terminal_leaves_out(tmp_path: Path) -> None:
    env = {"BLACKSTART_CACHE_DIR": str(tmp_path / "c")}
    narrow = in_pty(["impact", EXAMPLE, *SC], env=env)
    wide = in_pty(["--wide", "impact", EXAMPLE, *SC], env=env)
    header = re.compile(r"component\s+functions\s+kind\s+site\s+via")
    assert not header.search(narrow) and header.search(wide)
