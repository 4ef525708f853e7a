"""An ingest with file:// allowed, a 10 fps cap and downscaling; restarts replay the cameras."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.support import media
from tests.support.keyserver import KeyServer
from tests.unit.ingest.rig import (
    ERROR,
    ONLINE,
    IngestRig,
    new_account,
    new_camera_id,
    start_rig,
)
from visionflow import subjects


@pytest.fixture(scope="module")
async def file_rig(
    tmp_path_factory: pytest.TempPathFactory, auth_keys: KeyServer
) -> AsyncIterator[IngestRig]:
    running = await start_rig(
        tmp_path_factory.mktemp("ingest-files"),
        auth_keys,
        VF_ALLOW_FILE_URLS="true",
        VF_INGEST_MAX_FPS="10",
        VF_INGEST_DOWNSCALE_WIDTH="320",
    )
    yield running
    await running.close()


@pytest.fixture(scope="module")
def short_clip() -> Path:
    """Two seconds at 25 fps, so a few seconds of frames prove that it loops."""
    return media.pan_video(seconds=2)


async def test_file_camera_loops_at_the_capped_rate_and_downscaled(
    file_rig: IngestRig, short_clip: Path
) -> None:
    account, camera_id = new_account(), new_camera_id()
    status = await file_rig.watch_status(camera_id)
    frames = await file_rig.watch_frames(camera_id)
    await file_rig.publish_camera(camera_id, short_clip.as_uri(), account)
    online = await status.wait_state(ONLINE, timeout=10)
    assert (online.width, online.height) == (320, 240)

    await frames.wait_frames(3, timeout=5)
    start = time.monotonic()
    await asyncio.sleep(3.5)  # longer than the clip: it must loop
    window = frames.since(start)
    assert 28 <= len(window) <= 40, f"{len(window)} frames in 3.5 s at a 10 fps cap"
    capture_s = [int((m.headers or {})[subjects.HDR_CAPTURE_TIME]) / 1e9 for m in window]
    gaps = np.diff(capture_s)
    assert 0.08 < float(np.median(gaps)) < 0.13, "frames 0.1 s apart in capture time"
    assert float(gaps.max()) < 0.5, "no pause when the file loops"
    for msg in window[-3:]:
        headers = msg.headers or {}
        assert (headers[subjects.HDR_WIDTH], headers[subjects.HDR_HEIGHT]) == ("320", "240")
        image = cv2.imdecode(np.frombuffer(msg.data, np.uint8), cv2.IMREAD_COLOR)
        assert image is not None and image.shape == (240, 320, 3)
    await file_rig.delete_camera(camera_id, account)


async def test_missing_file_is_an_error_with_a_reason(file_rig: IngestRig, tmp_path: Path) -> None:
    account, camera_id = new_account(), new_camera_id()
    status = await file_rig.watch_status(camera_id)
    await file_rig.publish_camera(camera_id, (tmp_path / "missing.ts").as_uri(), account)
    error = await status.wait_state(ERROR, timeout=10)
    assert "No such file" in error.reason
    await file_rig.delete_camera(camera_id, account)


async def test_restarted_ingest_replays_existing_cameras_and_skips_deleted_ones(
    file_rig: IngestRig, short_clip: Path
) -> None:
    account = new_account()
    kept_id, deleted_id = new_camera_id(), new_camera_id()
    await file_rig.publish_camera(kept_id, short_clip.as_uri(), account)
    await file_rig.publish_camera(deleted_id, short_clip.as_uri(), account)
    kept = await file_rig.watch_frames(kept_id)
    gone = await file_rig.watch_frames(deleted_id)
    await kept.wait_frames(3, timeout=10)
    await file_rig.delete_camera(deleted_id, account)

    await asyncio.to_thread(file_rig.process.restart)
    restarted_at = time.monotonic()
    await kept.wait_frames(5, timeout=15, since=restarted_at)  # nobody published the camera again
    assert gone.since(restarted_at) == []
    await file_rig.delete_camera(kept_id, account)
