"""Security: users can be disabled; the audit log becomes a hash chain (``prev_hash``,
``hash``, the one-row ``audit_head``) with a trigger refusing ``INSERT OR REPLACE`` of an
existing entry on SQLite; failed logins go to their own aggregated ``security_log``.

Existing audit entries are chained here, oldest first (the guard triggers are dropped for
the backfill and created again).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from blackstart.store.audit_chain import GENESIS, entry_hash

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

_TZ = sa.DateTime(timezone=True)
_SQLITE_GUARDS = {
    "audit_log_no_update": "BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "audit_log_no_delete": "BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "audit_log_no_replace": "BEFORE INSERT ON audit_log "
    "WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "audit_head_no_delete": "BEFORE DELETE ON audit_head "
    "BEGIN SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END",
}


def _postgres() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def _drop_guards() -> None:
    if _postgres():
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
    else:
        for name in _SQLITE_GUARDS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def _create_guards(*, replace_guard: bool) -> None:
    if _postgres():
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
            "ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION blackstart_audit_append_only()"
        )
        return
    for name, body in _SQLITE_GUARDS.items():
        if replace_guard or name in ("audit_log_no_update", "audit_log_no_delete"):
            op.execute(f"CREATE TRIGGER {name} {body}")


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    _drop_guards()
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(64), nullable=True))
    op.add_column("audit_log", sa.Column("hash", sa.String(64), nullable=True))
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=True),
    )
    op.create_table(
        "security_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("address", sa.String(100), nullable=False),
        sa.Column("first_at", _TZ, nullable=False),
        sa.Column("last_at", _TZ, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_security_log_last_at", "security_log", ["last_at"])
    op.create_index("ix_audit_log_action", "audit_log", ["action"])
    op.create_index("ix_audit_log_user", "audit_log", ["user"])
    # chain the entries already there, oldest first
    bind = op.get_bind()
    log = sa.table(
        "audit_log",
        sa.column("id", sa.Integer()),
        sa.column("at", _TZ),
        sa.column("user", sa.String()),
        sa.column("action", sa.String()),
        sa.column("target", sa.String()),
        sa.column("before", sa.JSON()),
        sa.column("after", sa.JSON()),
        sa.column("prev_hash", sa.String()),
        sa.column("hash", sa.String()),
    )
    rows = bind.execute(
        sa.select(
            log.c.id,
            log.c.at,
            log.c.user,
            log.c.action,
            log.c.target,
            log.c.before,
            log.c.after,
        ).order_by(log.c.id)
    ).all()
    prev, count = GENESIS, 0
    for r in rows:
        digest = entry_hash(prev, r.at, r.user, r.action, r.target, r.before, r.after)
        bind.execute(sa.update(log).where(log.c.id == r.id).values(prev_hash=prev, hash=digest))
        prev, count = digest, count + 1
    op.bulk_insert(head, [{"id": 1, "entries": count, "hash": prev if count else None}])
    _create_guards(replace_guard=True)


def downgrade() -> None:
    _drop_guards()
    op.drop_index("ix_audit_log_user", "audit_log")
    op.drop_index("ix_audit_log_action", "audit_log")
    op.drop_table("security_log")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled")
    _create_guards(replace_guard=False)
