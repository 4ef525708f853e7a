"""The notifier service's tables as of the first release (the baseline of older databases)

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "email_recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_uuid", AutoString(length=36), nullable=False),
        sa.Column("email", AutoString(length=254), nullable=False),
        sa.Column("name", AutoString(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("notification_types", AutoString(length=100), nullable=False),
        sa.Column("verify_token_hash", AutoString(length=64), nullable=True),
        sa.Column("verify_expires_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_notification", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_uuid", "email", name="uq_email_recipient_email"),
    )
    with op.batch_alter_table("email_recipient", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_recipient_account_uuid"), ["account_uuid"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_email_recipient_verify_token_hash"), ["verify_token_hash"], unique=False
        )

    op.create_table(
        "line_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_uuid", AutoString(length=36), nullable=False),
        sa.Column("token_encrypted", sa.Text(), nullable=False),
        sa.Column("token_masked", AutoString(length=40), nullable=False),
        sa.Column("name", AutoString(length=100), nullable=False),
        sa.Column("target", AutoString(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("notification_types", AutoString(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("line_target", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_line_target_account_uuid"), ["account_uuid"], unique=False)

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_uuid", AutoString(length=36), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("camera_name", AutoString(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("image_path", AutoString(length=500), nullable=False),
        sa.Column("detection_type", AutoString(length=50), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("region_name", AutoString(length=200), nullable=False),
        sa.Column("metadata_json", sa.Text(), nullable=False),
        sa.Column("event_id", AutoString(length=100), nullable=True),
        sa.Column("status", AutoString(length=10), nullable=False),
        sa.Column("notification_sent", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_uuid", "event_id", name="uq_notification_event"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_account_uuid"), ["account_uuid"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_created_at"), ["created_at"], unique=False)

    op.create_table(
        "notification_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_uuid", AutoString(length=36), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.Column("channel", AutoString(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("state", AutoString(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("last_error", AutoString(length=500), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("notification_id", "channel", "target_id", name="uq_delivery_target"),
    )
    with op.batch_alter_table("notification_delivery", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_delivery_account_uuid"), ["account_uuid"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notification_delivery_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notification_delivery_notification_id"), ["notification_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notification_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_delivery_notification_id"))
        batch_op.drop_index(batch_op.f("ix_notification_delivery_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_notification_delivery_account_uuid"))

    op.drop_table("notification_delivery")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_created_at"))
        batch_op.drop_index(batch_op.f("ix_notification_account_uuid"))

    op.drop_table("notification")
    with op.batch_alter_table("line_target", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_line_target_account_uuid"))

    op.drop_table("line_target")
    with op.batch_alter_table("email_recipient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_recipient_verify_token_hash"))
        batch_op.drop_index(batch_op.f("ix_email_recipient_account_uuid"))

    op.drop_table("email_recipient")
