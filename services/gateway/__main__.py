"""`python -m services.gateway`: serve the REST API with uvicorn until SIGINT/SIGTERM.

We bind the socket ourselves (so `VF_GATEWAY_PORT=0` picks a free port we can report), print
`ready service=gateway http=<host>:<port>` once listening, and on a signal end the live streams
first, so that uvicorn's graceful shutdown is not held up by endless MJPEG responses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
from collections.abc import Iterator

import uvicorn

from services.gateway.app import create_app
from services.gateway.clients import Clients
from services.gateway.config import GatewaySettings
from visionflow.logs import setup_logging

log = logging.getLogger("services.gateway")

GRACEFUL_SHUTDOWN_S = 5


class _Server(uvicorn.Server):
    """uvicorn.Server whose signals we handle (its own handler re-raises them on exit)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def advertised_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host


async def _until_started(server: uvicorn.Server, serving: asyncio.Task[None]) -> None:
    """uvicorn sets `started` without an event to wait on, so poll it (until it fails or starts)."""
    while not server.started and not serving.done():  # noqa: ASYNC110
        await asyncio.sleep(0.02)


async def serve(settings: GatewaySettings) -> int:
    app = create_app(settings)
    sock = bind_socket(settings.gateway_host, settings.gateway_port)
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        server_header=False,
        # The client address is worked out per request from VF_GATEWAY_TRUSTED_PROXIES
        # (routes/accounts.py), never from headers an untrusted peer could write.
        proxy_headers=False,
    )
    server = _Server(config)
    stopping = asyncio.Event()

    def request_stop() -> None:
        stopping.set()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, request_stop)

    serving = asyncio.create_task(server.serve(sockets=[sock]), name="uvicorn")
    await _until_started(server, serving)
    if serving.done():
        serving.result()  # raises the start-up failure
        return 1
    sys.stdout.write(f"ready service=gateway http={advertised_host(settings.gateway_host)}:{port}\n")
    sys.stdout.flush()
    log.info("ready service=gateway http=%s:%s", settings.gateway_host, port)

    stop_wait = asyncio.create_task(stopping.wait())
    await asyncio.wait({serving, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
    if not serving.done():
        log.info("stopping service=gateway")
        clients: Clients | None = getattr(app.state, "clients", None)
        if clients is not None and clients.hub is not None:
            await clients.hub.close()  # end MJPEG streams so connections can finish
        server.should_exit = True
        await serving
    stop_wait.cancel()
    log.info("stopped service=gateway")
    return 0


def main() -> None:
    settings = GatewaySettings()
    setup_logging("gateway", settings.log_level, json_lines=settings.log_json)
    sys.exit(asyncio.run(serve(settings)))


if __name__ == "__main__":
    main()
