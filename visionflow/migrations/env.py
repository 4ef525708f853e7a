"""Alembic environment shared by every service (run through visionflow/migrate.py).

The service's revisions live in `services/<service>/migrations/`; its tables come from its models,
so autogenerate compares only them.
"""

from __future__ import annotations

import importlib

from alembic import context
from sqlalchemy import MetaData

config = context.config
service = config.attributes["service"]
models = importlib.import_module(f"services.{service}.models")
metadata = MetaData()
for table in models.MIGRATED_TABLES:
    table.to_metadata(metadata)

context.configure(
    connection=config.attributes["connection"],
    target_metadata=metadata,
    version_table=config.attributes["version_table"],
    render_as_batch=True,  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
