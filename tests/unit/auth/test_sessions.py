"""The auth service over gRPC, as an integrator calls it: register, log in, rotate, log out, limits."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.support.accounts import LoggedIn, random_username, register_and_login
from tests.support.processes import ServiceProcess
from tests.unit.auth.conftest import MAX_ATTEMPTS, MAX_ATTEMPTS_PER_ADDRESS
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.rpc import call
from visionflow.tokens import TokenVerifier, auth_service_key_fetcher
from visionflow.v1 import auth_pb2, auth_pb2_grpc

Stub = auth_pb2_grpc.AuthServiceStub


async def _error(rpc: Any, request: Any) -> VisionFlowError:
    with pytest.raises(VisionFlowError) as raised:
        await call(rpc, request)
    return raised.value


def _address() -> str:
    return f"198.51.100.{uuid.uuid4().int % 250 + 1}-{uuid.uuid4().hex[:6]}"


async def test_register_and_login_issue_a_verifiable_access_token(
    auth_service: ServiceProcess, auth_stub: Stub
) -> None:
    alice = await register_and_login(auth_service.address)
    bob = await register_and_login(auth_service.address)
    assert uuid.UUID(alice.account_uuid).version == 4
    assert alice.account_uuid != bob.account_uuid
    login = await call(
        auth_stub.Login, auth_pb2.LoginRequest(username=alice.username, password=alice.password)
    )
    assert (login.access_expires_in, login.refresh_expires_in) == (900, 30 * 24 * 3600)
    verified = await call(auth_stub.VerifyToken, auth_pb2.VerifyTokenRequest(access_token=login.access_token))
    assert (verified.account_uuid, verified.username) == (alice.account_uuid, alice.username)
    principal = await TokenVerifier(auth_service_key_fetcher(auth_service.address)).verify(bob.access_token)
    assert (principal.account_uuid, principal.username) == (bob.account_uuid, bob.username)


@pytest.mark.parametrize(
    ("username", "email", "password", "field"),
    [
        ("ab", "ok@example.com", "password123", "username"),
        ("bad name!", "ok@example.com", "password123", "username"),
        ("x" * 33, "ok@example.com", "password123", "username"),
        ("valid_name", "not-an-email", "password123", "email"),
        ("valid_name", "", "password123", "email"),
        ("valid_name", "ok@example.com", "short", "password"),
        ("valid_name", "ok@example.com", "p" * 1025, "password"),
    ],
)
async def test_register_rejects_bad_input_naming_the_field(
    auth_stub: Stub, username: str, email: str, password: str, field: str
) -> None:
    error = await _error(
        auth_stub.Register, auth_pb2.RegisterRequest(username=username, email=email, password=password)
    )
    assert error.code is ErrorCode.VALIDATION_ERROR
    assert error.message.startswith(f"{field}:")


async def test_duplicate_username_or_email_is_taken_in_any_case(auth_stub: Stub) -> None:
    name = random_username("Dup")
    first = auth_pb2.RegisterRequest(username=name, email=f"{name}@Example.com", password="password123")
    await call(auth_stub.Register, first)
    same_name = auth_pb2.RegisterRequest(
        username=name.upper(), email="other@example.com", password="password123"
    )
    error = await _error(auth_stub.Register, same_name)
    assert (error.code, error.message) == (ErrorCode.USERNAME_TAKEN, "Username already exists")
    same_email = auth_pb2.RegisterRequest(
        username=random_username(), email=f"{name.lower()}@EXAMPLE.COM", password="password123"
    )
    error = await _error(auth_stub.Register, same_email)
    assert (error.code, error.message) == (ErrorCode.EMAIL_TAKEN, "Email already exists")


async def test_unknown_user_and_wrong_password_fail_alike(
    auth_service: ServiceProcess, auth_stub: Stub
) -> None:
    alice = await register_and_login(auth_service.address)
    wrong = await _error(
        auth_stub.Login, auth_pb2.LoginRequest(username=alice.username, password="wrong-pass")
    )
    unknown = await _error(
        auth_stub.Login, auth_pb2.LoginRequest(username=random_username(), password="x" * 9)
    )
    assert (wrong.code, wrong.message) == (ErrorCode.INVALID_CREDENTIALS, "Invalid username or password")
    assert (unknown.code, unknown.message) == (wrong.code, wrong.message)
    # Usernames match in any letter case.
    login = await call(
        auth_stub.Login, auth_pb2.LoginRequest(username=alice.username.upper(), password=alice.password)
    )
    assert login.account_uuid == alice.account_uuid
    assert "wrong-pass" not in auth_service.log_text()
    assert alice.password not in auth_service.log_text()


async def _refresh(stub: Stub, token: str) -> auth_pb2.RefreshResponse:
    return await call(stub.Refresh, auth_pb2.RefreshRequest(refresh_token=token))


async def test_refresh_rotates_and_reuse_revokes_the_family(
    auth_service: ServiceProcess, auth_stub: Stub
) -> None:
    alice = await register_and_login(auth_service.address)
    bob = await register_and_login(auth_service.address)
    rotated = await _refresh(auth_stub, alice.refresh_token)
    assert rotated.refresh_token != alice.refresh_token
    verified = await call(
        auth_stub.VerifyToken, auth_pb2.VerifyTokenRequest(access_token=rotated.access_token)
    )
    assert verified.account_uuid == alice.account_uuid
    second = await _refresh(auth_stub, rotated.refresh_token)

    replay = await _error(auth_stub.Refresh, auth_pb2.RefreshRequest(refresh_token=alice.refresh_token))
    assert replay.code is ErrorCode.INVALID_TOKEN
    # The replay revoked the family: the newest token of that session is dead too.
    newest = await _error(auth_stub.Refresh, auth_pb2.RefreshRequest(refresh_token=second.refresh_token))
    assert newest.code is ErrorCode.INVALID_TOKEN
    # Another account's session is untouched.
    assert (await _refresh(auth_stub, bob.refresh_token)).refresh_token


async def test_logout_revokes_only_that_session(auth_service: ServiceProcess, auth_stub: Stub) -> None:
    alice = await register_and_login(auth_service.address)
    other_session = await call(
        auth_stub.Login, auth_pb2.LoginRequest(username=alice.username, password=alice.password)
    )
    rotated = await _refresh(auth_stub, alice.refresh_token)
    await call(auth_stub.Logout, auth_pb2.LogoutRequest(refresh_token=rotated.refresh_token))
    after = await _error(auth_stub.Refresh, auth_pb2.RefreshRequest(refresh_token=rotated.refresh_token))
    assert after.code is ErrorCode.INVALID_TOKEN
    again = await _error(auth_stub.Logout, auth_pb2.LogoutRequest(refresh_token=rotated.refresh_token))
    assert again.code is ErrorCode.INVALID_TOKEN
    assert (await _refresh(auth_stub, other_session.refresh_token)).access_token


async def test_garbage_and_access_tokens_cannot_refresh(
    auth_service: ServiceProcess, auth_stub: Stub
) -> None:
    alice = await register_and_login(auth_service.address)
    for token in ("", "not.a.jwt", alice.access_token):
        error = await _error(auth_stub.Refresh, auth_pb2.RefreshRequest(refresh_token=token))
        assert error.code is ErrorCode.INVALID_TOKEN
        error = await _error(auth_stub.Logout, auth_pb2.LogoutRequest(refresh_token=token))
        assert error.code is ErrorCode.INVALID_TOKEN


async def _fail_login(stub: Stub, username: str, address: str = "") -> VisionFlowError:
    request = auth_pb2.LoginRequest(username=username, password="wrong-password", client_address=address)
    return await _error(stub.Login, request)


async def test_failed_logins_per_username_are_limited_with_retry_after(
    auth_service: ServiceProcess, auth_stub: Stub
) -> None:
    alice = await register_and_login(auth_service.address)
    bob = await register_and_login(auth_service.address)
    for _ in range(MAX_ATTEMPTS):
        failed = await _fail_login(auth_stub, alice.username, _address())
        assert failed.code is ErrorCode.INVALID_CREDENTIALS
    # Even the right password is refused now, from any address.
    right = auth_pb2.LoginRequest(username=alice.username, password=alice.password, client_address=_address())
    limited = await _error(auth_stub.Login, right)
    assert limited.code is ErrorCode.RATE_LIMIT_EXCEEDED
    assert limited.retry_after is not None and 1 <= limited.retry_after <= 300
    assert (await _fail_login(auth_stub, alice.username.upper())).code is ErrorCode.RATE_LIMIT_EXCEEDED
    # Another user is not affected.
    login = await call(auth_stub.Login, auth_pb2.LoginRequest(username=bob.username, password=bob.password))
    assert login.account_uuid == bob.account_uuid


async def test_failed_logins_per_client_address_are_limited(
    auth_service: ServiceProcess, auth_stub: Stub
) -> None:
    alice: LoggedIn = await register_and_login(auth_service.address)
    address = _address()
    for _ in range(MAX_ATTEMPTS_PER_ADDRESS):
        failed = await _fail_login(auth_stub, random_username(), address)
        assert failed.code is ErrorCode.INVALID_CREDENTIALS
    from_there = auth_pb2.LoginRequest(
        username=alice.username, password=alice.password, client_address=address
    )
    limited = await _error(auth_stub.Login, from_there)
    assert limited.code is ErrorCode.RATE_LIMIT_EXCEEDED and limited.retry_after
    elsewhere = auth_pb2.LoginRequest(
        username=alice.username, password=alice.password, client_address=_address()
    )
    assert (await call(auth_stub.Login, elsewhere)).account_uuid == alice.account_uuid
