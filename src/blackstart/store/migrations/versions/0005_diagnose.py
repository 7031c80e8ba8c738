"""Diagnosis: alert integrations (bearer tokens, kept as SHA-256 hashes), the alerts they
send (one row per integration and alert fingerprint, updated as it fires and resolves)
and the observations operators record (a ward's call, a provider's word).

Revision ID: 0005
Revises: 0004 (re-chained after 0004 when the branches meet)
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "integrations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("revoked_at", _TZ, nullable=True),
        sa.UniqueConstraint("name", name="uq_integrations_name"),
        sa.UniqueConstraint("token_hash", name="uq_integrations_token_hash"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("integration_id", sa.Integer(), sa.ForeignKey("integrations.id"), nullable=False),
        sa.Column("fingerprint", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("annotations", sa.JSON(), nullable=False),
        sa.Column("ref", sa.String(300), nullable=True),
        sa.Column("starts_at", _TZ, nullable=True),
        sa.Column("ends_at", _TZ, nullable=True),
        sa.Column("first_received_at", _TZ, nullable=False),
        sa.Column("last_received_at", _TZ, nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.UniqueConstraint("integration_id", "fingerprint", name="uq_alerts_fingerprint"),
    )
    op.create_index("ix_alerts_status", "alerts", ["status"])
    op.create_table(
        "observations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ref", sa.String(300), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("user", sa.String(100), nullable=False),
        sa.Column("at", _TZ, nullable=False),
        sa.Column("withdrawn_at", _TZ, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("observations")
    op.drop_index("ix_alerts_status", table_name="alerts")
    op.drop_table("alerts")
    op.drop_table("integrations")
