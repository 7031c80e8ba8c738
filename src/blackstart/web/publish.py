"""Where the off-site status snapshot goes, and how it gets there atomically.

A target is a directory path, an S3-compatible bucket ``s3://bucket/prefix``
(:mod:`.publish_s3`), or ``sftp://user@host[:port]/path`` (options in the query:
``identity=FILE`` the private key, ``known_hosts=FILE`` the host keys to trust; by default
the user's keys and ``~/.ssh/known_hosts``; an unknown host key is refused). A reader of
the target never sees a half-written file: in a directory, the files are written into a
temporary directory beside them, flushed, then each moved into place with
``os.replace``; over SFTP, each file is uploaded under a temporary name in the target
directory and moved into place with OpenSSH's ``posix-rename`` (atomic replace).

:class:`Publisher` republishes in a background thread whenever it is told something
changed (coalescing bursts); a failure is logged and never reaches the request that
caused it. Owns the targets and the transfer; not what the files contain
(:mod:`.status_public`).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from blackstart.errors import BlackstartError, UsageError
from blackstart.web.board import IncidentService
from blackstart.web.publish_s3 import S3Target, upload

log = logging.getLogger("blackstart.publish")
Files = Mapping[str, bytes]


@dataclass(frozen=True)
class DirectoryTarget:
    path: Path

    def __str__(self) -> str:
        return str(self.path)


@dataclass(frozen=True)
class SftpTarget:
    user: str
    host: str
    port: int
    path: str
    identity: str | None = None
    known_hosts: str | None = None

    def __str__(self) -> str:  # no key file in logs
        return f"sftp://{self.user}@{self.host}:{self.port}{self.path}"


Target = DirectoryTarget | SftpTarget | S3Target


class PublishError(BlackstartError):
    """The snapshot could not be written to its target (unreachable, refused, no space)."""

    def __init__(self, message: str, *, suggestion: str | None = None) -> None:
        self.message, self.suggestion = message, suggestion
        super().__init__(message + (f" — {suggestion}" if suggestion else ""))


def parse_target(text: str) -> Target:
    """A directory path or an ``sftp://`` URL; a :class:`UsageError` otherwise."""
    if "://" not in text:
        if not text.strip():
            raise UsageError(
                "--to: empty target", suggestion="a directory or sftp://user@host/path"
            )
        return DirectoryTarget(Path(text).expanduser())
    parts = urlsplit(text)
    if parts.scheme == "s3":
        return _s3_target(text)
    if parts.scheme != "sftp":
        raise UsageError(
            f"--to: unsupported target scheme '{parts.scheme}'",
            suggestion="a directory path, sftp://user@host:port/path or s3://bucket/prefix",
        )
    if not parts.hostname or not parts.username or not parts.path.startswith("/"):
        raise UsageError(
            f"--to: incomplete SFTP target {text!r}", suggestion="sftp://user@host:port/path"
        )
    try:
        port = parts.port or 22
    except ValueError:
        raise UsageError(f"--to: bad port in {text!r}", suggestion="1 to 65535") from None
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = sorted(set(query) - {"identity", "known_hosts"})
    if unknown:
        raise UsageError(
            f"--to: unknown option '{unknown[0]}'", suggestion="identity=FILE or known_hosts=FILE"
        )
    return SftpTarget(
        user=unquote(parts.username),
        host=parts.hostname,
        port=port,
        path=unquote(parts.path),
        identity=query.get("identity"),
        known_hosts=query.get("known_hosts"),
    )


def _s3_target(text: str) -> S3Target:
    parts = urlsplit(text)
    bucket = parts.netloc
    if not re.fullmatch(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]", bucket):
        raise UsageError(
            f"--to: not an S3 bucket name in {text!r}",
            suggestion="s3://bucket/prefix (3 to 63 lower-case letters, digits, dots, dashes)",
        )
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = sorted(set(query) - {"endpoint", "region"})
    if unknown:
        raise UsageError(
            f"--to: unknown option '{unknown[0]}'", suggestion="endpoint=URL or region=NAME"
        )
    endpoint = query.get("endpoint")
    if endpoint is not None and urlsplit(endpoint).scheme not in ("http", "https"):
        raise UsageError(
            f"--to: endpoint is not an HTTP URL: {endpoint!r}",
            suggestion="endpoint=https://s3.example.org",
        )
    try:
        import boto3  # noqa: F401
    except ImportError:
        raise UsageError(
            "--to s3://: boto3 is not installed", suggestion="pip install 'blackstart[s3]'"
        ) from None
    return S3Target(bucket, unquote(parts.path).strip("/"), endpoint, query.get("region"))


