"""Database engines for the services' stores: SQLite by default, PostgreSQL by URL.

Stores are synchronous SQLModel code run through `asyncio.to_thread`, one style for both
databases. `create_db_engine` retries until the database answers, like a pre-start check.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from visionflow.config import normalise_database_url

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    """Aware UTC now (sqlmodel maps `datetime` fields to a UTC type that refuses naive values)."""
    return datetime.now(UTC)


def create_db_engine(url: str, *, retries: int = 30, delay: float = 1.0) -> Engine:
    """An engine for `url` once `SELECT 1` succeeds (tables come from visionflow/migrate.py)."""
    url = normalise_database_url(url)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    else:
        # A database that stops answering fails a request in seconds (503) instead of hanging it.
        engine = create_engine(
            url,
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=10,
            pool_timeout=5,
            connect_args={"connect_timeout": 5},
        )
    for attempt in range(1, retries + 1):
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            break
        except Exception as error:
            if attempt == retries:
                raise
            log.warning("database not ready (attempt %s/%s): %s", attempt, retries, error)
            time.sleep(delay)
    return engine


def serialize_on(session: Session, *keys: str) -> None:
    """Make transactions that name the same key run one after another (check-and-count limits).

    PostgreSQL: transaction-scoped advisory locks, taken in a fixed order (no deadlock). SQLite
    serialises writers itself: write first (insert the attempt), then count, in one transaction.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": number})
