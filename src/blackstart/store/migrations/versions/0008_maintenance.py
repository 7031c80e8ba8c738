"""Scheduled maintenance windows of the public status: a name and a public message, the
scenario the maintenance takes down, the window (start, planned end), the forecast of
when things come back computed when it was declared, who declared it, and whether it was
cancelled (issue #18).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "maintenances",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("scenario", sa.String(200), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("forecast", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(100), nullable=True),
    )
    op.create_index("ix_maintenances_start", "maintenances", ["start_at"])


def downgrade() -> None:
    op.drop_index("ix_maintenances_start", table_name="maintenances")
    op.drop_table("maintenances")
