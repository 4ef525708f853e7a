"""The demo camera (`demo://walk-in`) plays in an ingest that refuses file:// URLs, and only it."""

from __future__ import annotations

import numpy as np
import pytest

from services.ingest.sources import SourceRefused, resolve_source
from tests.unit.ingest.rig import ERROR, ONLINE, IngestRig, new_account, new_camera_id
from visionflow import subjects
from visionflow.demo import WALK_IN


def test_demo_url_is_the_bundled_clip_played_as_a_file() -> None:
    source = resolve_source("demo://walk-in", allow_files=False, read_timeout_s=1)
    assert source.target == f"file:{WALK_IN.path}"
    assert not source.live  # looped at its native rate


@pytest.mark.parametrize("url", ["demo://other", "demo://walk-in/../../etc/passwd", "demo:///etc/passwd"])
def test_other_demo_urls_are_refused(url: str) -> None:
    with pytest.raises(SourceRefused, match="unknown demo scene"):
        resolve_source(url, allow_files=True, read_timeout_s=1)


async def test_demo_camera_streams_at_its_native_rate_and_sends_detect_frames(rig: IngestRig) -> None:
    account, camera_id = new_account(), new_camera_id()
    status = await rig.watch_status(camera_id)
    detect = await rig.watch_detect(camera_id)
    await rig.publish_camera(camera_id, WALK_IN.url, account, recognition=True, detect_fps=5)
    online = await status.wait_state(ONLINE, timeout=10)
    assert (online.width, online.height) == WALK_IN.size

    frames = await rig.watch_frames(camera_id)
    await frames.wait_frames(50, timeout=10)
    capture_s = [int((m.headers or {})[subjects.HDR_CAPTURE_TIME]) / 1e9 for m in frames.since(0)]
    fps = (len(capture_s) - 1) / (capture_s[-1] - capture_s[0])
    # Paced at the clip's 25 fps, never faster (a file source would otherwise race through it);
    # a loaded machine may fall behind, so the lower side only says frames keep coming.
    assert fps <= 27, f"{fps:.1f} fps; the clip runs at 25"
    assert float(np.max(np.diff(capture_s))) < 1.0

    await detect.wait_frames(10, timeout=10)
    with_pixels = [m for _, m in detect.messages if m.data]
    assert with_pixels, "the first second (warm-up) and the walking person are sent for inference"
    headers = with_pixels[0].headers or {}
    assert (headers[subjects.HDR_SOURCE_WIDTH], headers[subjects.HDR_SOURCE_HEIGHT]) == ("640", "360")
    await frames.close()
    await rig.delete_camera(camera_id, account)


async def test_unknown_demo_scene_is_an_error_with_a_reason(rig: IngestRig) -> None:
    account, camera_id = new_account(), new_camera_id()
    status = await rig.watch_status(camera_id)
    await rig.publish_camera(camera_id, "demo://no-such-scene", account)
    error = await status.wait_state(ERROR, timeout=10)
    assert "unknown demo scene" in error.reason
    await rig.delete_camera(camera_id, account)
