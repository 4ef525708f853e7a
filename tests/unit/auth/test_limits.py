"""Abuse limits of the auth service over gRPC: whose address counts, parallel wrong passwords,
registrations per address, and log out everywhere (with its NATS announcement)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import nats
import pytest

from tests.support.accounts import random_username, register_and_login
from tests.support.processes import NatsServer, ServiceProcess, start_service
from tests.unit.auth.conftest import MAX_ATTEMPTS, auth_env
from visionflow import subjects
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.rpc import call, open_channel
from visionflow.tokens import TokenVerifier, auth_service_key_fetcher
from visionflow.v1 import auth_pb2, auth_pb2_grpc, events_pb2

Stub = auth_pb2_grpc.AuthServiceStub
PER_ADDRESS = 4
REGISTRATIONS = 3


@pytest.fixture(scope="module")
def untrusting_auth(
    tmp_path_factory: pytest.TempPathFactory, nats_server: NatsServer
) -> Iterator[ServiceProcess]:
    """An auth service that trusts no caller's `client_address` (so the peer, 127.0.0.1, counts)."""
    data_dir = tmp_path_factory.mktemp("auth-untrusting")
    env = {
        **auth_env(data_dir, nats_server),
        "VF_AUTH_TRUSTED_CLIENTS": "192.0.2.1/32",
        "VF_AUTH_LOGIN_MAX_ATTEMPTS_PER_ADDRESS": str(PER_ADDRESS),
        "VF_LIMIT_REGISTRATIONS_PER_HOUR": str(REGISTRATIONS),
    }
    process = start_service("auth", env, data_dir / "logs")
    try:
        yield process
    finally:
        assert process.stop() == 0, process.tail()


@pytest.fixture(scope="module")
async def untrusting_stub(untrusting_auth: ServiceProcess) -> AsyncIterator[Stub]:
    async with open_channel(untrusting_auth.address) as channel:
        yield auth_pb2_grpc.AuthServiceStub(channel)


async def _code(rpc: Any, request: Any) -> ErrorCode | None:
    try:
        await call(rpc, request)
    except VisionFlowError as error:
        return error.code
    return None


async def test_registrations_per_address_are_limited_whatever_address_is_claimed(
    untrusting_stub: Stub,
) -> None:
    """Runs first in this module: the registrations below are the only ones from 127.0.0.1."""
    codes = []
    for n in range(REGISTRATIONS + 1):
        name = random_username()
        request = auth_pb2.RegisterRequest(
            username=name,
            email=f"{name}@example.com",
            password="password123",
            client_address=f"203.0.113.{n}",
        )
        codes.append(await _code(untrusting_stub.Register, request))
    assert codes == [None] * REGISTRATIONS + [ErrorCode.RATE_LIMIT_EXCEEDED]
    with pytest.raises(VisionFlowError) as limited:
        name = random_username()
        await call(
            untrusting_stub.Register,
            auth_pb2.RegisterRequest(username=name, email=f"{name}@example.com", password="password123"),
        )
    assert limited.value.retry_after is not None and 3000 < limited.value.retry_after <= 3600


async def test_a_claimed_client_address_from_an_untrusted_caller_is_ignored(untrusting_stub: Stub) -> None:
    # Each attempt claims another address and names another user: only the peer can be counted.
    codes = [
        await _code(
            untrusting_stub.Login,
            auth_pb2.LoginRequest(
                username=random_username(), password="wrong-password", client_address=f"198.51.100.{n}"
            ),
        )
        for n in range(PER_ADDRESS + 1)
    ]
    assert codes == [ErrorCode.INVALID_CREDENTIALS] * PER_ADDRESS + [ErrorCode.RATE_LIMIT_EXCEEDED]


async def test_parallel_wrong_passwords_cannot_exceed_the_limit(
    auth_service: ServiceProcess, auth_stub: Stub
) -> None:
    alice = await register_and_login(auth_service.address)
    request = auth_pb2.LoginRequest(
        username=alice.username, password="wrong-password", client_address="10.9.8.7"
    )
    codes = await asyncio.gather(*(_code(auth_stub.Login, request) for _ in range(12)))
    assert codes.count(ErrorCode.INVALID_CREDENTIALS) == MAX_ATTEMPTS, codes
    assert codes.count(ErrorCode.RATE_LIMIT_EXCEEDED) == 12 - MAX_ATTEMPTS, codes


async def test_logout_all_ends_every_session_and_announces_it(
    auth_service: ServiceProcess, auth_stub: Stub, nats_server: NatsServer
) -> None:
    alice = await register_and_login(auth_service.address)
    second = await call(
        auth_stub.Login, auth_pb2.LoginRequest(username=alice.username, password=alice.password)
    )
    bob = await register_and_login(auth_service.address)
    verifier = TokenVerifier(auth_service_key_fetcher(auth_service.address))
    first_sid = (await verifier.verify(alice.access_token)).session_id
    second_sid = (await verifier.verify(second.access_token)).session_id
    assert first_sid and second_sid and first_sid != second_sid  # each login is its own session
    received: asyncio.Queue[events_pb2.SessionEnded] = asyncio.Queue()

    async def on_message(msg: Any) -> None:
        await received.put(events_pb2.SessionEnded.FromString(msg.data))

    nc = await nats.connect(nats_server.url)
    try:
        await nc.subscribe(subjects.session_ended(alice.account_uuid), cb=on_message)
        await nc.flush()
        assert await _code(auth_stub.LogoutAll, auth_pb2.LogoutAllRequest()) is ErrorCode.AUTH_REQUIRED
        reply = await call(auth_stub.LogoutAll, auth_pb2.LogoutAllRequest(), token=alice.access_token)
        assert reply.sessions_ended == 2
        event = await asyncio.wait_for(received.get(), 10)
    finally:
        await nc.close()
    assert (event.account_uuid, event.session_id) == (alice.account_uuid, "")
    assert sorted(event.session_ids) == sorted([first_sid, second_sid])
    assert event.refuse_until.seconds - event.ended_at.seconds >= 900
    for refresh_token in (alice.refresh_token, second.refresh_token):
        refused = await _code(auth_stub.Refresh, auth_pb2.RefreshRequest(refresh_token=refresh_token))
        assert refused is ErrorCode.INVALID_TOKEN
    # Bob's session is untouched.
    assert (
        await call(auth_stub.Refresh, auth_pb2.RefreshRequest(refresh_token=bob.refresh_token))
    ).access_token
