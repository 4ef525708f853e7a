"""The snapshot bucket is declared with the streams, with its limits; keys are checked in one place."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

from tests.support.processes import NatsServer, start_nats
from visionflow import bus, snapshots, subjects

ACCOUNT = "6a4e0b3c-5a27-4e55-8d1e-0c1c0a3e9b11"


@pytest.fixture(scope="module")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    base: Path = tmp_path_factory.mktemp("snapshots")
    server = start_nats(base / "nats", base / "logs")
    yield server
    server.stop()


async def test_streams_and_bucket_are_declared_with_their_limits(nats_server: NatsServer) -> None:
    nc = await bus.connect(nats_server.url, "snapshots-test")
    try:
        js = nc.jetstream()
        layout = bus.BusLayout(snapshot_ttl_days=2, snapshot_max_bytes=64 * 1024 * 1024)
        await bus.ensure_streams(js, layout)
        await bus.ensure_streams(js, layout)  # idempotent
        info = await js.stream_info(f"OBJ_{subjects.SNAPSHOT_BUCKET}")
        assert info.config.max_age == pytest.approx(2 * 24 * 3600)
        assert info.config.max_bytes == 64 * 1024 * 1024
        events = await js.stream_info(subjects.EVENTS_STREAM)
        assert events.config.duplicate_window == pytest.approx(120)

        bucket = await js.object_store(subjects.SNAPSHOT_BUCKET)
        mine = snapshots.snapshot_key(ACCOUNT, 7, 1_700_000_000_000_000_000, "a")
        other_camera = snapshots.snapshot_key(ACCOUNT, 70, 1_700_000_000_000_000_000, "b")
        for key in (mine, other_camera):
            await bucket.put(key, b"jpeg")
        assert await snapshots.purge_camera(js, ACCOUNT, 7) == 1
        names = {info.name for info in await bucket.list() if not info.deleted}
        assert names == {other_camera}
    finally:
        await bus.close(nc)


async def test_an_events_stream_of_an_older_release_moves_to_the_account_subjects(
    nats_server: NatsServer,
) -> None:
    """Before the account was in the subjects, alerts were `vf.events.alert.<id>`: the stream
    keeps its messages and takes today's subjects; a durable on the old filter is re-pointed by
    the notifier (services/notifier/handlers.py) and keeps its place."""
    nc = await bus.connect(nats_server.url, "upgrade-test")
    try:
        js = nc.jetstream()
        with contextlib.suppress(NotFoundError):
            await js.delete_stream(subjects.EVENTS_STREAM)
        await js.add_stream(StreamConfig(name=subjects.EVENTS_STREAM, subjects=["vf.events.alert.*"]))
        await js.publish("vf.events.alert.7", b"old alert")
        await bus.ensure_streams(js)
        info = await js.stream_info(subjects.EVENTS_STREAM)
        assert info.config.subjects == [subjects.ALERTS_ALL]
        assert info.state.messages == 1  # the old message stays
        await js.publish(subjects.alert(ACCOUNT, 7), b"new alert")
        assert (await js.stream_info(subjects.EVENTS_STREAM)).state.messages == 2
    finally:
        await bus.close(nc)


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        (f"{ACCOUNT}/7/20231114T221320.000000Z-a.jpg", True),
        (f"{ACCOUNT}/7/x.PNG", True),
        (f"{ACCOUNT}/../other/7/x.jpg", False),
        (f"/{ACCOUNT}/7/x.jpg", False),
        (f"{ACCOUNT}//x.jpg", False),
        (f"{ACCOUNT}/7/x.exe", False),
        (f"{ACCOUNT}\\7\\x.jpg", False),
        (f"{ACCOUNT}/7/x\n.jpg", False),
        ("11111111-2222-3333-4444-555555555555/7/x.jpg", False),
        (f"{ACCOUNT}", False),
    ],
)
def test_keys_outside_the_account_or_malformed_are_refused(path: str, allowed: bool) -> None:
    assert snapshots.key_belongs_to(path, ACCOUNT) is allowed
    assert (snapshots.checked_key(ACCOUNT, path) is not None) is allowed
