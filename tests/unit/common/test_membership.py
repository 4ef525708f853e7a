"""Replica membership and camera ownership over a real nats-server, and the shared camera feed."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.aio.client import Client as NATS

from tests.support.processes import NatsServer, start_nats
from visionflow import bus, subjects
from visionflow.camerafeed import CameraFeed
from visionflow.membership import Membership, owner_among
from visionflow.v1 import camera_pb2, events_pb2

TTL_S = 1.5
HEARTBEAT_S = 0.25


@pytest.fixture(scope="module")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    base: Path = tmp_path_factory.mktemp("membership")
    server = start_nats(base / "nats", base / "logs")
    yield server
    server.stop()


@pytest.fixture
async def connections(nats_server: NatsServer) -> AsyncIterator[list[NATS]]:
    opened: list[NATS] = []
    yield opened
    for nc in opened:
        await bus.close(nc)


async def _connect(nats_server: NatsServer, opened: list[NATS], name: str) -> NATS:
    nc = await bus.connect(nats_server.url, name)
    opened.append(nc)
    return nc


async def _member(nats_server: NatsServer, opened: list[NATS], role: str, member_id: str) -> Membership:
    nc = await _connect(nats_server, opened, member_id)
    member = Membership(nc.jetstream(), role, member_id=member_id, ttl_s=TTL_S, heartbeat_s=HEARTBEAT_S)
    await member.start()
    return member


async def _until(condition: object, timeout: float) -> float:
    """Seconds until `condition()` holds (fails the test after `timeout`)."""
    started = time.monotonic()
    while not condition():  # type: ignore[operator]
        assert time.monotonic() - started < timeout, "condition not reached in time"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


def test_rendezvous_spreads_cameras_and_moves_only_a_leavers_share() -> None:
    members = ["ingest-a", "ingest-b", "ingest-c"]
    cameras = range(1, 601)
    owners = {camera: owner_among(camera, members) for camera in cameras}
    counts = Counter(owners.values())
    assert set(counts) == set(members)
    assert all(150 <= count <= 250 for count in counts.values()), counts
    assert owners == {camera: owner_among(camera, list(reversed(members))) for camera in cameras}
    after = {camera: owner_among(camera, ["ingest-a", "ingest-c"]) for camera in cameras}
    moved = [camera for camera in cameras if after[camera] != owners[camera]]
    assert moved and all(owners[camera] == "ingest-b" for camera in moved)
    assert owner_among(7, []) is None


async def test_members_agree_on_owners_and_a_leaver_hands_over_at_once(
    nats_server: NatsServer, connections: list[NATS]
) -> None:
    a = await _member(nats_server, connections, "t1", "a")
    b = await _member(nats_server, connections, "t1", "b")
    await _until(lambda: a.members() == ("a", "b") == b.members(), timeout=3)
    for camera in range(1, 50):
        assert a.owns(camera) != b.owns(camera)
        assert a.owner(camera) == b.owner(camera)
    changed = asyncio.Event()

    async def on_change() -> None:
        changed.set()

    a.on_change(on_change)
    await b.stop()
    await asyncio.wait_for(changed.wait(), timeout=HEARTBEAT_S * 4)
    assert a.members() == ("a",)
    assert all(a.owns(camera) for camera in range(1, 50))
    await a.stop()


async def test_a_silent_member_is_given_up_after_the_ttl_and_owns_nothing_itself(
    nats_server: NatsServer, connections: list[NATS]
) -> None:
    a = await _member(nats_server, connections, "t2", "a")
    b = await _member(nats_server, connections, "t2", "b")
    await _until(lambda: a.members() == ("a", "b"), timeout=3)
    await connections[-1].close()  # b is cut off from NATS without leaving
    waited = await _until(lambda: a.members() == ("a",), timeout=TTL_S * 3)
    assert waited <= TTL_S + 4 * HEARTBEAT_S
    # b cannot renew its key: it gives its cameras up too rather than read them twice.
    await _until(lambda: b.members() == (), timeout=TTL_S * 2)
    assert not any(b.owns(camera) for camera in range(1, 20))
    await b.stop()
    await a.stop()


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    async def apply(self, change: events_pb2.CameraChanged) -> None:
        kind = "deleted" if change.kind == events_pb2.CHANGE_KIND_DELETED else "apply"
        self.calls.append((kind, change.camera.id))

    async def release(self, camera_id: int) -> None:
        self.calls.append(("release", camera_id))


async def test_feed_hands_over_only_owned_cameras_and_follows_ownership(
    nats_server: NatsServer, connections: list[NATS]
) -> None:
    nc = await _connect(nats_server, connections, "feed")
    js = nc.jetstream()
    await bus.ensure_streams(js)
    await js.purge_stream(subjects.CAMERAS_STREAM)
    account = "0c7f4a47-1f5e-4d4f-9a49-6b3f1f6c2a10"
    for camera_id in (1, 2, 3):
        change = events_pb2.CameraChanged(
            kind=events_pb2.CHANGE_KIND_CREATED,
            camera=camera_pb2.Camera(id=camera_id, account_uuid=account, stream_url="rtsp://cam/x"),
        )
        await bus.publish_message(js, subjects.camera_changed(camera_id), change)
    mine = {1, 3}
    recorder = _Recorder()
    feed = CameraFeed(js, recorder, owns=lambda camera_id: camera_id in mine)
    await feed.start()
    await _until(lambda: feed.camera(2) is not None and len(recorder.calls) == 2, timeout=3)
    assert sorted(recorder.calls) == [("apply", 1), ("apply", 3)]
    assert feed.account_of(2) == account and feed.owned() == {1, 3}

    mine.clear()
    mine.add(2)
    await feed.reassess()
    assert recorder.calls[2:] == [("release", 1), ("release", 3), ("apply", 2)]

    deleted = events_pb2.CameraChanged(kind=events_pb2.CHANGE_KIND_DELETED, camera=camera_pb2.Camera(id=2))
    await bus.publish_message(js, subjects.camera_changed(2), deleted)
    await _until(lambda: len(recorder.calls) == 6, timeout=3)
    assert recorder.calls[5] == ("deleted", 2)
    assert feed.camera(2) is None and feed.owned() == frozenset()
    await feed.stop()
