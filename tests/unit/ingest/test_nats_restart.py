"""NATS killed and started again (same port, same store) while ingest streams: frames resume.

The bundled NATS of `make run` is restarted by the launcher after a crash; ingest must pick up
where it was (its membership renewed, its cameras still its own) without a restart of its own.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.support.keyserver import KeyServer
from tests.support.processes import start_nats
from tests.support.rtsp import RtspServer
from tests.unit.ingest.rig import ONLINE, new_account, new_camera_id, start_rig

RESUME_LIMIT_S = 5.0


async def test_streams_resume_after_nats_is_killed_and_started_again(
    tmp_path_factory: pytest.TempPathFactory, auth_keys: KeyServer, rtsp_bus: RtspServer
) -> None:
    work: Path = tmp_path_factory.mktemp("ingest-nats-restart")
    rig = await start_rig(work, auth_keys)
    try:
        camera_id = new_camera_id()
        status = await rig.watch_status(camera_id)
        await rig.publish_camera(camera_id, rtsp_bus.url, new_account(), recognition=True)
        await status.wait_state(ONLINE, timeout=15)
        frames = await rig.watch_detect(camera_id)
        await frames.wait_frames(3, timeout=10)

        port = rig.nats_server.port
        rig.nats_server.kill()  # SIGKILL: no goodbye to anyone
        await asyncio.sleep(2.0)
        rig.nats_server = await asyncio.to_thread(start_nats, work / "nats", work / "logs", port)
        back = time.monotonic()
        # The test's own client reconnects too; frames captured after the restart must arrive.
        await frames.wait_frames(3, timeout=RESUME_LIMIT_S + 5, since=back)
        first = frames.since(back)[0]
        assert first is not None
        resumed = min(at for at, _ in frames.messages if at >= back) - back
        assert resumed <= RESUME_LIMIT_S, f"frames resumed {resumed:.1f}s after NATS was back"
        # Still this replica's camera a while later (membership renewed, nothing released).
        await asyncio.sleep(6.0)
        later = time.monotonic()
        await frames.wait_frames(3, timeout=5, since=later)
        assert rig.process.is_alive()
        assert "camera released" not in rig.process.log_text()

        # Away for longer than a membership lasts: ingest gives its cameras up (it cannot know
        # who owns them), then takes them back once NATS answers again.
        rig.nats_server.kill()
        await asyncio.sleep(8.0)
        rig.nats_server = await asyncio.to_thread(start_nats, work / "nats", work / "logs", port)
        back = time.monotonic()
        await frames.wait_frames(3, timeout=RESUME_LIMIT_S + 5, since=back)
        resumed = min(at for at, _ in frames.messages if at >= back) - back
        assert resumed <= RESUME_LIMIT_S, f"frames resumed {resumed:.1f}s after a long outage"
    finally:
        await rig.close()
