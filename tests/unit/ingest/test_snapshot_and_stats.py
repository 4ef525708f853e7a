"""GetSnapshot, GetStats and /metrics: the owner's camera only, real tokens, real scrapes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import cv2
import httpx
import numpy as np
import pytest

from tests.support.rtsp import RtspServer
from tests.unit.ingest.rig import ONLINE, IngestRig, closed_port, new_account, new_camera_id
from visionflow import tokens
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.rpc import call
from visionflow.v1 import media_pb2


@dataclass
class LiveCamera:
    camera_id: int
    account: str


@pytest.fixture(scope="module")
async def live_camera(rig: IngestRig, rtsp_bus: RtspServer) -> AsyncIterator[LiveCamera]:
    camera = LiveCamera(camera_id=new_camera_id(), account=new_account())
    status = await rig.watch_status(camera.camera_id)
    frames = await rig.watch_frames(camera.camera_id)
    await rig.publish_camera(camera.camera_id, rtsp_bus.url, camera.account)
    await status.wait_state(ONLINE, timeout=20)
    await frames.wait_frames(10, timeout=10)
    await status.close()
    await frames.close()
    yield camera
    await rig.delete_camera(camera.camera_id, camera.account)


async def _error_of(coro: object) -> VisionFlowError:
    try:
        await coro  # type: ignore[misc]
    except VisionFlowError as error:
        return error
    raise AssertionError("the call succeeded")


async def test_snapshot_returns_the_newest_jpeg_to_the_owner(rig: IngestRig, live_camera: LiveCamera) -> None:
    stub = rig.stub()
    token = rig.auth.token(live_camera.account)
    reply = await call(
        stub.GetSnapshot, media_pb2.GetSnapshotRequest(camera_id=live_camera.camera_id), token=token
    )
    image = cv2.imdecode(np.frombuffer(reply.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape == (480, 640, 3)
    assert reply.frame.camera_id == live_camera.camera_id
    assert (reply.frame.width, reply.frame.height) == (640, 480)
    assert reply.frame.seq > 0
    assert abs(time.time_ns() - reply.frame.capture_time_ns) < 3e9, "the newest frame, not an old one"


async def test_snapshot_of_another_accounts_camera_is_not_found(
    rig: IngestRig, live_camera: LiveCamera
) -> None:
    stub = rig.stub()
    stranger = rig.auth.token(new_account())
    request = media_pb2.GetSnapshotRequest(camera_id=live_camera.camera_id)
    error = await _error_of(call(stub.GetSnapshot, request, token=stranger))
    assert error.code is ErrorCode.CAMERA_NOT_FOUND
    unknown = await _error_of(
        call(stub.GetSnapshot, media_pb2.GetSnapshotRequest(camera_id=999_999), token=stranger)
    )
    assert unknown.code is ErrorCode.CAMERA_NOT_FOUND
    assert unknown.message == error.message, "a foreign camera looks exactly like a missing one"
    zero = await _error_of(call(stub.GetSnapshot, media_pb2.GetSnapshotRequest(camera_id=0), token=stranger))
    assert zero.code is ErrorCode.CAMERA_NOT_FOUND


async def test_snapshot_needs_a_valid_access_token(rig: IngestRig, live_camera: LiveCamera) -> None:
    stub = rig.stub()
    request = media_pb2.GetSnapshotRequest(camera_id=live_camera.camera_id)
    assert (await _error_of(call(stub.GetSnapshot, request))).code is ErrorCode.AUTH_REQUIRED
    bad_tokens = [
        "not-a-jwt",
        rig.auth.token(live_camera.account, ttl_seconds=-60),
        rig.auth.token(live_camera.account, token_type=tokens.REFRESH_TYPE),
    ]
    for bad in bad_tokens:
        error = await _error_of(call(stub.GetSnapshot, request, token=bad))
        assert error.code is ErrorCode.INVALID_TOKEN


async def test_snapshot_before_the_first_frame_says_no_frame_yet(rig: IngestRig) -> None:
    account, camera_id = new_account(), new_camera_id()
    status = await rig.watch_status(camera_id)
    await rig.publish_camera(camera_id, f"rtsp://127.0.0.1:{closed_port()}/cam", account)
    await status.wait_for(lambda: bool(status.messages), timeout=10, what="a first status")
    error = await _error_of(
        call(
            rig.stub().GetSnapshot,
            media_pb2.GetSnapshotRequest(camera_id=camera_id),
            token=rig.auth.token(account),
        )
    )
    assert error.code is ErrorCode.RESOURCE_NOT_FOUND
    assert error.message == "No frame yet"
    await rig.delete_camera(camera_id, account)


async def test_stats_show_the_owners_cameras_only(rig: IngestRig, live_camera: LiveCamera) -> None:
    stub = rig.stub()
    owner = rig.auth.token(live_camera.account)
    request = media_pb2.GetStatsRequest(camera_id=live_camera.camera_id)
    deadline = time.monotonic() + 8
    while True:  # rates are measured over the last seconds: wait for them to settle
        [stats] = (await call(stub.GetStats, request, token=owner)).cameras
        if stats.fps_out >= 18 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert stats.camera_id == live_camera.camera_id
    assert stats.state == "online"
    assert 18 <= stats.fps_out <= 31, f"a 25 fps camera, capped at 30: {stats.fps_out}"
    assert stats.fps_in >= stats.fps_out
    assert stats.decode_ms > 0 and stats.encode_ms > 0

    everything = await call(stub.GetStats, media_pb2.GetStatsRequest(), token=owner)
    assert [s.camera_id for s in everything.cameras] == [live_camera.camera_id]

    stranger = rig.auth.token(new_account())
    theirs = await call(stub.GetStats, media_pb2.GetStatsRequest(), token=stranger)
    assert list(theirs.cameras) == []
    error = await _error_of(
        call(stub.GetStats, media_pb2.GetStatsRequest(camera_id=live_camera.camera_id), token=stranger)
    )
    assert error.code is ErrorCode.CAMERA_NOT_FOUND


async def test_metrics_endpoint_reports_per_camera_counters(rig: IngestRig, live_camera: LiveCamera) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://{rig.metrics_address}/metrics", timeout=5)
    assert response.status_code == 200
    text = response.text
    label = f'camera_id="{live_camera.camera_id}"'
    published = [
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("vf_ingest_frames_published_total{") and label in line
    ]
    assert published and published[0] > 10
    assert f'vf_ingest_camera_state{{{label},state="online"}} 1.0' in text
    assert f'vf_ingest_camera_state{{{label},state="offline"}} 0.0' in text
    assert "vf_ingest_reconnects_total" in text and "vf_ingest_fps_in" in text
