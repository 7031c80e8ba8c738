"""Property-based API tests generated from ``/openapi.json`` (schemathesis): on any
generated input, no route answers 5xx, and every 4xx is a JSON body saying what is wrong
and what to do."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

import blackstart.api as bs
from blackstart.web import create_app

# schemathesis parametrizes at collection time, so the app (and its store) exist then;
# the store's folder is removed when the test process ends
_DB = Path(tempfile.mkdtemp(prefix="blackstart-schemathesis-")) / "dashboard.db"
atexit.register(shutil.rmtree, _DB.parent, ignore_errors=True)
# in-process calls name the host "testserver": allow it, as --allowed-host would
app = create_app(bs.example_path(), f"sqlite:///{_DB}", allowed_hosts=["testserver"])
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_and_errors_say_what_is_wrong(case: schemathesis.Case) -> None:
    response = case.call()
    assert response.status_code < 500, (case.method, case.formatted_path, response.text)
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body["error"], str) and body["error"], body
        assert "suggestion" in body, body
        assert "Traceback" not in response.text
