"""Write the Backstage fixture: a hospital group's software catalogue (≥100 entities).

Field names follow the Descriptor Format of Catalog Entities
(https://backstage.io/docs/features/software-catalog/descriptor-format/). Run from this
directory: ``python make_backstage.py``; the output is committed.
"""

from __future__ import annotations

from pathlib import Path

import yaml

OUT = Path(__file__).resolve().parent / "backstage"
API = "backstage.io/v1alpha1"
B = "blackstart.io/"

GROUPS = {
    # id: (display name, skills, weekday people, weekend on call)
    "clinical-apps": ("Clinical applications team", "apps", 6, 1),
    "admin-apps": ("Administrative applications team", "apps-admin", 4, 0),
    "infrastructure": ("Infrastructure team", "infra", 5, 1),
    "identity": ("Identity and directory team", "directory", 2, 1),
    "telecom": ("Telecom team", "telecom", 3, 1),
    "integration": ("Interoperability team", "integration", 3, 1),
}
USERS = {f"user-{i:02d}": list(GROUPS)[i % len(GROUPS)] for i in range(12)}
DOMAINS = {
    "clinical": "Care delivery",
    "administrative": "Hospital administration",
    "communication": "Communication",
    "platform": "Shared platform",
}
# system id: (domain, tier, rto, mtpd, rpo, patient safety, degraded mode, holds for, owner)
SYSTEMS = {
    "patient-record": (
        "clinical",
        "vital",
        "2h",
        "24h",
        "15min",
        True,
        "paper record",
        "24h",
        "clinical-apps",
    ),
    "emergency-admissions": (
        "clinical",
        "vital",
        "1h",
        "8h",
        "5min",
        True,
        "paper admission forms",
        "12h",
        "clinical-apps",
    ),
    "lab-results": (
        "clinical",
        "care",
        "4h",
        "48h",
        "1h",
        True,
        "phone results to wards",
        "72h",
        "clinical-apps",
    ),
    "imaging": (
        "clinical",
        "care",
        "8h",
        "72h",
        "1h",
        True,
        "films and CD exchange",
        "48h",
        "clinical-apps",
    ),
    "pharmacy": (
        "clinical",
        "care",
        "8h",
        "72h",
        "1h",
        True,
        "paper prescriptions",
        "72h",
        "clinical-apps",
    ),
    "transfusion": (
        "clinical",
        "vital",
        "1h",
        "4h",
        "0min",
        True,
        "blood bank paper log",
        "8h",
        "clinical-apps",
    ),
    "bed-management": (
        "clinical",
        "care",
        "12h",
        "5d",
        "4h",
        False,
        "whiteboard",
        "5d",
        "clinical-apps",
    ),
    "operating-theatre": (
        "clinical",
        "care",
        "4h",
        "48h",
        "1h",
        True,
        "paper schedule",
        "48h",
        "clinical-apps",
    ),
    "messaging": ("communication", "care", "4h", "72h", "1h", False, None, None, "infrastructure"),
    "telephony": (
        "communication",
        "vital",
        "1h",
        "8h",
        None,
        True,
        "mobile phones",
        "24h",
        "telecom",
    ),
    "billing": (
        "administrative",
        "administrative",
        "3d",
        "2w",
        "24h",
        False,
        "deferred invoicing",
        "2w",
        "admin-apps",
    ),
    "payroll": (
        "administrative",
        "administrative",
        "5d",
        "3w",
        "24h",
        False,
        None,
        None,
        "admin-apps",
    ),
    "procurement": (
        "administrative",
        "administrative",
        "3d",
        "2w",
        "24h",
        False,
        "phone orders",
        "2w",
        "admin-apps",
    ),
    "staff-scheduling": (
        "administrative",
        "administrative",
        "2d",
        "1w",
        "24h",
        False,
        "printed rota",
        "1w",
        "admin-apps",
    ),
    "data-warehouse": ("administrative", None, None, None, None, False, None, None, "admin-apps"),
}
# shared platform resources: id: (type, owner, redundancy group, extra annotations)
PLATFORM = {
    "ad-north": ("directory", "identity", "directory", {}),
    "ad-south": ("directory", "identity", "directory", {}),
    "dns-north": ("dns", "infrastructure", "dns", {}),
    "dns-south": ("dns", "infrastructure", "dns", {}),
    "k8s-north": ("kubernetes-cluster", "infrastructure", "k8s", {}),
    "k8s-south": ("kubernetes-cluster", "infrastructure", "k8s", {}),
    "vmware-north": ("vm-cluster", "infrastructure", None, {}),
    "san-north": (
        "storage",
        "infrastructure",
        None,
        {B + "restart": "1h..3h", B + "verify": "2h..6h"},
    ),
    "backup-vault": ("backup", "infrastructure", None, {}),
    "hl7-broker-a": ("message-broker", "integration", "hl7", {}),
    "hl7-broker-b": ("message-broker", "integration", "hl7", {}),
    "mail-relay": ("mail", "infrastructure", None, {}),
    "sip-trunk-a": ("telephony", "telecom", "sip", {}),
    "sip-trunk-b": ("telephony", "telecom", "sip", {}),
    "ipbx-core": ("pbx", "telecom", None, {B + "restart": "30min..2h"}),
}
PLATFORM_DEPS = {
    "ad-north": ["vmware-north"],
    "ad-south": ["k8s-south"],
    "dns-north": ["vmware-north"],
    "dns-south": ["k8s-south"],
    "k8s-north": ["san-north"],
    "vmware-north": ["san-north"],
    "backup-vault": ["san-north"],
    "hl7-broker-a": ["k8s-north"],
    "hl7-broker-b": ["k8s-south"],
    "mail-relay": ["vmware-north", "dns-north", "dns-south"],
    "ipbx-core": ["vmware-north"],
}


