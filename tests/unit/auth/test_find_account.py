"""FindAccount (sharing a camera by username or email): exact, case-insensitive, signed-in only."""

from __future__ import annotations

import pytest

from tests.support.accounts import register_and_login
from tests.support.processes import ServiceProcess
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.rpc import call
from visionflow.v1 import auth_pb2, auth_pb2_grpc

Stub = auth_pb2_grpc.AuthServiceStub


async def test_an_account_is_found_by_exact_username_or_email_only(
    auth_service: ServiceProcess, auth_stub: Stub
) -> None:
    alice = await register_and_login(auth_service.address)
    bob = await register_and_login(auth_service.address)
    for wanted in (bob.username, bob.username.upper(), f" {bob.username.lower()}@example.com "):
        found = await call(
            auth_stub.FindAccount,
            auth_pb2.FindAccountRequest(username_or_email=wanted),
            token=alice.access_token,
        )
        assert (found.account_uuid, found.username) == (bob.account_uuid, bob.username)
    # Prefixes, wildcards and empty input find nothing, all with the same answer.
    for wanted in (bob.username[:-1], "%", f"{bob.username}%", "", "x" * 300, "@example.com"):
        with pytest.raises(VisionFlowError) as missing:
            await call(
                auth_stub.FindAccount,
                auth_pb2.FindAccountRequest(username_or_email=wanted),
                token=alice.access_token,
            )
        assert (missing.value.code, missing.value.message) == (
            ErrorCode.RESOURCE_NOT_FOUND,
            "No account with this username or email",
        )


async def test_finding_an_account_needs_a_valid_access_token(
    auth_service: ServiceProcess, auth_stub: Stub
) -> None:
    bob = await register_and_login(auth_service.address)
    request = auth_pb2.FindAccountRequest(username_or_email=bob.username)
    for token, code in ((None, ErrorCode.AUTH_REQUIRED), ("not-a-token", ErrorCode.INVALID_TOKEN)):
        with pytest.raises(VisionFlowError) as refused:
            await call(auth_stub.FindAccount, request, token=token)
        assert refused.value.code is code
    with pytest.raises(VisionFlowError) as refresh:  # a refresh token is not an access token
        await call(auth_stub.FindAccount, request, token=bob.refresh_token)
    assert refresh.value.code is ErrorCode.INVALID_TOKEN
