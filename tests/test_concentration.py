"""Concentration: what each provider, owner group, jurisdiction and site takes down."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from blackstart import api, resilience
from blackstart.cli import app
from blackstart.model.load import load_data

MODEL = {
    "providers": {
        "colo-a": {"kind": "colocation", "owner": "Group X", "jurisdiction": "GB"},
        "colo-b": {"kind": "colocation", "owner": "Group X", "jurisdiction": "FR"},
        "saas": {"kind": "saas", "owner": "Vendor", "jurisdiction": "US"},
        "carrier": {"kind": "telecom", "jurisdiction": "FR"},
    },
    "sites": {
        "dc-a": {"kind": "colocation", "provider": "colo-a"},
        "dc-b": {"kind": "colocation", "provider": "colo-b"},
    },
    "components": {
        "db-a": {"kind": "database", "site": "dc-a"},
        "db-b": {"kind": "database", "site": "dc-b"},
        "mail": {"kind": "saas", "provider": "saas"},
        "link": {"kind": "link", "provider": "carrier"},
    },
    "functions": {
        # redundant across two colocation providers... owned by the same group
        "records": {"tier": "vital", "requires": {"any_of": ["db-a", "db-b"]}},
        "results": {"tier": "care", "requires": ["db-a", "link"]},
        "messaging": {"tier": "care", "requires": "mail"},
        "billing": {"tier": "administrative", "requires": "db-b"},
    },
}


def rows(payload: dict, key: str) -> dict[str, dict]:
    return {r["id"]: r for r in payload[key]}


def test_provider_owner_and_jurisdiction_losses() -> None:
    payload = resilience.concentration(load_data(MODEL))
    providers = rows(payload, "providers")
    # colo-a alone: results (db-a) down, records survives on db-b
    assert set(providers["colo-a"]["functions_down"]) == {"results"}
    assert set(providers["colo-b"]["functions_down"]) == {"billing"}
    assert providers["saas"]["non_eu"] and providers["colo-a"]["non_eu"]
    assert not providers["colo-b"]["non_eu"] and not providers["carrier"]["non_eu"]
    # one owner behind both "redundant" providers: its failure takes the vital function
    owners = rows(payload, "owners")
    assert set(owners["Group X"]["functions_down"]) == {"records", "results", "billing"}
    assert owners["Group X"]["by_tier"] == {"vital": 1, "care": 1, "administrative": 1}
    assert payload["owners"][0]["id"] == "Group X"  # worst first
    places = rows(payload, "jurisdictions")
    assert set(places["FR"]["functions_down"]) == {"billing", "results"}
    assert places["US"]["non_eu"] and set(places["US"]["functions_down"]) == {"messaging"}
    sites = rows(payload, "sites")
    assert set(sites["dc-a"]["functions_down"]) == {"results"}


def test_concentration_cli_json() -> None:
    res = CliRunner().invoke(app, ["concentration", str(api.example_path()), "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    colo = rows(payload, "providers")["global-switch"]
    # the seed incident: the colocation operator holds every care function
    assert colo["non_eu"] and colo["jurisdiction"] == "GB"
    assert "lab-results" in colo["functions_down"]
    assert "emergency-dispatch" not in colo["functions_down"]
