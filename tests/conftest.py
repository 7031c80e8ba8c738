"""Fixtures every test folder may use: a real PostgreSQL server, Chromium's launch
arguments for Playwright, and the published reference models."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.postgres import fresh_database, postgres_server

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parent.parent
OPENPSA = (
    Path(os.environ.get("BLACKSTART_VALIDATION", REPO / ".." / "shared" / "validation")) / "openpsa"
)
"""Public reference fault trees with published results (never copied into the project)."""


@pytest.fixture
def openpsa() -> Path:
    """The reference models' folder. Without it a test is skipped on a developer's machine
    and fails under CI (``CI`` set), as PostgreSQL and Chromium do: a green CI must have
    checked the published values."""
    if not OPENPSA.is_dir():
        reason = f"reference models not found at {OPENPSA} (set BLACKSTART_VALIDATION)"
        if os.environ.get("CI"):
            pytest.fail(reason + "; under CI the published-value tests must run")
        pytest.skip(reason)
    return OPENPSA


# The compiled-model cache of the command line goes to a directory of the test session,
# never to the user's own cache (processes started by tests inherit it).
if "BLACKSTART_CACHE_DIR" not in os.environ:
    os.environ["BLACKSTART_CACHE_DIR"] = tempfile.mkdtemp(prefix="blackstart-cache-")
    atexit.register(shutil.rmtree, os.environ["BLACKSTART_CACHE_DIR"], ignore_errors=True)

# The command line speaks English in the tests whatever the developer's locale (LANG=fr_FR
# would give French human output, blackstart.cli.lang); the French tests ask for it.
os.environ.setdefault("BLACKSTART_LANG", "en")


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """One throwaway PostgreSQL server for the whole session (see ``tests/postgres.py``)."""
    with postgres_server() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server_url: str) -> str:
    """An empty database of its own on the session's PostgreSQL server."""
    return fresh_database(postgres_server_url)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's chromium, never a downloaded browser; flags keep it off the network.

    Without ``--disable-background-networking`` and friends Chromium keeps trying hosts
    this network refuses (``../shared/STACK.md``). Skips (or fails under CI) when absent.
    """
    if not CHROMIUM.exists():
        reason = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason + " — .ci/run should have installed it")
        pytest.skip(reason)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }
