"""Fixtures for the camera service tests: a stand-in auth server, a private NATS, the service.

The stand-in auth server runs in the test process and implements only `GetPublicKeys` with a test
Ed25519 key, so the camera service verifies real signed tokens for two accounts (alice, bob).
The camera service runs as a real process against its own nats-server (never the session one,
so its camera ids never mix with another camera service's on the same stream).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from nats.aio.client import Client as NATS

from tests.support.keyserver import KeyServer
from tests.support.processes import NatsServer, ServiceProcess, start_nats, start_service
from visionflow import bus
from visionflow.rpc import open_channel
from visionflow.v1 import camera_pb2_grpc


@dataclass(frozen=True)
class Account:
    uuid: str
    token: str
    username: str = ""


def make_account(keys: KeyServer, name: str) -> Account:
    """A fresh account the stand-in auth server can find by username or email."""
    account = str(uuid.uuid4())
    username = f"{name}-{account[:8]}"
    keys.add_account(account, username, f"{username}@example.test")
    return Account(account, keys.token(account, username=username), username)


@pytest.fixture(scope="package")
def keys() -> KeyServer:
    """The published test key, and a rogue key (`token(..., rogue=True)`) that is never published."""
    return KeyServer()


@pytest.fixture(scope="package")
def alice(keys: KeyServer) -> Account:
    return make_account(keys, "alice")


@pytest.fixture(scope="package")
def bob(keys: KeyServer) -> Account:
    return make_account(keys, "bob")


@pytest.fixture(scope="package")
async def auth_address(keys: KeyServer) -> AsyncIterator[str]:
    yield await keys.start()
    await keys.stop(grace=1)


@pytest.fixture(scope="package")
def camera_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("camera-service")


@pytest.fixture(scope="package")
def camera_nats(camera_dir: Path) -> Iterator[NatsServer]:
    server = start_nats(camera_dir / "nats", camera_dir / "logs")
    yield server
    server.stop()


def camera_env(
    data_dir: Path, nats: NatsServer, auth_address: str, *, allow_file_urls: bool
) -> dict[str, str]:
    return {
        "VF_DATA_DIR": str(data_dir),
        **nats.login_env(),
        "VF_AUTH_ADDRESS": auth_address,
        "VF_LOG_LEVEL": "INFO",
        "VF_ALLOW_FILE_URLS": "true" if allow_file_urls else "false",
        "VF_CAMERA_STATUS_FLUSH_S": "0.1",
        "VF_CAMERA_DATABASE_URL": "",
    }


@pytest.fixture(scope="package")
async def camera_service(
    camera_dir: Path, camera_nats: NatsServer, auth_address: str
) -> AsyncIterator[ServiceProcess]:
    env = camera_env(camera_dir / "data", camera_nats, auth_address, allow_file_urls=False)
    # Started from a thread: the stand-in auth server must keep answering on this loop.
    process = await asyncio.to_thread(start_service, "camera", env, camera_dir / "logs")
    yield process
    code = await asyncio.to_thread(process.stop)
    assert code == 0, process.tail()


@pytest.fixture(scope="package")
async def stub(camera_service: ServiceProcess) -> AsyncIterator[camera_pb2_grpc.CameraServiceStub]:
    async with open_channel(camera_service.address) as channel:
        yield camera_pb2_grpc.CameraServiceStub(channel)


@pytest.fixture(scope="package")
async def nc(camera_nats: NatsServer) -> AsyncIterator[NATS]:
    client = await bus.connect(camera_nats.url, "camera-tests")
    yield client
    await bus.close(client)
