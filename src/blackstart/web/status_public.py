"""The public status artefacts built from the public status payload
(:meth:`blackstart.web.board.IncidentService.public_status`): the static page
``index.html`` (inline style, no script, no link to any host: it works from ``file://``
and from any web server), the Atom feed ``status.atom`` (RFC 4287) and the summary in the
shape of Atlassian Statuspage's public API v2 (``/api/v2/summary.json``), so that existing
widgets and monitors can read our page.

Everything here reads only the public payload — function display names, tiers, states,
ETA ranges and published messages — so nothing internal (component, site, provider,
team, task or function id, incident title) can reach a public artefact. Owns the
rendering and the two extra routes; not the payload (:mod:`.board`) nor where the
snapshot goes (:mod:`.publish`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from blackstart.web import i18n
from blackstart.web.board import IncidentService
from blackstart.web.render import templates

Payload = dict[str, Any]
ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_ID = "urn:blackstart:status"
"""The feed's permanent id (RFC 4287 §4.2.6): the same wherever the snapshot is hosted."""

SNAPSHOT_FILES = (
    "index.html",
    "index.en.html",
    "status.json",
    "status.atom",
    "history.html",
    "history.en.html",
    "history.json",
)

# Atlassian Statuspage component statuses and page indicators (public API v2).
_COMPONENT_STATUS = {
    "up": "operational",
    "restored": "operational",
    "maintenance": "under_maintenance",
}
_DOWN_STATUS = {"vital": "major_outage", "care": "major_outage", "administrative": "partial_outage"}
_INDICATOR = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
    "maintenance": "Service Under Maintenance",
}


_SP_INCIDENT_STATUS = {
    "investigating": "investigating",
    "identified": "identified",
    "recovering": "identified",  # Statuspage has no "recovering": the cause is known
    "monitoring": "monitoring",
    "resolved": "resolved",
}


