"""Accounts for tests: register a fresh, uniquely named account and log it in over gRPC."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from visionflow.rpc import call, open_channel
from visionflow.v1 import auth_pb2, auth_pb2_grpc

DEFAULT_PASSWORD = "correct-horse-battery-staple"


@dataclass(frozen=True)
class LoggedIn:
    username: str
    password: str
    account_uuid: str
    access_token: str
    refresh_token: str


def random_username(prefix: str = "user") -> str:
    """A unique valid username (3-32 of [A-Za-z0-9_.-])."""
    return f"{prefix}_{uuid.uuid4().hex[:16]}"[:32]


async def register_and_login(
    auth_address: str,
    *,
    username: str | None = None,
    password: str = DEFAULT_PASSWORD,
    email: str | None = None,
) -> LoggedIn:
    """Register an account at the auth service and log in; raises VisionFlowError on failure."""
    username = username or random_username()
    email = email or f"{username.lower()}@example.com"
    async with open_channel(auth_address) as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        registered = await call(
            stub.Register, auth_pb2.RegisterRequest(username=username, email=email, password=password)
        )
        login = await call(stub.Login, auth_pb2.LoginRequest(username=username, password=password))
    assert login.account_uuid == registered.account_uuid
    return LoggedIn(
        username=username,
        password=password,
        account_uuid=registered.account_uuid,
        access_token=login.access_token,
        refresh_token=login.refresh_token,
    )
