"""Start and stop of a service process, in one order for all services.

1. logging, NATS (unlimited reconnects) and JetStream streams;
2. the service builds its stores and servicers;
3. gRPC with health and reflection, then one `ready service=<name> grpc=<host:port>` line;
4. SIGINT/SIGTERM set the stop event; everything stops in reverse order and the process exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from typing import Any

import grpc
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from visionflow import bus
from visionflow.config import CommonSettings
from visionflow.logs import setup_logging
from visionflow.rpc import create_server

log = logging.getLogger(__name__)

Cleanup = Callable[[], Awaitable[None] | None]
TASK_STOP_TIMEOUT_S = 5.0


class Runtime:
    """What a running service holds: its NATS connection, background tasks and stop event."""

    def __init__(self, name: str, settings: CommonSettings) -> None:
        self.name = name
        self.settings = settings
        self.stop_event = asyncio.Event()
        self._nc: NATS | None = None
        self._js: JetStreamContext | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._cleanups: list[Cleanup] = []
        self._stoppers: list[Callable[[], None]] = []
        self.crashed = False

    @property
    def nc(self) -> NATS:
        if self._nc is None:
            raise RuntimeError("this service was started without NATS")
        return self._nc

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            raise RuntimeError("this service was started without NATS")
        return self._js

    async def connect_nats(self) -> None:
        self._nc = await bus.connect(self.settings.nats_url, self.name, self.settings.nats_login(self.name))
        self._js = self._nc.jetstream()
        await bus.ensure_streams(self._js, self.settings.bus_layout())

    def add_task(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run a background loop; its crash is logged and stops the service (so it restarts)."""
        task = asyncio.create_task(coro, name=name)

        def _done(finished: asyncio.Task[Any]) -> None:
            if finished.cancelled() or self.stop_event.is_set():
                return
            error = finished.exception()
            if error is not None:
                log.error("task %s crashed; stopping", name, exc_info=error)
                self.crashed = True
                self.stop_event.set()

        task.add_done_callback(_done)
        self._tasks.append(task)
        return task

    def stop_task_by(self, stop: Callable[[], None]) -> None:
        """At shutdown, call `stop` (a loop's stop event) and let the tasks end before any cancel."""
        self._stoppers.append(stop)

    def on_stop(self, cleanup: Cleanup) -> None:
        """Register a cleanup; cleanups run in reverse order of registration."""
        self._cleanups.append(cleanup)

    async def serve(self, add_servicers: Callable[[grpc.aio.Server], Iterable[str]], port: int) -> None:
        """Serve gRPC until the stop event is set, then stop everything in reverse order."""
        tls = self.settings.grpc_tls()
        server = create_server(
            add_servicers,
            self.settings.grpc_host,
            port,
            tls=tls,
            reflection_on=self.settings.grpc_reflection,
            health_port=self.settings.grpc_health_port,
        )
        await server.start()
        sys.stdout.write(f"ready service={self.name} grpc={self.settings.grpc_host}:{server.port}\n")
        sys.stdout.flush()
        log.info(
            "ready service=%s grpc=%s:%s tls=%s health_port=%s reflection=%s",
            self.name,
            self.settings.grpc_host,
            server.port,
            "off" if tls is None else ("mutual" if tls.client_auth else "on"),
            server.health_port or "-",
            self.settings.grpc_reflection,
        )
        await self.stop_event.wait()
        log.info("stopping service=%s", self.name)
        await server.stop(grace=5)

    async def shutdown(self) -> None:
        for stop in self._stoppers:
            stop()
        if self._stoppers and self._tasks:
            await asyncio.wait(self._tasks, timeout=TASK_STOP_TIMEOUT_S)
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            # A task that swallows its CancelledError (nats-py can, inside publish) must not hold
            # the process: give the tasks a few seconds, then go on with the cleanups.
            _, pending = await asyncio.wait(self._tasks, timeout=TASK_STOP_TIMEOUT_S)
            for task in pending:
                log.warning("task %s did not stop in %ss; leaving it", task.get_name(), TASK_STOP_TIMEOUT_S)
        for cleanup in reversed(self._cleanups):
            try:
                result = cleanup()
                if result is not None:
                    await result
            except Exception:
                log.exception("cleanup failed")
        if self._nc is not None:
            await bus.close(self._nc)


@contextlib.asynccontextmanager
async def service_runtime(
    name: str, settings: CommonSettings, *, use_nats: bool = True
) -> AsyncIterator[Runtime]:
    """Set up logging, signals and NATS; tear everything down on exit."""
    setup_logging(name, settings.log_level, json_lines=settings.log_json)
    runtime = Runtime(name, settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, runtime.stop_event.set)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        if use_nats:
            await runtime.connect_nats()
        yield runtime
    finally:
        await runtime.shutdown()
        log.info("stopped service=%s", name)


def run(main: Callable[[], Coroutine[Any, Any, Runtime | None]]) -> None:
    """Entry point for `python -m services.<name>`: exit 1 if a background task crashed."""
    runtime = asyncio.run(main())
    if runtime is not None and runtime.crashed:
        sys.exit(1)
