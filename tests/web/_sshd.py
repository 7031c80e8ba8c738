"""A real OpenSSH server for the tests: ``sshd -D`` on 127.0.0.1 with a throwaway host key,
one authorized key made for the test, and the internal SFTP server.

Ports come from this test area's range (18180-18189). When ``/usr/sbin/sshd`` is missing
the test is skipped, except under CI (``CI`` set), where that is a failure: `.ci/run`
installs openssh-server.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

SSHD = "/usr/sbin/sshd"
PORTS = range(18180, 18190)


@dataclass(frozen=True)
class Sshd:
    port: int
    user: str
    identity: Path
    known_hosts: Path

    def url(self, path: Path | str) -> str:
        return (
            f"sftp://{self.user}@127.0.0.1:{self.port}{path}"
            f"?identity={self.identity}&known_hosts={self.known_hosts}"
        )


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def require_sshd() -> None:
    why = None
    if not os.path.exists(SSHD) or shutil.which("ssh-keygen") is None:
        why = "OpenSSH server missing (apt-get install openssh-server)"
    elif os.geteuid() != 0:
        why = "sshd needs root here (privilege separation)"
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"under CI: {why}")
        pytest.skip(why)


@contextmanager
def sshd(tmp: Path) -> Iterator[Sshd]:
    """Start sshd (as root); stop it on exit."""
    require_sshd()
    keys = tmp / "keys"
    keys.mkdir(parents=True)
    for name in ("host", "client"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / name)], check=True
        )
    authorized = keys / "authorized_keys"
    authorized.write_text((keys / "client.pub").read_text())
    port = _free_port()
    known = keys / "known_hosts"
    known.write_text(f"[127.0.0.1]:{port} {(keys / 'host.pub').read_text()}")
    config = tmp / "sshd_config"
    config.write_text(
        "\n".join(
            [
                "ListenAddress 127.0.0.1",
                f"HostKey {keys / 'host'}",
                f"AuthorizedKeysFile {authorized}",
                f"PidFile {tmp / 'sshd.pid'}",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "StrictModes no",
                "UsePAM no",
                "Subsystem sftp internal-sftp",
                "",
            ]
        )
    )
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation directory
    log = tmp / "sshd.log"
    proc = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(config), "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"sshd exited: {log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("sshd did not listen")
        yield Sshd(port, getpass.getuser(), keys / "client", known)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
