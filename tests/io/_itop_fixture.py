"""Generate an iTop CMDB of a hospital group as ``core/get`` answers.

Classes and fields from iTop's datamodel (datamodels/2.x/itop-config-mgmt,
itop-datacenter-mgmt, itop-virtualization-mgmt): Location; Rack (``location_id``);
PowerSource; PDU (``rack_id``, ``powerstart_id``); Server and NetworkDevice
(``location_id``, ``rack_id``, ``powerA_id``, ``powerB_id``); Hypervisor (``server_id``,
``farm_id``); Farm (``redundancy``); VirtualMachine (``virtualhost_id``); DBServer
(``system_id``); DatabaseSchema (``dbserver_id``); ApplicationSolution (``redundancy``);
BusinessProcess (``business_criticity``); lnkApplicationSolutionToFunctionalCI,
lnkApplicationSolutionToBusinessProcess, lnkConnectableCIToNetworkDevice
(``connection_type``). Answers: ``{"objects": {"Class::id": {"code", "message", "class",
"key", "fields"}}, "code": 0, "message": "Found: n"}``; external keys as strings.

:func:`down` computes what a location's loss takes down from the raw relations, with
iTop's impact semantics (redundancy ``disabled``, ``N`` or ``N%``).
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Cmdb:
    objects: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    next_ci: int = 1
    next_own: dict[str, int] = field(default_factory=dict)

    def add(self, cls: str, **fields: Any) -> int:
        if cls == "Location" or cls.startswith("lnk"):
            ident = self.next_own.get(cls, 1)
            self.next_own[cls] = ident + 1
        else:
            ident = self.next_ci  # FunctionalCI subclasses share one id space
            self.next_ci += 1
        self.objects.setdefault(cls, {})[ident] = {
            k: (str(v) if k.endswith("_id") else v) for k, v in fields.items()
        }
        return ident

    def answers(self) -> dict[str, dict[str, Any]]:
        """One core/get answer per class, and ``FunctionalCI``'s (every CI, base fields
        only, each with its own class) — the only answer naming the ``ONLY_IN_BASE``
        classes."""
        out = {
            cls: _answer(cls, rows) for cls, rows in self.objects.items() if cls not in ONLY_IN_BASE
        }
        base: dict[str, Any] = {}
        for cls, rows in self.objects.items():
            if cls == "Location" or cls.startswith("lnk"):
                continue
            for i, row in rows.items():
                fields = {k: row[k] for k in BASE_FIELDS if k in row}
                base[f"{cls}::{i}"] = {
                    "code": 0,
                    "message": "",
                    "class": cls,
                    "key": str(i),
                    "fields": fields,
                }
        out["FunctionalCI"] = {"objects": base, "code": 0, "message": f"Found: {len(base)}"}
        return out

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for cls, answer in self.answers().items():
            (directory / f"{cls}.json").write_text(json.dumps(answer, indent=1, ensure_ascii=False))
        return directory


ONLY_IN_BASE = {"PC"}
BASE_FIELDS = ("name", "org_id", "business_criticity", "description")


def _answer(cls: str, rows: dict[int, dict[str, Any]]) -> dict[str, Any]:
    return {
        "objects": {
            f"{cls}::{i}": {
                "code": 0,
                "message": "",
                "class": cls,
                "key": str(i),
                "fields": dict(row),  # a copy: tests may break their own
            }
            for i, row in rows.items()
        },
        "code": 0,
        "message": f"Found: {len(rows)}",
    }


def hospital_group(seed: int = 11) -> Cmdb:
    rnd = random.Random(seed)
    c = Cmdb()
    dcs = [
        c.add("Location", name=n, city=t, org_id=1)
        for n, t in (("DC Est", "Nancy"), ("DC Ouest", "Rennes"))
    ]
    c.add("Location", name="Hôpital Central", city="Metz", org_id=1)
    servers: dict[int, list[int]] = {}
    hypervisors: dict[int, list[int]] = {}
    storage: dict[int, int] = {}
    for dc in dcs:
        ps = [
            c.add("PowerSource", name=f"Arrivée {side} {dc}", location_id=dc, status="production")
            for side in "AB"
        ]
        servers[dc], hypervisors[dc] = [], []
        switches = [
            c.add(
                "NetworkDevice",
                name=f"sw-{dc}-{k}",
                location_id=dc,
                networkdevicetype_id_friendlyname="Switch",
                powerA_id=0,
                powerB_id=0,
            )
            for k in range(2)
        ]
        storage[dc] = c.add(
            "StorageSystem", name=f"Baie SAN {dc}", location_id=dc, powerA_id=0, powerB_id=0
        )
        for r in range(4):
            rack = c.add("Rack", name=f"Baie {dc}-{r}", location_id=dc, nb_u=42)
            chassis = c.add("Enclosure", name=f"Châssis {dc}-{r}", rack_id=rack, location_id=dc)
            pdus = [
                c.add(
                    "PDU",
                    name=f"PDU {dc}-{r}-{s}",
                    rack_id=rack,
                    location_id=dc,
                    powerstart_id=ps[k],
                )
                for k, s in enumerate("AB")
            ]
            for s in range(3):
                srv = c.add(
                    "Server",
                    name=f"srv-{dc}-{r}-{s}",
                    location_id=dc,
                    rack_id=rack,
                    powerA_id=pdus[0],
                    powerB_id=pdus[1] if s else 0,
                    enclosure_id=chassis if s == 2 else 0,
                    business_criticity="high",
                    serialnumber=f"S{rnd.randrange(10**6)}",
                )
                servers[dc].append(srv)
                c.add(
                    "lnkConnectableCIToNetworkDevice",
                    connectableci_id=srv,
                    networkdevice_id=switches[s % 2],
                    connection_type="downlink",
                    network_port="eth0",
                    device_port=f"ge-0/0/{s}",
                )
        for h in range(6):
            hypervisors[dc].append(
                c.add(
                    "Hypervisor",
                    name=f"esx-{dc}-{h}",
                    server_id=servers[dc][h],
                    status="production",
                )
            )
    farms = []
    for dc in dcs:
        farm = c.add("Farm", name=f"Ferme {dc}", redundancy="1")
        farms.append(farm)
        for h in hypervisors[dc][:4]:
            c.objects["Hypervisor"][h]["farm_id"] = str(farm)
    stretched = c.add("Farm", name="Ferme étendue", redundancy="50%")
    for dc in dcs:
        for h in hypervisors[dc][4:]:
            c.objects["Hypervisor"][h]["farm_id"] = str(stretched)
    hosts = [*farms, stretched, hypervisors[dcs[0]][5]]
    vms = [
        c.add(
            "VirtualMachine",
            name=f"vm{v:03d}",
            virtualhost_id=rnd.choice(hosts),
            cpu="4",
            ram="8192",
            status="production",
        )
        for v in range(100)
    ]
    dbservers = [
        c.add(
            "DBServer",
            name=f"pg-{d:02d}",
            system_id=rnd.choice(vms) if d % 3 else rnd.choice(servers[dcs[d % 2]]),
        )
        for d in range(20)
    ]
    schemas = [
        c.add("DatabaseSchema", name=f"schema{s:02d}", dbserver_id=dbservers[s % 20])
        for s in range(40)
    ]
    pcs = [c.add("PC", name=f"PC-URG-{k}", business_criticity="high") for k in range(3)]
    apps = []
    for a in range(40):
        app = c.add(
            "ApplicationSolution",
            name=f"Application {a:02d}",
            redundancy=("disabled", "1", "50%")[a % 3],
            status="active",
        )
        apps.append(app)
        extra = [storage[dcs[a % 2]]] if a % 4 == 0 else [pcs[a % 3]] if a % 4 == 1 else []
        for ci in rnd.sample(vms, rnd.randint(1, 3)) + rnd.sample(schemas, a % 2) + extra:
            c.add(
                "lnkApplicationSolutionToFunctionalCI",
                applicationsolution_id=app,
                functionalci_id=ci,
            )
    for b in range(15):
        bp = c.add(
            "BusinessProcess",
            name=f"Processus {b:02d}",
            business_criticity=("high", "medium", "low")[b % 3],
            status="active",
        )
        for app in rnd.sample(apps, rnd.randint(1, 3)):
            c.add(
                "lnkApplicationSolutionToBusinessProcess",
                businessprocess_id=bp,
                applicationsolution_id=app,
            )
    return c


def _k(redundancy: str, n: int) -> int:
    if redundancy in ("", "disabled"):
        return n
    if redundancy.endswith("%"):
        return max(1, math.ceil(int(redundancy[:-1]) * n / 100))
    return min(n, int(redundancy))


def down(c: Cmdb, location: str) -> tuple[set[int], set[int]]:
    """(application solutions, business processes) down when ``location`` is lost."""
    o = c.objects
    loc = next(i for i, r in o["Location"].items() if r["name"] == location)
    down: set[int] = set()
    members: dict[int, list[int]] = {}
    for r in o["lnkApplicationSolutionToFunctionalCI"].values():
        members.setdefault(int(r["applicationsolution_id"]), []).append(int(r["functionalci_id"]))
    farm_members: dict[int, list[int]] = {}
    for h, r in o["Hypervisor"].items():
        if r.get("farm_id"):
            farm_members.setdefault(int(r["farm_id"]), []).append(h)
    uplinks: dict[int, list[int]] = {}
    for r in o["lnkConnectableCIToNetworkDevice"].values():
        uplinks.setdefault(int(r["connectableci_id"]), []).append(int(r["networkdevice_id"]))

    def is_down(cls: str, i: int, r: dict[str, Any]) -> bool:
        if r.get("location_id") == str(loc) and cls != "Rack":
            return True
        if r.get("enclosure_id") not in (None, "0") and int(r["enclosure_id"]) in down:
            return True
        if cls in ("Server", "NetworkDevice", "StorageSystem"):
            feeds = [int(r[k]) for k in ("powerA_id", "powerB_id") if r.get(k) not in ("0", None)]
            if feeds and all(f in down for f in feeds):
                return True
            return any(n in down for n in uplinks.get(i, []))
        parent = {
            "PDU": "powerstart_id",
            "Hypervisor": "server_id",
            "VirtualMachine": "virtualhost_id",
            "DBServer": "system_id",
            "DatabaseSchema": "dbserver_id",
        }.get(cls)
        if parent:
            return int(r[parent]) in down
        if cls == "Farm":
            hs = farm_members.get(i, [])
            return sum(h not in down for h in hs) < _k(r["redundancy"], len(hs))
        if cls == "ApplicationSolution":
            ms = members.get(i, [])
            return bool(ms) and sum(m not in down for m in ms) < _k(r["redundancy"], len(ms))
        return False

    changed = True
    while changed:
        changed = False
        for cls, rows in o.items():
            if cls in ("Location", "BusinessProcess") or cls.startswith("lnk"):
                continue
            for i, r in rows.items():
                if i not in down and is_down(cls, i, r):
                    down.add(i)
                    changed = True
    apps = down & set(o["ApplicationSolution"])
    bps = {
        int(r["businessprocess_id"])
        for r in o["lnkApplicationSolutionToBusinessProcess"].values()
        if int(r["applicationsolution_id"]) in apps
    }
    return apps, bps
