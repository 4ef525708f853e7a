"""Per-camera detection settings: detect_fps and detect_stream_url.

Revision ID: 0002
Revises: 0001

Databases upgraded by the release before migrations may have these columns already (it added
missing columns at start); they are added only where missing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DEFAULT_DETECT_FPS = 5.0  # visionflow.vocabulary.DEFAULT_DETECT_FPS when this was written


def upgrade() -> None:
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("camera")}
    # Plain ADD COLUMN (SQLite has it for constant defaults): a batch copy of `camera` would
    # drop the old table, and with it, through ON DELETE CASCADE, every region.
    if "detect_fps" not in present:
        op.add_column(
            "camera",
            sa.Column(
                "detect_fps", sa.Float(), nullable=False, server_default=sa.text(str(DEFAULT_DETECT_FPS))
            ),
        )
    if "detect_stream_url" not in present:
        op.add_column(
            "camera",
            sa.Column("detect_stream_url", AutoString(length=2048), nullable=False, server_default=""),
        )


def downgrade() -> None:
    op.drop_column("camera", "detect_stream_url")
    op.drop_column("camera", "detect_fps")
