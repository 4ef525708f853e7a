"""Argon2 work is bounded: a lane refuses past its capacity instead of queueing without end, and a
registration flood against the real auth service leaves logins answering."""

from __future__ import annotations

import asyncio
import threading
import uuid
from pathlib import Path

import pytest

from services.auth.hashwork import Lane
from tests.support.processes import NatsServer, start_service
from tests.unit.auth.conftest import auth_env
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.rpc import call, open_channel
from visionflow.v1 import auth_pb2, auth_pb2_grpc


async def test_a_lane_runs_its_concurrency_queues_its_queue_and_refuses_the_rest() -> None:
    lane = Lane("test", concurrency=1, queue=1)
    release = threading.Event()
    started = threading.Event()

    def slow() -> str:
        started.set()
        release.wait(10)
        return "done"

    running = asyncio.create_task(lane.run(slow))
    await asyncio.to_thread(started.wait, 5)
    waiting = asyncio.create_task(lane.run(lambda: "queued"))
    await asyncio.sleep(0)
    assert lane.admitted == 2
    with pytest.raises(VisionFlowError) as refused:
        await lane.run(lambda: "never")
    assert refused.value.code is ErrorCode.RATE_LIMIT_EXCEEDED and refused.value.retry_after == 1
    release.set()
    assert (await running, await waiting) == ("done", "queued")
    assert lane.admitted == 0
    assert await lane.run(lambda: "again") == "again"  # capacity comes back


async def test_a_registration_flood_does_not_starve_logins(tmp_path: Path, nats_server: NatsServer) -> None:
    env = {
        **auth_env(tmp_path, nats_server),
        "VF_AUTH_REGISTER_HASH_CONCURRENCY": "1",
        "VF_AUTH_REGISTER_HASH_QUEUE": "2",
    }
    process = await asyncio.to_thread(start_service, "auth", env, tmp_path / "logs")
    try:
        async with open_channel(process.address) as channel:
            stub = auth_pb2_grpc.AuthServiceStub(channel)
            await call(
                stub.Register,
                auth_pb2.RegisterRequest(username="carol", email="carol@example.com", password="password123"),
            )

            async def register(n: int) -> ErrorCode | None:
                name = f"flood{n}{uuid.uuid4().hex[:6]}"
                request = auth_pb2.RegisterRequest(
                    username=name, email=f"{name}@example.com", password="password123"
                )
                try:
                    await call(stub.Register, request)
                except VisionFlowError as error:
                    return error.code
                return None

            flood = [asyncio.create_task(register(n)) for n in range(30)]
            await asyncio.sleep(0.05)
            login = await call(stub.Login, auth_pb2.LoginRequest(username="carol", password="password123"))
            assert login.access_token
            outcomes = await asyncio.gather(*flood)
            assert ErrorCode.RATE_LIMIT_EXCEEDED in outcomes  # the flood was cut, not queued
            assert None in outcomes  # and registrations still went through
            assert set(outcomes) <= {None, ErrorCode.RATE_LIMIT_EXCEEDED}
    finally:
        assert await asyncio.to_thread(process.stop) == 0, process.tail()
