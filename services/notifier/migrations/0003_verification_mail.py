"""Verification mails sent, for the hourly limits per recipient address and per account.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verification_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_uuid", AutoString(length=36), nullable=False),
        sa.Column("email_lower", AutoString(length=254), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("verification_mail", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verification_mail_account_uuid"), ["account_uuid"], unique=False)
        batch_op.create_index(batch_op.f("ix_verification_mail_email_lower"), ["email_lower"], unique=False)
        batch_op.create_index(batch_op.f("ix_verification_mail_sent_at"), ["sent_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("verification_mail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_mail_sent_at"))
        batch_op.drop_index(batch_op.f("ix_verification_mail_email_lower"))
        batch_op.drop_index(batch_op.f("ix_verification_mail_account_uuid"))
    op.drop_table("verification_mail")
