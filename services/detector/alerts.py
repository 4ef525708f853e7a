"""Alert delivery: the annotated snapshot into the object store, then AlertEvent on JetStream.

Alerts wait in a queue for one sender task, so the batcher never waits for an ack. A failed
send is retried with backoff; what is still queued at stop is flushed before NATS closes.

An alert's event id follows from what it is (camera, region, track, class and the capture time
its dwell began), never from who sends it: a retried publish, or the same dwell raised by a
second replica during a failover, carries the same id, which JetStream's `Nats-Msg-Id` window
and the notifier's unique (account, event id) both drop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from dataclasses import dataclass

from google.protobuf.timestamp_pb2 import Timestamp
from nats.js import JetStreamContext
from nats.js.object_store import ObjectStore

from services.detector.metrics import DetectorMetrics
from services.detector.zones import ZoneAlert
from visionflow import subjects
from visionflow.snapshots import ensure_bucket, snapshot_key
from visionflow.v1 import events_pb2

log = logging.getLogger(__name__)

# Retried for as long as JetStream's duplicate window (so a retry of a publish that did land is
# still dropped as a duplicate), with backoff up to a few seconds.
_GIVE_UP_S = 120.0
_FIRST_BACKOFF_S = 0.5
_MAX_BACKOFF_S = 5.0
_MSG_ID = "Nats-Msg-Id"


@dataclass(frozen=True)
class PendingAlert:
    """A raised alert with what delivering it needs."""

    alert: ZoneAlert
    account_uuid: str
    camera_id: int
    camera_name: str
    capture_ns: int
    snapshot_jpeg: bytes

    @property
    def event_id(self) -> str:
        return alert_event_id(self.camera_id, self.alert)


_EVENT_NAMESPACE = uuid.UUID("6f1c1f9e-8d3b-4c1a-9a55-2f1c3e7b9d10")


def alert_event_id(camera_id: int, alert: ZoneAlert) -> str:
    """A UUID (version 5) named by the camera, region, track, class and dwell start (in ms).

    The track is the one that began the dwell: a dwell continued by another track (the tracker
    lost the object, or another replica took the camera over) keeps its id."""
    name = (
        f"{camera_id}/{alert.rule.region_id}/{alert.first_track_id}/{alert.class_name}/"
        f"{round(alert.entered_at * 1000)}"
    )
    return str(uuid.uuid5(_EVENT_NAMESPACE, name))


def alert_message(class_name: str, dwell_seconds: float, region_name: str, camera_name: str) -> str:
    """E.g. `person stayed 12.0 s in zone Door (Front camera)`."""
    return f"{class_name} stayed {dwell_seconds:.1f} s in zone {region_name} ({camera_name})"


def build_event(pending: PendingAlert, event_id: str, key: str) -> events_pb2.AlertEvent:
    alert = pending.alert
    capture_time = Timestamp()
    capture_time.FromNanoseconds(pending.capture_ns)
    return events_pb2.AlertEvent(
        event_id=event_id,
        account_uuid=pending.account_uuid,
        camera_id=pending.camera_id,
        camera_name=pending.camera_name,
        region_id=alert.rule.region_id,
        region_name=alert.rule.name,
        track_id=alert.track_id,
        class_name=alert.class_name,
        confidence=alert.confidence,
        dwell_seconds=alert.dwell_seconds,
        capture_time=capture_time,
        snapshot_key=key,
        notification_enabled=alert.rule.notification_enabled,
        message=alert_message(alert.class_name, alert.dwell_seconds, alert.rule.name, pending.camera_name),
    )


def _dwell_of(pending: PendingAlert) -> tuple[int, int, float]:
    return (pending.camera_id, pending.alert.rule.region_id, pending.alert.entered_at)


class AlertSender:
    """Delivers alerts one by one, in the order they were raised."""

    def __init__(self, js: JetStreamContext, metrics: DetectorMetrics) -> None:
        self._js = js
        self._metrics = metrics
        self._queue: asyncio.Queue[PendingAlert] = asyncio.Queue()
        self._bucket: ObjectStore | None = None
        self._inflight: PendingAlert | None = None
        self._unacked: set[tuple[int, int, float]] = set()

    def submit(self, pending: PendingAlert) -> None:
        self._unacked.add(_dwell_of(pending))
        self._queue.put_nowait(pending)

    def unacked(self, camera_id: int, region_id: int, entered_at: float) -> bool:
        """Whether that dwell's alert is raised but not yet stored by JetStream."""
        return (camera_id, region_id, entered_at) in self._unacked

    async def run(self) -> None:
        while True:
            self._inflight = await self._queue.get()
            await self._deliver(self._inflight)
            self._inflight = None

    async def flush(self, timeout: float = 5.0) -> None:
        """Deliver what is still queued (at stop, after the run task was cancelled)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                if self._inflight is not None:  # interrupted by the stop: deliver it again
                    await self._deliver(self._inflight)
                    self._inflight = None
                while not self._queue.empty():
                    await self._deliver(self._queue.get_nowait())
        if not self._queue.empty():
            log.error("%s alerts not delivered at stop", self._queue.qsize())

    async def _deliver(self, pending: PendingAlert) -> None:
        try:
            await self._attempts(pending)
        finally:
            self._unacked.discard(_dwell_of(pending))

    async def _attempts(self, pending: PendingAlert) -> None:
        delay = _FIRST_BACKOFF_S
        give_up = time.monotonic() + _GIVE_UP_S
        attempt = 0
        while True:
            attempt += 1
            try:
                event = await self.send(pending)
                log.info(
                    "alert event_id=%s camera_id=%s account=%s region=%s track=%s: %s",
                    event.event_id,
                    event.camera_id,
                    event.account_uuid,
                    event.region_name,
                    event.track_id,
                    event.message,
                )
                return
            except Exception as error:  # noqa: BLE001 - NATS timeouts, disconnects, server errors
                log.warning(
                    "alert for camera_id=%s attempt %s failed (retrying for up to %gs): %s",
                    pending.camera_id,
                    attempt,
                    _GIVE_UP_S,
                    error,
                )
                self._bucket = None
                if time.monotonic() + delay >= give_up:
                    break
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_BACKOFF_S)
        self._metrics.alert_failures.inc()
        log.error("alert for camera_id=%s account=%s dropped", pending.camera_id, pending.account_uuid)

    async def send(self, pending: PendingAlert) -> events_pb2.AlertEvent:
        """Store the snapshot, then publish the event (deduplicated by JetStream on its id)."""
        event_id = pending.event_id
        key = snapshot_key(pending.account_uuid, pending.camera_id, pending.capture_ns, event_id)
        try:
            if self._bucket is None:
                self._bucket = await ensure_bucket(self._js)
            await self._bucket.put(key, pending.snapshot_jpeg)
        except Exception as error:  # noqa: BLE001 - the alert matters more than its picture
            # A full bucket (its size cap) or a failing store: send the alert without a picture.
            # A lost connection fails the publish below too, and the whole send is retried.
            log.warning(
                "snapshot for camera_id=%s not stored (%s); alert sent without it", pending.camera_id, error
            )
            self._bucket = None
            key = ""
        event = build_event(pending, event_id, key)
        await self._js.publish(
            subjects.alert(pending.account_uuid, pending.camera_id),
            event.SerializeToString(),
            headers={_MSG_ID: event_id},
        )
        self._metrics.alerts.labels(str(pending.camera_id)).inc()
        return event
