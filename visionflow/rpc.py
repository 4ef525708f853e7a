"""gRPC helpers: servers with health checking and reflection, the error wrapper, clients.

Transport: plaintext by default, or TLS (mutual with client auth) from `visionflow/grpctls.py`
for every server and channel. A server may also answer health checks alone on a plaintext port
(`health_port`): Kubernetes' gRPC probes speak no TLS, and health says nothing secret.

Servers: `create_server()` wraps every unary handler so that a raised `VisionFlowError` becomes a
gRPC status carrying the documented code in the `vf-error-code` trailing metadata, and anything
unexpected is logged with its traceback and becomes SERVER_ERROR. `grpc.aio.AbortError` passes.
Clients: `open_channel()` and `call()` turn a failed RPC back into `VisionFlowError`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio
from grpc_reflection.v1alpha import reflection
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from visionflow.errors import (
    ERROR_CODE_KEY,
    RETRY_AFTER_KEY,
    ErrorCode,
    VisionFlowError,
    code_from_grpc,
)
from visionflow.grpctls import GrpcTls

log = logging.getLogger(__name__)

T = TypeVar("T")
BEARER_KEY = "authorization"
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
_CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
]
# A `dns:///name:port` address (a headless Kubernetes Service, which lists every pod) spreads
# calls over all the addresses the name resolves to, instead of pinning one connection to one
# replica. A plain `host:port` keeps gRPC's default (one connection, re-established on demand).
_BALANCED_OPTIONS = [
    *_CHANNEL_OPTIONS,
    ("grpc.service_config", json.dumps({"loadBalancingConfig": [{"round_robin": {}}]})),
    # A replica that restarts is back within seconds: reconnect soon, not after up to 2 min.
    ("grpc.initial_reconnect_backoff_ms", 250),
    ("grpc.min_reconnect_backoff_ms", 250),
    ("grpc.max_reconnect_backoff_ms", 2000),
]
# Servers close each connection after a while (gracefully), so clients re-resolve the name and
# find replicas added since they connected.
_SERVER_OPTIONS = [
    *_CHANNEL_OPTIONS,
    ("grpc.max_connection_age_ms", 5 * 60 * 1000),
    ("grpc.max_connection_age_grace_ms", 30 * 1000),
]


async def _abort_with(context: grpc.aio.ServicerContext, error: VisionFlowError) -> None:
    trailing: list[tuple[str, str]] = [(ERROR_CODE_KEY, error.code.value)]
    if error.retry_after is not None:
        trailing.append((RETRY_AFTER_KEY, str(error.retry_after)))
    await context.abort(error.grpc_status, error.message, trailing_metadata=tuple(trailing))


DATABASE_DOWN = "The database is unavailable; try again shortly"


def _wrap_unary(
    behavior: Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]], method: str
) -> Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]:
    async def wrapped(request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            return await behavior(request, context)
        except VisionFlowError as error:
            await _abort_with(context, error)
        except grpc.aio.AbortError:
            raise
        except (OperationalError, PoolTimeout) as error:
            # The database went away (or every connection is busy): the caller may retry; the
            # pool reconnects by itself (pre-ping), so the service recovers without a restart.
            log.warning("database unavailable in %s: %s", method, type(error).__name__)
            await _abort_with(
                context, VisionFlowError(ErrorCode.SERVICE_UNAVAILABLE, DATABASE_DOWN, retry_after=5)
            )
        except Exception:
            log.exception("unhandled error in %s", method)
            await _abort_with(context, VisionFlowError(ErrorCode.SERVER_ERROR, "Internal server error"))
        return None  # unreachable: abort raises

    return wrapped


class ErrorInterceptor(grpc.aio.ServerInterceptor):
    """Maps `VisionFlowError` and unexpected exceptions to gRPC statuses for unary RPCs."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        method = handler_call_details.method
        return grpc.unary_unary_rpc_method_handler(
            _wrap_unary(handler.unary_unary, method),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


class ServiceServer:
    """A grpc.aio server with the standard health service (and reflection unless turned off).

    `health_server`, when asked for, serves the same health statuses alone, in plaintext."""

    def __init__(
        self,
        server: grpc.aio.Server,
        health: health_aio.HealthServicer,
        port: int,
        names: list[str],
        health_server: grpc.aio.Server | None = None,
        health_port: int | None = None,
    ) -> None:
        self.server = server
        self.health = health
        self.port = port
        self.names = names
        self.health_server = health_server
        self.health_port = health_port

    async def start(self) -> None:
        await self.server.start()
        if self.health_server is not None:
            await self.health_server.start()
        for name in (*self.names, ""):
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)

    async def stop(self, grace: float = 5.0) -> None:
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)
        if self.health_server is not None:
            await self.health_server.stop(0)