def system_parts(sid: str) -> list[dict]:
    """Components and resources of one system: a front end, a back end, a database pair."""
    owner = SYSTEMS[sid][-1]
    front, back, dba, dbb = f"{sid}-portal", f"{sid}-service", f"{sid}-db-a", f"{sid}-db-b"
    host = ["resource:k8s-north", "resource:k8s-south"]
    parts = [
        comp(
            front,
            "website",
            owner,
            sid,
            [f"component:{back}"],
            tags=["web"],
            desc=f"Web front end of {sid}",
        ),
        comp(
            back,
            "service",
            owner,
            sid,
            [f"resource:{dba}", f"resource:{dbb}", *host, "resource:ad-north", "resource:ad-south"],
            consumes=["hl7-api"] if SYSTEMS[sid][0] == "clinical" else [],
            ann={B + "restart": "15min..45min", B + "verify": "30min..2h"},
        ),
        res(
            dba,
            "database",
            owner,
            sid,
            ["resource:san-north"],
            group=f"{sid}-db",
            ann={B + "restart": "30min..1h", B + "data-check": "1h..3h"},
        ),
        res(dbb, "database", owner, sid, ["resource:k8s-south"], group=f"{sid}-db"),
        comp(f"{sid}-client-lib", "library", owner, sid, []),
    ]
    if sid == "messaging":
        parts[1]["spec"]["dependsOn"].append("resource:mail-relay")
    if sid == "telephony":
        parts[1]["spec"]["dependsOn"] += [
            "resource:ipbx-core",
            "resource:sip-trunk-a",
            "resource:sip-trunk-b",
        ]
    return parts


def meta(name: str, desc: str | None = None, tags=None, ann=None, title=None) -> dict:
    m: dict = {"name": name}
    if title:
        m["title"] = title
    if desc:
        m["description"] = desc
    if tags:
        m["tags"] = tags
    if ann:
        m["annotations"] = ann
    return m


def comp(name, typ, owner, system, deps, consumes=(), tags=None, desc=None, ann=None):
    spec = {"type": typ, "lifecycle": "production", "owner": f"group:{owner}", "system": system}
    if deps:
        spec["dependsOn"] = list(deps)
    if consumes:
        spec["consumesApis"] = list(consumes)
    a = {"backstage.io/techdocs-ref": "dir:.", **(ann or {})}
    return {
        "apiVersion": API,
        "kind": "Component",
        "metadata": meta(name, desc, tags, a),
        "spec": spec,
    }