def publish(files: Files, target: Target) -> None:
    """Write ``files`` (name → content) to ``target``, each replaced atomically."""
    if isinstance(target, DirectoryTarget):
        _to_directory(files, target.path)
    elif isinstance(target, S3Target):
        upload(files, target)
    else:
        _to_sftp(files, target)


def _to_directory(files: Files, path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".publish-", dir=path))
    except OSError as exc:
        raise PublishError(f"cannot publish to {path}: {exc.strerror}") from None
    try:
        for name, content in files.items():
            with open(tmp / name, "wb") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp / name, 0o644)
        for name in files:
            os.replace(tmp / name, path / name)
    finally:
        for leftover in tmp.iterdir():
            leftover.unlink()
        tmp.rmdir()


def _to_sftp(files: Files, target: SftpTarget) -> None:
    import paramiko

    client = paramiko.SSHClient()
    client.load_system_host_keys()
    if target.known_hosts:
        client.load_host_keys(target.known_hosts)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        client.connect(
            target.host,
            port=target.port,
            username=target.user,
            key_filename=target.identity,
            timeout=10,
            banner_timeout=10,
            auth_timeout=10,
            allow_agent=target.identity is None,
            look_for_keys=target.identity is None,
        )
        sftp = client.open_sftp()
        try:
            _mkdirs(sftp, target.path)
            for name, content in files.items():
                final = f"{target.path.rstrip('/')}/{name}"
                tmp = f"{target.path.rstrip('/')}/.{name}.{secrets.token_hex(4)}.tmp"
                with sftp.open(tmp, "wb") as fh:
                    fh.write(content)
                sftp.chmod(tmp, 0o644)
                sftp.posix_rename(tmp, final)
        finally:
            sftp.close()
    except (paramiko.SSHException, OSError) as exc:
        raise PublishError(
            f"cannot publish to {target}: {exc}",
            suggestion="check the host, port, user, key (identity=FILE) and known_hosts=FILE",
        ) from None
    finally:
        client.close()


def _mkdirs(sftp: object, path: str) -> None:
    current = ""
    for part in [p for p in path.split("/") if p]:
        current += "/" + part
        try:
            sftp.stat(current)  # type: ignore[attr-defined]
        except FileNotFoundError:
            sftp.mkdir(current)  # type: ignore[attr-defined]


class Publisher:
    """Republishes ``render()`` to ``target`` in a background thread after each
    :meth:`changed` (several changes in a burst give one publication)."""

    def __init__(self, target: Target, render: Callable[[], Files]) -> None:
        self.target, self.render = target, render
        self.requested = self.published = self.failures = 0
        self._cond = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="status-publisher", daemon=True)
        self._thread.start()

    def changed(self) -> None:
        with self._cond:
            self.requested += 1
            self._cond.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every change so far is published (or failed); whether it was."""
        with self._cond:
            goal = self.requested
            return self._cond.wait_for(lambda: self.published >= goal, timeout)

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stop or self.requested > self.published)
                if self._stop:
                    return
                goal = self.requested
            try:
                publish(self.render(), self.target)
            except Exception as exc:  # a failed publication never breaks the board
                self.failures += 1
                log.warning("status publication to %s failed: %s", self.target, exc)
            with self._cond:
                self.published = goal
                self._cond.notify_all()


def attach(service: IncidentService, target: Target) -> Publisher:
    """Publish ``service``'s public status to ``target`` now and after every change."""
    from blackstart.web.status_history import history
    from blackstart.web.status_public import snapshot

    publisher = Publisher(
        target, lambda: snapshot(service.public_status(), service.tz, history(service, fresh=True))
    )
    service.listeners.append(publisher.changed)
    publisher.changed()
    return publisher
