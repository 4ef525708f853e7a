"""Ingest over real RTSP: detect frames at the camera's detect rate, and JPEG only on demand."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from nats.aio.msg import Msg

from tests.support import media
from tests.support.demand import start_demand
from tests.support.rtsp import RtspServer
from tests.unit.ingest.conftest import _rtsp
from tests.unit.ingest.rig import OFFLINE, ONLINE, IngestRig, new_account, new_camera_id
from visionflow import subjects
from visionflow.v1 import events_pb2


def _headers(msg: Msg) -> dict[str, str]:
    return dict(msg.headers or {})


def _reasons(messages: list[Msg]) -> Counter[str]:
    return Counter(_headers(msg)[subjects.HDR_REASON] for msg in messages)


@pytest.fixture(scope="module")
def rtsp_walk_in(tmp_path_factory: pytest.TempPathFactory) -> object:
    clip = media.walk_in_video(seconds=12.0)
    yield from _rtsp(clip, Path(tmp_path_factory.mktemp("walk-in-logs")), "rtsp-walk-in")


async def test_no_viewer_no_raw_jpeg_and_a_viewer_starts_it_within_a_second(
    rig: IngestRig, rtsp_bus: RtspServer
) -> None:
    camera_id = new_camera_id()
    status = await rig.watch_status(camera_id)
    raw = await rig.watch_frames(camera_id, demand=False)
    await rig.publish_camera(camera_id, rtsp_bus.url, new_account())
    await status.wait_state(ONLINE, timeout=20)
    quiet_from = time.monotonic()
    await status.wait_for(lambda: time.monotonic() - quiet_from > 2.0, 5, "two seconds online")
    assert raw.messages == []  # online, but nobody watches: no JPEG made

    asked = time.monotonic()
    stop = start_demand(rig.nc, "raw", rig.accounts[camera_id], camera_id)
    try:
        await raw.wait_frames(1, timeout=5)
        arrived, first = raw.messages[0]
        assert arrived - asked < 1.0
        assert first.data[:2] == b"\xff\xd8"
    finally:
        stop.set()
    # The lease runs out DEMAND_LEASE_S after the last ask: frames stop.
    await raw.wait_for(
        lambda: time.monotonic() - raw.messages[-1][0] > 1.0,
        subjects.DEMAND_LEASE_S + 5,
        "raw frames to stop",
    )
    await raw.close()


async def test_detect_frames_follow_the_detect_rate_and_it_changes_live(
    rig: IngestRig, rtsp_bus: RtspServer
) -> None:
    camera_id, account = new_camera_id(), new_account()
    status = await rig.watch_status(camera_id)
    detect = await rig.watch_detect(camera_id)
    await rig.publish_camera(camera_id, rtsp_bus.url, account, recognition=True, detect_fps=2.0)
    await status.wait_state(ONLINE, timeout=20)
    await detect.wait_frames(2, timeout=10)
    since = time.monotonic()
    await detect.wait_for(lambda: time.monotonic() - since > 3.0, 5, "three seconds")
    slow = len(detect.since(since)) / (time.monotonic() - since)
    assert 1.3 <= slow <= 2.7

    changed = time.monotonic()
    await rig.publish_camera(
        camera_id,
        rtsp_bus.url,
        account,
        kind=events_pb2.CHANGE_KIND_UPDATED,
        recognition=True,
        detect_fps=10.0,
    )
    await detect.wait_for(lambda: time.monotonic() - changed > 4.0, 6, "four seconds")
    window = [at for at, _ in detect.messages if at >= changed + 1.0]
    fast = len(window) / (time.monotonic() - changed - 1.0)
    assert 8.0 <= fast <= 12.0
    assert all(s.state == ONLINE for s in status.statuses()[-3:])
    assert not any(s.state == OFFLINE for s in status.statuses())  # no reconnect for the change

    await rig.publish_camera(camera_id, rtsp_bus.url, account, kind=events_pb2.CHANGE_KIND_UPDATED)
    off = time.monotonic()
    await detect.wait_for(lambda: time.monotonic() - off > 2.0, 4, "two seconds")
    assert len([at for at, _ in detect.messages if at > off + 0.5]) == 0  # recognition off: none
    await detect.close()


async def test_detect_frames_carry_pixels_for_motion_and_ticks_when_still(
    rig: IngestRig, rtsp_walk_in: RtspServer
) -> None:
    camera_id = new_camera_id()
    detect = await rig.watch_detect(camera_id)
    await rig.publish_camera(camera_id, rtsp_walk_in.url, new_account(), recognition=True, detect_fps=5.0)
    frames = await detect.wait_frames(60, timeout=30)  # > one 12 s loop of the clip at 5 fps
    reasons = _reasons(frames)
    assert reasons["warmup"] >= 4  # the first second after connecting
    assert reasons["motion"] >= 5  # the person walking in (each loop)
    assert reasons["tick"] >= 20  # standing still: no pixels
    for msg in frames:
        headers = _headers(msg)
        width, height = int(headers[subjects.HDR_WIDTH]), int(headers[subjects.HDR_HEIGHT])
        assert (int(headers[subjects.HDR_SOURCE_WIDTH]), int(headers[subjects.HDR_SOURCE_HEIGHT])) == (
            640,
            480,
        )
        if headers[subjects.HDR_REASON] == "tick":
            assert msg.data == b"" and subjects.HDR_FORMAT not in headers
        else:
            assert headers[subjects.HDR_FORMAT] == subjects.FORMAT_I420
            assert len(msg.data) == width * height * 3 // 2 == 640 * 480 * 3 // 2
    seqs = [int(_headers(msg)[subjects.HDR_SEQ]) for msg in frames]
    assert seqs == sorted(seqs)
    await detect.close()


async def test_a_viewer_of_the_annotated_stream_gets_pixels_on_every_detect_frame(
    rig: IngestRig, rtsp_walk_in: RtspServer
) -> None:
    camera_id = new_camera_id()
    detect = await rig.watch_detect(camera_id)
    account = new_account()
    stop = start_demand(rig.nc, "annotated", account, camera_id)
    try:
        await rig.publish_camera(camera_id, rtsp_walk_in.url, account, recognition=True, detect_fps=5.0)
        frames = await detect.wait_frames(40, timeout=30)
    finally:
        stop.set()
    reasons = _reasons(frames)
    assert reasons["tick"] == 0 and reasons["view"] >= 10
    assert all(msg.data for msg in frames)
    await detect.close()
