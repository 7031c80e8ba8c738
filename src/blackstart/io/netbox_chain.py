"""The NetBox power chain and virtualisation layer as requirements.

Owns how connections become requirements (:mod:`blackstart.io.netbox` owns the objects,
:mod:`~blackstart.io.netbox_index` their index):
a device needs ANY of its connected power ports' sources — a power feed, or the PDU
whose outlet the port is cabled to — read from ``dcim/cables`` terminations
(``a_terminations``/``b_terminations`` of ``{object_type, object_id}``) or, without a
cable list, from each power port's ``link_peers``; a cluster needs any of its host
devices; a virtual machine needs its cluster (or its device).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from blackstart.io.importing import Importer, Record
from blackstart.io.netbox_index import NetBox


def slug(value: Any) -> str | None:
    if isinstance(value, dict):
        v = value.get("slug") or value.get("value") or value.get("name")
        return str(v) if v is not None else None
    return str(value) if value is not None else None


def power_chain(
    nb: NetBox,
    imp: Importer,
    comps: dict[str, dict[str, Any]],
    device_ids: dict[int, str],
    feed_ids: dict[int, str],
) -> None:
    """Each device requires any of the sources of its connected power ports."""
    peers: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
    for rec in nb.by_id["dcim.cable"].values():
        sides: list[list[tuple[str, int]]] = []
        for side in ("a_terminations", "b_terminations"):
            terms = imp.get(rec, side, list, required=True) or []
            got = []
            for j, term in enumerate(terms):
                trec = Record(rec.kind, term, rec.source, (*rec.path, side, j))
                if not isinstance(term, dict):
                    imp.problem(rec, "wrong-type", f"{side}[{j}] must be an object", side)
                    continue
                otype = imp.get(trec, "object_type", str, required=True)
                oid = imp.get(trec, "object_id", int, required=True)
                if otype is None or oid is None:
                    continue
                if otype not in ("dcim.powerport", "dcim.powerfeed", "dcim.poweroutlet"):
                    continue  # data cables: not part of the power chain
                if oid not in nb.by_id[otype]:
                    imp.problem(
                        trec,
                        "unknown-reference",
                        f"cable {rec.data.get('id')} ends "
                        f"on {otype} {oid}, which is not in the export",
                        "object_id",
                        suggestion=f"export {otype.split('.')[1]}s too, or fix the cable",
                    )
                    continue
                got.append((otype, oid))
            sides.append(got)
        if len(sides) == 2:
            for a in sides[0]:
                peers[a] += sides[1]
            for b in sides[1]:
                peers[b] += sides[0]
    outlet_device: dict[int, int] = {}
    for i, rec in nb.by_id["dcim.poweroutlet"].items():
        dev = nb.ref(rec, "device", "dcim.device", required=True)
        if dev is not None:
            outlet_device[i] = int(dev.data["id"])
    sources: dict[str, list[str]] = defaultdict(list)
    for i, rec in sorted(nb.by_id["dcim.powerport"].items()):
        dev = nb.ref(rec, "device", "dcim.device", required=True)
        if dev is None or int(dev.data["id"]) not in device_ids:
            continue
        did = device_ids[int(dev.data["id"])]
        ends = peers.get(("dcim.powerport", i))
        if ends is None:
            ends = _link_peers(imp, rec)
        for table, oid in ends:
            if table == "dcim.powerfeed" and oid in feed_ids:
                sources[did].append(feed_ids[oid])
            elif table == "dcim.poweroutlet" and oid in outlet_device:
                pdu = device_ids.get(outlet_device[oid])
                if pdu and pdu != did:
                    sources[did].append(pdu)
        if not ends:
            imp.notes.append(
                f"{rec.source.label}: power port '{rec.data.get('name')}' of "
                f"'{did}' is not connected"
            )
    for did, srcs in sorted(sources.items()):
        uniq = sorted(set(srcs))
        comps[did]["requires"] = uniq if len(uniq) == 1 else [{"any_of": uniq}]


def _link_peers(imp: Importer, rec: Record) -> list[tuple[str, int]]:
    kind = rec.data.get("link_peers_type")
    out = []
    for peer in rec.data.get("link_peers") or []:
        if isinstance(peer, dict) and isinstance(peer.get("id"), int) and kind:
            out.append((str(kind), int(peer["id"])))
    return out


def virtualization(
    nb: NetBox,
    imp: Importer,
    comps: dict[str, dict[str, Any]],
    device_ids: dict[int, str],
    site_ids: dict[int, str],
) -> None:
    """Clusters need any of their hosts; virtual machines need their cluster."""
    hosts: dict[int, list[str]] = defaultdict(list)
    for i, rec in nb.by_id["dcim.device"].items():
        c = nb.ref(rec, "cluster", "virtualization.cluster")
        if c is not None and i in device_ids:
            hosts[int(c.data["id"])].append(device_ids[i])
    cluster_ids: dict[int, str] = {}
    for i, rec in sorted(nb.by_id["virtualization.cluster"].items()):
        name = imp.get(rec, "name", str, required=True) or f"cluster-{i}"
        cid = nb.claim("virtualization.cluster", rec, name)
        cluster_ids[i] = cid
        entry: dict[str, Any] = {"kind": "cluster", "name": name}
        site = rec.data.get("site") or (
            rec.data.get("scope") if rec.data.get("scope_type") == "dcim.site" else None
        )
        if isinstance(site, dict) and site.get("id") in site_ids:
            entry["site"] = site_ids[site["id"]]
        members = sorted(hosts.get(i, []))
        if members:
            entry["requires"] = members if len(members) == 1 else [{"any_of": members}]
        else:
            imp.notes.append(f"{rec.source.label}: cluster '{cid}' has no host device")
        comps[cid] = entry
    for i, rec in sorted(nb.by_id["virtualization.virtualmachine"].items()):
        name = imp.get(rec, "name", str, required=True) or f"vm-{i}"
        vid = nb.claim("virtualization.virtualmachine", rec, name)
        entry = {"kind": "vm", "name": name}
        cluster = nb.ref(rec, "cluster", "virtualization.cluster")
        device = nb.ref(rec, "device", "dcim.device")
        site = rec.data.get("site")
        if isinstance(site, dict) and site.get("id") in site_ids:
            entry["site"] = site_ids[site["id"]]
        elif cluster is not None and "site" in comps[cluster_ids[int(cluster.data["id"])]]:
            entry["site"] = comps[cluster_ids[int(cluster.data["id"])]]["site"]
        if cluster is not None:
            entry["requires"] = [cluster_ids[int(cluster.data["id"])]]
        elif device is not None and int(device.data["id"]) in device_ids:
            entry["requires"] = [device_ids[int(device.data["id"])]]
        role = slug(rec.data.get("role"))
        if role:
            entry["tags"] = [f"role:{role}"]
        comps[vid] = entry
