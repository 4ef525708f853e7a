"""Tokens from the auth service: keys, forgeries, expiry, wrong type, restarts; health and reflection."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import stat
import uuid
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from tests.support.accounts import register_and_login
from tests.support.processes import NatsServer, ServiceProcess, start_service
from tests.unit.auth.conftest import MAX_ATTEMPTS, auth_env
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.rpc import call, open_channel
from visionflow.tokens import (
    ACCESS_TYPE,
    ALGORITHM,
    ISSUER,
    REFRESH_TYPE,
    TokenVerifier,
    auth_service_key_fetcher,
    key_id,
    load_public_key,
    sign_token,
)
from visionflow.v1 import auth_pb2, auth_pb2_grpc

Stub = auth_pb2_grpc.AuthServiceStub
AUTH_SERVICE = auth_pb2.DESCRIPTOR.services_by_name["AuthService"].full_name


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _service_key(process: ServiceProcess) -> Ed25519PrivateKey:
    key = load_pem_private_key((Path(process.env["VF_DATA_DIR"]) / "jwt.pem").read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


async def _rejections(process: ServiceProcess, stub: Stub, token: str) -> tuple[VisionFlowError, ...]:
    """How VerifyToken and a local TokenVerifier both answer `token` (each must refuse it)."""
    with pytest.raises(VisionFlowError) as remote:
        await call(stub.VerifyToken, auth_pb2.VerifyTokenRequest(access_token=token))
    with pytest.raises(VisionFlowError) as local:
        await TokenVerifier(auth_service_key_fetcher(process.address)).verify(token)
    return remote.value, local.value


async def test_public_keys_name_the_signing_key(auth_service: ServiceProcess, auth_stub: Stub) -> None:
    reply = await call(auth_stub.GetPublicKeys, auth_pb2.GetPublicKeysRequest())
    assert reply.issuer == ISSUER
    [key] = reply.keys
    assert key.algorithm == ALGORITHM == "EdDSA"
    assert key.kid == key_id(_service_key(auth_service))
    alice = await register_and_login(auth_service.address)
    assert jwt.get_unverified_header(alice.access_token) == {"alg": "EdDSA", "kid": key.kid, "typ": "JWT"}
    claims = jwt.decode(alice.access_token, load_public_key(key.public_key_pem), algorithms=["EdDSA"])
    assert (claims["typ"], claims["sub"], claims["username"]) == (
        ACCESS_TYPE,
        alice.account_uuid,
        alice.username,
    )
    assert claims["exp"] - claims["iat"] == 900
    refresh = jwt.decode(alice.refresh_token, load_public_key(key.public_key_pem), algorithms=["EdDSA"])
    assert refresh["typ"] == REFRESH_TYPE and refresh["fam"] and refresh["jti"]


async def test_refresh_token_is_refused_as_access_token(
    auth_service: ServiceProcess, auth_stub: Stub
) -> None:
    alice = await register_and_login(auth_service.address)
    for error in await _rejections(auth_service, auth_stub, alice.refresh_token):
        assert (error.code, error.message) == (ErrorCode.INVALID_TOKEN, "Wrong token type")


async def test_expired_tokens_are_refused(auth_service: ServiceProcess, auth_stub: Stub) -> None:
    alice = await register_and_login(auth_service.address)
    key = _service_key(auth_service)
    expired = sign_token(
        key, key_id(key), subject=alice.account_uuid, token_type=ACCESS_TYPE, ttl_seconds=-60,
        extra={"username": alice.username},
    )  # fmt: skip
    for error in await _rejections(auth_service, auth_stub, expired):
        assert (error.code, error.message) == (ErrorCode.INVALID_TOKEN, "Token has expired")
    expired_refresh = sign_token(
        key, key_id(key), subject=alice.account_uuid, token_type=REFRESH_TYPE, ttl_seconds=-60,
        extra={"fam": uuid.uuid4().hex},
    )  # fmt: skip
    with pytest.raises(VisionFlowError) as refused:
        await call(auth_stub.Refresh, auth_pb2.RefreshRequest(refresh_token=expired_refresh))
    assert refused.value.code is ErrorCode.INVALID_TOKEN


async def test_unsigned_and_forged_tokens_are_refused(auth_service: ServiceProcess, auth_stub: Stub) -> None:
    alice = await register_and_login(auth_service.address)
    reply = await call(auth_stub.GetPublicKeys, auth_pb2.GetPublicKeysRequest())
    kid, pem = reply.keys[0].kid, reply.keys[0].public_key_pem
    header_b64, payload_b64, signature_b64 = alice.access_token.split(".")
    none_header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    hs_header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    hs_signature = _b64(
        hmac.new(pem.encode(), f"{hs_header}.{payload_b64}".encode(), hashlib.sha256).digest()
    )
    claims = json.loads(base64.urlsafe_b64decode(payload_b64 + "=="))
    tampered_payload = _b64(json.dumps({**claims, "sub": str(uuid.uuid4())}).encode())
    impostor = sign_token(
        Ed25519PrivateKey.generate(), kid, subject=alice.account_uuid, token_type=ACCESS_TYPE, ttl_seconds=60
    )
    forgeries = [
        f"{none_header}.{payload_b64}.",  # alg: none
        f"{hs_header}.{payload_b64}.{hs_signature}",  # HMAC keyed with the public key
        f"{header_b64}.{tampered_payload}.{signature_b64}",  # claims changed after signing
        impostor,  # right kid, someone else's key
        "",
        "garbage",
    ]
    for forged in forgeries:
        for error in await _rejections(auth_service, auth_stub, forged):
            assert error.code is ErrorCode.INVALID_TOKEN, forged


async def test_health_and_reflection_list_the_auth_service(auth_service: ServiceProcess) -> None:
    async with open_channel(auth_service.address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for name in ("", AUTH_SERVICE):
            reply = await health.Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
        stream = reflection.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")])
        )
        names = {service.name async for reply in stream for service in reply.list_services_response.service}
    assert {AUTH_SERVICE, "grpc.health.v1.Health"} <= names


async def test_key_sessions_and_limits_survive_a_restart(tmp_path: Path, nats_server: NatsServer) -> None:
    key_file = tmp_path / "keys" / "signing.pem"
    env = {**auth_env(tmp_path, nats_server), "VF_JWT_PRIVATE_KEY_FILE": str(key_file)}
    process = start_service("auth", env, tmp_path / "logs")
    try:
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert not (tmp_path / "jwt.pem").exists()
        alice = await register_and_login(process.address)
        bob = await register_and_login(process.address)
        async with open_channel(process.address) as channel:
            stub = auth_pb2_grpc.AuthServiceStub(channel)
            kid_before = (await call(stub.GetPublicKeys, auth_pb2.GetPublicKeysRequest())).keys[0].kid
            wrong = auth_pb2.LoginRequest(username=bob.username, password="wrong-password")
            for _ in range(MAX_ATTEMPTS):
                with pytest.raises(VisionFlowError):
                    await call(stub.Login, wrong)
        process.restart()
        async with open_channel(process.address) as channel:
            stub = auth_pb2_grpc.AuthServiceStub(channel)
            assert (await call(stub.GetPublicKeys, auth_pb2.GetPublicKeysRequest())).keys[0].kid == kid_before
            verified = await call(
                stub.VerifyToken, auth_pb2.VerifyTokenRequest(access_token=alice.access_token)
            )
            assert verified.account_uuid == alice.account_uuid
            principal = await TokenVerifier(auth_service_key_fetcher(process.address)).verify(
                alice.access_token
            )
            assert principal.account_uuid == alice.account_uuid
            rotated = await call(stub.Refresh, auth_pb2.RefreshRequest(refresh_token=alice.refresh_token))
            assert rotated.refresh_token
            with pytest.raises(VisionFlowError) as limited:
                await call(stub.Login, auth_pb2.LoginRequest(username=bob.username, password=bob.password))
            assert limited.value.code is ErrorCode.RATE_LIMIT_EXCEEDED
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    finally:
        assert process.stop() == 0, process.tail()
