"""Ingest against a real HTTP camera: MJPEG (multipart/x-mixed-replace) and live HLS."""

from __future__ import annotations

import asyncio
import time

import cv2
import numpy as np
import pytest
from nats.aio.msg import Msg

from tests.support.http_camera import HttpCamera
from tests.unit.ingest.rig import (
    CONNECTING,
    ERROR,
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
MJPEG_FPS = 20.0  # http_camera's MJPEG rate (its demuxer would claim 25)
HLS_FPS = 25.0  # the clip's rate inside the HLS segments


def _header(msg: Msg, name: str) -> str:
    return (msg.headers or {})[name]


def _capture_s(messages: list[Msg]) -> list[float]:
    return [int(_header(msg, subjects.HDR_CAPTURE_TIME)) / 1e9 for msg in messages]


def _url(camera: HttpCamera, kind: str) -> str:
    return camera.mjpeg_url if kind == "mjpeg" else camera.hls_url


async def _start_camera(rig: IngestRig, url: str, account: str) -> tuple[int, StatusWatcher, FrameWatcher]:
    camera_id = new_camera_id()
    status = await rig.watch_status(camera_id)
    frames = await rig.watch_frames(camera_id)
    await rig.publish_camera(camera_id, url, account)
    return camera_id, status, frames


def _assert_real_frames(messages: list[Msg]) -> None:
    seqs = [int(_header(msg, subjects.HDR_SEQ)) for msg in messages]
    assert seqs == sorted(set(seqs)), "sequence numbers must strictly increase"
    assert _capture_s(messages) == sorted(_capture_s(messages))
    assert abs(time.time() - _capture_s(messages)[-1]) < 1.5, "capture time is the wall clock"
    for msg in messages[-3:]:
        assert (_header(msg, subjects.HDR_WIDTH), _header(msg, subjects.HDR_HEIGHT)) == ("640", "480")
        image = cv2.imdecode(np.frombuffer(msg.data, np.uint8), cv2.IMREAD_COLOR)
        assert image is not None and image.shape == (480, 640, 3)
        assert float(image.std()) > 20, "a real picture, not a blank frame"


async def test_mjpeg_camera_publishes_frames_timed_by_their_arrival(
    rig: IngestRig, http_camera: HttpCamera
) -> None:
    account = new_account()
    camera_id, status, frames = await _start_camera(rig, http_camera.mjpeg_url, account)

    online = await status.wait_state(ONLINE, timeout=10)
    assert status.statuses()[0].state == CONNECTING
    assert online.account_uuid == account and (online.width, online.height) == (640, 480)
    await frames.wait_frames(5, timeout=5)
    window_start = time.monotonic()
    await asyncio.sleep(2.0)
    window = frames.since(window_start)
    assert 30 <= len(window) <= 46, f"{len(window)} frames in 2 s from a 20 fps camera"
    gap = float(np.median(np.diff(_capture_s(window))))
    # FFmpeg numbers MJPEG parts at an assumed 25 fps; by those the gap would be 0.040 s.
    assert 0.045 < gap < 0.056, f"capture times {gap:.3f} s apart from a 20 fps camera"
    _assert_real_frames(frames.since(0))

    heartbeat_from = time.monotonic()
    await status.wait_for(lambda: bool(status.since(heartbeat_from)), timeout=3, what="a heartbeat")
    heartbeat = events_pb2.CameraStatus.FromString(status.since(heartbeat_from)[0].data)
    assert heartbeat.state == ONLINE and 15 < heartbeat.fps < 25
    await rig.delete_camera(camera_id, account)


async def test_hls_camera_plays_its_segments_out_at_the_stream_rate(
    rig: IngestRig, http_camera: HttpCamera
) -> None:
    account = new_account()
    camera_id, status, frames = await _start_camera(rig, http_camera.hls_url, account)

    online = await status.wait_state(ONLINE, timeout=10)
    assert (online.width, online.height) == (640, 480)
    await frames.wait_frames(5, timeout=5)
    window_start = time.monotonic()
    await asyncio.sleep(3.0)
    window = [(at, msg) for at, msg in frames.messages if at >= window_start]
    assert 60 <= len(window) <= 90, f"{len(window)} frames in 3 s from a 25 fps stream"
    arrivals = np.diff([at for at, _ in window])
    # Segments arrive ~1.4 s of frames at a time; played out, no gap is near a segment long.
    assert float(arrivals.max()) < 0.3, f"frames came in bursts ({arrivals.max():.2f} s gap)"
    gap = float(np.median(np.diff(_capture_s([msg for _, msg in window]))))
    assert 0.034 < gap < 0.046, f"capture times {gap:.3f} s apart in a 25 fps stream"
    _assert_real_frames(frames.since(0))
    assert http_camera.requests.get("/index.m3u8", 0) >= 2, "the live playlist is reloaded"
    await rig.delete_camera(camera_id, account)


@pytest.mark.parametrize("kind", ["mjpeg", "hls"])
async def test_stopped_http_camera_goes_offline_and_returns_online_without_restarting_ingest(
    rig: IngestRig, http_flaky: HttpCamera, kind: str
) -> None:
    account = new_account()
    url = _url(http_flaky, kind)
    camera_id, status, frames = await _start_camera(rig, url, account)
    await status.wait_state(ONLINE, timeout=10)
    await frames.wait_frames(5, timeout=5)
    pid = rig.process.process.pid if rig.process.process else None

    stopped_at = time.monotonic()
    http_flaky.stop()
    # HLS still plays what it has buffered (up to a segment) before it notices.
    offline = await status.wait_state(OFFLINE, timeout=STALL_TIMEOUT_S + 3.0, since=stopped_at)
    assert offline.reason and (offline.width, offline.height) == (640, 480)
    quiet_from = time.monotonic() + 0.5
    await asyncio.sleep(1.5)
    assert frames.since(quiet_from) == [], "no frames while the camera is gone"
    last_seq = int(_header(frames.since(0)[-1], subjects.HDR_SEQ))

    restarted_at = time.monotonic()
    http_flaky.start()
    assert _url(http_flaky, kind) == url, "the camera came back on the same address"
    await status.wait_state(ONLINE, timeout=10, since=restarted_at)
    again = await frames.wait_frames(5, timeout=5, since=restarted_at)
    assert int(_header(again[0], subjects.HDR_SEQ)) > last_seq, "sequence numbers continue"
    assert rig.process.is_alive() and rig.process.process is not None and rig.process.process.pid == pid
    await rig.delete_camera(camera_id, account)


async def test_missing_http_path_is_an_error_naming_the_status_not_the_password(
    rig: IngestRig, http_camera: HttpCamera
) -> None:
    account = new_account()
    secret = "s3cret-Passw0rd"
    url = f"http://admin:{secret}@127.0.0.1:{http_camera.port}/no-such-video.mjpg"
    camera_id, status, frames = await _start_camera(rig, url, account)

    error = await status.wait_state(ERROR, timeout=10)
    assert "404" in error.reason
    assert secret not in error.reason and "admin" not in error.reason
    await asyncio.sleep(0.5)
    assert frames.messages == []
    assert secret not in rig.process.log_text()
    await rig.delete_camera(camera_id, account)
