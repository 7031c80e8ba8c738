"""The off-site status in an S3-compatible bucket, against a real S3 server started here
(moto's server on a free loopback port, spoken to over HTTP by boto3 like any other
store): ``status publish --to s3://…`` and ``serve --publish-to s3://…``; the objects read
back equal a directory publication of the same snapshot byte for byte, with their
Content-Type and a short Cache-Control; ``index.html`` is put last; errors are clear."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer
from typer.testing import CliRunner

import blackstart.api as bs
from blackstart.cli import app as cli_app
from blackstart.model.model import Model
from blackstart.store.incidents import IncidentStore
from blackstart.web import create_app
from blackstart.web.board import IncidentService
from blackstart.web.dashboard import Dashboard
from blackstart.web.publish import DirectoryTarget, parse_target, publish
from blackstart.web.publish_s3 import S3Target, order
from blackstart.web.status_history import history
from blackstart.web.status_public import SNAPSHOT_FILES, snapshot
from tests.web._board import add_users, declare, login
from tests.web.conftest import serve
from tests.web.test_status_publish import _check_snapshot, _declared_store

runner = CliRunner()
BUCKET = "status-offsite"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Any]]:
    """A real S3-compatible server, its endpoint and a client; the credentials come
    from the standard AWS variables, as in production."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test-key",
        "AWS_SECRET_ACCESS_KEY": "test-secret",
        "AWS_DEFAULT_REGION": "eu-west-3",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
    )
    try:
        yield endpoint, client
    finally:  # moto keeps its buckets per process: forget them for the next test
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
        server.stop()


def _objects(client: Any, prefix: str) -> dict[str, Any]:
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=BUCKET, Key=o["Key"]) for o in listed}


@pytest.fixture(scope="module")
def model() -> Model:
    return bs.load(bs.example_path())


def test_s3_objects_equal_a_directory_publication(
    tmp_path: Path, s3: tuple[str, Any], model: Model
) -> None:
    endpoint, client = s3
    url = _declared_store(tmp_path / "s.db")
    dash = Dashboard.open(bs.example_path(), url)
    try:
        svc = IncidentService(dash, IncidentStore(dash.store))
        # what ``serve --publish-to`` publishes: the status and the 90-day history
        files = snapshot(svc.public_status(), svc.tz, history(svc, fresh=True))
    finally:
        dash.close()
    publish(files, DirectoryTarget(tmp_path / "dir"))
    publish(files, parse_target(f"s3://{BUCKET}/hospital/status?endpoint={endpoint}"))
    got = _objects(client, "hospital/status/")
    assert sorted(got) == sorted(f"hospital/status/{n}" for n in SNAPSHOT_FILES)
    for name in SNAPSHOT_FILES:
        obj = got[f"hospital/status/{name}"]
        assert obj["Body"].read() == (tmp_path / "dir" / name).read_bytes(), name
    assert got["hospital/status/index.html"]["ContentType"] == "text/html; charset=utf-8"
    assert got["hospital/status/status.json"]["ContentType"] == "application/json"
    assert got["hospital/status/status.atom"]["ContentType"] == "application/atom+xml"
    assert got["hospital/status/history.html"]["ContentType"] == "text/html; charset=utf-8"
    assert got["hospital/status/history.json"]["ContentType"] == "application/json"
    assert got["hospital/status/status.json"]["CacheControl"] == "public, max-age=15"
    assert got["hospital/status/index.html"]["CacheControl"] == "public, max-age=60"
    assert order(list(SNAPSHOT_FILES))[-1] == "index.html"


def test_status_publish_to_s3_from_the_cli(
    tmp_path: Path, s3: tuple[str, Any], model: Model
) -> None:
    endpoint, client = s3
    url = _declared_store(tmp_path / "s.db")
    target = f"s3://{BUCKET}/site?endpoint={endpoint}&region=eu-west-3"
    r = runner.invoke(cli_app, ["status", "publish", "--db", url, "--to", target])
    assert r.exit_code == 0, r.output
    assert f"published the status to s3://{BUCKET}/site" in " ".join(r.output.split())
    got = _objects(client, "site/")
    files = {k.removeprefix("site/"): v["Body"].read().decode() for k, v in got.items()}
    assert sorted(files) == sorted(SNAPSHOT_FILES)
    _check_snapshot(model, files)
    # a bucket that does not exist, and a bad one: clear errors, exit 1
    missing = f"s3://no-such-bucket/site?endpoint={endpoint}"
    r = runner.invoke(cli_app, ["status", "publish", "--db", url, "--to", missing])
    assert r.exit_code == 1 and "cannot publish to s3://no-such-bucket" in r.output
    assert "NoSuchBucket" in r.output


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("s3://Bad_Bucket/x", "not an S3 bucket name"),
        ("s3://bucket/x?key=secret", "unknown option 'key'"),
        ("s3://bucket/x?endpoint=ftp://h", "endpoint is not an HTTP URL"),
    ],
)
def test_bad_s3_targets_are_refused(target: str, message: str) -> None:
    r = runner.invoke(cli_app, ["status", "publish", "--to", target])
    assert r.exit_code == 1
    assert message in " ".join(r.output.split())


def test_parse_s3_target() -> None:
    t = parse_target("s3://b-1.example/a/b/?endpoint=https://s3.gra.io.cloud.ovh.net&region=gra")
    assert t == S3Target("b-1.example", "a/b", "https://s3.gra.io.cloud.ovh.net", "gra")
    assert t.key("index.html") == "a/b/index.html"
    assert S3Target("b", "").key("status.json") == "status.json"


def test_serve_republishes_to_s3_after_every_change(tmp_path: Path, s3: tuple[str, Any]) -> None:
    endpoint, client = s3
    app = create_app(
        bs.example_path(),
        f"sqlite:///{tmp_path / 'b.db'}",
        publish_to=f"s3://{BUCKET}/live?endpoint={endpoint}",
    )
    add_users(app)
    with serve(app) as web:
        publisher = app.state.publisher
        assert publisher.flush()
        status = json.loads(client.get_object(Bucket=BUCKET, Key="live/status.json")["Body"].read())
        assert status["incident"] is False
        declare(web, login(web, "olga"), title="Internal title")
        assert publisher.flush() and publisher.failures == 0
        status = json.loads(client.get_object(Bucket=BUCKET, Key="live/status.json")["Body"].read())
        assert status["incident"] is True
