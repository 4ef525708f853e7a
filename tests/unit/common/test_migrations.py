"""Alembic migrations on SQLite and PostgreSQL: they build exactly the models' tables, upgrade a
database from before migrations without losing rows, and survive many replicas starting at once."""

from __future__ import annotations

import importlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, inspect, text

from visionflow import migrate
from visionflow.db import create_db_engine


def _metadata(service: str) -> MetaData:
    metadata = MetaData()
    for table in importlib.import_module(f"services.{service}.models").MIGRATED_TABLES:
        table.to_metadata(metadata)
    return metadata


@pytest.mark.parametrize("service", migrate.SERVICES_WITH_DATABASES)
def test_migrations_build_exactly_the_models_tables(database_url: str, service: str) -> None:
    engine = create_db_engine(database_url, retries=3)
    try:
        migrate.upgrade(engine, service)
        migrate.upgrade(engine, service)  # a restart finds nothing to do
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            drift = [
                diff
                for diff in compare_metadata(context, _metadata(service))
                # Tables of other services' tests never live in this fresh database, but the
                # version table does; a server default added for old rows is not drift.
                if not (isinstance(diff, tuple) and diff[0] == "remove_table")
            ]
        assert drift == [], drift
        assert migrate.current_revision(engine, service) == migrate.head_revision(service)
    finally:
        engine.dispose()


def test_a_camera_database_from_before_migrations_keeps_its_rows(database_url: str) -> None:
    engine = create_db_engine(database_url, retries=3)
    try:
        with engine.begin() as connection:  # what `create_all` of the first release made
            connection.execute(
                text(
                    "CREATE TABLE camera (id INTEGER PRIMARY KEY, account_uuid VARCHAR(36) NOT NULL, "
                    "name VARCHAR(100) NOT NULL, stream_url VARCHAR(2048) NOT NULL, "
                    "recognition BOOLEAN NOT NULL, location VARCHAR(200) NOT NULL, "
                    "model_name VARCHAR(100) NOT NULL, status VARCHAR(16) NOT NULL, "
                    "status_reason VARCHAR(500) NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL, "
                    "created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL, last_active TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "CREATE TABLE region (id INTEGER PRIMARY KEY, camera_id INTEGER NOT NULL "
                    "REFERENCES camera(id) ON DELETE CASCADE, name VARCHAR(100) NOT NULL, "
                    "coordinates JSON NOT NULL, alert_duration FLOAT NOT NULL, "
                    "notification_enabled BOOLEAN NOT NULL, detection_classes JSON NOT NULL, "
                    "created_at TIMESTAMP NOT NULL)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO camera VALUES (7, 'acct', 'Old', 'rtsp://old/1', true, 'Hall', "
                    "'yolo_v11_detect', 'online', '', 640, 480, '2026-01-01 00:00:00', "
                    "'2026-01-01 00:00:00', NULL)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO region VALUES (3, 7, 'Door', '[[0, 0], [10, 0], [10, 10]]', 2.5, true, "
                    "'[\"person\"]', '2026-01-01 00:00:00')"
                )
            )
        migrate.upgrade(engine, "camera")
        assert migrate.current_revision(engine, "camera") == migrate.head_revision("camera")
        columns = {c["name"] for c in inspect(engine).get_columns("camera")}
        assert {"detect_fps", "detect_stream_url"} <= columns
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT name, location, detect_fps, detect_stream_url FROM camera WHERE id = 7")
            ).one()
            region = connection.execute(
                text("SELECT name, alert_duration FROM region WHERE camera_id = 7")
            ).one()
        assert tuple(row) == ("Old", "Hall", 5.0, "")
        assert tuple(region) == ("Door", 2.5)
    finally:
        engine.dispose()


def test_twenty_replicas_starting_at_once_all_come_up(database_url: str) -> None:
    engines = [create_db_engine(database_url, retries=3) for _ in range(20)]
    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            results = list(pool.map(lambda engine: migrate.upgrade(engine, "notifier"), engines))
        assert results == [None] * 20
        assert migrate.current_revision(engines[0], "notifier") == migrate.head_revision("notifier")
        assert "notification" in inspect(engines[0]).get_table_names()
    finally:
        for engine in engines:
            engine.dispose()
