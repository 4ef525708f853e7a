"""URLs ingest refuses or cannot reach, and camera changes it cannot read."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.unit.ingest.rig import ERROR, OFFLINE, ONLINE, IngestRig, closed_port, new_account, new_camera_id
from visionflow import subjects
from visionflow.rpc import call
from visionflow.v1 import events_pb2, media_pb2


async def test_file_url_is_refused_unless_the_operator_allows_it(rig: IngestRig, bus_clip: Path) -> None:
    account, camera_id = new_account(), new_camera_id()
    status = await rig.watch_status(camera_id)
    frames = await rig.watch_frames(camera_id)
    await rig.publish_camera(camera_id, bus_clip.as_uri(), account)

    error = await status.wait_state(ERROR, timeout=10)
    assert "not allowed" in error.reason and "VF_ALLOW_FILE_URLS" in error.reason
    await asyncio.sleep(1.0)
    assert frames.messages == []
    assert ONLINE not in [s.state for s in status.statuses()]
    await rig.delete_camera(camera_id, account)


async def test_other_schemes_and_ffmpeg_protocols_are_refused(rig: IngestRig) -> None:
    account = new_account()
    for url in (
        "ftp://127.0.0.1/video.ts",
        "concat:/etc/passwd|/etc/hosts",
        "/etc/passwd",
        "rtsp:///cam",
        "",
    ):
        camera_id = new_camera_id()
        status = await rig.watch_status(camera_id)
        await rig.publish_camera(camera_id, url, account)
        error = await status.wait_state(ERROR, timeout=10)
        assert error.reason, f"{url!r} refused without a reason"
        assert "passwd" not in error.reason
        await rig.delete_camera(camera_id, account)


async def test_unreachable_camera_is_offline_with_a_reason_free_of_credentials(rig: IngestRig) -> None:
    account, camera_id = new_account(), new_camera_id()
    secret = "s3cret-Passw0rd"
    url = f"rtsp://admin:{secret}@127.0.0.1:{closed_port()}/cam"
    status = await rig.watch_status(camera_id)
    await rig.publish_camera(camera_id, url, account)

    offline = await status.wait_state(OFFLINE, timeout=10)
    assert "refused" in offline.reason.lower()
    assert secret not in offline.reason and "admin" not in offline.reason

    # It keeps trying (capped backoff), and never writes the password to its log.
    await asyncio.sleep(2.5)
    reply = await call(
        rig.stub().GetStats,
        media_pb2.GetStatsRequest(camera_id=camera_id),
        token=rig.auth.token(account),
    )
    assert reply.cameras[0].reconnects >= 2
    assert reply.cameras[0].state == "offline"
    assert all(secret not in s.reason for s in status.statuses())
    assert secret not in rig.process.log_text()
    await rig.delete_camera(camera_id, account)


async def test_unreadable_camera_changes_are_skipped(rig: IngestRig) -> None:
    account = new_account()
    broken_id, camera_id = new_camera_id(), new_camera_id()
    broken = await rig.watch_status(broken_id)
    js = rig.nc.jetstream()
    await js.publish(subjects.camera_changed(broken_id), b"\xff\x00 not a protobuf")
    await js.publish(
        subjects.camera_changed(broken_id),
        events_pb2.CameraChanged(kind=events_pb2.CHANGE_KIND_CREATED).SerializeToString(),
    )
    status = await rig.watch_status(camera_id)
    await rig.publish_camera(camera_id, f"rtsp://127.0.0.1:{closed_port()}/cam", account)
    await status.wait_state(OFFLINE, timeout=10)
    assert rig.process.is_alive()
    assert broken.messages == [], "a change without a camera starts nothing"
    await rig.delete_camera(camera_id, account)
