"""The wheel, as a user installs it: built from this checkout, installed in a new virtual
environment away from the checkout, it runs ``blackstart demo`` and serves the dashboard
with its own JavaScript (no Node.js, no CDN: every script the pages load comes from the
package).

Slow (about a minute: a virtual environment and the dependencies from pip's cache), so
marked ``wheel``; ``pytest -m "not wheel"`` leaves it out.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from blackstart.web import assets

ROOT = Path(__file__).resolve().parents[1]
PORTS = range(18200, 18210)

pytestmark = pytest.mark.wheel


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip("no free port in 18200-18209")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` directory of a new venv with the wheel installed."""
    if assets.missing():
        if os.environ.get("CI"):
            pytest.fail("the dashboard's JavaScript is not installed: run make vendor")
        pytest.skip("the dashboard's JavaScript is not installed (make vendor)")
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(dist), str(ROOT)],
        check=True, cwd=tmp, timeout=600,
    )  # fmt: skip
    [wheel] = dist.glob("blackstart-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for name in assets.FILES:
        assert f"blackstart/web/static/vendor/{name}" in names
    assert any(n.startswith("blackstart/examples/hospital-group/") for n in names)
    subprocess.run([sys.executable, "-m", "venv", str(tmp / "venv")], check=True, timeout=300)
    bin_dir = tmp / "venv" / "bin"
    subprocess.run(
        [str(bin_dir / "pip"), "install", "--quiet", "--disable-pip-version-check",
         "--find-links", str(dist), str(wheel)],
        check=True, cwd=tmp, timeout=1200,
    )  # fmt: skip
    return bin_dir


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {**env, "BLACKSTART_CACHE_DIR": str(tmp / "cache"), "COLUMNS": "80"}


def test_installed_wheel_runs_the_demo(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [str(installed / "python"), "-c", "import blackstart; print(blackstart.__file__)"],
        capture_output=True, text=True, check=True, cwd=tmp_path, env=_env(tmp_path),
    )  # fmt: skip
    assert not Path(where.stdout.strip()).is_relative_to(ROOT)  # not the checkout
    demo = subprocess.run(
        [str(installed / "blackstart"), "demo"],
        capture_output=True, text=True, cwd=tmp_path, env=_env(tmp_path), timeout=600,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    assert "colo-power-cut" in demo.stdout
    assert "lab-results" in demo.stdout


def test_installed_wheel_serves_the_dashboard_offline(installed: Path, tmp_path: Path) -> None:
    port = _free_port()
    env = _env(tmp_path)
    proc = subprocess.Popen(
        [str(installed / "blackstart"), "serve", str(_example(installed, tmp_path)),
         "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                page = urllib.request.urlopen(f"{base}/explorer", timeout=5).read().decode()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(proc.stderr.read() if proc.stderr else "") from None
                time.sleep(0.5)
        scripts = re.findall(r'<script[^>]+src="([^"]+)"', page)
        assert any("cytoscape" in s for s in scripts)
        for src in scripts:
            assert src.startswith("/"), src  # from the package, never another host
            assert urllib.request.urlopen(base + src, timeout=10).status == 200
        docs = urllib.request.urlopen(f"{base}/docs", timeout=10)
        assert docs.status == 200
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    assert "not installed" not in stderr


def _example(installed: Path, tmp: Path) -> Path:
    out = subprocess.run(
        [str(installed / "python"), "-c",
         "import blackstart.api as a; print(a.example_path())"],
        capture_output=True, text=True, check=True, cwd=tmp, env=_env(tmp),
    )  # fmt: skip
    return Path(out.stdout.strip())
