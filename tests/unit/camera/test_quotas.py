"""An account holds at most `VF_QUOTA_CAMERAS` cameras: one more is refused with a clear 422
naming the quota, nothing is stored, and other accounts are unaffected."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.support.processes import NatsServer, start_nats, start_service
from tests.unit.camera.conftest import Account, camera_env
from tests.unit.camera.helpers import fails, new_camera
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.rpc import call, open_channel
from visionflow.v1 import camera_pb2
from visionflow.v1.camera_pb2_grpc import CameraServiceStub


async def test_the_camera_quota_refuses_one_more_and_frees_up_on_delete(
    tmp_path: Path, auth_address: str, alice: Account, bob: Account
) -> None:
    # Its own NATS: camera ids from another database must not meet the package's camera feed.
    camera_nats: NatsServer = await asyncio.to_thread(start_nats, tmp_path / "nats", tmp_path / "logs")
    env = {
        **camera_env(tmp_path / "data", camera_nats, auth_address, allow_file_urls=False),
        "VF_QUOTA_CAMERAS": "2",
    }
    process = await asyncio.to_thread(start_service, "camera", env, tmp_path / "logs")
    try:
        async with open_channel(process.address) as channel:
            stub = CameraServiceStub(channel)
            first, _second = [
                (await call(stub.CreateCamera, new_camera(f"cam {n}"), token=alice.token)).camera
                for n in (1, 2)
            ]
            error = await fails(stub.CreateCamera, new_camera("one too many"), alice.token)
            assert error.code is ErrorCode.VALIDATION_ERROR
            assert "cameras" in error.message and "limit of 2" in error.message
            listed = await call(stub.ListCameras, camera_pb2.ListCamerasRequest(), token=alice.token)
            assert [c.name for c in listed.cameras] == ["cam 1", "cam 2"]  # nothing stored
            # Another account has its own quota.
            await call(stub.CreateCamera, new_camera("bob's"), token=bob.token)
            # Deleting one frees a place.
            await call(
                stub.DeleteCamera, camera_pb2.DeleteCameraRequest(camera_id=first.id), token=alice.token
            )
            await call(stub.CreateCamera, new_camera("cam 3"), token=alice.token)
    finally:
        code = await asyncio.to_thread(process.stop)
        await asyncio.to_thread(camera_nats.stop)
        assert code == 0


async def test_mask_rendering_is_a_bounded_lane_past_which_callers_retry(
    tmp_path: Path, auth_address: str, alice: Account, bob: Account
) -> None:
    """Many 8192x8192 masks at once: one renders at a time, one more waits, the rest are told at
    once to retry (429 with Retry-After), and a small mask for someone else goes through after."""
    camera_nats: NatsServer = await asyncio.to_thread(start_nats, tmp_path / "nats", tmp_path / "logs")
    env = {
        **camera_env(tmp_path / "data", camera_nats, auth_address, allow_file_urls=False),
        "VF_CAMERA_MASK_CONCURRENCY": "1",
        "VF_CAMERA_MASK_QUEUE": "1",
    }
    process = await asyncio.to_thread(start_service, "camera", env, tmp_path / "logs")
    try:
        async with open_channel(process.address) as channel:
            stub = CameraServiceStub(channel)
            mine = (await call(stub.CreateCamera, new_camera("big"), token=alice.token)).camera
            big = camera_pb2.RenderMaskRequest(camera_id=mine.id, width=8192, height=8192)
            results = await asyncio.gather(
                *(call(stub.RenderMask, big, token=alice.token) for _ in range(6)), return_exceptions=True
            )
            rendered = [r for r in results if isinstance(r, camera_pb2.RenderMaskResponse)]
            refused = [r for r in results if isinstance(r, VisionFlowError)]
            assert len(rendered) + len(refused) == 6, results
            assert 1 <= len(rendered) <= 2 and (rendered[0].width, rendered[0].height) == (8192, 8192)
            assert all(r.code is ErrorCode.RATE_LIMIT_EXCEEDED and r.retry_after == 1 for r in refused)
            theirs = (await call(stub.CreateCamera, new_camera("small"), token=bob.token)).camera
            small = camera_pb2.RenderMaskRequest(camera_id=theirs.id, width=64, height=48)
            assert (await call(stub.RenderMask, small, token=bob.token)).width == 64
    finally:
        code = await asyncio.to_thread(process.stop)
        await asyncio.to_thread(camera_nats.stop)
        assert code == 0