HEALTH_NAME = health_pb2.DESCRIPTOR.services_by_name["Health"].full_name


def create_server(
    add_servicers: Callable[[grpc.aio.Server], Iterable[str]],
    host: str,
    port: int,
    *,
    tls: GrpcTls | None = None,
    reflection_on: bool = True,
    health_port: int | None = None,
) -> ServiceServer:
    """Build a server; `add_servicers` registers servicers and returns their full names.

    Port 0 binds a free port; the bound port is on the returned object. `tls`: serve TLS only
    (mutual when its `client_auth` is set); `health_port`: also answer health checks, and
    nothing else, in plaintext there.
    """
    server = grpc.aio.server(interceptors=[ErrorInterceptor()], options=_SERVER_OPTIONS)
    names = list(add_servicers(server))
    health = health_aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    if reflection_on:
        reflection.enable_server_reflection((*names, HEALTH_NAME, reflection.SERVICE_NAME), server)
    bound = _bind(server, host, port, tls)
    health_server = None
    health_bound = None
    if health_port is not None:
        health_server = grpc.aio.server(options=_CHANNEL_OPTIONS)
        health_pb2_grpc.add_HealthServicer_to_server(health, health_server)
        health_bound = _bind(health_server, host, health_port, None)
    return ServiceServer(server, health, bound, names, health_server, health_bound)


def _bind(server: grpc.aio.Server, host: str, port: int, tls: GrpcTls | None) -> int:
    address = f"{host}:{port}"
    try:
        bound = (
            server.add_secure_port(address, tls.server_credentials())
            if tls is not None
            else server.add_insecure_port(address)
        )
    except RuntimeError:
        bound = 0
    if bound == 0:
        raise RuntimeError(f"could not bind gRPC port {address}")
    return bound


def open_channel(address: str, tls: GrpcTls | None = None) -> grpc.aio.Channel:
    """A channel to `address`: plaintext, or TLS checking the server against `tls`'s CA."""
    options = _BALANCED_OPTIONS if address.startswith("dns:///") else _CHANNEL_OPTIONS
    if tls is None:
        return grpc.aio.insecure_channel(address, options=options)
    return grpc.aio.secure_channel(
        address, tls.channel_credentials(), options=[*options, *tls.channel_options()]
    )


def bearer_metadata(token: str) -> tuple[tuple[str, str], ...]:
    return ((BEARER_KEY, f"Bearer {token}"),)


def bearer_from_context(context: grpc.aio.ServicerContext) -> str | None:
    """The bearer token from incoming metadata, or None when absent or malformed."""
    for key, value in context.invocation_metadata() or ():
        if key == BEARER_KEY and isinstance(value, str):
            scheme, _, token = value.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


def error_from_rpc(error: grpc.aio.AioRpcError) -> VisionFlowError:
    """Rebuild the service's `VisionFlowError` from a failed call."""
    trailing = dict(error.trailing_metadata() or ())
    code = code_from_grpc(error.code(), _str_or_none(trailing.get(ERROR_CODE_KEY)))
    retry = _str_or_none(trailing.get(RETRY_AFTER_KEY))
    if code in (ErrorCode.SERVICE_UNAVAILABLE, ErrorCode.SERVER_ERROR) and ERROR_CODE_KEY not in trailing:
        message = (
            "Service temporarily unavailable"
            if code is ErrorCode.SERVICE_UNAVAILABLE
            else "Internal server error"
        )
    else:
        message = error.details() or code.value
    return VisionFlowError(code, message, retry_after=int(retry) if retry and retry.isdigit() else None)


def _str_or_none(value: object) -> str | None:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


async def call(
    rpc: Callable[..., Awaitable[T]], request: Any, *, token: str | None = None, timeout: float = 10.0
) -> T:
    """Call a unary RPC; a failure comes back as `VisionFlowError`."""
    metadata = bearer_metadata(token) if token else None
    try:
        return await rpc(request, metadata=metadata, timeout=timeout)
    except grpc.aio.AioRpcError as error:
        raise error_from_rpc(error) from None


async def wait_healthy(address: str, *, timeout: float = 30.0, tls: GrpcTls | None = None) -> None:
    """Block until the server at `address` answers SERVING on its health service."""
    deadline = time.monotonic() + timeout
    async with open_channel(address, tls) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while True:
            try:
                reply = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=2)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"gRPC server at {address} not healthy after {timeout}s")
            await asyncio.sleep(0.1)
