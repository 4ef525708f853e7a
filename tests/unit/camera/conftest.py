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

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nats.aio.client import Client as NATS

from tests.support.processes import NatsServer, ServiceProcess, start_nats, start_service
from visionflow import bus
from visionflow.rpc import create_server, open_channel
from visionflow.tokens import ACCESS_TYPE, key_id, public_pem, sign_token
from visionflow.v1 import auth_pb2, auth_pb2_grpc, camera_pb2_grpc


@dataclass(frozen=True)
class Keys:
    signing: Ed25519PrivateKey
    rogue: Ed25519PrivateKey  # never published by the auth server

    def token(self, account_uuid: str, *, token_type: str = ACCESS_TYPE, rogue: bool = False) -> str:
        key = self.rogue if rogue else self.signing
        return sign_token(key, key_id(key), subject=account_uuid, token_type=token_type, ttl_seconds=900)


@dataclass(frozen=True)
class Account:
    uuid: str
    token: str


class PublicKeysOnly(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, keys: Keys) -> None:
        self._keys = keys

    async def GetPublicKeys(self, request, context):
        key = self._keys.signing
        return auth_pb2.GetPublicKeysResponse(
            keys=[auth_pb2.PublicKey(kid=key_id(key), algorithm="EdDSA", public_key_pem=public_pem(key))],
            issuer="visionflow",
        )


@pytest.fixture(scope="package")
def keys() -> Keys:
    return Keys(signing=Ed25519PrivateKey.generate(), rogue=Ed25519PrivateKey.generate())


@pytest.fixture(scope="package")
def alice(keys: Keys) -> Account:
    account = str(uuid.uuid4())
    return Account(account, keys.token(account))


@pytest.fixture(scope="package")
def bob(keys: Keys) -> Account:
    account = str(uuid.uuid4())
    return Account(account, keys.token(account))


@pytest.fixture(scope="package")
async def auth_address(keys: Keys) -> AsyncIterator[str]:
    def register(server: grpc.aio.Server) -> list[str]:
        auth_pb2_grpc.add_AuthServiceServicer_to_server(PublicKeysOnly(keys), server)
        return [auth_pb2.DESCRIPTOR.services_by_name["AuthService"].full_name]

    server = create_server(register, "127.0.0.1", 0)
    await server.start()
    yield f"127.0.0.1:{server.port}"
    await server.stop(grace=1)


@pytest.fixture(scope="package")
def camera_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("camera-service")


@pytest.fixture(scope="package")
def camera_nats(camera_dir: Path) -> Iterator[NatsServer]:
    server = start_nats(camera_dir / "nats", camera_dir / "logs")
    yield server
    server.stop()


def camera_env(data_dir: Path, nats_url: str, auth_address: str, *, allow_file_urls: bool) -> dict[str, str]:
    return {
        "VF_DATA_DIR": str(data_dir),
        "VF_NATS_URL": nats_url,
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
    env = camera_env(camera_dir / "data", camera_nats.url, auth_address, allow_file_urls=False)
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
