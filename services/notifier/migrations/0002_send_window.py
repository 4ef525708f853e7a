"""The per-account send budget shared by notifier replicas (table send_window).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "send_window",
        sa.Column("account_uuid", AutoString(length=36), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account_uuid", "minute"),
    )


def downgrade() -> None:
    op.drop_table("send_window")
