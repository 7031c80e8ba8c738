"""Import a NetBox data-centre inventory (its REST API's JSON) with its power chain.

Owns the mapping from NetBox objects (REST API, https://netboxlabs.com/docs/netbox/
en/stable/integrations/rest-api/; models in https://netboxlabs.com/docs/netbox/en/stable/
models/) to a model document. The input is one JSON file mapping endpoints
(``dcim/sites``, ``dcim/power-feeds``…) to the API's responses, or a directory of
files named after the endpoints (``sites.json``, ``power-feeds.json``…), each the
response as saved (a list, or the paginated ``{"count", "results"}``).

The power chain becomes requirements: a device needs ANY of its connected power ports'
sources (a power feed, or the PDU whose outlet the port is cabled to); a feed needs its
power panel; a panel needs its site's supply (one ``<site>-supply`` component per site
with panels). Connections come from ``dcim/cables`` terminations, or from a power
port's ``link_peers`` when no cable list is given. Clusters need any of their hosts;
virtual machines need their cluster. Tenants and site facilities seed the providers;
a site's ``shared_with`` lists the other tenants of its racks and devices.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any, get_args

from blackstart.io.importing import (
    Importer,
    ImportResult,
    Record,
    endpoint_records,
    make_id,
    sorted_sections,
)
from blackstart.io.netbox_chain import power_chain, slug, virtualization
from blackstart.io.netbox_index import NetBox
from blackstart.model.schema import SiteKind

ENDPOINTS = {
    "site": "dcim.site",
    "location": "dcim.location",
    "rack": "dcim.rack",
    "device": "dcim.device",
    "power-panel": "dcim.powerpanel",
    "power-feed": "dcim.powerfeed",
    "power-port": "dcim.powerport",
    "power-outlet": "dcim.poweroutlet",
    "cable": "dcim.cable",
    "cluster": "virtualization.cluster",
    "virtual-machine": "virtualization.virtualmachine",
    "tenant": "tenancy.tenant",
}
_APP = {
    "virtualization.cluster": "virtualization",
    "virtualization.virtualmachine": "virtualization",
    "tenancy.tenant": "tenancy",
}
ALIASES: dict[str, str] = {}
for _name, _kind in ENDPOINTS.items():
    _app = _APP.get(_kind, "dcim")
    for _form in (_name, _name + "s", f"{_app}/{_name}s", f"{_app}-{_name}s", f"{_app}.{_name}s"):
        ALIASES[_form] = _kind

#: device role slug words -> component kind (first match).
ROLE_KINDS = (
    ("pdu", "power"),
    ("ups", "ups"),
    ("generator", "generator"),
    ("cooling", "cooling"),
    ("crac", "cooling"),
    ("firewall", "firewall"),
    ("router", "router"),
    ("switch", "switch"),
    ("storage", "storage"),
    ("san", "storage"),
    ("nas", "storage"),
    ("backup", "backup"),
    ("hypervisor", "compute"),
    ("server", "compute"),
    ("host", "compute"),
    ("compute", "compute"),
    ("pbx", "pbx"),
    ("phone", "telephony"),
    ("patch", "other"),
)
SITE_KINDS = frozenset(get_args(SiteKind))
_IGNORED = (
    "id",
    "url",
    "display",
    "display_url",
    "slug",
    "created",
    "last_updated",
    "custom_fields",
    "comments",
    "_occupied",
    "_depth",
    "occupied",
)
_MAPPED = {
    "dcim.site": ("name", "status", "tenant", "facility", "description", "tags", "time_zone"),
    "dcim.location": ("name", "site", "parent", "status", "tenant", "description"),
    "dcim.rack": ("name", "site", "location", "tenant", "status"),
    "dcim.device": (
        "name",
        "role",
        "device_role",
        "tenant",
        "site",
        "location",
        "rack",
        "status",
        "cluster",
        "description",
        "tags",
        "device_type",
    ),
    "dcim.powerpanel": ("name", "site", "location", "description"),
    "dcim.powerfeed": (
        "name",
        "power_panel",
        "rack",
        "status",
        "type",
        "cable",
        "tenant",
        "description",
        "link_peers",
        "link_peers_type",
        "connected_endpoints",
        "connected_endpoints_type",
        "connected_endpoints_reachable",
        "mark_connected",
    ),
    "dcim.powerport": (
        "name",
        "device",
        "cable",
        "link_peers",
        "link_peers_type",
        "connected_endpoints",
        "connected_endpoints_type",
        "connected_endpoints_reachable",
        "mark_connected",
        "description",
    ),
    "dcim.poweroutlet": (
        "name",
        "device",
        "power_port",
        "cable",
        "link_peers",
        "link_peers_type",
        "connected_endpoints",
        "connected_endpoints_type",
        "connected_endpoints_reachable",
        "mark_connected",
        "feed_leg",
    ),
    "dcim.cable": ("a_terminations", "b_terminations", "status"),
    "virtualization.cluster": (
        "name",
        "type",
        "status",
        "tenant",
        "site",
        "scope",
        "scope_type",
        "scope_id",
        "description",
        "device_count",
        "virtualmachine_count",
    ),
    "virtualization.virtualmachine": (
        "name",
        "status",
        "site",
        "cluster",
        "device",
        "role",
        "tenant",
        "description",
        "tags",
    ),
    "tenancy.tenant": ("name", "description", "group", "tags"),
}


def _tags(data: dict[str, Any]) -> list[str]:
    return [s for t in data.get("tags") or [] if (s := slug(t))]


def import_netbox(path: Path) -> ImportResult:
    """Read a NetBox export (file or directory) into a model document; a
    :class:`~blackstart.errors.ModelError` with every located problem if it cannot."""
    imp = Importer("netbox")
    nb = NetBox(endpoint_records(Path(path), ALIASES, imp), imp, _MAPPED, _IGNORED)
    imp.fail_if_problems()
    doc: dict[str, Any] = {"providers": {}, "sites": {}, "components": {}}
    site_ids: dict[int, str] = {}
    for i, rec in sorted(nb.by_id["tenancy.tenant"].items()):
        pid = make_id(slug(rec.data) or imp.get(rec, "name", str, required=True) or f"t{i}")
        entry: dict[str, Any] = {"kind": "other", "name": rec.data.get("name")}
        if rec.data.get("description"):
            entry["description"] = rec.data["description"]
        doc["providers"][pid] = entry
    tenant_id = {i: make_id(slug(r.data) or f"t{i}") for i, r in nb.by_id["tenancy.tenant"].items()}

    def tenant_of(rec: Record) -> str | None:
        t = nb.ref(rec, "tenant", "tenancy.tenant")
        return tenant_id[int(t.data["id"])] if t is not None else None

    tenants_at: dict[str, set[str]] = defaultdict(set)
    for i, rec in sorted(nb.by_id["dcim.site"].items()):
        name = imp.get(rec, "name", str, required=True)
        sid = make_id(slug(rec.data) or name or f"site-{i}")
        site_ids[i] = sid
        tags = _tags(rec.data)
        facility = imp.get(rec, "facility", str)
        kind = next((t for t in tags if t in SITE_KINDS), None)
        site: dict[str, Any] = {"kind": kind or ("colocation" if facility else "datacenter")}
        if name:
            site["name"] = name
        if facility:
            pid = make_id(facility)
            doc["providers"].setdefault(pid, {"kind": "colocation", "name": facility})
            site["provider"] = pid
        if rec.data.get("description"):
            site["description"] = rec.data["description"]
        own = tenant_of(rec)
        site["_own"] = own
        doc["sites"][sid] = site

    def site_of(rec: Record, *, required: bool = False) -> str | None:
        s = nb.ref(rec, "site", "dcim.site", required=required)
        return site_ids.get(int(s.data["id"])) if s is not None else None

    comps: dict[str, dict[str, Any]] = doc["components"]
    for rec in nb.by_id["dcim.rack"].values():
        at, t = site_of(rec, required=True), tenant_of(rec)
        if at and t:
            tenants_at[at].add(t)
    supply: dict[str, str] = {}
    panel_ids: dict[int, str] = {}
    for i, rec in sorted(nb.by_id["dcim.powerpanel"].items()):
        at = site_of(rec, required=True)
        name = imp.get(rec, "name", str, required=True) or str(i)
        if at is None:
            continue
        if at not in supply:
            supply[at] = nb.unique(f"{at}-supply")
            comps[supply[at]] = {"kind": "power", "name": f"Power supply of site {at}", "site": at}
        pid = nb.claim("dcim.powerpanel", rec, f"{at}-{name}")
        panel_ids[i] = pid
        comps[pid] = {
            "kind": "power",
            "name": f"{name} ({at})",
            "site": at,
            "requires": [supply[at]],
        }
    feed_ids: dict[int, str] = {}
    for i, rec in sorted(nb.by_id["dcim.powerfeed"].items()):
        panel = nb.ref(rec, "power_panel", "dcim.powerpanel", required=True)
        name = imp.get(rec, "name", str, required=True) or str(i)
        if panel is None or int(panel.data["id"]) not in panel_ids:
            continue
        pid = panel_ids[int(panel.data["id"])]
        fid = nb.claim("dcim.powerfeed", rec, name)
        feed_ids[i] = fid
        entry = {
            "kind": "power",
            "name": f"Power feed {name}",
            "site": comps[pid]["site"],
            "requires": [pid],
        }
        tags = [f"feed-type:{t}"] if (t := slug(rec.data.get("type"))) else []
        status = slug(rec.data.get("status"))
        if status and status != "active":
            tags.append(f"status:{status}")
        if tags:
            entry["tags"] = tags
        comps[fid] = entry
    device_ids: dict[int, str] = {}
    for i, rec in sorted(nb.by_id["dcim.device"].items()):
        name = imp.get(rec, "name", str)
        if name is None:
            model = slug((rec.data.get("device_type") or {}).get("model")) or "device"
            name = f"{model}-{i}"
            imp.notes.append(f"{rec.source.label}: device {i} has no name: id '{make_id(name)}'")
        did = nb.claim("dcim.device", rec, name)
        device_ids[i] = did
        role = slug(rec.data.get("role") or rec.data.get("device_role")) or ""
        kind = next((k for w, k in ROLE_KINDS if w in role), None)
        if kind is None:
            kind = "other"
            imp.notes.append(
                f"{rec.source.label}: device role '{role}' has no kind rule "
                f"(device '{did}' is kind other)"
            )
        entry = {"kind": kind, "name": name}
        at = site_of(rec, required=True)
        if at:
            entry["site"] = at
        tags = [f"role:{role}"] if role else []
        if (rack := nb.ref(rec, "rack", "dcim.rack")) is not None:
            tags.append(f"rack:{make_id(str(rack.data.get('name')))}")
        if (t := tenant_of(rec)) is not None:
            tags.append(f"tenant:{t}")
            if at:
                tenants_at[at].add(t)
        status = slug(rec.data.get("status"))
        if status and status != "active":
            tags.append(f"status:{status}")
        if tags:
            entry["tags"] = tags + _tags(rec.data)
        if rec.data.get("description"):
            entry["description"] = rec.data["description"]
        comps[did] = entry
    power_chain(nb, imp, comps, device_ids, feed_ids)
    virtualization(nb, imp, comps, device_ids, site_ids)
    for sid, site in doc["sites"].items():
        own = site.pop("_own")
        shared = sorted(tenants_at.get(sid, set()) - {own, None})
        if shared:
            site["shared_with"] = shared
    counted = ("dcim.location",)
    for kind in counted:
        if nb.by_id.get(kind):
            imp.notes.append(
                f"{len(nb.by_id[kind])} {kind} objects read: locations are not "
                "failure units (a site is); not mapped"
            )
    imp.fail_if_problems()
    return ImportResult("netbox", sorted_sections(doc), imp.warnings(), dict(imp.counts))
