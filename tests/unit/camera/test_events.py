"""The camera service on NATS: CameraChanged on JetStream, status from ingest, restart, file URLs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from nats.aio.client import Client as NATS
from nats.js.api import DeliverPolicy

from tests.support.processes import NatsServer, ServiceProcess, start_nats, start_service
from tests.unit.camera.conftest import Account, camera_env
from tests.unit.camera.helpers import fails, new_camera, region
from visionflow import snapshots, subjects
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.rpc import call, open_channel
from visionflow.v1 import camera_pb2, events_pb2
from visionflow.v1.camera_pb2_grpc import CameraServiceStub

Changes = Callable[[int], Awaitable[events_pb2.CameraChanged]]


@pytest.fixture
async def changes(nc: NATS) -> AsyncIterator[Changes]:
    """Next CameraChanged for a camera id, from a JetStream consumer started before the test acts."""
    sub = await nc.jetstream().subscribe(
        subjects.CAMERA_CHANGED_ALL, ordered_consumer=True, deliver_policy=DeliverPolicy.NEW
    )

    async def next_change(camera_id: int) -> events_pb2.CameraChanged:
        deadline = time.monotonic() + 10
        while True:
            msg = await sub.next_msg(timeout=max(deadline - time.monotonic(), 0.01))
            if msg.subject == subjects.camera_changed(camera_id):
                change = events_pb2.CameraChanged()
                change.ParseFromString(msg.data)
                return change

    yield next_change
    await sub.unsubscribe()


async def get(stub: CameraServiceStub, account: Account, camera_id: int) -> camera_pb2.Camera:
    reply = await call(stub.GetCamera, camera_pb2.GetCameraRequest(camera_id=camera_id), token=account.token)
    return reply.camera


async def test_every_change_is_published_with_the_full_camera(
    stub: CameraServiceStub, alice: Account, changes: Changes
) -> None:
    camera = (
        await call(stub.CreateCamera, new_camera(detection_areas=[region("a")]), token=alice.token)
    ).camera
    created = await changes(camera.id)
    assert created.kind == events_pb2.CHANGE_KIND_CREATED
    assert created.camera == camera
    assert created.HasField("changed_at")

    await call(
        stub.UpdateCamera,
        camera_pb2.UpdateCameraRequest(camera_id=camera.id, location="gate"),
        token=alice.token,
    )
    updated = await changes(camera.id)
    assert (updated.kind, updated.camera.location) == (events_pb2.CHANGE_KIND_UPDATED, "gate")
    assert [r.name for r in updated.camera.regions] == ["a"]

    await call(
        stub.ReplaceRegions,
        camera_pb2.ReplaceRegionsRequest(camera_id=camera.id, regions=[region("b"), region("c")]),
        token=alice.token,
    )
    regions = await changes(camera.id)
    assert regions.kind == events_pb2.CHANGE_KIND_UPDATED
    assert [r.name for r in regions.camera.regions] == ["b", "c"]

    await call(stub.DeleteRegions, camera_pb2.DeleteRegionsRequest(camera_id=camera.id), token=alice.token)
    cleared = await changes(camera.id)
    assert (cleared.kind, list(cleared.camera.regions)) == (events_pb2.CHANGE_KIND_UPDATED, [])

    await call(stub.DeleteCamera, camera_pb2.DeleteCameraRequest(camera_id=camera.id), token=alice.token)
    deleted = await changes(camera.id)
    assert deleted.kind == events_pb2.CHANGE_KIND_DELETED
    assert deleted.camera == camera_pb2.Camera(id=camera.id, account_uuid=alice.uuid)


async def test_failed_change_publishes_nothing(
    stub: CameraServiceStub, alice: Account, bob: Account, changes: Changes
) -> None:
    camera = (await call(stub.CreateCamera, new_camera(), token=alice.token)).camera
    await changes(camera.id)
    await fails(stub.UpdateCamera, camera_pb2.UpdateCameraRequest(camera_id=camera.id, name="x"), bob.token)
    await fails(stub.UpdateCamera, camera_pb2.UpdateCameraRequest(camera_id=camera.id, name=" "), alice.token)
    await call(
        stub.UpdateCamera, camera_pb2.UpdateCameraRequest(camera_id=camera.id, name="ok"), token=alice.token
    )
    assert (await changes(camera.id)).camera.name == "ok"  # the next message is the valid update


def status_report(camera_id: int, account_uuid: str, **fields: object) -> bytes:
    report = events_pb2.CameraStatus(camera_id=camera_id, account_uuid=account_uuid, **fields)  # type: ignore[arg-type]
    return report.SerializeToString()


async def wait_for(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_status_reports_update_the_camera(
    stub: CameraServiceStub, nc: NATS, alice: Account, bob: Account
) -> None:
    mine = (await call(stub.CreateCamera, new_camera("mine"), token=alice.token)).camera
    other = (await call(stub.CreateCamera, new_camera("other"), token=alice.token)).camera
    frame_at = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)
    # A report naming the wrong account is ignored; the valid one after it lands.
    await nc.publish(
        subjects.camera_status(bob.uuid, other.id),
        status_report(
            other.id, bob.uuid, state=camera_pb2.CAMERA_STATE_ERROR, reason="forged", width=1, height=1
        ),
    )
    online = status_report(
        mine.id,
        alice.uuid,
        state=camera_pb2.CAMERA_STATE_ONLINE,
        width=1280,
        height=720,
        fps=25.0,
        last_frame_at=frame_at,
    )
    await nc.publish(subjects.camera_status(alice.uuid, mine.id), online)

    async def online_now() -> bool:
        return (await get(stub, alice, mine.id)).status == camera_pb2.CAMERA_STATE_ONLINE

    await wait_for(online_now)
    camera = await get(stub, alice, mine.id)
    assert (camera.width, camera.height) == (1280, 720)
    assert camera.last_active.ToDatetime(tzinfo=UTC) == frame_at
    assert camera.updated_at == mine.updated_at
    assert await get(stub, alice, other.id) == other

    mask = await call(stub.RenderMask, camera_pb2.RenderMaskRequest(camera_id=mine.id), token=alice.token)
    assert (mask.width, mask.height) == (1280, 720)  # the camera's known resolution

    await nc.publish(
        subjects.camera_status(alice.uuid, mine.id),
        status_report(
            mine.id, alice.uuid, state=camera_pb2.CAMERA_STATE_OFFLINE, reason="no frames for 10 s"
        ),
    )

    async def offline_now() -> bool:
        return (await get(stub, alice, mine.id)).status == camera_pb2.CAMERA_STATE_OFFLINE

    await wait_for(offline_now)
    camera = await get(stub, alice, mine.id)
    assert camera.status_reason == "no frames for 10 s"
    assert (camera.width, camera.height) == (1280, 720)  # kept: the report had no size


async def test_restart_republishes_cameras_and_deletes_vanished_ones(
    stub: CameraServiceStub, nc: NATS, camera_service: ServiceProcess, alice: Account, changes: Changes
) -> None:
    camera = (
        await call(stub.CreateCamera, new_camera(detection_areas=[region("kept")]), token=alice.token)
    ).camera
    await changes(camera.id)
    ghost_id = 987_654
    ghost = events_pb2.CameraChanged(
        kind=events_pb2.CHANGE_KIND_UPDATED, camera=camera_pb2.Camera(id=ghost_id, account_uuid=alice.uuid)
    )
    await nc.jetstream().publish(subjects.camera_changed(ghost_id), ghost.SerializeToString())
    await changes(ghost_id)

    await asyncio.to_thread(camera_service.restart)

    vanished = await changes(ghost_id)
    assert vanished.kind == events_pb2.CHANGE_KIND_DELETED
    assert vanished.camera.account_uuid == alice.uuid
    # The camera's last message already is its current revision: it stays, unrepeated.
    last = await nc.jetstream().get_last_msg(subjects.CAMERAS_STREAM, subjects.camera_changed(camera.id))
    replayed = events_pb2.CameraChanged.FromString(last.data or b"")
    assert (last.headers or {})[subjects.HDR_REVISION] == "1"
    assert [r.name for r in replayed.camera.regions] == ["kept"]
    assert replayed.camera.name == camera.name
    assert await get(stub, alice, camera.id) == camera  # the data survived the restart


async def test_file_urls_are_accepted_only_when_enabled(
    tmp_path: Path, auth_address: str, alice: Account, stub: CameraServiceStub
) -> None:
    error = await fails(stub.CreateCamera, new_camera(stream_url="file:///videos/demo.mp4"), alice.token)
    assert error.code is ErrorCode.VALIDATION_ERROR and "stream_url" in error.message

    nats: NatsServer = await asyncio.to_thread(start_nats, tmp_path / "nats", tmp_path / "logs")
    env = camera_env(tmp_path / "data", nats, auth_address, allow_file_urls=True)
    try:
        process = await asyncio.to_thread(start_service, "camera", env, tmp_path / "logs")
        try:
            async with open_channel(process.address) as channel:
                demo = CameraServiceStub(channel)
                reply = await call(
                    demo.CreateCamera, new_camera(stream_url="file:///videos/demo.mp4"), token=alice.token
                )
                assert reply.camera.stream_url == "file:///videos/demo.mp4"
                error = await fails(demo.CreateCamera, new_camera(stream_url="ftp://x/y"), alice.token)
                assert error.code is ErrorCode.VALIDATION_ERROR
        finally:
            assert await asyncio.to_thread(process.stop) == 0
    finally:
        await asyncio.to_thread(nats.stop)


async def test_detect_settings_change_live_and_travel_with_the_camera(
    stub: CameraServiceStub, alice: Account, changes: Changes
) -> None:
    request = new_camera()
    request.detect_fps = 2.0
    request.detect_stream_url = "rtsp://127.0.0.1:9/sub"
    camera = (await call(stub.CreateCamera, request, token=alice.token)).camera
    created = await changes(camera.id)
    assert (created.camera.detect_fps, created.camera.detect_stream_url) == (2.0, "rtsp://127.0.0.1:9/sub")

    await call(
        stub.UpdateCamera,
        camera_pb2.UpdateCameraRequest(camera_id=camera.id, detect_fps=10.0, detect_stream_url=""),
        token=alice.token,
    )
    updated = await changes(camera.id)
    assert (updated.camera.detect_fps, updated.camera.detect_stream_url) == (10.0, "")

    for bad in (
        camera_pb2.UpdateCameraRequest(camera_id=camera.id, detect_fps=0.0),
        camera_pb2.UpdateCameraRequest(camera_id=camera.id, detect_fps=float("nan")),
        camera_pb2.UpdateCameraRequest(camera_id=camera.id, detect_stream_url="ftp://x/y"),
    ):
        with pytest.raises(VisionFlowError) as refused:
            await call(stub.UpdateCamera, bad, token=alice.token)
        assert refused.value.code is ErrorCode.VALIDATION_ERROR
    got = (
        await call(stub.GetCamera, camera_pb2.GetCameraRequest(camera_id=camera.id), token=alice.token)
    ).camera
    assert (got.detect_fps, got.detect_stream_url) == (10.0, "")


async def test_deleting_a_camera_purges_its_pictures_only(
    stub: CameraServiceStub, alice: Account, nc: NATS, changes: Changes
) -> None:
    doomed = (await call(stub.CreateCamera, new_camera("doomed"), token=alice.token)).camera
    kept = (await call(stub.CreateCamera, new_camera("kept"), token=alice.token)).camera
    js = nc.jetstream()
    bucket = await js.object_store(subjects.SNAPSHOT_BUCKET)  # declared at start, with the streams
    keys = {
        camera.id: snapshots.snapshot_key(alice.uuid, camera.id, time.time_ns(), f"e{camera.id}")
        for camera in (doomed, kept)
    }
    for key in keys.values():
        await bucket.put(key, b"\xff\xd8 picture")
    await call(stub.DeleteCamera, camera_pb2.DeleteCameraRequest(camera_id=doomed.id), token=alice.token)

    async def purged() -> bool:
        names = {info.name for info in await bucket.list() if not info.deleted}
        return keys[doomed.id] not in names

    await wait_for(purged)
    assert (await bucket.get(keys[kept.id])).data == b"\xff\xd8 picture"
