"""Ingest against real RTSP servers: frames, status, outages, URL changes and deletes."""

from __future__ import annotations

import asyncio
import time

import cv2
import numpy as np
from nats.aio.msg import Msg

from tests.support.rtsp import RtspServer
from tests.unit.ingest.rig import (
    CONNECTING,
    OFFLINE,
    ONLINE,
    FrameWatcher,
    IngestRig,
    StatusWatcher,
    new_account,
    new_camera_id,
)
from visionflow import subjects
from visionflow.v1 import events_pb2

STALL_TIMEOUT_S = 2.0  # rig.FAST_ENV


def _seq(msg: Msg) -> int:
    return int((msg.headers or {})[subjects.HDR_SEQ])


def _width(msg: Msg) -> int:
    return int((msg.headers or {})[subjects.HDR_WIDTH])


async def _start_camera(
    rig: IngestRig, url: str, account: str | None = None
) -> tuple[int, StatusWatcher, FrameWatcher]:
    camera_id = new_camera_id()
    status = await rig.watch_status(camera_id)
    frames = await rig.watch_frames(camera_id)
    await rig.publish_camera(camera_id, url, account or new_account())
    await status.wait_state(ONLINE, timeout=20)
    await frames.wait_frames(3, timeout=10)
    return camera_id, status, frames


async def test_rtsp_camera_publishes_decodable_jpeg_frames_with_headers(
    rig: IngestRig, rtsp_bus: RtspServer
) -> None:
    account = new_account()
    camera_id = new_camera_id()
    status = await rig.watch_status(camera_id)
    frames = await rig.watch_frames(camera_id)
    await rig.publish_camera(camera_id, rtsp_bus.url, account)

    online = await status.wait_state(ONLINE, timeout=20)
    states = [s.state for s in status.statuses()]
    assert states[0] == CONNECTING
    assert online.camera_id == camera_id and online.account_uuid == account
    assert (online.width, online.height) == (640, 480)
    assert online.HasField("last_frame_at") and online.HasField("observed_at")
    assert online.reason == ""

    await frames.wait_frames(10, timeout=10)
    window_start = time.monotonic()
    await asyncio.sleep(2.0)
    in_window = frames.since(window_start)
    assert 15 <= len(in_window) <= 2 * 30 + 2, f"{len(in_window)} frames in 2 s from a 25 fps camera"

    messages = frames.since(0)
    seqs = [_seq(msg) for msg in messages]
    assert seqs == sorted(set(seqs)), "sequence numbers must strictly increase"
    now_ns = time.time_ns()
    capture_times = [int((msg.headers or {})[subjects.HDR_CAPTURE_TIME]) for msg in messages]
    assert capture_times == sorted(capture_times)
    assert abs(now_ns - capture_times[-1]) < 5e9, "capture time is wall-clock nanoseconds"
    for msg in messages[-5:]:
        headers = msg.headers or {}
        assert (headers[subjects.HDR_WIDTH], headers[subjects.HDR_HEIGHT]) == ("640", "480")
        image = cv2.imdecode(np.frombuffer(msg.data, np.uint8), cv2.IMREAD_COLOR)
        assert image is not None and image.shape == (480, 640, 3)
        assert float(image.std()) > 20, "a real picture, not a blank frame"
    assert len(messages[-1].data) < rig.nc.max_payload

    heartbeat_from = time.monotonic()
    await status.wait_for(
        lambda: len(status.since(heartbeat_from)) >= 1, timeout=3, what="a heartbeat status while online"
    )
    heartbeat = events_pb2.CameraStatus.FromString(status.since(heartbeat_from)[0].data)
    assert heartbeat.state == ONLINE and heartbeat.fps > 5
    await rig.delete_camera(camera_id, account)


