"""Write the NetBox fixture: a hospital group's data-centre inventory with its power chain.

Objects follow the NetBox REST API's JSON (NetBox 4.x serializers: nested references
``{id, url, display, name, slug}``, choice fields ``{value, label}``, cable
``a_terminations``/``b_terminations`` with ``object_type``/``object_id``), one file per
endpoint as the API returns it (paginated ``{count, next, previous, results}``).
Run from this directory: ``python make_netbox.py``; the output is committed.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent / "netbox"
API = "https://netbox.hospital.example/api"
TS = "2026-01-15T09:30:00.000000Z"

objects: dict[str, list[dict]] = {}


def add(endpoint: str, obj: dict) -> dict:
    rows = objects.setdefault(endpoint, [])
    obj = {"id": len(rows) + 1, "url": f"{API}/{endpoint}/{len(rows) + 1}/", **obj}
    obj.setdefault("display", obj.get("name"))
    obj.setdefault("created", TS)
    obj.setdefault("last_updated", TS)
    obj.setdefault("custom_fields", {})
    rows.append(obj)
    return obj


def brief(obj: dict, endpoint: str, *keys: str) -> dict:
    out = {"id": obj["id"], "url": f"{API}/{endpoint}/{obj['id']}/", "display": obj["display"]}
    for k in ("name", "slug", *keys):
        if k in obj:
            out[k] = obj[k]
    return out


def choice(value: str, label: str | None = None) -> dict:
    return {"value": value, "label": label or value.capitalize()}


def tag(slug: str) -> dict:
    return {
        "id": zlib.crc32(slug.encode()) % 1000,
        "url": f"{API}/extras/tags/",
        "display": slug,
        "name": slug,
        "slug": slug,
        "color": "9e9e9e",
    }


def main() -> None:
    tenants = {
        slug: add(
            "tenancy/tenants",
            {"name": name, "slug": slug, "description": desc, "group": None, "tags": []},
        )
        for slug, name, desc in (
            ("hospital-group", "Hospital group", "Our own equipment"),
            ("ovhcloud", "OVHcloud", "Cloud provider, tenant of the colocation building"),
            ("google-cloud", "Google Cloud", "europe-west9 zone hosted in the same building"),
        )
    }
    sites = {}
    for slug, name, facility, kind, tz in (
        (
            "colo-paris",
            "Paris colocation (main DC)",
            "Global Switch Paris",
            "colocation",
            "Europe/Paris",
        ),
        ("dc-secondary", "Group-owned secondary DC", "", "datacenter", "Europe/Paris"),
        ("hop-nord", "Hôpital Nord", "", "hospital", "Europe/Paris"),
        ("hop-sud", "Hôpital Sud", "", "hospital", "Europe/Paris"),
    ):
        sites[slug] = add(
            "dcim/sites",
            {
                "name": name,
                "slug": slug,
                "status": choice("active"),
                "region": None,
                "group": None,
                "tenant": brief(tenants["hospital-group"], "tenancy/tenants"),
                "facility": facility,
                "time_zone": tz,
                "description": "",
                "physical_address": f"{name}, France",
                "latitude": None,
                "longitude": None,
                "tags": [tag(kind)],
                "asns": [],
            },
        )
    locations = {}
    for slug, site in sites.items():
        locations[slug] = add(
            "dcim/locations",
            {
                "name": "Server room" if "hop" in slug else "Hall 1",
                "slug": f"{slug}-room",
                "site": brief(site, "dcim/sites"),
                "parent": None,
                "status": choice("active"),
                "tenant": None,
                "description": "",
            },
        )
    roles = {
        r: {
            "id": i + 1,
            "url": f"{API}/dcim/device-roles/{i + 1}/",
            "display": r,
            "name": r.replace("-", " ").title(),
            "slug": r,
        }
        for i, r in enumerate(
            (
                "pdu",
                "server",
                "hypervisor",
                "core-switch",
                "access-switch",
                "storage-array",
                "firewall",
            )
        )
    }
    dtype = {
        "id": 7,
        "url": f"{API}/dcim/device-types/7/",
        "display": "PowerEdge R760",
        "manufacturer": {"id": 2, "name": "Dell", "slug": "dell"},
        "model": "PowerEdge R760",
        "slug": "poweredge-r760",
    }

    def device(name, role, site, rack, tenant="hospital-group", cluster=None):
        return add(
            "dcim/devices",
            {
                "name": name,
                "device_type": dtype,
                "role": roles[role],
                "tenant": brief(tenants[tenant], "tenancy/tenants"),
                "platform": None,
                "serial": f"SN{zlib.crc32(name.encode()) % 10**8:08d}",
                "asset_tag": None,
                "site": brief(site, "dcim/sites"),
                "location": brief(locations[site["slug"]], "dcim/locations"),
                "rack": brief(rack, "dcim/racks") if rack else None,
                "position": 10.0,
                "face": choice("front"),
                "status": choice("active"),
                "airflow": None,
                "primary_ip4": None,
                "cluster": brief(cluster, "virtualization/clusters") if cluster else None,
                "description": "",
                "tags": [],
            },
        )

    def port(dev, name):
        return add(
            "dcim/power-ports",
            {
                "device": brief(dev, "dcim/devices"),
                "module": None,
                "name": name,
                "label": "",
                "type": choice("iec-60320-c14", "C14"),
                "maximum_draw": 750,
                "allocated_draw": 400,
                "description": "",
                "mark_connected": False,
                "cable": None,
                "link_peers": [],
                "link_peers_type": None,
            },
        )

    def outlet(dev, name, leg):
        return add(
            "dcim/power-outlets",
            {
                "device": brief(dev, "dcim/devices"),
                "module": None,
                "name": name,
                "label": "",
                "type": choice("iec-60320-c13", "C13"),
                "power_port": None,
                "feed_leg": choice(leg),
                "description": "",
                "mark_connected": False,
                "cable": None,
                "link_peers": [],
                "link_peers_type": None,
            },
        )

    def cable(a_type, a, b_type, b):
        c = add(
            "dcim/cables",
            {
                "type": "power",
                "status": choice("connected"),
                "tenant": None,
                "label": "",
                "color": "",
                "length": 2,
                "length_unit": choice("m", "Meters"),
                "a_terminations": [{"object_type": a_type, "object_id": a["id"]}],
                "b_terminations": [{"object_type": b_type, "object_id": b["id"]}],
                "display": f"#{len(objects.get('dcim/cables', [])) + 1}",
                "description": "",
            },
        )
        for obj, peer, ptype in ((a, b, b_type), (b, a, a_type)):
            obj["cable"] = {
                "id": c["id"],
                "url": f"{API}/dcim/cables/{c['id']}/",
                "display": c["display"],
                "label": "",
            }
            obj["link_peers"] = [
                {"id": peer["id"], "display": peer["display"], "name": peer.get("name")}
            ]
            obj["link_peers_type"] = ptype

    clusters = {}
    for slug in ("colo-paris", "dc-secondary"):
        clusters[slug] = add(
            "virtualization/clusters",
            {
                "name": f"vmware-{slug}",
                "type": {"id": 1, "name": "VMware vSphere", "slug": "vmware-vsphere"},
                "group": None,
                "status": choice("active"),
                "tenant": None,
                "site": brief(sites[slug], "dcim/sites"),
                "description": "",
                "device_count": 0,
                "virtualmachine_count": 0,
                "tags": [],
            },
        )
    for slug in ("colo-paris", "dc-secondary"):
        site = sites[slug]
        panels = [
            add(
                "dcim/power-panels",
                {
                    "name": f"Panel {leg}",
                    "site": brief(site, "dcim/sites"),
                    "location": brief(locations[slug], "dcim/locations"),
                    "description": "",
                    "tags": [],
                },
            )
            for leg in ("A", "B")
        ]
        for r in range(1, 5):
            rack = add(
                "dcim/racks",
                {
                    "name": f"R{r:02d}",
                    "site": brief(site, "dcim/sites"),
                    "location": brief(locations[slug], "dcim/locations"),
                    "tenant": brief(tenants["hospital-group"], "tenancy/tenants"),
                    "status": choice("active"),
                    "role": None,
                    "u_height": 42,
                    "tags": [],
                },
            )
            feeds = [
                add(
                    "dcim/power-feeds",
                    {
                        "name": f"{slug[:4].upper()}-R{r:02d}-{leg}",
                        "power_panel": brief(panel, "dcim/power-panels"),
                        "rack": brief(rack, "dcim/racks"),
                        "status": choice("active"),
                        "type": choice(kind),
                        "supply": choice("ac", "AC"),
                        "phase": choice("single-phase", "Single phase"),
                        "voltage": 230,
                        "amperage": 32,
                        "max_utilization": 80,
                        "mark_connected": False,
                        "cable": None,
                        "link_peers": [],
                        "link_peers_type": None,
                        "tenant": None,
                        "description": "",
                    },
                )
                for leg, kind, panel in (("A", "primary", panels[0]), ("B", "redundant", panels[1]))
            ]
            pdus = []
            for leg, feed in zip("AB", feeds, strict=True):
                pdu = device(f"{slug}-r{r:02d}-pdu-{leg.lower()}", "pdu", site, rack)
                cable("dcim.powerport", port(pdu, "PSU1"), "dcim.powerfeed", feed)
                pdus.append((pdu, [outlet(pdu, f"OUT{n}", leg) for n in range(1, 5)]))
            role = "hypervisor" if r <= 2 else "server"
            for n in range(1, 4):
                dev = device(
                    f"{slug}-r{r:02d}-srv{n}",
                    role,
                    site,
                    rack,
                    cluster=clusters[slug] if role == "hypervisor" else None,
                )
                for leg, (_pdu, outs) in zip("AB", pdus, strict=True):
                    cable("dcim.powerport", port(dev, f"PSU{leg}"), "dcim.poweroutlet", outs[n - 1])
            sw = device(f"{slug}-r{r:02d}-sw", "access-switch", site, rack)
            # a single power supply: a single point of failure on leg A
            cable("dcim.powerport", port(sw, "PSU1"), "dcim.poweroutlet", pdus[0][1][3])
        if slug == "colo-paris":
            for t in ("ovhcloud", "google-cloud"):
                add(
                    "dcim/racks",
                    {
                        "name": f"{t.upper()}-CAGE",
                        "site": brief(site, "dcim/sites"),
                        "location": brief(locations[slug], "dcim/locations"),
                        "tenant": brief(tenants[t], "tenancy/tenants"),
                        "status": choice("active"),
                        "role": None,
                        "u_height": 42,
                        "tags": [],
                    },
                )
    for slug in ("hop-nord", "hop-sud"):
        rack = add(
            "dcim/racks",
            {
                "name": "LT-01",
                "site": brief(sites[slug], "dcim/sites"),
                "location": brief(locations[slug], "dcim/locations"),
                "tenant": None,
                "status": choice("active"),
                "role": None,
                "u_height": 24,
                "tags": [],
            },
        )
        device(f"{slug}-core-sw", "core-switch", sites[slug], rack)
        device(f"{slug}-fw", "firewall", sites[slug], rack)
    apps = (
        "ehr",
        "lis",
        "pacs",
        "pharma",
        "adt",
        "mail",
        "ipbx",
        "ad",
        "dns",
        "erp",
        "hr",
        "dwh",
        "bed",
        "or-planning",
        "hl7",
    )
    for slug in ("colo-paris", "dc-secondary"):
        for i, app in enumerate(apps):
            if slug == "dc-secondary" and i % 2:
                continue
            add(
                "virtualization/virtual-machines",
                {
                    "name": f"vm-{app}-{slug.split('-')[0]}",
                    "status": choice("active"),
                    "site": brief(sites[slug], "dcim/sites"),
                    "cluster": brief(clusters[slug], "virtualization/clusters"),
                    "device": None,
                    "role": {"id": 2, "name": "Application server", "slug": "app-server"},
                    "tenant": brief(tenants["hospital-group"], "tenancy/tenants"),
                    "platform": {"id": 1, "name": "RHEL 9", "slug": "rhel-9"},
                    "primary_ip": None,
                    "vcpus": 4.0,
                    "memory": 16384,
                    "disk": 200,
                    "description": f"{app} application server",
                    "tags": [],
                },
            )
    OUT.mkdir(exist_ok=True)
    total = 0
    for endpoint, rows in objects.items():
        total += len(rows)
        name = endpoint.split("/")[1] + ".json"
        payload = {"count": len(rows), "next": None, "previous": None, "results": rows}
        (OUT / name).write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    print(f"{total} objects in {len(objects)} files")


if __name__ == "__main__":
    main()
