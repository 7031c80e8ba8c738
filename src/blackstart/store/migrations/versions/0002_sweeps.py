"""Risk sweeps: one row per sweep (identity, parameters, progress) and one per computed
scenario, written as results arrive so an interrupted sweep can resume.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "sweeps",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("model_hash", sa.String(128), nullable=False),
        sa.Column("model_name", sa.String(200), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("scenarios", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("key", name="uq_sweeps_key"),
    )
    op.create_table(
        "sweep_results",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "sweep_id",
            sa.Integer(),
            sa.ForeignKey("sweeps.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("scenario_key", sa.String(600), nullable=False),
        sa.Column("care_hours_lost", sa.Float(), nullable=False),
        sa.Column("row", sa.JSON(), nullable=False),
        sa.UniqueConstraint("sweep_id", "scenario_key", name="uq_sweep_results_scenario"),
    )
    op.create_index("ix_sweep_results_sweep_id", "sweep_results", ["sweep_id"])


def downgrade() -> None:
    op.drop_index("ix_sweep_results_sweep_id", table_name="sweep_results")
    op.drop_table("sweep_results")
    op.drop_table("sweeps")