async def test_stopped_server_goes_offline_and_returns_online_without_restarting_ingest(
    rig: IngestRig, rtsp_flaky: RtspServer
) -> None:
    account = new_account()
    camera_id, status, frames = await _start_camera(rig, rtsp_flaky.url, account)
    pid = rig.process.process.pid if rig.process.process else None
    url = rtsp_flaky.url

    stopped_at = time.monotonic()
    rtsp_flaky.stop()
    offline = await status.wait_state(OFFLINE, timeout=STALL_TIMEOUT_S + 1.0, since=stopped_at)
    assert offline.reason, "an offline status says why"
    assert (offline.width, offline.height) == (640, 480), "the last known size is kept"
    await asyncio.sleep(0.3)
    quiet_from = time.monotonic()
    await asyncio.sleep(1.0)
    assert frames.since(quiet_from) == [], "no frames while the camera is gone"
    last_seq = _seq(frames.since(0)[-1])

    restarted_at = time.monotonic()
    rtsp_flaky.start()
    assert rtsp_flaky.url == url, "the camera came back on the same address"
    await status.wait_state(ONLINE, timeout=15, since=restarted_at)
    again = await frames.wait_frames(10, timeout=10, since=restarted_at)
    assert _seq(again[0]) > last_seq, "sequence numbers continue across reconnects"
    assert rig.process.is_alive() and rig.process.process is not None and rig.process.process.pid == pid
    await rig.delete_camera(camera_id, account)


async def test_silent_server_is_caught_by_the_watchdog(rig: IngestRig, rtsp_flaky: RtspServer) -> None:
    account = new_account()
    camera_id, status, frames = await _start_camera(rig, rtsp_flaky.url, account)

    frozen_at = time.monotonic()
    rtsp_flaky.freeze()  # the connection stays open, but nothing comes
    try:
        offline = await status.wait_state(OFFLINE, timeout=STALL_TIMEOUT_S + 3.0, since=frozen_at)
        assert "no frames" in offline.reason
    finally:
        rtsp_flaky.thaw()
    thawed_at = time.monotonic()
    await status.wait_state(ONLINE, timeout=15, since=thawed_at)
    await frames.wait_frames(5, timeout=10, since=thawed_at)
    await rig.delete_camera(camera_id, account)


async def test_changed_stream_url_switches_to_the_new_source(
    rig: IngestRig, rtsp_bus: RtspServer, rtsp_zidane: RtspServer
) -> None:
    account = new_account()
    camera_id, status, frames = await _start_camera(rig, rtsp_bus.url, account)

    # A change that does not touch the URL keeps the stream as it is.
    kept_from = time.monotonic()
    await rig.publish_camera(
        camera_id, rtsp_bus.url, account, kind=events_pb2.CHANGE_KIND_UPDATED, recognition=True
    )
    await asyncio.sleep(1.5)
    assert CONNECTING not in [
        events_pb2.CameraStatus.FromString(m.data).state for m in status.since(kept_from)
    ]
    kept = frames.since(kept_from)
    assert len(kept) >= 20 and {_width(msg) for msg in kept} == {640}

    switched_at = time.monotonic()
    last_seq = _seq(frames.since(0)[-1])
    await rig.publish_camera(camera_id, rtsp_zidane.url, account, kind=events_pb2.CHANGE_KIND_UPDATED)
    await frames.wait_for(
        lambda: any(_width(msg) == 320 for msg in frames.since(switched_at)),
        timeout=15,
        what="a frame from the new source",
    )
    await frames.wait_frames(10, timeout=10, since=switched_at)
    after = frames.since(switched_at)
    first_new = next(i for i, msg in enumerate(after) if _width(msg) == 320)
    assert all(_width(msg) == 320 for msg in after[first_new:]), (
        "no frames of the old source after the switch"
    )
    image = cv2.imdecode(np.frombuffer(after[-1].data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape == (240, 320, 3)
    assert _seq(after[first_new]) > last_seq
    online = await status.wait_state(ONLINE, timeout=5, since=switched_at)
    assert (online.width, online.height) == (320, 240)
    await rig.delete_camera(camera_id, account)


async def test_deleted_camera_stops_publishing_within_a_second(rig: IngestRig, rtsp_bus: RtspServer) -> None:
    account = new_account()
    camera_id, status, frames = await _start_camera(rig, rtsp_bus.url, account)

    deleted_at = time.monotonic()
    await rig.delete_camera(camera_id, account)
    await asyncio.sleep(2.0)
    last_frame_at = frames.messages[-1][0]
    assert last_frame_at - deleted_at < 1.0, f"frames went on {last_frame_at - deleted_at:.2f}s after delete"
    assert not [s for s in status.since(deleted_at + 1.0)], "no status for a deleted camera"
