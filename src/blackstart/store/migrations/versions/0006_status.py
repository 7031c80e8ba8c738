"""Public incident states: investigating, identified, recovering, monitoring, resolved,
each with when it was set and by whom; webhook subscribers of the public status (URL and
signing secret only); e-mail subscribers (address, language, a random token for the
confirm and unsubscribe links, when confirmed) (issue #18).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "incident_states",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(100), nullable=False),
    )
    op.create_index("ix_incident_states_incident", "incident_states", ["incident_id"])
    op.create_table(
        "status_webhooks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("url", name="uq_status_webhooks_url"),
    )
    op.create_table(
        "status_subscribers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("lang", sa.String(5), nullable=False),
        sa.Column("token", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("email", name="uq_status_subscribers_email"),
        sa.UniqueConstraint("token", name="uq_status_subscribers_token"),
    )


def downgrade() -> None:
    op.drop_table("status_subscribers")
    op.drop_table("status_webhooks")
    op.drop_index("ix_incident_states_incident", table_name="incident_states")
    op.drop_table("incident_states")
