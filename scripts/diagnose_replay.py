"""Replay the seed incident's first hour through diagnosis, as docs/diagnose.md tells it.

Alerts arrive in the order monitoring would send them (Prometheus at the secondary data
centre scraping the colocation cage: hosts first, then the blackbox probes of the
applications and the SQL exporter's databases), wards call, then someone reaches the
provider. Wards report their own hospital (``function:ID@PLACE``); emergency dispatch,
delivered group-wide, is reported as a whole. After each step the observations so far
are diagnosed exactly as the live board does (alerts mapped by the example's
``monitoring.yaml``, silence of monitored components counted as a weak "up"). Prints
the markdown tables of the doc; ``steps()`` is what tests/test_diagnose_replay.py checks.

Run: ``.venv/bin/python scripts/diagnose_replay.py``
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from blackstart import api
from blackstart import diagnose as dg


@dataclass
class Step:
    at: str
    what: str
    down: list[str] = field(default_factory=list)
    up: list[str] = field(default_factory=list)


def timeline() -> list[Step]:
    """The first hour (Saturday 3 August 2024, Europe/Paris)."""
    hosts = [f"colo-esx-0{i}" for i in range(1, 9)] + [f"colo-db-node-{i}" for i in range(1, 5)]
    net = ["colo-core-switch-1", "colo-core-switch-2", "colo-firewall-1", "colo-firewall-2",
           "colo-wan-router-1", "colo-wan-router-2", "colo-cage-pdu-a", "colo-cage-pdu-b",
           "colo-san-array-1", "colo-san-array-2", "colo-vcenter", "ad-dc-1", "ad-dc-2", "dns-1",
           "dns-2"]  # fmt: skip
    apps = ["lis-app", "ehr-web", "results-portal", "mail-service", "ipbx-core", "ed-board",
            "db-ehr", "db-lis", "db-pacs", "db-ris", "db-clinical-msg"]  # fmt: skip
    c = lambda ids: [f"component:{i}" for i in ids]  # noqa: E731
    return [
        Step("11:01", "first HostDown alerts: four ESX hosts of the colocation cage", c(hosts[:4])),
        Step("11:02", "the other hosts of the cage", c(hosts[4:])),
        Step("11:04", "switches, firewalls, routers, PDUs, SAN arrays, directory, DNS", c(net)),
        Step("11:07", "blackbox probes and SQL exporter: applications and databases", c(apps)),
        Step(
            "11:15",
            "ward 3 at West calls: lab results down; the ED at South: its board is down",
            ["function:lab-results@hospital-west", "function:emergency-admissions@hospital-south"],
        ),
        Step(
            "11:20",
            "the SAMU: emergency dispatch works; North: no messaging, phones work (local PBX); "
            "Centre: phones dead",
            ["function:messaging@hospital-north", "function:telephony@hospital-centre"],
            ["function:emergency-dispatch", "function:telephony@hospital-north"],
        ),
        Step(
            "11:55",
            "Global Switch reached: the building stands, its power distribution has failed",
            ["component:colo-power-distribution"],
            ["site:colo-paris"],
        ),
    ]


def steps() -> list[tuple[Step, dict[str, Any]]]:
    """Each step with the diagnosis of everything observed so far."""
    model = api.load(api.example_path())
    graph = api.compile_model(model)
    down: list[str] = []
    up: list[str] = []
    out = []
    for step in timeline():
        down += step.down
        up += step.up
        report = dg.diagnose(model, down=down, up=up, graph=graph, top=5, checks=2)
        out.append((step, report.to_dict()))
    return out


def _fmt(h: dict[str, Any]) -> str:
    return f"{', '.join(h['failed']) or '(nothing)'} {100 * h['probability']:.0f} %"


def main() -> None:
    print("| time | what arrives | alerts + reports | leading hypotheses | ask next |")
    print("|---|---|---|---|---|")
    for step, d in steps():
        hyps = d["hypotheses"][:3]
        obs = d["observations"]
        check = d["checks"][0]["question"] if d["checks"] else "—"
        print(f"| {step.at} | {step.what} | {len(obs['down'])} down, {len(obs['up'])} up | "
              f"{'<br>'.join(_fmt(h) for h in hyps)} | {check} |")  # fmt: skip


if __name__ == "__main__":
    main()
