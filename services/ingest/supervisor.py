"""Runs one worker per camera: start, restart on a new URL, stop on delete, and the watchdog."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

from services.ingest.publisher import Publisher
from services.ingest.worker import CameraSpec, CameraWorker, WorkerOptions
from visionflow import subjects
from visionflow.logs import scrub_url
from visionflow.v1 import events_pb2

log = logging.getLogger(__name__)

WATCHDOG_TICK_S = 1.0
_JOIN_TIMEOUT_S = 2.0
_EARLY_DEMAND_MAX = 4096


class Supervisor:
    """Every camera this replica owns gets a worker, whatever its `recognition` flag says.

    The camera feed (visionflow/camerafeed.py) calls `apply` for owned cameras' changes and
    `release` when a camera moves to another replica.
    """

    def __init__(self, options: WorkerOptions, publisher: Publisher) -> None:
        self._options = options
        self._publisher = publisher
        self._workers: dict[int, CameraWorker] = {}
        self._retired: list[threading.Thread] = []
        # Demand for cameras not (yet) known here: a viewer may ask before the camera arrives.
        self._early_demand: dict[tuple[str, str, int], float] = {}

    def get(self, camera_id: int, account_uuid: str) -> CameraWorker | None:
        """The camera's worker when it belongs to the account (None otherwise)."""
        worker = self._workers.get(camera_id)
        if worker is None or worker.spec.account_uuid != account_uuid:
            return None
        return worker

    def local(self, camera_id: int) -> CameraWorker | None:
        """The camera's worker when this replica reads it."""
        return self._workers.get(camera_id)

    def of_account(self, account_uuid: str) -> list[CameraWorker]:
        return sorted(
            (w for w in self._workers.values() if w.spec.account_uuid == account_uuid),
            key=lambda w: w.camera_id,
        )

    def workers(self) -> list[CameraWorker]:
        """A copy of the current workers (safe to read from the metrics thread)."""
        return list(self._workers.values())

    async def apply(self, change: events_pb2.CameraChanged) -> None:
        """Follow one CameraChanged: start, restart (new URL), update or stop the camera."""
        camera_id = change.camera.id
        if camera_id <= 0:
            log.warning("camera change without a camera id ignored kind=%s", change.kind)
            return
        current = self._workers.get(camera_id)
        if change.kind == events_pb2.CHANGE_KIND_DELETED:
            if current is not None:
                del self._workers[camera_id]
                await self._retire(current)
            return
        spec = CameraSpec.from_proto(change.camera)
        if current is not None:
            if current.spec.streams == spec.streams:
                current.update(spec)  # detect rate or recognition: live, no reconnect
                return
            log.info("stream URL changed camera_id=%s url=%s", camera_id, scrub_url(spec.stream_url))
            await self._retire(current)
        worker = CameraWorker(spec, self._options, self._publisher, first_seq=current.seq if current else 0)
        if current is not None:
            worker.control.raw_until = current.control.raw_until  # viewers stay
            worker.control.view_until = current.control.view_until
        for kind in subjects.DEMAND_KINDS:
            until = self._early_demand.pop((spec.account_uuid, kind, camera_id), None)
            if until is not None:
                worker.want(kind, until)
        self._workers[camera_id] = worker
        worker.start()
        log.info("camera added camera_id=%s account=%s", camera_id, spec.account_uuid)

    async def release(self, camera_id: int) -> None:
        """The camera now belongs to another replica: stop reading it (no status is published)."""
        current = self._workers.pop(camera_id, None)
        if current is not None:
            log.info(
                "camera released camera_id=%s (another replica owns it, or none while NATS is away)",
                camera_id,
            )
            await self._retire(current)

    def demand(self, account_uuid: str, kind: str, camera_id: int) -> None:
        """Someone of the account asked for the camera's `raw` or `annotated` frames
        (`vf.acct.<a>.demand.<kind>.<id>`); a demand naming another account's camera is ignored."""
        until = time.monotonic() + subjects.DEMAND_LEASE_S
        worker = self._workers.get(camera_id)
        if worker is not None:
            if worker.spec.account_uuid == account_uuid:
                worker.want(kind, until)
            return
        now = time.monotonic()
        self._early_demand = {key: t for key, t in self._early_demand.items() if t > now}
        if len(self._early_demand) < _EARLY_DEMAND_MAX:
            self._early_demand[(account_uuid, kind, camera_id)] = until

    async def _retire(self, worker: CameraWorker) -> None:
        await worker.stop()
        self._retired = [t for t in self._retired if t.is_alive()] + worker.threads()

    async def watch(self) -> None:
        """The watchdog: once a second, every worker checks for stalls and sends heartbeats."""
        while True:
            await asyncio.sleep(WATCHDOG_TICK_S)
            now = time.monotonic()
            for worker in self.workers():
                try:
                    worker.check(now)
                except Exception:
                    log.exception("watchdog check failed camera_id=%s", worker.camera_id)

    async def close(self) -> None:
        """Stop every camera, then give the reader threads a moment to close their streams."""
        workers = self.workers()
        self._workers.clear()
        for worker in workers:
            await self._retire(worker)
        await asyncio.to_thread(_join_all, self._retired, _JOIN_TIMEOUT_S)


def _join_all(threads: list[threading.Thread], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
