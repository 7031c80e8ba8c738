"""A real dashboard: uvicorn on a free loopback port in a background thread, a real
SQLite file, and an httpx client against it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

import blackstart.api as bs
from blackstart.model.model import Model
from blackstart.web import create_app
from blackstart.web.security import server_config

START_TIMEOUT_S = 10.0
LIFETIME_S = 120.0
"""A server stops by itself after this long, whatever the test does."""


@contextmanager
def serve(app: FastAPI) -> Iterator[httpx.Client]:
    """Run ``app`` under uvicorn on 127.0.0.1 (a free port) and yield a client for it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = server_config(app, host="127.0.0.1", port=port, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    watchdog = threading.Timer(LIFETIME_S, lambda: setattr(server, "should_exit", True))
    watchdog.daemon = True
    thread.start()
    watchdog.start()
    try:
        deadline = threading.Event()
        for _ in range(int(START_TIMEOUT_S / 0.02)):
            if server.started or not thread.is_alive():
                break
            deadline.wait(0.02)
        assert server.started, "uvicorn did not start"
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30.0) as client:
            yield client
    finally:
        server.should_exit = True
        watchdog.cancel()
        thread.join(timeout=10)
        sock.close()
        assert not thread.is_alive(), "uvicorn did not stop"


def db_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store") / "dashboard.db"


@pytest.fixture(scope="module")
def client(db_file: Path) -> Iterator[httpx.Client]:
    """One server on the example model for a whole test module."""
    with serve(create_app(bs.example_path(), db_url(db_file))) as c:
        yield c


@pytest.fixture(scope="session")
def live() -> Callable[[FastAPI], AbstractContextManager[httpx.Client]]:
    """``with live(app) as client:`` runs ``app`` for real (see :func:`serve`)."""
    return serve


@pytest.fixture(scope="session")
def model() -> Model:
    return bs.load(bs.example_path())
