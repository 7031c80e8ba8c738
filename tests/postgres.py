"""A throwaway PostgreSQL server for the tests: ``initdb`` into a temporary folder, started
on a free loopback port, stopped and deleted at the end of the session.

The binaries come from Debian's ``postgresql`` package (``.ci/run`` installs it). ``initdb``
refuses to run as root, so as root the server runs as the ``postgres`` user (``runuser``),
as ``../shared/STACK.md`` describes. Where no binaries exist the fixture skips with the
reason; under CI (``CI`` set) it fails instead, so a missing install step cannot hide.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a fresh server and yield its SQLAlchemy URL (``postgresql+psycopg://``)."""
    bindir = _bindir()
    if bindir is None:
        reason = "PostgreSQL binaries not found (apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(reason + " — .ci/run should have installed them")
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="blackstart-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, log = root / "data", root / "log"
    port = _free_port()
    initdb = [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]
    subprocess.run(
        _as_postgres([*initdb, "-E", "UTF8", "--no-locale"]),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    start = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o", options, "start"]
    subprocess.run(
        _as_postgres(start),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


_counter = iter(range(1_000_000))


def fresh_database(server_url: str) -> str:
    """Create an empty database on the server and return its URL (one per test)."""
    from sqlalchemy import create_engine, text

    name = f"t{os.getpid()}_{next(_counter)}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name
