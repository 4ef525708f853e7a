"""The auth service's tables as of the first release (the baseline of older databases)

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
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_uuid", AutoString(length=36), nullable=False),
        sa.Column("username", AutoString(length=32), nullable=False),
        sa.Column("username_lower", AutoString(length=32), nullable=False),
        sa.Column("email", AutoString(length=254), nullable=False),
        sa.Column("email_lower", AutoString(length=254), nullable=False),
        sa.Column("password_hash", AutoString(length=255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_account_uuid"), ["account_uuid"], unique=True)
        batch_op.create_index(batch_op.f("ix_account_email_lower"), ["email_lower"], unique=True)
        batch_op.create_index(batch_op.f("ix_account_username_lower"), ["username_lower"], unique=True)

    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", AutoString(length=64), nullable=False),
        sa.Column("failed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_failure_failed_at"), ["failed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_failure_key_hash"), ["key_hash"], unique=False)

    op.create_table(
        "refresh_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jti_hash", AutoString(length=64), nullable=False),
        sa.Column("family_id", AutoString(length=64), nullable=False),
        sa.Column("account_uuid", AutoString(length=36), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refresh_token_account_uuid"), ["account_uuid"], unique=False)
        batch_op.create_index(batch_op.f("ix_refresh_token_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_refresh_token_family_id"), ["family_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_refresh_token_jti_hash"), ["jti_hash"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refresh_token_jti_hash"))
        batch_op.drop_index(batch_op.f("ix_refresh_token_family_id"))
        batch_op.drop_index(batch_op.f("ix_refresh_token_expires_at"))
        batch_op.drop_index(batch_op.f("ix_refresh_token_account_uuid"))

    op.drop_table("refresh_token")
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failure_key_hash"))
        batch_op.drop_index(batch_op.f("ix_login_failure_failed_at"))

    op.drop_table("login_failure")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_username_lower"))
        batch_op.drop_index(batch_op.f("ix_account_email_lower"))
        batch_op.drop_index(batch_op.f("ix_account_account_uuid"))

    op.drop_table("account")
