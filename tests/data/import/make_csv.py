"""Write the CSV fixture: a hospital's business impact analysis spreadsheet, one CSV per
sheet, in the columns of ``blackstart template csv``. Run from this directory:
``python make_csv.py``; the output is committed.
"""

from __future__ import annotations

import csv
from pathlib import Path

from blackstart.io.csv_templates import TEMPLATES

OUT = Path(__file__).resolve().parent / "csv"


def write(name: str, rows: list[dict[str, str]]) -> int:
    cols = [c.name for c in TEMPLATES[name]]
    with (OUT / name).open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, cols)
        w.writeheader()
        w.writerows(rows)
    return len(rows)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    n = write(
        "providers.csv",
        [
            {
                "id": "colo-operator",
                "kind": "colocation",
                "name": "Colocation operator",
                "jurisdiction": "GB",
            },
            {"id": "carrier", "kind": "telecom", "name": "Telecom carrier", "jurisdiction": "FR"},
            {"id": "payroll-saas", "kind": "saas", "name": "Payroll SaaS", "jurisdiction": "FR"},
        ],
    )
    n += write(
        "sites.csv",
        [
            {
                "id": "dc-colo",
                "kind": "colocation",
                "name": "Main DC (colocation)",
                "provider": "colo-operator",
                "city": "Paris",
            },
            {"id": "dc-own", "kind": "datacenter", "name": "Secondary DC", "city": "Créteil"},
            {"id": "hosp-north", "kind": "hospital", "name": "North hospital"},
            {"id": "hosp-south", "kind": "hospital", "name": "South hospital"},
        ],
    )
    n += write(
        "teams.csv",
        [
            {
                "id": "infra",
                "name": "Infrastructure",
                "skills": "storage;network;vmware",
                "weekday_people": "5",
                "weekend_on_call": "1",
                "night_on_call": "1",
            },
            {
                "id": "apps",
                "name": "Applications",
                "skills": "apps;dba",
                "weekday_people": "6",
                "weekend_on_call": "1",
            },
            {
                "id": "telecom",
                "name": "Telecom",
                "skills": "telecom",
                "weekday_people": "2",
                "weekend_on_call": "1",
            },
        ],
    )
    comps, deps = [], []
    for dc in ("colo", "own"):
        comps += [
            {"id": f"power-{dc}", "kind": "power", "site": f"dc-{dc}", "team": "infra"},
            {"id": f"ups-{dc}", "kind": "ups", "site": f"dc-{dc}", "team": "infra"},
            {
                "id": f"san-{dc}",
                "kind": "storage",
                "site": f"dc-{dc}",
                "team": "infra",
                "skill": "storage",
                "restart": "1h..3h",
                "verify": "2h..6h",
            },
            {
                "id": f"core-sw-{dc}",
                "kind": "switch",
                "site": f"dc-{dc}",
                "team": "infra",
                "skill": "network",
                "restart": "20min..1h",
            },
            {
                "id": f"vmware-{dc}",
                "kind": "cluster",
                "site": f"dc-{dc}",
                "team": "infra",
                "skill": "vmware",
                "restart": "30min..2h",
                "verify": "30min..1h",
            },
        ]
        deps += [
            {"id": f"ups-{dc}", "requires": f"power-{dc}"},
            {"id": f"san-{dc}", "requires": f"ups-{dc}"},
            {"id": f"core-sw-{dc}", "requires": f"ups-{dc}"},
            {"id": f"vmware-{dc}", "requires": f"san-{dc}"},
            {"id": f"vmware-{dc}", "requires": f"core-sw-{dc}"},
        ]
    comps.append({"id": "wan", "kind": "link", "provider": "carrier", "team": "telecom"})
    deps += [{"id": "wan", "requires": "core-sw-colo"}]
    apps = {
        # app: (tier of its function, rto, rpo, degraded mode, holds for, both DCs?)
        "ehr": ("vital", "2h", "15min", "paper record", "24h", True),
        "lis": ("care", "4h", "1h", "phone results", "72h", False),
        "pacs": ("care", "8h", "1h", "films", "48h", False),
        "pharmacy": ("care", "8h", "1h", "paper prescriptions", "72h", False),
        "adt": ("vital", "1h", "5min", "paper admissions", "12h", True),
        "mail": ("care", "4h", "1h", "", "", False),
        "ipbx": ("vital", "1h", "", "mobile phones", "24h", True),
        "billing": ("administrative", "3d", "24h", "deferred invoicing", "2w", False),
        "hr": ("administrative", "5d", "24h", "", "", False),
        "procurement": ("administrative", "3d", "24h", "phone orders", "2w", False),
        "beds": ("care", "12h", "4h", "whiteboard", "5d", False),
        "theatre": ("care", "4h", "1h", "paper schedule", "48h", False),
        "transfusion": ("vital", "1h", "0min", "paper log", "8h", True),
    }
    funcs = []
    for app, (tier, rto, rpo, proc, holds, both) in apps.items():
        comps += [
            {
                "id": f"{app}-db",
                "kind": "database",
                "site": "dc-colo",
                "team": "apps",
                "skill": "dba",
                "restart": "30min..1h",
                "data_check": "1h..3h",
                "restore": "4h..12h",
                "restart_fails": "0.1",
            },
            {
                "id": f"{app}-vm-colo",
                "kind": "vm",
                "site": "dc-colo",
                "team": "infra",
                "skill": "vmware",
                "boot": "5min",
            },
            {
                "id": f"{app}-app",
                "kind": "application",
                "team": "apps",
                "skill": "apps",
                "restart": "15min..45min",
                "verify": "30min..2h",
                "tags": f"{tier};bia-2025",
            },
        ]
        deps += [
            {"id": f"{app}-db", "requires": "vmware-colo"},
            {"id": f"{app}-vm-colo", "requires": "vmware-colo"},
            {"id": f"{app}-app", "requires": f"{app}-db"},
            {"id": f"{app}-app", "requires": f"{app}-vm-colo", "group": "hosts"},
        ]
        if both:
            comps.append(
                {
                    "id": f"{app}-vm-own",
                    "kind": "vm",
                    "site": "dc-own",
                    "team": "infra",
                    "skill": "vmware",
                    "boot": "5min",
                }
            )
            deps += [
                {"id": f"{app}-vm-own", "requires": "vmware-own"},
                {"id": f"{app}-app", "requires": f"{app}-vm-own", "group": "hosts"},
            ]
        funcs.append(
            {
                "id": f"{app}-use",
                "tier": tier,
                "name": f"Use of {app}",
                "rto": rto,
                "rpo": rpo,
                "mtpd": "",
                "patient_safety": "true" if tier != "administrative" else "false",
                "degraded_mode": proc,
                "degraded_holds_for": holds,
                "owner": "Medical board" if tier != "administrative" else "Finance",
            }
        )
        deps.append({"id": f"{app}-use", "requires": f"{app}-app"})
    for site in ("hosp-north", "hosp-south"):
        comps += [
            {"id": f"{site}-router", "kind": "router", "site": site, "team": "telecom"},
            {"id": f"{site}-phones", "kind": "telephony", "site": site, "team": "telecom"},
        ]
        deps += [
            {"id": f"{site}-router", "requires": "wan"},
            {"id": f"{site}-phones", "requires": "ipbx-app"},
            {"id": f"{site}-phones", "requires": f"{site}-router"},
        ]
    funcs.append(
        {
            "id": "phones-north",
            "tier": "vital",
            "name": "Telephony, North hospital",
            "rto": "1h",
            "patient_safety": "true",
            "degraded_mode": "mobile phones",
            "degraded_holds_for": "24h",
        }
    )
    deps.append({"id": "phones-north", "requires": "hosp-north-phones"})
    n += write("components.csv", comps)
    n += write("dependencies.csv", deps)
    n += write("functions.csv", funcs)
    print(f"{n} rows")


if __name__ == "__main__":
    main()
