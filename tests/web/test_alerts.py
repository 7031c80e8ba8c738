"""Alert webhooks and the diagnosis board on a real uvicorn server.

Alertmanager payloads are written as Prometheus documents them (webhook_config, payload
version 4: a batch firing, the same alerts resolved, an alert with labels the model does
not know). Token checks: missing, wrong and revoked tokens are refused (401/403) and
nothing is recorded. The integration tokens come from the real CLI.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

import blackstart.api as bs
from blackstart.cli.app import app as cli
from blackstart.store import open_store
from blackstart.store.diagnose import AlertStore
from blackstart.web import create_app

from ._board import add_users, login

runner = CliRunner()


def _token(db: str, name: str) -> str:
    result = runner.invoke(cli, ["integration", "add", name, "--db", db])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


def _am_alert(instance: str, status: str = "firing", **labels: str) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": "HostDown", "instance": instance, "job": "node",
                   "severity": "critical", **labels},
        "annotations": {"summary": f"{instance} is unreachable"},
        "startsAt": "2024-08-03T09:02:11.123Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2024-08-03T12:40:00Z",
        "generatorURL": "http://prometheus.hospital.example:9090/graph?g0.expr=up+%3D%3D+0",
        "fingerprint": f"fp-{instance}",
    }  # fmt: skip


def _alertmanager(alerts: list[dict[str, Any]], status: str = "firing") -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": '{}:{alertname="HostDown"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "blackstart",
        "groupLabels": {"alertname": "HostDown"},
        "commonLabels": {"alertname": "HostDown", "job": "node"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.hospital.example:9093",
        "alerts": alerts,
    }


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
    live: Callable[[FastAPI], AbstractContextManager[httpx.Client]],
) -> Iterator[tuple[httpx.Client, str, FastAPI]]:
    db = f"sqlite:///{tmp_path_factory.mktemp('alerts') / 'store.db'}"
    web = create_app(bs.example_path(), db)
    add_users(web)
    with live(web) as client:
        yield client, db, web


def _alerts(db: str) -> list[Any]:
    store = open_store(db)
    try:
        return AlertStore(store).alerts()
    finally:
        store.close()


def test_tokens_missing_wrong_revoked_record_nothing(
    served: tuple[httpx.Client, str, FastAPI],
) -> None:
    client, db, _ = served
    token = _token(db, "am-revoked")
    before = len(_alerts(db))
    body = _alertmanager([_am_alert("colo-esx-01:9100")])
    r = client.post("/api/alerts/alertmanager", json=body)
    assert r.status_code == 401 and r.json()["error"] == "bearer token missing"
    r = client.post("/api/alerts/alertmanager", json=body, headers={"authorization": "Bearer nope"})
    assert r.status_code == 401 and "suggestion" in r.json()
    r = client.post("/api/alerts/generic", json=body, headers={"authorization": "Basic x"})
    assert r.status_code == 401
    assert runner.invoke(cli, ["integration", "revoke", "am-revoked", "--db", db]).exit_code == 0
    r = client.post("/api/alerts/alertmanager", json=body,
                    headers={"authorization": f"Bearer {token}"})  # fmt: skip
    assert r.status_code == 403 and "revoked" in r.json()["error"]
    assert len(_alerts(db)) == before
    listed = runner.invoke(cli, ["integration", "list", "--db", db, "--json"])
    rows = {r["name"]: r for r in json.loads(listed.stdout)["integrations"]}
    assert rows["am-revoked"]["revoked_at"] is not None and rows["am-revoked"]["alerts"] == 0
    # the store keeps the token's hash, never the token
    store = open_store(db)
    with store.engine.connect() as conn:
        dump = "\n".join(str(row) for row in conn.exec_driver_sql("SELECT * FROM integrations"))
    store.close()
    assert token not in dump


def test_alertmanager_batch_resolved_and_unknown_label(
    served: tuple[httpx.Client, str, FastAPI],
) -> None:
    client, db, web = served
    auth = {"authorization": f"Bearer {_token(db, 'prometheus')}"}
    # every host the monitoring watches that the seed incident takes down (the example's
    # monitoring.yaml: node exporters by instance)
    model = web.state.dashboard.model
    down = bs.impact(model, scenario="colo-power-cut").components_down
    hosts = [c.id for c in down if (m := model.components[c.id].monitoring) is not None
             and m.labels[0].get("instance") == f"{c.id}:9100"]  # fmt: skip
    assert len(hosts) >= 20
    batch = [_am_alert(f"{h}:9100") for h in hosts]
    batch.append(_am_alert("printer-7:9100"))  # no component has this label
    r = client.post("/api/alerts/alertmanager", json=_alertmanager(batch), headers=auth)
    assert r.status_code == 200, r.text
    got = r.json()
    n = len(hosts)
    assert (got["received"], got["new"], got["firing"]) == (n + 1, n + 1, n + 1)
    assert got["unmapped"] == ["HostDown"]
    rows = {a.fingerprint: a for a in _alerts(db)}
    assert rows["fp-colo-esx-03:9100"].ref == "component:colo-esx-03"
    assert rows["fp-colo-esx-03:9100"].ends_at is None  # Go's zero time: still firing
    assert rows["fp-printer-7:9100"].ref is None

    login(client, "olga")
    board = client.get("/api/incidents/diagnose").json()
    assert board["alerts"] == {"firing": n + 1, "mapped": n, "unmapped": ["HostDown"]}
    top = board["hypotheses"][0]
    assert top["alerts_explained"] == n
    assert top["summary"] == f"{n} alerts explained by {', '.join(top['failed'])}"
    colo = ("site:colo-paris", "provider:global-switch", "component:colo-power-distribution",
            "component:colo-cooling")  # fmt: skip
    assert top["failed"][0] in colo
    page = client.get("/incidents/diagnose")
    assert page.status_code == 200 and f"{n} alerts explained by" in page.text

    # the same alerts resolved (Alertmanager sends the group again, status resolved)
    resolved = [_am_alert(f"{h}:9100", "resolved") for h in hosts]
    r = client.post("/api/alerts/alertmanager", json=_alertmanager(resolved, "resolved"),
                    headers=auth)  # fmt: skip
    assert r.status_code == 200 and (r.json()["updated"], r.json()["resolved"]) == (n, n)
    rows = {a.fingerprint: a for a in _alerts(db)}
    assert rows["fp-colo-esx-01:9100"].status == "resolved"
    assert rows["fp-colo-esx-01:9100"].ends_at is not None
    board = client.get("/api/incidents/diagnose").json()
    assert board["alerts"]["firing"] == 1 and board["hypotheses"] == []

    # bad payloads: 422 with a suggestion, nothing recorded
    n = len(_alerts(db))
    for bad in ({"version": "4"}, _alertmanager([{"status": "burning", "labels": {"a": "b"}}]),
                {**_alertmanager([]), "version": "3"}):  # fmt: skip
        r = client.post("/api/alerts/alertmanager", json=bad, headers=auth)
        assert r.status_code == 422 and r.json()["suggestion"]
    r = client.post("/api/alerts/generic", content=b"{not json", headers=auth)
    assert r.status_code == 422
    assert len(_alerts(db)) == n
    assert client.get("/api/alerts/generic").status_code == 405
    del web


def test_generic_webhook_observations_and_declare(
    served: tuple[httpx.Client, str, FastAPI],
) -> None:
    client, db, _ = served
    auth = {"authorization": f"Bearer {_token(db, 'zabbix')}"}
    alert = {"labels": {"alertname": "ProbeFailed", "component": "lis-app"}, "status": "firing"}
    r = client.post("/api/alerts/generic", json=alert, headers=auth)
    assert r.status_code == 200 and r.json()["unmapped"] == []
    db_down = {"labels": {"alertname": "DbDown"}, "ref": "component:db-lis", "status": "firing"}
    r = client.post("/api/alerts/generic", headers=auth, json={"alerts": [db_down]})
    assert r.status_code == 200

    # alerts are never public: reading them needs a login
    client.cookies.clear()
    assert client.get("/api/incidents/alerts").status_code == 401
    assert client.get("/api/incidents/diagnose").status_code == 401

    csrf = login(client, "olga")
    hdr = {"x-csrf-token": csrf}
    r = client.post("/api/incidents/diagnose/observations", headers=hdr,
                    json={"ref": "function:lab-results", "state": "down",
                          "note": "ward 3 reports lab results down"})  # fmt: skip
    assert r.status_code == 201, r.text
    r = client.post("/api/incidents/diagnose/observations", headers=hdr,
                    json={"ref": "function:lab-result", "state": "down"})  # fmt: skip
    assert r.status_code == 422 and "lab-results" in r.json()["suggestion"]
    r = client.post("/api/incidents/diagnose/observations",
                    json={"ref": "function:lab-results", "state": "down"})  # fmt: skip
    assert r.status_code == 403  # no CSRF token
    board = client.get("/api/incidents/diagnose").json()
    assert [o["note"] for o in board["reports"]] == ["ward 3 reports lab results down"]
    best = board["hypotheses"][0]
    assert set(best["explains"]) == {"component:lis-app", "component:db-lis",
                                     "function:lab-results"}  # fmt: skip
    assert best["alerts_explained"] == 2 and not best["unexplained"]

    # a viewer sees, but cannot record or declare
    login(client, "vic")
    assert client.get("/incidents/diagnose").status_code == 200
    r = client.post("/api/incidents/diagnose/declare", json={"failed": best["failed"]},
                    headers={"x-csrf-token": login(client, "vic")})  # fmt: skip
    assert r.status_code == 403

    csrf = login(client, "olga")
    r = client.post("/api/incidents/diagnose/declare", json={"failed": best["failed"]},
                    headers={"x-csrf-token": csrf})  # fmt: skip
    assert r.status_code == 201, r.text
    incident = r.json()
    assert incident["fail"] == best["failed"]
    inc = client.get(f"/api/incidents/{incident['id']}").json()
    assert inc["plan"]["functions"] and inc["forecast"] is not None  # plan and forecast started
    # the page form too (CSRF in a hidden field)
    r = client.post("/incidents/diagnose/declare", data={"failed": "site:colo-paris",
                                                         "csrf_token": csrf})  # fmt: skip
    assert r.status_code == 303 and r.headers["location"].startswith("/incidents/")


def test_unknown_model_ref_and_path_do_not_leak(
    served: tuple[httpx.Client, str, FastAPI], tmp_path: Path
) -> None:
    client, _db, _ = served
    r = client.post("/api/alerts/alertmanager", content=b"x" * 10,
                    headers={"authorization": "Bearer " + "a" * 40})  # fmt: skip
    assert r.status_code == 401
    del tmp_path


def test_reports_on_elements_the_model_lost_are_set_aside(
    served: tuple[httpx.Client, str, FastAPI],
) -> None:
    """The store outlives model versions: a report on an element the served model no
    longer has is listed apart, never an error."""
    client, db, web = served
    store = open_store(db)
    try:
        AlertStore(store).add_observation("component:retired-app", "down", "old", user="x")
    finally:
        store.close()
    web.state.diagnose.changed()
    login(client, "olga")
    r = client.get("/api/incidents/diagnose")
    assert r.status_code == 200
    assert r.json()["not_in_model"] == ["component:retired-app"]
    page = client.get("/incidents/diagnose")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    r = client.post("/incidents/diagnose/observations/99999/withdraw",
                    data={"csrf_token": csrf.group(1)})  # fmt: skip
    assert r.status_code == 404 and "no observation 99999" in r.text


def test_reports_and_alerts_name_a_place(served: tuple[httpx.Client, str, FastAPI]) -> None:
    """A ward's call names its hospital (``place``, or ``function:ID@PLACE``); a wrong
    place is a 422 naming the function's places; a probe's alert can name one too."""
    client, db, _ = served
    csrf = login(client, "olga")
    hdr = {"x-csrf-token": csrf}
    r = client.post("/api/incidents/diagnose/observations", headers=hdr,
                    json={"ref": "function:imaging-results", "place": "hospital-east",
                          "state": "down", "note": "radiology at East"})  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json()["ref"] == "function:imaging-results@hospital-east"
    r = client.post("/api/incidents/diagnose/observations", headers=hdr,
                    json={"ref": "function:imaging-results@hospital-north",
                          "state": "up"})  # fmt: skip
    assert r.status_code == 201, r.text
    r = client.post("/api/incidents/diagnose/observations", headers=hdr,
                    json={"ref": "function:imaging-results", "place": "hospital-est",
                          "state": "down"})  # fmt: skip
    assert r.status_code == 422
    assert "did you mean" in r.json()["suggestion"] and "'hospital-east'" in r.json()["suggestion"]
    assert "hospital-north" in r.json()["suggestion"]
    r = client.post("/api/incidents/diagnose/observations", headers=hdr,
                    json={"ref": "component:lis-app", "place": "hospital-east",
                          "state": "down"})  # fmt: skip
    assert r.status_code == 422 and "only a function" in r.json()["error"]
    # the board's form: the place select
    page = client.get("/incidents/diagnose")
    assert '<option value="hospital-west">' in page.text
    r = client.post("/incidents/diagnose/observations",
                    data={"ref": "function:pharmacy", "place": "hospital-west", "state": "down",
                          "csrf_token": csrf})  # fmt: skip
    assert r.status_code == 303
    board = client.get("/api/incidents/diagnose").json()
    refs = {o["ref"]: o["state"] for o in board["reports"]}
    assert refs["function:imaging-results@hospital-east"] == "down"
    assert refs["function:imaging-results@hospital-north"] == "up"
    assert refs["function:pharmacy@hospital-west"] == "down"
    assert "function:pharmacy@hospital-west" in board["observations"]["down"]
    # a synthetic probe from one hospital
    auth = {"authorization": f"Bearer {_token(db, 'probes')}"}
    probe = {"labels": {"alertname": "ProbeFailed", "site": "hospital-south",
                        "blackstart_ref": "function:lab-results@hospital-south"}}  # fmt: skip
    r = client.post("/api/alerts/generic", json=probe, headers=auth)
    assert r.status_code == 200 and r.json()["unmapped"] == []
    refs = {a["ref"] for a in client.get("/api/incidents/alerts").json()["alerts"]}
    assert "function:lab-results@hospital-south" in refs