def res(name, typ, owner, system, deps, group=None, ann=None):
    a = dict(ann or {})
    if group:
        a[B + "redundancy-group"] = group
    spec = {"type": typ, "owner": owner}
    if system:
        spec["system"] = system
    if deps:
        spec["dependsOn"] = list(deps)
    return {
        "apiVersion": API,
        "kind": "Resource",
        "metadata": meta(name, ann=a or None),
        "spec": spec,
    }


def main() -> None:
    OUT.mkdir(exist_ok=True)
    org = []
    for gid, (title, skills, people, on_call) in GROUPS.items():
        org.append(
            {
                "apiVersion": API,
                "kind": "Group",
                "metadata": meta(
                    gid,
                    ann={
                        B + "skills": skills,
                        B + "weekday-people": str(people),
                        B + "weekend-on-call": str(on_call),
                    },
                ),
                "spec": {
                    "type": "team",
                    "profile": {"displayName": title, "email": f"{gid}@hospital.example"},
                    "children": [],
                },
            }
        )
    for uid, gid in USERS.items():
        org.append(
            {
                "apiVersion": API,
                "kind": "User",
                "metadata": meta(uid),
                "spec": {"profile": {"email": f"{uid}@hospital.example"}, "memberOf": [gid]},
            }
        )
    for did, title in DOMAINS.items():
        org.append(
            {
                "apiVersion": API,
                "kind": "Domain",
                "metadata": meta(did, title=title),
                "spec": {"owner": "group:infrastructure"},
            }
        )
    platform = []
    for rid, (typ, owner, group, ann) in PLATFORM.items():
        a = dict(ann)
        if group:
            a[B + "redundancy-group"] = group
        platform.append(
            res(rid, typ, owner, None, [f"resource:{d}" for d in PLATFORM_DEPS.get(rid, [])], ann=a)
        )
    platform.append(
        {
            "apiVersion": API,
            "kind": "API",
            "metadata": meta("hl7-api"),
            "spec": {
                "type": "hl7v2",
                "lifecycle": "production",
                "owner": "group:integration",
                "definition": "HL7 v2.5 ADT/ORU/ORM messages",
            },
        }
    )
    platform.append(
        comp(
            "hl7-gateway",
            "service",
            "integration",
            None,
            ["resource:hl7-broker-a", "resource:hl7-broker-b"],
        )
    )
    platform[-1]["spec"].pop("system")
    platform[-1]["spec"]["providesApis"] = ["hl7-api"]
    per_domain: dict[str, list[dict]] = {d: [] for d in DOMAINS}
    for sid, (dom, tier, rto, mtpd, rpo, ps, proc, holds, owner) in SYSTEMS.items():
        ann = {}
        if tier:
            ann[B + "tier"] = tier
        for key, v in (("rto", rto), ("mtpd", mtpd), ("rpo", rpo)):
            if v:
                ann[B + key] = v
        ann[B + "patient-safety"] = "true" if ps else "false"
        if proc:
            ann[B + "degraded-mode"] = proc
            ann[B + "degraded-holds-for"] = holds
        per_domain[dom].append(
            {
                "apiVersion": API,
                "kind": "System",
                "metadata": meta(sid, ann=ann, title=sid.replace("-", " ").capitalize()),
                "spec": {"owner": f"group:{owner}", "domain": dom},
            }
        )
        per_domain[dom] += system_parts(sid)
    files = {
        "org.yaml": org,
        "platform.yaml": platform,
        **{f"{d}.yaml": e for d, e in per_domain.items() if e},
    }
    files["locations.yaml"] = [
        {
            "apiVersion": API,
            "kind": "Location",
            "metadata": meta("hospital-catalog"),
            "spec": {"targets": [f"./{f}" for f in files]},
        }
    ]
    n = 0
    for name, entities in files.items():
        n += len(entities)
        text = yaml.safe_dump_all(entities, sort_keys=False, width=100)
        (OUT / name).write_text(text, "utf-8")
    print(f"{n} entities in {len(files)} files")


if __name__ == "__main__":
    main()
