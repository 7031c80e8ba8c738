"""The public history of the last 90 days: ``/status/history`` (French or English, like
``/status``) and its twin ``/status/history.json``, and the same pages in the off-site
snapshot (``history.html``, ``history.en.html``, ``history.json``).

Each incident of the last :data:`~blackstart.incident_history.HISTORY_DAYS` days (drills
never) with its public timeline and how its announced ETAs and shown ranges compared
with what happened (:mod:`blackstart.incident_history`), and the maintenance windows
completed in that time. Gathers the store rows the history needs — public states,
published messages, announcements, kept forecasts and the page's live/announced choices
from the audit log — and renders them; reads no author, comment, task or component.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from blackstart import incident_history
from blackstart.store import incident_status
from blackstart.store.users import AuditFilter
from blackstart.web import i18n
from blackstart.web.board import IncidentService
from blackstart.web.clock import zone_of
from blackstart.web.render import templates

Payload = dict[str, Any]
TTL_S = 2.0
_cache: dict[int, tuple[float, Payload, IncidentService]] = {}
"""Per service (by id; the service is held, so its id is not reused while cached)."""


def _modes(svc: IncidentService, incident_id: int) -> list[tuple[datetime, str]]:
    """When the page was switched between the live range and the announced ETA."""
    target = f"incident:{incident_id}"
    rows = svc.store.audit_page(AuditFilter(action="incident.public-eta", target=target, limit=500))
    return sorted(
        (r.at, str((r.after or {}).get("public_eta", "live"))) for r in rows if r.target == target
    )


def history(svc: IncidentService, now: datetime | None = None, *, fresh: bool = False) -> Payload:
    """The public history payload at ``now`` (default: the wall clock, and then cached
    :data:`TTL_S` seconds unless ``fresh``)."""
    cached = _cache.get(id(svc))
    if (
        now is None
        and not fresh
        and cached is not None
        and cached[2] is svc
        and time.monotonic() - cached[0] < TTL_S
    ):
        return cached[1]
    at = now or datetime.now(UTC)
    model = svc.dash.model
    incidents = []
    for inc in svc.store.incidents():  # newest first
        if not incident_history.in_history(inc, at):
            continue
        snap = svc.snapshot(inc.id)
        incidents.append(
            incident_history.history_of(
                model,
                inc,
                states=[(r.at, r.state) for r in incident_status.states(svc.store, inc.id)],
                messages=[
                    (m.published_at, m.body)
                    for m in snap.messages
                    if m.state == "published" and m.published_at
                ],
                announcements=[(a.announced_at, a.tier, a.eta) for a in snap.announcements],
                forecasts=[f.payload for f in svc.store.forecasts(inc.id)],
                modes=_modes(svc, inc.id),
                now=at,
            )
        )
    cutoff = at - timedelta(days=incident_history.HISTORY_DAYS)
    done = [
        w
        for w in svc.maintenance_windows(completed=True)
        if w["completed_at"] and datetime.fromisoformat(w["completed_at"]) >= cutoff
    ]
    org = model.organisation
    payload = {
        "organisation": org.model_dump() if org else {"name": model.name},
        "timezone": zone_of(model),
        "now": at.isoformat(timespec="seconds"),
        "days": incident_history.HISTORY_DAYS,
        "incidents": incidents,
        "maintenance": sorted(done, key=lambda w: w["scheduled_for"], reverse=True),
    }
    if now is None:
        _cache[id(svc)] = (time.monotonic(), payload, svc)
    return payload


def span(seconds: int | None, lang: str) -> str:
    """A length of time in words: ``2 h 10 min``, ``3 d 4 h`` (``3 j 4 h`` in French)."""
    if seconds is None:
        return "—"
    minutes = round(abs(seconds) / 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [
        f"{days} {'j' if lang == 'fr' else 'd'}" if days else "",
        f"{hours} h" if hours else "",
    ]
    if not days:
        parts.append(f"{mins} min" if mins else "")
    return " ".join(p for p in parts if p) or "0 min"


def page(payload: Payload, lang: str, *, static: bool) -> bytes:
    """The history page in ``lang``: ``static`` for the snapshot (links to its siblings)."""
    zone = ZoneInfo(payload["timezone"])
    context = i18n.context(lang, zone)
    html = templates.env.get_template("status_history.html").render(
        h=payload, static=static, span=lambda s: span(s, lang), tz=payload["timezone"], **context
    )
    return html.encode()


def snapshot_files(payload: Payload) -> dict[str, bytes]:
    import json

    return {
        "history.html": page(payload, "fr", static=True),
        "history.en.html": page(payload, "en", static=True),
        "history.json": json.dumps(payload, ensure_ascii=False, indent=1).encode(),
    }


# --------------------------------------------------------------------------- routes

router = APIRouter(include_in_schema=False)
_HEADERS = {"cache-control": "no-cache", "x-content-type-options": "nosniff"}


def _svc(request: Request) -> IncidentService:
    svc = request.app.state.incidents
    assert isinstance(svc, IncidentService)
    return svc


@router.get("/status/history.json")
def history_json(request: Request) -> Response:
    return JSONResponse(history(_svc(request)), headers=_HEADERS)


@router.get("/status/history", response_class=HTMLResponse)
def history_page(request: Request) -> Response:
    lang = i18n.negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))
    body = page(history(_svc(request)), lang, static=False)
    headers = {**_HEADERS, "content-language": lang, "vary": "Accept-Language"}
    return HTMLResponse(body, headers=headers)
