"""Live incidents: users, sessions, incidents, task events, unplanned tasks, forecasts,
announced ETAs, status messages and the append-only audit log (a trigger refuses UPDATE
and DELETE on it, on SQLite and PostgreSQL).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

_TZ = sa.DateTime(timezone=True)


def _incident_fk() -> sa.Column[int]:
    return sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.UniqueConstraint("name", name="uq_users_name"),
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("csrf", sa.String(100), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("expires_at", _TZ, nullable=False),
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("scenario", sa.String(200), nullable=True),
        sa.Column("fail", sa.JSON(), nullable=False),
        sa.Column("start_at", _TZ, nullable=False),
        sa.Column("failure_end_at", _TZ, nullable=True),
        sa.Column("drill", sa.Boolean(), nullable=False),
        sa.Column("clock", sa.String(20), nullable=False),
        sa.Column("sim_now", _TZ, nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("closed_at", _TZ, nullable=True),
        sa.Column("model_hash", sa.String(128), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("review", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
    )
    op.create_table(
        "task_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _incident_fk(),
        sa.Column("task", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("at", _TZ, nullable=False),
        sa.Column("user", sa.String(100), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("recorded_at", _TZ, nullable=False),
    )
    op.create_table(
        "unplanned_tasks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _incident_fk(),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("estimate_s", sa.Integer(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("blocks", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.UniqueConstraint("incident_id", "key", name="uq_unplanned_key"),
    )
    op.create_table(
        "forecasts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _incident_fk(),
        sa.Column("incident_version", sa.Integer(), nullable=False),
        sa.Column("as_of", _TZ, nullable=False),
        sa.Column("computed_at", _TZ, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
    )
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _incident_fk(),
        sa.Column("tier", sa.String(30), nullable=False),
        sa.Column("eta", _TZ, nullable=False),
        sa.Column("announced_at", _TZ, nullable=False),
        sa.Column("user", sa.String(100), nullable=False),
    )
    op.create_table(
        "status_messages",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _incident_fk(),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("published_by", sa.String(100), nullable=True),
        sa.Column("published_at", _TZ, nullable=True),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", _TZ, nullable=False),
        sa.Column("user", sa.String(100), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
    )
    for table in ("task_events", "forecasts", "announcements", "status_messages"):
        op.create_index(f"ix_{table}_incident", table, ["incident_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION blackstart_audit_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
            "ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION blackstart_audit_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS blackstart_audit_append_only()")
    for table in (
        "audit_log",
        "status_messages",
        "announcements",
        "forecasts",
        "unplanned_tasks",
        "task_events",
        "incidents",
        "sessions",
        "users",
    ):
        op.drop_table(table)
