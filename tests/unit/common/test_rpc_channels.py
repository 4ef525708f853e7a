"""gRPC channels: a plain `host:port`, and a balanced `dns:///name:port` (headless Services)."""

from __future__ import annotations

import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from visionflow.rpc import create_server, open_channel


@pytest.mark.parametrize("scheme", ["", "dns:///"])
async def test_channels_reach_a_real_server_plain_and_balanced(scheme: str) -> None:
    server = create_server(lambda _server: [], "127.0.0.1", 0)
    await server.start()
    try:
        async with open_channel(f"{scheme}127.0.0.1:{server.port}") as channel:
            reply = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=5
            )
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        await server.server.stop(grace=0)
