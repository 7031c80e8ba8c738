"""The audit log's query string, shared by ``/admin/audit`` and ``/api/admin/audit``:
filters (user, action and target prefixes, a time range) and pages (``limit`` entries
older than ``before``, an entry id). The next page's address is built from the last
entry shown, so paging is stable while new entries arrive."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Query, Request
from pydantic import BaseModel, Field

from blackstart.store.incident_rows import AuditRow
from blackstart.store.users import AuditFilter
from blackstart.web.board import parse_when
from blackstart.web.bounds import MAX_ID

PAGE = 100


class AuditParams(BaseModel):
    """Filters and page of the audit log."""

    user: str | None = Field(default=None, max_length=100, description="Exactly this user.")
    action: str | None = Field(
        default=None, max_length=100, description="Actions starting with this (e.g. task.)."
    )
    target: str | None = Field(
        default=None, max_length=300, description="Targets starting with this (incident:3)."
    )
    since: str | None = Field(default=None, max_length=64, description="From this time (ISO).")
    until: str | None = Field(default=None, max_length=64, description="Before this time (ISO).")
    before: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Entries older than this id (next page)."
    )
    limit: int = Field(default=PAGE, ge=1, le=500)


AuditQuery = Annotated[AuditParams, Query()]


def audit_filter(q: AuditParams, tz: ZoneInfo) -> AuditFilter:
    """The store's filter for ``q`` (times local to the model's zone when naive)."""
    return AuditFilter(
        user=(q.user or "").strip() or None,
        action=(q.action or "").strip() or None,
        target=(q.target or "").strip() or None,
        since=parse_when(q.since, tz, "since"),
        until=parse_when(q.until, tz, "until"),
        before=q.before,
        limit=q.limit,
    )


def next_page(request: Request, rows: list[AuditRow], limit: int) -> str | None:
    """The address of the next (older) page, or ``None`` after the last one."""
    if len(rows) < limit:
        return None
    params = {k: v for k, v in request.query_params.items() if k != "before" and v}
    params["before"] = str(rows[-1].id)
    return f"{request.url.path}?{urlencode(params)}"
