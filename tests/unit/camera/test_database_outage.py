"""The database goes away under a running camera service: calls answer SERVICE_UNAVAILABLE within
seconds (never a hang or a SERVER_ERROR), nothing half-written stays, and once the database is
back the same process serves again without a restart (PostgreSQL behind a relay the test cuts)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.support.databases import fresh_database_url
from tests.support.processes import NatsServer, start_nats, start_service
from tests.support.tcpproxy import TcpRelay
from tests.unit.camera.conftest import Account, camera_env
from tests.unit.camera.helpers import fails, new_camera
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.rpc import call, open_channel
from visionflow.v1 import camera_pb2
from visionflow.v1.camera_pb2_grpc import CameraServiceStub

ANSWER_WITHIN_S = 10.0


async def test_database_outage_answers_unavailable_then_recovers_without_restart(
    tmp_path: Path, auth_address: str, alice: Account
) -> None:
    # Its own NATS: camera ids from another database must not meet the package's camera feed.
    camera_nats: NatsServer = await asyncio.to_thread(start_nats, tmp_path / "nats", tmp_path / "logs")
    urls = fresh_database_url("postgresql", tmp_path)
    url = next(urls)
    relay = TcpRelay("127.0.0.1", 5432)
    env = {
        **camera_env(tmp_path / "data", camera_nats, auth_address, allow_file_urls=False),
        "VF_CAMERA_DATABASE_URL": url.replace("@127.0.0.1:5432/", f"@127.0.0.1:{relay.port}/", 1),
    }
    process = await asyncio.to_thread(start_service, "camera", env, tmp_path / "logs")
    try:
        async with open_channel(process.address) as channel:
            stub = CameraServiceStub(channel)
            kept = (await call(stub.CreateCamera, new_camera("kept"), token=alice.token)).camera

            relay.cut()
            for rpc, request in (
                (stub.ListCameras, camera_pb2.ListCamerasRequest()),
                (stub.CreateCamera, new_camera("during the outage")),
            ):
                started = time.monotonic()
                error = await fails(rpc, request, alice.token)
                took = time.monotonic() - started
                assert error.code is ErrorCode.SERVICE_UNAVAILABLE, error
                assert took < ANSWER_WITHIN_S, f"answered after {took:.1f}s"

            relay.restore()
            deadline = time.monotonic() + 15
            while True:
                try:
                    listed = await call(stub.ListCameras, camera_pb2.ListCamerasRequest(), token=alice.token)
                    break
                except VisionFlowError as error:
                    assert error.code is ErrorCode.SERVICE_UNAVAILABLE and time.monotonic() < deadline, error
                    await asyncio.sleep(0.3)
            assert [c.id for c in listed.cameras] == [kept.id]  # nothing lost, nothing half-written
            assert process.is_alive()
    finally:
        relay.close()
        await asyncio.to_thread(process.stop)
        await asyncio.to_thread(camera_nats.stop)
        next(urls, None)  # drop the schema
