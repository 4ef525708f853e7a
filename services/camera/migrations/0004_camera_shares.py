"""Camera shares: a camera shared view-only with another account, optionally until a date.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "camera_share",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("owner_account_uuid", AutoString(length=36), nullable=False),
        sa.Column("owner_username", AutoString(length=32), nullable=False),
        sa.Column("grantee_account_uuid", AutoString(length=36), nullable=False),
        sa.Column("grantee_username", AutoString(length=32), nullable=False),
        sa.Column("include_past_notifications", sa.Boolean(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["camera.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("camera_id", "grantee_account_uuid", name="uq_camera_share_camera_grantee"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("camera_share", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_camera_share_camera_id"), ["camera_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_camera_share_grantee_account_uuid"), ["grantee_account_uuid"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("camera_share", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_share_grantee_account_uuid"))
        batch_op.drop_index(batch_op.f("ix_camera_share_camera_id"))
    op.drop_table("camera_share")
