"""The gateway's connections: gRPC stubs of the services, NATS, the token verifier, the frame hub.

`rpc()` is the one way routes call a service: failures come back as `VisionFlowError`
(visionflow.rpc.call), which the exception handlers in errors.py render.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import grpc
from nats.aio.client import Client as NATS

from services.gateway.access import watch_access
from services.gateway.config import GatewaySettings
from services.gateway.hub import FrameHub
from services.gateway.sessions import EndedSessions
from visionflow import bus
from visionflow.rpc import call, open_channel
from visionflow.tokens import TokenVerifier, auth_service_key_fetcher
from visionflow.v1 import (
    auth_pb2_grpc,
    camera_pb2_grpc,
    media_pb2_grpc,
    notifier_pb2_grpc,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
NATS_CONNECT_ATTEMPTS = 20


@dataclass
class Clients:
    """Everything a request handler may talk to."""

    auth: auth_pb2_grpc.AuthServiceStub
    camera: camera_pb2_grpc.CameraServiceStub
    notifier: notifier_pb2_grpc.NotifierServiceStub
    ingest: media_pb2_grpc.IngestServiceStub
    verifier: TokenVerifier
    detector: media_pb2_grpc.DetectorServiceStub | None = None
    nc: NATS | None = None
    hub: FrameHub | None = None
    sessions: EndedSessions = field(default_factory=EndedSessions)
    rpc_timeout: float = 10.0
    channels: list[grpc.aio.Channel] = field(default_factory=list)

    async def rpc(
        self,
        method: Callable[..., Awaitable[T]],
        request: Any,
        *,
        token: str | None = None,
        timeout: float | None = None,
    ) -> T:
        """Call a unary RPC with the caller's bearer token; failures raise `VisionFlowError`."""
        return await call(method, request, token=token, timeout=timeout or self.rpc_timeout)

    async def close(self) -> None:
        await self.sessions.stop()
        if self.hub is not None:
            await self.hub.close()
        if self.nc is not None:
            await bus.close(self.nc)
        for channel in self.channels:
            await channel.close()


async def connect_nats(url: str, login: bus.Login | None) -> NATS:
    """Connect to NATS, retrying for a while: the launcher starts every process at once."""
    for attempt in range(1, NATS_CONNECT_ATTEMPTS + 1):
        try:
            return await bus.connect(url, "gateway", login)
        except Exception as error:
            if attempt == NATS_CONNECT_ATTEMPTS:
                raise
            log.warning("nats not reachable yet (attempt %s): %s", attempt, error)
            await asyncio.sleep(0.5)
    raise RuntimeError("unreachable")


async def open_clients(settings: GatewaySettings) -> Clients:
    """Open a channel per service and the NATS connection."""
    addresses = {
        "auth": settings.auth_address,
        "camera": settings.camera_address,
        "notifier": settings.notifier_address,
        "ingest": settings.ingest_address,
        "detector": settings.detector_address,
    }
    tls = settings.grpc_tls()
    channels = {name: open_channel(address, tls) for name, address in addresses.items()}
    clients = Clients(
        auth=auth_pb2_grpc.AuthServiceStub(channels["auth"]),
        camera=camera_pb2_grpc.CameraServiceStub(channels["camera"]),
        notifier=notifier_pb2_grpc.NotifierServiceStub(channels["notifier"]),
        ingest=media_pb2_grpc.IngestServiceStub(channels["ingest"]),
        detector=media_pb2_grpc.DetectorServiceStub(channels["detector"]),
        verifier=TokenVerifier(auth_service_key_fetcher(settings.auth_address, tls)),
        rpc_timeout=settings.rpc_timeout_seconds,
        channels=list(channels.values()),
    )
    try:
        clients.nc = await connect_nats(settings.nats_url, settings.nats_login("gateway"))
        await clients.sessions.start(clients.nc)
    except BaseException:
        await clients.close()
        raise
    clients.hub = FrameHub(clients.nc)
    # Revoked, expired or deleted: that camera's open streams re-check their viewer now.
    await watch_access(clients.nc, clients.hub)
    log.info("gateway clients open %s", " ".join(f"{k}={v}" for k, v in addresses.items()))
    return clients
