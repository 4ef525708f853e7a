"""Camera replicas: the observation time of the stored status, and a revision per change.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (constant defaults): no table copy, so no cascade into the regions.
    op.add_column("camera", sa.Column("status_observed_at", UTCDateTime(), nullable=True))
    op.add_column("camera", sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    op.drop_column("camera", "revision")
    op.drop_column("camera", "status_observed_at")
