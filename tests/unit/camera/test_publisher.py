"""CameraPublisher against a real nats-server: retry after a failed publish, stale-camera cleanup."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from nats.js import JetStreamContext

from services.camera.models import Camera, CameraStatus
from services.camera.publisher import CameraPublisher
from tests.support.processes import start_nats
from visionflow import bus, subjects
from visionflow.v1 import camera_pb2, events_pb2

ACCOUNT = "7a0c1e52-55a4-4c8b-9f67-0d7a2cbbd2f1"


def camera(camera_id: int) -> Camera:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return Camera(
        id=camera_id,
        account_uuid=ACCOUNT,
        name=f"cam {camera_id}",
        stream_url="rtsp://cam/x",
        recognition=True,
        location="",
        model_name="yolo_v11_detect",
        status=CameraStatus.CONNECTING,
        status_reason="",
        width=0,
        height=0,
        created_at=now,
        updated_at=now,
        last_active=None,
    )


@pytest.fixture
async def js(tmp_path: Path) -> AsyncIterator[JetStreamContext]:
    """JetStream on a fresh server whose streams do not exist yet."""
    server = await asyncio.to_thread(start_nats, tmp_path / "nats", tmp_path / "logs")
    nc = await bus.connect(server.url, "publisher-test")
    try:
        yield nc.jetstream(timeout=1)
    finally:
        await bus.close(nc)
        await asyncio.to_thread(server.stop)


async def last_change(js: JetStreamContext, camera_id: int) -> events_pb2.CameraChanged:
    message = await js.get_last_msg(subjects.CAMERAS_STREAM, subjects.camera_changed(camera_id))
    change = events_pb2.CameraChanged()
    change.ParseFromString(message.data or b"")
    return change


async def test_failed_publish_is_retried_until_it_lands(js: JetStreamContext) -> None:
    stored: dict[int, Camera] = {1: camera(1)}

    async def load(camera_id: int) -> Camera | None:
        return stored.get(camera_id)

    publisher = CameraPublisher(js=js, load=load, retry_interval=0.05)
    # No stream yet: the publish fails and is remembered.
    assert not await publisher.publish(events_pb2.CHANGE_KIND_CREATED, camera_id=1, account_uuid=ACCOUNT)
    assert publisher.pending == {1: ACCOUNT}
    stored[1] = Camera(**{**camera(1).__dict__, "name": "renamed"})

    retry = asyncio.create_task(publisher.retry_forever())
    try:
        deadline = time.monotonic() + 10
        while publisher.pending:
            assert time.monotonic() < deadline, "never republished"
            await asyncio.sleep(0.05)
    finally:
        retry.cancel()
    change = await last_change(js, 1)
    assert (change.kind, change.camera.name) == (events_pb2.CHANGE_KIND_UPDATED, "renamed")


async def test_reconcile_republishes_known_and_deletes_vanished_cameras(js: JetStreamContext) -> None:
    await bus.ensure_streams(js)
    for stale_id, kind in ((5, events_pb2.CHANGE_KIND_UPDATED), (6, events_pb2.CHANGE_KIND_DELETED)):
        stale = events_pb2.CameraChanged(
            kind=kind, camera=camera_pb2.Camera(id=stale_id, account_uuid=ACCOUNT)
        )
        await js.publish(subjects.camera_changed(stale_id), stale.SerializeToString())
    before_6 = (await js.get_last_msg(subjects.CAMERAS_STREAM, subjects.camera_changed(6))).seq

    async def load(camera_id: int) -> Camera | None:
        return camera(camera_id) if camera_id == 1 else None

    publisher = CameraPublisher(js=js, load=load)
    await publisher.reconcile([camera(1)])

    assert (await last_change(js, 1)).camera.name == "cam 1"
    deleted = await last_change(js, 5)
    assert deleted.kind == events_pb2.CHANGE_KIND_DELETED
    assert deleted.camera == camera_pb2.Camera(id=5, account_uuid=ACCOUNT)
    # Already deleted: left alone, not republished.
    assert (await js.get_last_msg(subjects.CAMERAS_STREAM, subjects.camera_changed(6))).seq == before_6


async def test_replicas_racing_never_leave_an_older_state_last(js: JetStreamContext) -> None:
    await bus.ensure_streams(js)

    def replica(revision: int) -> CameraPublisher:
        async def load(camera_id: int) -> Camera | None:
            return Camera(**{**camera(camera_id).__dict__, "name": f"rev {revision}", "revision": revision})

        return CameraPublisher(js=js, load=load)

    # A slow replica publishes revision 2 after another published revision 3: 3 stays last.
    assert await replica(3).publish(events_pb2.CHANGE_KIND_UPDATED, camera_id=7, account_uuid=ACCOUNT)
    assert await replica(2).publish(events_pb2.CHANGE_KIND_UPDATED, camera_id=7, account_uuid=ACCOUNT)
    assert (await last_change(js, 7)).camera.name == "rev 3"
    # Ten replicas at once, each with its own revision: the newest ends up last.
    publishers = [replica(revision) for revision in range(4, 14)]
    await asyncio.gather(
        *(p.publish(events_pb2.CHANGE_KIND_UPDATED, camera_id=7, account_uuid=ACCOUNT) for p in publishers)
    )
    last = await js.get_last_msg(subjects.CAMERAS_STREAM, subjects.camera_changed(7))
    assert (last.headers or {})[subjects.HDR_REVISION] == "13"
    assert (await last_change(js, 7)).camera.name == "rev 13"
    # A delete is newer than any revision.
    gone = CameraPublisher(js=js, load=lambda _id: asyncio.sleep(0, result=None))
    assert await gone.publish(events_pb2.CHANGE_KIND_DELETED, camera_id=7, account_uuid=ACCOUNT)
    assert (await last_change(js, 7)).kind == events_pb2.CHANGE_KIND_DELETED
    assert await replica(14).publish(events_pb2.CHANGE_KIND_UPDATED, camera_id=7, account_uuid=ACCOUNT)
    assert (await last_change(js, 7)).kind == events_pb2.CHANGE_KIND_DELETED
