"""An ingest process under test, with its own NATS, and the tools to drive and watch it.

Tests play the camera service: they publish CameraChanged to JetStream and watch what ingest
publishes (`vf.frames.detect.<id>`, `vf.frames.raw.<id>` while asked for, and
`vf.camera.status.<id>`). An in-test KeyServer serves a test Ed25519 public key, so GetSnapshot
sees real signed tokens.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from tests.support.demand import start_demand
from tests.support.keyserver import KeyServer
from tests.support.processes import NatsServer, ServiceProcess, start_nats, start_service
from visionflow import bus, subjects
from visionflow.rpc import open_channel
from visionflow.v1 import camera_pb2, events_pb2, media_pb2_grpc

ONLINE = camera_pb2.CAMERA_STATE_ONLINE
CONNECTING = camera_pb2.CAMERA_STATE_CONNECTING
OFFLINE = camera_pb2.CAMERA_STATE_OFFLINE
ERROR = camera_pb2.CAMERA_STATE_ERROR

_METRICS = re.compile(r"metrics listening address=(?P<address>\S+)")

# Short timings so that stalls, backoffs and heartbeats fit in a quick test run.
FAST_ENV = {
    "VF_LOG_LEVEL": "INFO",
    "VF_INGEST_METRICS_PORT": "0",
    "VF_INGEST_STALL_TIMEOUT_S": "2",
    "VF_INGEST_OPEN_TIMEOUT_S": "5",
    "VF_INGEST_RECONNECT_INITIAL_S": "0.2",
    "VF_INGEST_RECONNECT_MAX_S": "1",
    "VF_INGEST_STATUS_INTERVAL_S": "1",
}


@dataclass
class Watcher:
    """Collects the messages of one subject as they arrive."""

    messages: list[tuple[float, Msg]] = field(default_factory=list)
    subscription: Any = None
    demand: asyncio.Event | None = None  # set to stop asking for the frames

    async def on_message(self, msg: Msg) -> None:
        self.messages.append((time.monotonic(), msg))

    async def wait_for(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            await asyncio.sleep(0.05)

    def since(self, moment: float) -> list[Msg]:
        return [msg for at, msg in self.messages if at >= moment]

    async def close(self) -> None:
        if self.demand is not None:
            self.demand.set()
        await self.subscription.unsubscribe()


class FrameWatcher(Watcher):
    async def wait_frames(self, count: int, timeout: float = 10.0, *, since: float = 0.0) -> list[Msg]:
        await self.wait_for(lambda: len(self.since(since)) >= count, timeout, f"{count} frames")
        return self.since(since)


class StatusWatcher(Watcher):
    def statuses(self) -> list[events_pb2.CameraStatus]:
        return [events_pb2.CameraStatus.FromString(msg.data) for _, msg in self.messages]

    async def wait_state(
        self, state: int, timeout: float = 10.0, *, since: float = 0.0
    ) -> events_pb2.CameraStatus:
        def found() -> events_pb2.CameraStatus | None:
            for msg in self.since(since):
                status = events_pb2.CameraStatus.FromString(msg.data)
                if status.state == state:
                    return status
            return None

        name = camera_pb2.CameraState.Name(state)
        await self.wait_for(lambda: found() is not None, timeout, f"status {name}")
        status = found()
        assert status is not None
        return status


@dataclass
class IngestRig:
    """NATS, the ingest process, a client connection, and the test's camera service role."""

    nats_server: NatsServer
    process: ServiceProcess
    nc: NATS
    auth: KeyServer
    # The account of each published camera, and viewers waiting to learn it to ask for frames.
    accounts: dict[int, str] = field(default_factory=dict)
    waiting_viewers: dict[int, list[FrameWatcher]] = field(default_factory=dict)

    @property
    def metrics_address(self) -> str:
        found = _METRICS.search(self.process.log_text())
        assert found, "ingest logged no metrics address"
        return found["address"]

    def stub(self) -> media_pb2_grpc.IngestServiceStub:
        return media_pb2_grpc.IngestServiceStub(open_channel(self.process.address))

    async def publish_camera(
        self,
        camera_id: int,
        stream_url: str,
        account_uuid: str,
        *,
        kind: int = events_pb2.CHANGE_KIND_CREATED,
        recognition: bool = False,
        detect_fps: float = 0.0,
        detect_stream_url: str = "",
    ) -> None:
        camera = camera_pb2.Camera(
            id=camera_id,
            account_uuid=account_uuid,
            name=f"camera {camera_id}",
            stream_url=stream_url,
            recognition=recognition,
            detect_fps=detect_fps,
            detect_stream_url=detect_stream_url,
        )
        change = events_pb2.CameraChanged(kind=kind, camera=camera)  # type: ignore[arg-type]
        change.changed_at.GetCurrentTime()
        self.accounts[camera_id] = account_uuid
        for watcher in self.waiting_viewers.pop(camera_id, []):
            watcher.demand = start_demand(self.nc, "raw", account_uuid, camera_id)
        await bus.publish_message(self.nc.jetstream(), subjects.camera_changed(camera_id), change)

    async def delete_camera(self, camera_id: int, account_uuid: str) -> None:
        change = events_pb2.CameraChanged(
            kind=events_pb2.CHANGE_KIND_DELETED,
            camera=camera_pb2.Camera(id=camera_id, account_uuid=account_uuid),
        )
        await bus.publish_message(self.nc.jetstream(), subjects.camera_changed(camera_id), change)

    async def watch_frames(self, camera_id: int, *, demand: bool = True) -> FrameWatcher:
        """Raw JPEG frames; as a viewer, asking for them (`demand`, once the camera's account is
        known), unless told not to."""
        watcher = FrameWatcher()
        watcher.subscription = await self.nc.subscribe(
            f"{subjects.ACCOUNT_SPACE}.*.frames.raw.{camera_id}", cb=watcher.on_message
        )
        if demand:
            account_uuid = self.accounts.get(camera_id)
            if account_uuid is None:
                self.waiting_viewers.setdefault(camera_id, []).append(watcher)
            else:
                watcher.demand = start_demand(self.nc, "raw", account_uuid, camera_id)
        return watcher

    async def watch_detect(self, camera_id: int) -> FrameWatcher:
        watcher = FrameWatcher()
        watcher.subscription = await self.nc.subscribe(
            subjects.frames_detect(camera_id), cb=watcher.on_message
        )
        return watcher

    async def watch_status(self, camera_id: int) -> StatusWatcher:
        watcher = StatusWatcher()
        watcher.subscription = await self.nc.subscribe(
            f"{subjects.ACCOUNT_SPACE}.*.status.{camera_id}", cb=watcher.on_message
        )
        return watcher

    async def close(self) -> None:
        await self.nc.close()
        await asyncio.to_thread(self.process.stop)
        self.nats_server.stop()


async def start_rig(work_dir: Path, auth: KeyServer, **env: str) -> IngestRig:
    """Own NATS (so no other test's cameras reach this ingest), then ingest, then a client."""
    nats_server = start_nats(work_dir / "nats", work_dir / "logs")
    process_env = {
        "VF_DATA_DIR": str(work_dir / "data"),
        **nats_server.login_env(),
        "VF_AUTH_ADDRESS": auth.address,
        **FAST_ENV,
        **env,
    }
    try:
        process = await asyncio.to_thread(start_service, "ingest", process_env, work_dir / "logs")
    except BaseException:
        nats_server.stop()
        raise
    nc = await nats.connect(nats_server.url)
    await bus.ensure_streams(nc.jetstream())
    return IngestRig(nats_server=nats_server, process=process, nc=nc, auth=auth)


_camera_ids = itertools.count(1001)


def new_account() -> str:
    return str(uuid.uuid4())


def new_camera_id() -> int:
    """Camera ids unique across the session (one NATS stream per ingest rig, shared by tests)."""
    return next(_camera_ids)


def closed_port() -> int:
    """A local port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