def opaque_id(*parts: str) -> str:
    """A stable public id (12 hex digits of a sha256) that reveals nothing internal."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:12]


def _updated(payload: Payload) -> str:
    return str(payload.get("updated_at") or "1970-01-01T00:00:00+00:00")


# --------------------------------------------------------------------------- page


def static_page(payload: Payload, *, lang: str = "fr", tz: ZoneInfo | None = None) -> bytes:
    """``index.html`` (French) or ``index.en.html`` of the snapshot: the status page with
    its style inline, no script, links only to its sibling files; times in ``tz``."""
    context = i18n.context(lang, tz or ZoneInfo("UTC"))
    html = templates.env.get_template("status_snapshot.html").render(s=payload, **context)
    return html.encode()


# --------------------------------------------------------------------------- feed


def atom_feed(payload: Payload, *, title: str = "Service status") -> bytes:
    """The Atom feed: one entry per published message, newest first, and one entry for
    the current state of the services (updated when it changes)."""
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "id", FEED_ID)
    sub(feed, "title", title)
    sub(feed, "updated", _updated(payload))
    author = sub(feed, "author")
    sub(author, "name", title)
    sub(feed, "link", rel="alternate", href="index.html")
    state = sub(feed, "entry")
    down = [f["name"] for t in payload["tiers"] for f in t["functions"] if f["state"] == "down"]
    sub(state, "id", f"{FEED_ID}:state:{opaque_id(_updated(payload), *down)}")
    sub(state, "title", f"{len(down)} service(s) disrupted" if down else "All services operating")
    sub(state, "updated", _updated(payload))
    lines = [
        f"{f['name']}: {f['state']}"
        + (
            f" (expected back between {f['eta']['from']} and {f['eta']['to']})"
            if "eta" in f
            else ""
        )
        for t in payload["tiers"]
        for f in t["functions"]
        if f["state"] != "up"
    ]
    sub(state, "content", "\n".join(lines) or "All services are operating normally.", type="text")
    for t in payload.get("timeline", []):
        entry = sub(feed, "entry")
        sub(entry, "id", f"{FEED_ID}:state:{opaque_id(t['at'], t['state'])}")
        sub(entry, "title", f"Incident state: {t['state']}")
        sub(entry, "updated", t["at"])
        sub(entry, "content", f"The incident is now: {t['state']} (since {t['at']}).", type="text")
    for w in payload.get("maintenance", []):
        entry = sub(feed, "entry")
        sub(entry, "id", f"{FEED_ID}:maintenance:{w['id']}:{w['status']}")
        sub(entry, "title", f"Scheduled maintenance ({_MAINT_WORDS[w['status']]}): {w['name']}")
        sub(entry, "updated", w["scheduled_for"] if w["status"] != "scheduled" else w["created_at"])
        sub(entry, "content", maintenance_text(w), type="text")
    for m in payload["messages"]:
        entry = sub(feed, "entry")
        sub(entry, "id", f"{FEED_ID}:message:{opaque_id(m['published_at'], m['body'])}")
        sub(entry, "title", m["body"].splitlines()[0][:80] if m["body"] else "Update")
        sub(entry, "updated", m["published_at"])
        sub(entry, "content", m["body"], type="text")
    body: bytes = ET.tostring(feed, encoding="utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


_MAINT_WORDS = {"scheduled": "planned", "in_progress": "in progress", "completed": "completed"}


def maintenance_text(w: Payload) -> str:
    """A maintenance window in plain English (the feed's entries)."""
    names = ", ".join(f["name"] for f in w["functions"]) or "no service"
    lines = [
        f"Planned from {w['scheduled_for']} to {w['scheduled_until']}; affects {names}.",
    ]
    if w["back"]["from"]:
        lines.append(
            f"Expected back between {w['back']['from']} and {w['back']['to']} "
            f"(at the latest {w['back']['p95']})."
        )
    if w["message"]:
        lines.append(w["message"])
    return "\n".join(lines)


# --------------------------------------------------------------------------- API v2


def summary_v2(payload: Payload, *, name: str = "Service status", url: str = "") -> Payload:
    """The payload in the shape of Statuspage's ``GET /api/v2/summary.json``: ``page``,
    ``components`` (status operational / degraded_performance / partial_outage /
    major_outage), ``incidents`` (unresolved, with their updates), ``scheduled_maintenances``
    and ``status`` (indicator none / minor / major / critical, with its description).

    Ids are opaque hashes of public text; each function is a component, each tier a
    component group."""
    updated = _updated(payload)
    page_id = opaque_id("page", name)
    page = {"id": page_id, "name": name, "url": url, "time_zone": "Etc/UTC", "updated_at": updated}
    components: list[Payload] = []
    worst = "none"
    rank = {"none": 0, "minor": 1, "major": 2, "critical": 3}
    for position, t in enumerate(payload["tiers"], start=1):
        group_id = opaque_id("group", t["tier"])
        members = []
        for f in t["functions"]:
            if f["state"] == "down":
                status = _DOWN_STATUS.get(t["tier"], "partial_outage")
                level = {"vital": "critical", "care": "major"}.get(t["tier"], "minor")
                worst = level if rank[level] > rank[worst] else worst
            else:
                status = _COMPONENT_STATUS[f["state"]]
            cid = opaque_id("component", f["name"])
            members.append(cid)
            components.append(
                {
                    "id": cid,
                    "name": f["name"],
                    "status": status,
                    "created_at": updated,
                    "updated_at": updated,
                    "position": len(components) + 1,
                    "description": None,
                    "showcase": True,
                    "start_date": None,
                    "group_id": group_id,
                    "page_id": page_id,
                    "group": False,
                    "only_show_if_degraded": False,
                }
            )
        components.append(
            {
                "id": group_id,
                "name": t["tier"].capitalize(),
                "status": _group_status([c for c in components if c["id"] in members]),
                "created_at": updated,
                "updated_at": updated,
                "position": position,
                "description": None,
                "showcase": False,
                "start_date": None,
                "group_id": None,
                "page_id": page_id,
                "group": True,
                "only_show_if_degraded": False,
                "components": members,
            }
        )
    incidents = []
    if payload["incident"]:
        timeline = payload.get("timeline") or []
        first = timeline[0]["at"] if timeline else updated
        iid = opaque_id("incident", first)
        status = _SP_INCIDENT_STATUS.get(payload.get("state") or "", "investigating")
        updates = [
            {"at": m["published_at"], "status": None, "body": m["body"]}
            for m in payload["messages"]
        ] + [
            {"at": t["at"], "status": _SP_INCIDENT_STATUS[t["state"]], "body": t["state"]}
            for t in payload.get("timeline", [])
        ]
        updates.sort(key=lambda u: u["at"])  # stable: same-second states keep their order
        current = "investigating"
        for u in updates:  # a message carries the state in force when published
            if u["status"] is None:
                u["status"] = current
            current = u["status"]
        updates.reverse()  # newest first, as Statuspage lists them
        monitoring = [t["at"] for t in payload.get("timeline", []) if t["state"] == "monitoring"]
        resolved = [t["at"] for t in payload.get("timeline", []) if t["state"] == "resolved"]
        incidents.append(
            {
                "id": iid,
                "name": "Service disruption",
                "status": status,
                "created_at": first,
                "updated_at": updated,
                "monitoring_at": monitoring[-1] if monitoring else None,
                "resolved_at": resolved[-1] if resolved and status == "resolved" else None,
                "impact": worst,
                "shortlink": url,
                "started_at": first,
                "page_id": page_id,
                "incident_updates": [
                    {
                        "id": opaque_id("update", u["at"], u["body"]),
                        "status": u["status"],
                        "body": u["body"],
                        "incident_id": iid,
                        "created_at": u["at"],
                        "updated_at": u["at"],
                        "display_at": u["at"],
                        "affected_components": None,
                        "deliver_notifications": True,
                        "custom_tweet": None,
                        "tweet_id": None,
                    }
                    for u in updates
                ],
                "components": [c for c in components if c["status"] != "operational"],
            }
        )
    if worst == "none" and any(c["status"] == "under_maintenance" for c in components):
        worst = "maintenance"
    return {
        "page": page,
        "components": components,
        "incidents": incidents,
        "scheduled_maintenances": [
            _maintenance_v2(w, components, page_id, url) for w in payload.get("maintenance", [])
        ],
        "status": {"indicator": worst, "description": _INDICATOR[worst]},
    }


def _maintenance_v2(w: Payload, components: list[Payload], page_id: str, url: str) -> Payload:
    """A window in the shape of Statuspage's scheduled maintenance (status scheduled,
    in_progress or completed; ``scheduled_for``/``scheduled_until``; the components it
    affects; one update per status reached, carrying the public message)."""
    mid = w["id"]
    affected = {f["name"] for f in w["functions"]}
    reached = [("scheduled", w["created_at"])]
    if w["status"] in ("in_progress", "completed"):
        reached.append(("in_progress", w["scheduled_for"]))
    if w["status"] == "completed":
        reached.append(("completed", w["completed_at"]))
    body = maintenance_text(w)
    updated = reached[-1][1]
    return {
        "id": mid,
        "name": w["name"],
        "status": w["status"],
        "created_at": w["created_at"],
        "updated_at": updated,
        "monitoring_at": None,
        "resolved_at": w["completed_at"],
        "impact": "maintenance",
        "shortlink": url,
        "started_at": w["scheduled_for"],
        "page_id": page_id,
        "scheduled_for": w["scheduled_for"],
        "scheduled_until": w["scheduled_until"],
        "incident_updates": [
            {
                "id": opaque_id("maintenance-update", mid, status),
                "status": status,
                "body": body,
                "incident_id": mid,
                "created_at": at,
                "updated_at": at,
                "display_at": at,
                "affected_components": None,
                "deliver_notifications": True,
                "custom_tweet": None,
                "tweet_id": None,
            }
            for status, at in reversed(reached)
        ],
        "components": [c for c in components if not c["group"] and c["name"] in affected],
    }


def _group_status(members: list[Payload]) -> str:
    order = [
        "operational",
        "under_maintenance",
        "degraded_performance",
        "partial_outage",
        "major_outage",
    ]
    return max((c["status"] for c in members), key=order.index, default="operational")


def snapshot(
    payload: Payload, tz: ZoneInfo | None = None, history: Payload | None = None
) -> dict[str, bytes]:
    """The files of the static snapshot, by name (times on the pages in ``tz``), with
    the 90-day history pages when ``history`` is given
    (:func:`blackstart.web.status_history.history`)."""
    files = {
        "index.html": static_page(payload, lang="fr", tz=tz),
        "index.en.html": static_page(payload, lang="en", tz=tz),
        "status.json": json.dumps(payload, ensure_ascii=False, indent=1).encode(),
        "status.atom": atom_feed(payload),
    }
    if history is not None:
        from blackstart.web.status_history import snapshot_files

        files.update(snapshot_files(history))
    return files


# --------------------------------------------------------------------------- routes

router = APIRouter()
_HEADERS = {"cache-control": "no-cache", "x-content-type-options": "nosniff"}


def _svc(request: Request) -> IncidentService:
    svc = request.app.state.incidents
    assert isinstance(svc, IncidentService)
    return svc


@router.get("/status.atom", include_in_schema=False)
def status_atom(request: Request) -> Response:
    body = atom_feed(_svc(request).public_status())
    return Response(body, media_type="application/atom+xml", headers=_HEADERS)


@router.get(
    "/api/v2/summary.json",
    tags=["status"],
    summary="The public status in the shape of Atlassian Statuspage's API v2 summary",
)
def summary_json(request: Request) -> Response:
    url = str(request.base_url).rstrip("/") + "/status"
    return JSONResponse(summary_v2(_svc(request).public_status(), url=url), headers=_HEADERS)
