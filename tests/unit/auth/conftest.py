"""One real auth service process (own data directory, shared test NATS) per test module."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.processes import NatsServer, ServiceProcess, start_service
from visionflow.rpc import open_channel
from visionflow.v1 import auth_pb2_grpc

MAX_ATTEMPTS = 3
MAX_ATTEMPTS_PER_ADDRESS = 5


def auth_env(data_dir: Path, nats: NatsServer) -> dict[str, str]:
    return {
        "VF_DATA_DIR": str(data_dir),
        **nats.login_env(),
        "VF_AUTH_LOGIN_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
        "VF_AUTH_LOGIN_MAX_ATTEMPTS_PER_ADDRESS": str(MAX_ATTEMPTS_PER_ADDRESS),
        "VF_LIMIT_REGISTRATIONS_PER_HOUR": "100000",  # every test registers from 127.0.0.1
    }


@pytest.fixture(scope="module")
def auth_service(
    tmp_path_factory: pytest.TempPathFactory, nats_server: NatsServer
) -> Iterator[ServiceProcess]:
    data_dir = tmp_path_factory.mktemp("auth-data")
    process = start_service("auth", auth_env(data_dir, nats_server), data_dir / "logs")
    try:
        yield process
    finally:
        assert process.stop() == 0, process.tail()


@pytest.fixture(scope="module")
async def auth_stub(auth_service: ServiceProcess) -> AsyncIterator[auth_pb2_grpc.AuthServiceStub]:
    async with open_channel(auth_service.address) as channel:
        yield auth_pb2_grpc.AuthServiceStub(channel)
