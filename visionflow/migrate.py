"""Database migrations: each service's tables are brought to the newest Alembic revision.

Every service with a database (auth, camera, notifier) keeps its revisions in
`services/<service>/migrations/` (one shared environment, `visionflow/migrations/env.py`) and its
own version table (`alembic_version_<service>`,
so services may even share one database). `upgrade` runs at every start and in Kubernetes as an
init container (`python -m visionflow.migrate <service>`) before the new pods serve.

Many replicas may start at once: on PostgreSQL the upgrade holds a transaction-wide advisory
lock, on SQLite an exclusive lock on a file beside the database, so one upgrades and the others
find nothing left to do. A database made by a release before migrations (tables, no version
table) is stamped with the first revision, which is that release's schema, and then upgraded.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import importlib
import logging
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
SERVICES_WITH_DATABASES = ("auth", "camera", "notifier")
# The tables each service's first revision creates: present without a version table means a
# database from before migrations.
BASELINE_TABLES = {
    "auth": "account",
    "camera": "camera",
    "notifier": "notification",
}
BASELINE_REVISION = "0001"


def version_table(service: str) -> str:
    return f"alembic_version_{service}"


def _config(service: str, connection: Connection | None) -> Config:
    """One Alembic environment (visionflow/migrations), the service's own revisions."""
    config = Config()
    config.set_main_option("script_location", str(ROOT / "visionflow" / "migrations"))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(ROOT / "services" / service / "migrations"))
    config.attributes["service"] = service
    config.attributes["connection"] = connection
    config.attributes["version_table"] = version_table(service)
    return config


def _lock_key(service: str) -> int:
    digest = hashlib.blake2b(f"visionflow-migrate-{service}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") - (1 << 63)  # PostgreSQL's advisory keys are signed


@contextlib.contextmanager
def _locked_connection(engine: Engine, service: str) -> Iterator[Connection]:
    """A connection that holds the service's migration lock until the block ends."""
    if engine.dialect.name == "sqlite":
        database = engine.url.database or ""
        with contextlib.ExitStack() as stack:
            if database and database != ":memory:":
                handle = stack.enter_context(Path(f"{database}.migrate.lock").open("a"))
                fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
            connection = stack.enter_context(engine.connect())
            # Off while tables change: SQLite's copy-and-rename of a table would otherwise
            # cascade its drop into the rows that refer to it.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            try:
                yield connection
            finally:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _lock_key(service)})
        connection.commit()
        try:
            yield connection
        finally:
            connection.rollback()
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _lock_key(service)})
            connection.commit()


def head_revision(service: str) -> str | None:
    """The newest revision of the service's migrations."""
    return ScriptDirectory.from_config(_config(service, None)).get_current_head()


def current_revision(engine: Engine, service: str) -> str | None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": version_table(service)})
        return context.get_current_revision()


def upgrade(engine: Engine, service: str) -> None:
    """Bring the service's tables to the newest revision (idempotent; safe to run concurrently)."""
    if service not in SERVICES_WITH_DATABASES:
        raise ValueError(f"{service} has no database")
    with _locked_connection(engine, service) as connection:
        config = _config(service, connection)
        tables = set(inspect(connection).get_table_names())
        if version_table(service) not in tables and BASELINE_TABLES[service] in tables:
            log.info("%s database predates migrations: stamping revision %s", service, BASELINE_REVISION)
            command.stamp(config, BASELINE_REVISION)
        command.upgrade(config, "head")
        connection.commit()


def database_url_of(service: str) -> str:
    """The service's database URL from its own settings (`VF_<SERVICE>_DATABASE_URL`)."""
    module = importlib.import_module(f"services.{service}.config")
    settings = getattr(module, f"{service.capitalize()}Settings")()
    return str(settings.database_url)


def main() -> None:
    parser = argparse.ArgumentParser(description="Upgrade a service's database to the newest revision.")
    parser.add_argument("service", choices=SERVICES_WITH_DATABASES)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s migrate: %(message)s")
    from visionflow.db import create_db_engine

    engine = create_db_engine(database_url_of(args.service))
    try:
        upgrade(engine, args.service)
        log.info("%s database at revision %s", args.service, current_revision(engine, args.service))
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
