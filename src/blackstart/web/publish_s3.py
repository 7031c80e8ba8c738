"""The S3-compatible target of the off-site status snapshot: ``s3://BUCKET/PREFIX``
(options in the query: ``endpoint=URL`` for a non-AWS store such as MinIO, Ceph, Garage
or OVHcloud's, and ``region=NAME``).

Credentials and defaults come from the environment the standard AWS way, through boto3
(``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_PROFILE``
and its files, ``AWS_REGION``/``AWS_DEFAULT_REGION``, ``AWS_ENDPOINT_URL_S3`` /
``AWS_ENDPOINT_URL``): never on the command line. boto3 is the optional extra
``blackstart[s3]``.

Each object is replaced atomically by S3 itself (a reader gets the old or the new one,
never half); the order makes the set consistent enough: ``status.json``, the feed and
the English page first, ``index.html`` last, so the page a visitor lands on is never
newer than what it links to. Each object has its ``Content-Type`` and a short
``Cache-Control`` (:data:`CACHE`): 15 s for the JSON and the feed that monitors poll,
60 s for the pages. Owns the transfer; not the target's parsing (:mod:`.publish`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LAST = "index.html"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".atom": "application/atom+xml",
}
CACHE = {".json": "public, max-age=15", ".atom": "public, max-age=15"}
DEFAULT_CACHE = "public, max-age=60"


@dataclass(frozen=True)
class S3Target:
    bucket: str
    prefix: str
    endpoint: str | None = None
    region: str | None = None

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def key(self, name: str) -> str:
        return f"{self.prefix.strip('/')}/{name}" if self.prefix.strip("/") else name


def headers_of(name: str) -> tuple[str, str]:
    """``(Content-Type, Cache-Control)`` of a snapshot file."""
    ext = name[name.rfind(".") :]
    return TYPES.get(ext, "application/octet-stream"), CACHE.get(ext, DEFAULT_CACHE)


def order(names: list[str]) -> list[str]:
    """Upload order: everything else first, ``index.html`` last."""
    return sorted(names, key=lambda n: (n == LAST, n))


def client(target: S3Target) -> Any:
    """A boto3 S3 client for ``target`` (the environment supplies the rest)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=target.endpoint,
        region_name=target.region,
        config=Config(connect_timeout=10, read_timeout=30, retries={"max_attempts": 3}),
    )


def upload(files: Mapping[str, bytes], target: S3Target) -> None:
    """Put every file under the target's prefix, ``index.html`` last; any failure is a
    :class:`~blackstart.web.publish.PublishError` with a suggestion."""
    from botocore.exceptions import BotoCoreError, ClientError

    from blackstart.web.publish import PublishError

    try:
        s3 = client(target)
        for name in order(list(files)):
            ctype, cache = headers_of(name)
            s3.put_object(
                Bucket=target.bucket,
                Key=target.key(name),
                Body=files[name],
                ContentType=ctype,
                CacheControl=cache,
            )
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        raise PublishError(
            f"cannot publish to {target}: {code}",
            suggestion="check the bucket name and that the credentials may write to it",
        ) from None
    except BotoCoreError as exc:
        raise PublishError(
            f"cannot publish to {target}: {exc}",
            suggestion="set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and endpoint=URL "
            "for a store that is not AWS",
        ) from None
