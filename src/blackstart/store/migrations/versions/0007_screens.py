"""Screens for 3 a.m.: what the public status page shows while a function is down
(``incidents.public_eta``: ``live`` range or ``announced`` ETA, chosen by a person).
Undo marks need no schema change: they are task events of kind ``undo-KIND``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(
            sa.Column("public_eta", sa.String(20), nullable=False, server_default="live")
        )


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("public_eta")
