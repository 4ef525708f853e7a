"""gRPC over TLS with real servers and real certificates (made here with `cryptography`).

A TLS server answers a TLS client (a real RPC, health and reflection) and refuses plaintext; with
client auth (mutual TLS) it refuses a client without a certificate or with one from another CA;
a client refuses a server whose certificate names someone else. The plaintext health port
answers health checks only. Bad settings fail at start, naming the variable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from pydantic import ValidationError

from tests.support.certs import CertificateAuthority
from tests.support.keyserver import KeyServer
from visionflow.config import CommonSettings
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.grpctls import GrpcTls
from visionflow.rpc import call, open_channel
from visionflow.v1 import auth_pb2, auth_pb2_grpc

LOOPBACK = ("127.0.0.1",)


@pytest.fixture(scope="module")
def ca() -> CertificateAuthority:
    return CertificateAuthority()


async def _public_keys(address: str, tls: GrpcTls | None) -> int:
    async with open_channel(address, tls) as channel:
        reply = await call(
            auth_pb2_grpc.AuthServiceStub(channel).GetPublicKeys, auth_pb2.GetPublicKeysRequest(), timeout=5
        )
    return len(reply.keys)


async def _health(address: str, tls: GrpcTls | None) -> int:
    async with open_channel(address, tls) as channel:
        reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    return int(reply.status)


async def _reflected(address: str, tls: GrpcTls | None) -> set[str]:
    async with open_channel(address, tls) as channel:
        stream = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5
        )
        return {s.name async for reply in stream for s in reply.list_services_response.service}


@pytest.fixture
async def mutual(ca: CertificateAuthority) -> AsyncIterator[KeyServer]:
    server = KeyServer()
    leaf = ca.issue("auth", dns=("auth",), ips=LOOPBACK)
    await server.start(tls=leaf.tls(client_auth=True), health_port=0)
    yield server
    await server.stop()


async def test_tls_server_serves_rpcs_health_and_reflection_and_refuses_plaintext(
    ca: CertificateAuthority,
) -> None:
    server = KeyServer()
    await server.start(tls=ca.issue("auth", ips=LOOPBACK).tls())
    try:
        client = ca.issue("gateway", dns=("gateway",)).tls()
        assert await _public_keys(server.address, client) == 1
        assert await _health(server.address, client) == health_pb2.HealthCheckResponse.SERVING
        assert {"visionflow.v1.AuthService", "grpc.health.v1.Health"} <= await _reflected(
            server.address, client
        )
        with pytest.raises(VisionFlowError) as plaintext:
            await _public_keys(server.address, None)
        assert plaintext.value.code is ErrorCode.SERVICE_UNAVAILABLE
    finally:
        await server.stop()


async def test_mutual_tls_refuses_clients_without_a_certificate_of_the_ca(
    ca: CertificateAuthority, mutual: KeyServer
) -> None:
    assert await _public_keys(mutual.address, ca.issue("camera", dns=("camera",)).tls()) == 1
    stranger = CertificateAuthority("someone-else").issue("camera", dns=("camera",))
    foreign_cert = GrpcTls(stranger.cert, stranger.key, ca.pem)  # trusts our CA, signed by another
    no_cert = grpc.ssl_channel_credentials(root_certificates=ca.pem)
    with pytest.raises(VisionFlowError) as refused:
        await _public_keys(mutual.address, foreign_cert)
    assert refused.value.code is ErrorCode.SERVICE_UNAVAILABLE
    async with grpc.aio.secure_channel(mutual.address, no_cert) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as anonymous:
            await auth_pb2_grpc.AuthServiceStub(channel).GetPublicKeys(
                auth_pb2.GetPublicKeysRequest(), timeout=5
            )
    assert anonymous.value.code() is grpc.StatusCode.UNAVAILABLE


async def test_client_refuses_a_server_certificate_for_another_name_or_ca(ca: CertificateAuthority) -> None:
    server = KeyServer()
    await server.start(tls=ca.issue("camera", dns=("camera",)).tls())  # not valid for 127.0.0.1
    try:
        client = ca.issue("gateway", dns=("gateway",))
        with pytest.raises(VisionFlowError):
            await _public_keys(server.address, client.tls())
        with pytest.raises(VisionFlowError):
            await _public_keys(server.address, client.tls(server_name="auth"))
        assert await _public_keys(server.address, client.tls(server_name="camera")) == 1
        other_ca = CertificateAuthority("other")
        with pytest.raises(VisionFlowError):
            await _public_keys(
                server.address, GrpcTls(client.cert, client.key, other_ca.pem, server_name="camera")
            )
    finally:
        await server.stop()


async def test_plaintext_health_port_answers_health_only(ca: CertificateAuthority, mutual: KeyServer) -> None:
    assert mutual.health_port
    health_address = f"127.0.0.1:{mutual.health_port}"
    assert await _health(health_address, None) == health_pb2.HealthCheckResponse.SERVING
    with pytest.raises(VisionFlowError) as other:
        await _public_keys(health_address, None)
    assert other.value.code is not ErrorCode.SERVICE_UNAVAILABLE  # reached, and not served there
    with pytest.raises(grpc.aio.AioRpcError):
        await _reflected(health_address, None)


async def test_reflection_can_be_turned_off(ca: CertificateAuthority) -> None:
    server = KeyServer()
    await server.start(reflection_on=False)
    try:
        with pytest.raises(grpc.aio.AioRpcError) as off:
            await _reflected(server.address, None)
        # No such method: gRPC core says UNIMPLEMENTED, or INTERNAL when the server ends the stream
        # before the client's first message is out.
        assert off.value.code() in (grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.INTERNAL)
        assert await _health(server.address, None) == health_pb2.HealthCheckResponse.SERVING
    finally:
        await server.stop()


def test_tls_settings_fail_at_start_naming_the_variable(
    ca: CertificateAuthority, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = ca.issue("auth", dns=("auth",)).write(tmp_path / "tls")
    for variable, path in files.items():
        monkeypatch.setenv(variable, path)
    monkeypatch.setenv("VF_GRPC_TLS_CLIENT_AUTH", "true")
    tls = CommonSettings().grpc_tls()
    assert tls is not None and tls.client_auth
    monkeypatch.setenv("VF_GRPC_TLS_KEY", str(tmp_path / "missing.key"))
    with pytest.raises(ValidationError, match=r"VF_GRPC_TLS_KEY: cannot read .*missing\.key"):
        CommonSettings()
    (tmp_path / "not.pem").write_text("hello")
    monkeypatch.setenv("VF_GRPC_TLS_KEY", str(tmp_path / "not.pem"))
    with pytest.raises(ValidationError, match=r"VF_GRPC_TLS_KEY: .* is not a PEM file"):
        CommonSettings()
    monkeypatch.delenv("VF_GRPC_TLS_KEY")
    with pytest.raises(ValidationError, match="needs VF_GRPC_TLS_KEY"):
        CommonSettings()
