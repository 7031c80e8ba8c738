"""Subscriptions per function and per place, and SMS subscribers: what each e-mail and
webhook subscriber follows (``functions``, ``places``: JSON lists of ids, NULL for any),
and the table ``status_sms_subscribers`` (number, language, STOP token, code hash, what
it follows).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    for table in ("status_subscribers", "status_webhooks"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("functions", sa.Text(), nullable=True))
            batch.add_column(sa.Column("places", sa.Text(), nullable=True))
    op.create_table(
        "status_sms_subscribers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("phone", sa.String(16), nullable=False),
        sa.Column("lang", sa.String(5), nullable=False),
        sa.Column("token", sa.String(40), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("code_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("codes_sent", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("tries", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("functions", sa.Text(), nullable=True),
        sa.Column("places", sa.Text(), nullable=True),
        sa.UniqueConstraint("phone", name="uq_status_sms_subscribers_phone"),
        sa.UniqueConstraint("token", name="uq_status_sms_subscribers_token"),
    )


def downgrade() -> None:
    op.drop_table("status_sms_subscribers")
    for table in ("status_webhooks", "status_subscribers"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("places")
            batch.drop_column("functions")
