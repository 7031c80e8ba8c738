"""Write the Mercator fixture: a hospital group's IS cartography (≥100 objects).

Objects carry the fields of Mercator's data model (https://dbarzin.github.io/mercator/
model/: tables m_applications, databases, logical_servers, physical_servers, buildings,
sites, entities, fluxes, activities) as ``GET /api/<endpoint>`` returns them, one file per
endpoint. Durations (rto, rpo, recovery_time_objective…) are whole minutes.
Run from this directory: ``python make_mercator.py``; the output is committed.
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent / "mercator"
TS = "2026-01-15 09:30:00"
objects: dict[str, list[dict]] = {}


def add(endpoint: str, **fields) -> dict:
    rows = objects.setdefault(endpoint, [])
    obj = {"id": len(rows) + 1, **fields, "created_at": TS, "updated_at": TS, "deleted_at": None}
    rows.append(obj)
    return obj


def main() -> None:
    ent = {}
    for name, etype, ext, desc in (
        ("Direction des systèmes d'information", "Direction", False, "DSI du groupe"),
        ("Laboratoire de biologie", "Service de soins", False, "Laboratoire central"),
        ("Pharmacie à usage intérieur", "Service de soins", False, ""),
        ("Direction des ressources humaines", "Direction", False, ""),
        ("Global Switch", "Hébergeur", True, "Opérateur du bâtiment de colocation"),
        ("Éditeur DPI", "Éditeur", True, "Éditeur du dossier patient informatisé"),
        ("Opérateur télécom A", "Opérateur télécom", True, "Liens WAN et trunks SIP"),
        ("Prestataire paie SaaS", "Prestataire SaaS", True, "Paie en mode SaaS"),
    ):
        ent[name] = add(
            "entities",
            name=name,
            entity_type=etype,
            is_external=ext,
            description=desc,
            attributes="",
            reference=None,
            parent_entity_id=None,
            security_level=None,
            contact_point=None,
            icon_id=None,
        )
    sites = {
        n: add("sites", name=n, description=d, icon_id=None)
        for n, d in (
            ("Colocation Paris", "Datacenter principal, bâtiment tiers partagé"),
            ("Datacenter secondaire", "Datacenter propriété du groupe"),
            ("Hôpital Nord", "Site hospitalier"),
            ("Hôpital Sud", "Site hospitalier"),
        )
    }
    bld = {}
    for s in sites.values():
        for room in ("Salle A", "Salle B") if "Hôpital" not in s["name"] else ("Local technique",):
            bld[(s["name"], room)] = add(
                "buildings",
                name=f"{s['name']} - {room}",
                type="Salle",
                attributes="",
                description="",
                site_id=s["id"],
                building_id=None,
                icon_id=None,
            )
    phys = []
    for sname, count in (("Colocation Paris", 10), ("Datacenter secondaire", 6)):
        for n in range(count):
            room = "Salle A" if n % 2 == 0 else "Salle B"
            # half of the colocation hosts give only their building (site via the building)
            by_building = sname == "Colocation Paris" and n >= 5
            phys.append(
                add(
                    "physical-servers",
                    name=f"esx-{sname.split()[0][:4].lower()}-{n + 1:02d}",
                    description="Hyperviseur",
                    type="PowerEdge R760",
                    cpu="2x32",
                    memory="512 Go",
                    disk=0,
                    disk_used=0,
                    configuration=None,
                    operating_system="VMware ESXi 8",
                    address_ip=None,
                    install_date=None,
                    update_date=None,
                    responsible="DSI",
                    site_id=None if by_building else sites[sname]["id"],
                    building_id=bld[(sname, room)]["id"],
                    bay_id=None,
                    clusters=[],
                    logical_servers=[],
                )
            )
    colo = [p["id"] for p in phys if p["name"].startswith("esx-colo")]
    sec = [p["id"] for p in phys if p["name"].startswith("esx-data")]
    apps_spec = [
        # name, need_a, rto, rpo, external, databases, servers (colo/sec)
        ("DPI", 4, 120, 15, "", ["dpi-db"], 3, 1),
        ("Urgences", 4, 60, 5, "", ["urg-db"], 2, 1),
        ("SIL laboratoire", 3, 240, 60, "", ["sil-db"], 2, 0),
        ("PACS imagerie", 3, 480, 60, "", ["pacs-db"], 2, 1),
        ("Pharmacie", 3, 480, 60, "", ["pharma-db"], 1, 0),
        ("Transfusion", 4, 60, 0, "", ["transfu-db"], 1, 1),
        ("Gestion des lits", 3, 720, 240, "", ["lits-db"], 1, 0),
        ("Bloc opératoire", 3, 240, 60, "", ["bloc-db"], 1, 0),
        ("Messagerie", 3, 240, 60, "", ["mail-store"], 2, 0),
        ("Téléphonie IPBX", 4, 60, None, "", [], 1, 1),
        ("Annuaire AD", 4, 60, 60, "", [], 1, 1),
        ("DNS", 4, 30, None, "", [], 1, 1),
        ("Facturation", 2, 4320, 1440, "", ["fact-db"], 1, 0),
        ("Paie", 1, 7200, 1440, "SaaS", [], 0, 0),
        ("Achats", 2, 4320, 1440, "", ["achat-db"], 1, 0),
        ("Planning RH", 2, 2880, 1440, "", ["rh-db"], 1, 0),
        ("Entrepôt de données", 1, None, None, "", ["dwh-db"], 0, 1),
        ("Moteur HL7", 4, 60, 15, "", [], 1, 1),
        ("Portail patient", 2, 1440, 240, "", [], 1, 0),
        ("Sauvegarde", 3, 480, None, "", [], 0, 1),
    ]
    dbs = {}
    lss = []
    apps = []
    for k, (name, need, rto, rpo, external, dbnames, nc, ns) in enumerate(apps_spec):
        servers = []
        for j in range(nc):
            servers.append(
                add(
                    "logical-servers",
                    name=f"vm-{k:02d}-colo-{j + 1}",
                    description=name,
                    type="appli",
                    active=1,
                    attributes="",
                    net_services="",
                    configuration=None,
                    operating_system="RHEL 9",
                    address_ip=None,
                    cpu="4",
                    memory="16",
                    environment="production",
                    disk=200,
                    disk_used=50,
                    domain_id=None,
                    install_date=None,
                    update_date=None,
                    databases=[],
                    cluster_id=None,
                    physical_servers=[colo[(k + j) % len(colo)], colo[(k + j + 1) % len(colo)]],
                    applications=[],
                    containers=[],
                )
            )
        for j in range(ns):
            servers.append(
                add(
                    "logical-servers",
                    name=f"vm-{k:02d}-sec-{j + 1}",
                    description=name,
                    type="appli",
                    active=1,
                    attributes="",
                    net_services="",
                    configuration=None,
                    operating_system="RHEL 9",
                    address_ip=None,
                    cpu="4",
                    memory="16",
                    environment="production",
                    disk=200,
                    disk_used=50,
                    domain_id=None,
                    install_date=None,
                    update_date=None,
                    databases=[],
                    cluster_id=None,
                    physical_servers=[sec[(k + j) % len(sec)]],
                    applications=[],
                    containers=[],
                )
            )
        lss += servers
        for dbn in dbnames:
            dbs[dbn] = add(
                "databases",
                name=dbn,
                description=f"Base de {name}",
                type="Oracle 19c",
                entity_resp_id=ent["Direction des systèmes d'information"]["id"],
                responsible="DBA",
                icon_id=None,
                security_need_c=3,
                security_need_i=3,
                security_need_a=need,
                security_need_t=2,
                security_need_auth=None,
                external="",
                logical_servers=[s["id"] for s in servers[:1]],
            )
        resp = ent["Prestataire paie SaaS"]["id"] if external else None
        apps.append(
            add(
                "applications",
                name=name,
                application_block_id=None,
                attributes="",
                description=f"Application {name}",
                icon_id=None,
                responsible="DSI",
                functional_referent=None,
                editor="Éditeur DPI" if k == 0 else None,
                users="",
                technology="Java",
                type="progiciel",
                external=external,
                install_date=None,
                update_date=None,
                documentation=None,
                security_need_c=3,
                security_need_i=3,
                security_need_a=need,
                security_need_t=2,
                security_need_auth=None,
                rto=rto,
                rpo=rpo,
                vendor=None,
                product=None,
                version=None,
                entity_resp_id=resp,
                entities=[],
                processes=[],
                services=[],
                databases=[dbs[d]["id"] for d in dbnames],
                logical_servers=[s["id"] for s in servers],
                activities=[],
                containers=[],
            )
        )
    add(
        "logical-servers",
        name="vm-old-reporting",
        description="Ancien décisionnel",
        type="appli",
        active=0,
        attributes="",
        net_services="",
        configuration=None,
        operating_system="RHEL 6",
        address_ip=None,
        cpu="2",
        memory="8",
        environment="production",
        disk=100,
        disk_used=90,
        domain_id=None,
        install_date=None,
        update_date=None,
        databases=[],
        cluster_id=None,
        physical_servers=[colo[0]],
        applications=[],
        containers=[],
    )
    by = {a["name"]: a["id"] for a in apps}
    for name, mins, mtd, rpo, uses in (
        ("Prise en charge aux urgences", 60, 480, 5, ["Urgences", "DPI", "Annuaire AD", "DNS"]),
        (
            "Rendu des résultats de biologie",
            240,
            2880,
            60,
            ["SIL laboratoire", "DPI", "Moteur HL7"],
        ),
        ("Dispensation des médicaments", 480, 4320, 60, ["Pharmacie", "DPI"]),
        ("Délivrance des produits sanguins", 60, 240, 0, ["Transfusion"]),
        ("Imagerie médicale", 480, 4320, 60, ["PACS imagerie", "Moteur HL7"]),
        ("Facturation des séjours", 4320, 20160, 1440, ["Facturation"]),
        ("Paie des personnels", 7200, 30240, 1440, ["Paie"]),
        ("Communication interne", 240, 4320, 60, ["Messagerie", "Téléphonie IPBX"]),
    ):
        act = add(
            "activities",
            name=name,
            description="",
            recovery_time_objective=mins,
            maximum_tolerable_downtime=mtd,
            recovery_point_objective=rpo,
            maximum_tolerable_data_loss=None,
            drp=None,
            drp_link=None,
        )
        for u in uses:
            objects["applications"][by[u] - 1]["activities"].append(act["id"])
    for name, src, dst, bidir in (
        ("ADT vers SIL", "DPI", "SIL laboratoire", False),
        ("Résultats SIL vers DPI", "SIL laboratoire", "DPI", False),
        ("HL7 vers PACS", "Moteur HL7", "PACS imagerie", False),
        ("HL7 vers SIL", "Moteur HL7", "SIL laboratoire", False),
        ("DPI vers pharmacie", "DPI", "Pharmacie", False),
        ("Urgences vers DPI", "Urgences", "DPI", True),
        ("DPI vers facturation", "DPI", "Facturation", False),
        ("Facturation vers entrepôt", "Facturation", "Entrepôt de données", False),
        ("DPI vers entrepôt", "DPI", "Entrepôt de données", False),
        ("Lits vers DPI", "Gestion des lits", "DPI", True),
        ("Planning RH vers paie", "Planning RH", "Paie", False),
        ("Achats vers facturation", "Achats", "Facturation", False),
    ):
        add(
            "fluxes",
            name=name,
            attributes="",
            description="",
            application_source_id=by[src],
            application_dest_id=by[dst],
            crypted=1,
            bidirectional=1 if bidir else 0,
        )
    OUT.mkdir(exist_ok=True)
    total = 0
    for endpoint, rows in objects.items():
        total += len(rows)
        (OUT / f"{endpoint}.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    print(f"{total} objects in {len(objects)} files")


if __name__ == "__main__":
    main()
