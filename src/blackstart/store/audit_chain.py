"""The audit log as a hash chain: appending an entry, reading pages of it, verifying it.

Each entry holds ``prev_hash`` (the hash of the entry before it; 64 zeros for the first)
and ``hash`` = SHA-256 of ``prev_hash`` and the entry's canonical content (time, user,
action, target, before, after as sorted compact JSON). The one-row table ``audit_head``
holds how many entries there are and the last hash; every append updates it first, which
serialises appends (a row lock on PostgreSQL, the write lock on SQLite), so the chain
never forks under concurrent writers.

What this detects (:func:`verify`): a row rewritten in place (``INSERT OR REPLACE``,
``REPLACE INTO`` after a trigger was dropped, a direct UPDATE), a row deleted or inserted
in the middle, the tail cut off (the head no longer matches), and a missing guard trigger.
What it cannot detect alone: someone with write access who recomputes the whole chain and
the head. Against that, keep the head hash somewhere else (``blackstart audit verify``
prints it; compare later runs with ``--expect-head``). Does not know about HTTP.

References: Schneier & Kelsey, "Secure audit logs to support computer forensics", ACM
TISSEC 2(2), 1999 (hash-chained log entries).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import inspect, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from blackstart.store.incident_tables import AuditEntry, AuditHead

GENESIS = "0" * 64
SQLITE_TRIGGERS = ("audit_log_no_update", "audit_log_no_delete", "audit_log_no_replace")
POSTGRES_TRIGGERS = ("audit_log_append_only",)


def canonical_time(at: datetime) -> str:
    """The time as stored and read back: UTC, microseconds, ISO."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    prev_hash: str, at: datetime, user: str, action: str, target: str, before: Any, after: Any
) -> str:
    """SHA-256 of the previous hash and the entry's canonical content."""
    content = json.dumps(
        [canonical_time(at), user, action, target, before, after],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


def append(
    s: Session, at: datetime, user: str, action: str, target: str, before: Any, after: Any
) -> None:
    """Append one entry to the chain in the session's transaction."""
    # JSON round trip first: what is hashed is exactly what will be read back
    before, after = _roundtrip(before), _roundtrip(after)
    s.execute(update(AuditHead).where(AuditHead.id == 1).values(entries=AuditHead.entries + 1))
    head = s.scalar(select(AuditHead.hash).where(AuditHead.id == 1))
    prev = head or GENESIS
    digest = entry_hash(prev, at, user, action, target, before, after)
    s.add(
        AuditEntry(
            at=at,
            user=user,
            action=action,
            target=target,
            before=before,
            after=after,
            prev_hash=prev,
            hash=digest,
        )
    )
    s.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=digest))


def _roundtrip(value: Any) -> Any:
    return None if value is None else json.loads(json.dumps(value, default=str))


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`verify`: ``ok``, the entries checked, the head hash, and
    the problems found (the first broken link first)."""

    ok: bool
    entries: int
    head: str
    problems: tuple[str, ...]
    first_broken: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head": self.head,
            "first_broken": self.first_broken,
            "problems": list(self.problems),
        }


def missing_triggers(conn: Connection) -> list[str]:
    """Guard triggers of ``audit_log`` that should exist and do not."""
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            text(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass "
                "AND NOT tgisinternal AND tgenabled <> 'D'"
            )
        )
        wanted: tuple[str, ...] = POSTGRES_TRIGGERS
    else:
        rows = conn.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")
        )
        wanted = SQLITE_TRIGGERS
    present = {str(r[0]) for r in rows}
    return [t for t in wanted if t not in present]


def verify(s: Session, *, expect_head: str | None = None) -> Verdict:
    """Walk the chain in id order; report the first broken link and anything else wrong."""
    problems: list[str] = []
    first: int | None = None
    conn = s.connection()
    if not inspect(conn).has_table("audit_head"):
        return Verdict(False, 0, GENESIS, ("the store has no audit chain (migrate it)",), None)
    for name in missing_triggers(conn):
        problems.append(f"guard trigger {name} is missing: someone removed it")
    prev, count = GENESIS, 0
    rows = s.execute(
        select(
            AuditEntry.id,
            AuditEntry.at,
            AuditEntry.user,
            AuditEntry.action,
            AuditEntry.target,
            AuditEntry.before,
            AuditEntry.after,
            AuditEntry.prev_hash,
            AuditEntry.hash,
        ).order_by(AuditEntry.id)
    )
    for row in rows:
        count += 1
        if first is not None:
            prev = row.hash or prev
            continue
        digest = entry_hash(prev, row.at, row.user, row.action, row.target, row.before, row.after)
        if row.prev_hash != prev:
            first = row.id
            problems.insert(
                0,
                f"entry {row.id}: does not follow the entry before it "
                "(an entry was removed, inserted or replaced before it)",
            )
        elif row.hash != digest:
            first = row.id
            problems.insert(0, f"entry {row.id}: its content does not match its hash (rewritten)")
        prev = row.hash or digest
    head = s.execute(select(AuditHead.entries, AuditHead.hash).where(AuditHead.id == 1)).first()
    if head is None:
        problems.append("the audit head row is missing")
    elif first is None and (head.entries != count or (head.hash or GENESIS) != prev):
        problems.append(
            f"the head says {head.entries} entries ending in {str(head.hash)[:12]}…, the log "
            f"holds {count} ending in {prev[:12]}… (entries were cut off or added)"
        )
    if expect_head is not None and expect_head != prev:
        problems.append(f"the head hash {prev[:12]}… is not the one expected ({expect_head[:12]}…)")
    return Verdict(not problems, count, prev, tuple(problems), first)
