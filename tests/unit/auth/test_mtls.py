"""The auth service process, started as every test starts it, serving over mutual TLS.

A client with a certificate of the CA logs in (a real RPC) and checks health; a client without
one is refused; the plaintext health port answers the probe. The gateway process, with its own
certificate, logs a user in over REST through it (gateway-to-service over mutual TLS).
"""

from __future__ import annotations

import re
from pathlib import Path

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.support.certs import CertificateAuthority
from tests.support.processes import NatsServer, start_service
from tests.unit.auth.conftest import auth_env
from visionflow.errors import VisionFlowError
from visionflow.rpc import call, open_channel
from visionflow.tokens import TokenVerifier, auth_service_key_fetcher
from visionflow.v1 import auth_pb2, auth_pb2_grpc

_HEALTH_PORT = re.compile(r"ready service=auth .*health_port=(\d+)")


async def test_auth_service_serves_over_mutual_tls_only(tmp_path: Path, nats_server: NatsServer) -> None:
    ca = CertificateAuthority()
    server_files = ca.issue("auth", dns=("auth",), ips=("127.0.0.1",)).write(tmp_path / "tls")
    env = {
        **auth_env(tmp_path, nats_server),
        **server_files,
        "VF_GRPC_TLS_CLIENT_AUTH": "true",
        "VF_GRPC_REFLECTION": "false",
        "VF_GRPC_HEALTH_PORT": "0",
    }
    process = start_service("auth", env, tmp_path / "logs")
    try:
        client = ca.issue("gateway", dns=("gateway",)).tls(client_auth=True)
        async with open_channel(process.address, client) as channel:
            stub = auth_pb2_grpc.AuthServiceStub(channel)
            await call(
                stub.Register,
                auth_pb2.RegisterRequest(
                    username="tls-alice", email="tls-alice@example.com", password="correct-horse-9"
                ),
            )
            login = await call(
                stub.Login, auth_pb2.LoginRequest(username="tls-alice", password="correct-horse-9")
            )
            health = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=5
            )
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        principal = await TokenVerifier(auth_service_key_fetcher(process.address, client)).verify(
            login.access_token
        )
        assert principal.username == "tls-alice"
        with pytest.raises(VisionFlowError):
            await TokenVerifier(auth_service_key_fetcher(process.address)).verify(login.access_token)
        anonymous = grpc.ssl_channel_credentials(root_certificates=ca.pem)
        async with grpc.aio.secure_channel(process.address, anonymous) as channel:
            with pytest.raises(grpc.aio.AioRpcError):
                await auth_pb2_grpc.AuthServiceStub(channel).GetPublicKeys(
                    auth_pb2.GetPublicKeysRequest(), timeout=5
                )
        found = _HEALTH_PORT.search(process.log_text())
        assert found, process.tail()
        async with open_channel(f"127.0.0.1:{found[1]}") as probe:
            reply = await health_pb2_grpc.HealthStub(probe).Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        gateway_files = ca.issue("gateway", dns=("gateway",)).write(tmp_path / "gateway-tls")
        gateway_env = {**env, **gateway_files, "VF_AUTH_ADDRESS": process.address}
        gateway = start_service("gateway", gateway_env, tmp_path / "logs")
        try:
            async with httpx.AsyncClient(base_url=f"http://{gateway.address}", timeout=20) as http:
                answer = await http.post(
                    "/login", json={"username": "tls-alice", "password": "correct-horse-9"}
                )
            assert answer.status_code == 200, answer.text
            assert answer.json()["access_token"]
        finally:
            assert gateway.stop() == 0, gateway.tail()
    finally:
        assert process.stop() == 0, process.tail()
