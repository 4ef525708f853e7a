"""Which cameras this detector replica analyses: the ones it owns in the camera feed
(visionflow/camerafeed.py, ownership from visionflow/membership.py).

Detect frames (`vf.frames.detect.<id>`) are subscribed only for
cameras with recognition on; a delete or recognition off unsubscribes. Region changes replace
the camera's zone rules live, without touching its tracker. `vf.acct.<a>.demand.annotated.<id>` says
someone watches the annotated stream: annotated JPEGs are made only then.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext

from services.detector.dwells import DwellStore
from services.detector.frames import FrameSlots, frame_from_message
from services.detector.metrics import DetectorMetrics
from services.detector.registry import DEFAULT_MODEL
from services.detector.stats import CameraStats
from services.detector.tracking import CameraTracker, Detected
from services.detector.zones import ZoneEngine, ZoneRule
from visionflow import subjects
from visionflow.camerafeed import CameraFeed
from visionflow.v1 import camera_pb2, events_pb2
from visionflow.vocabulary import expand_classes

log = logging.getLogger(__name__)

_FRAME_PENDING_MSGS = 256
_FRAME_PENDING_BYTES = 64 * 1024 * 1024


def rules_from(camera: camera_pb2.Camera) -> list[ZoneRule]:
    """Zone rules of a camera's regions (regions with fewer than 3 points are skipped)."""
    rules: list[ZoneRule] = []
    for index, region in enumerate(camera.regions):
        if len(region.coordinates) < 3:
            log.warning(
                "camera_id=%s region %r has %s points; ignored",
                camera.id,
                region.name,
                len(region.coordinates),
            )
            continue
        rules.append(
            ZoneRule(
                region_id=region.id or -(index + 1),
                name=region.name or f"region {index + 1}",
                polygon=tuple((float(p.x), float(p.y)) for p in region.coordinates),
                alert_duration=max(0.0, float(region.alert_duration)),
                classes=expand_classes(region.detection_classes),
                notification_enabled=region.notification_enabled,
            )
        )
    return rules


@dataclass
class WatchedCamera:
    """A camera the detector knows, with its per-camera analysis state."""

    camera_id: int
    account_uuid: str
    name: str
    model_name: str
    recognition: bool
    zones: ZoneEngine
    tracker: CameraTracker
    stats: CameraStats = field(default_factory=CameraStats)
    subscription: Subscription | None = None
    last_capture_ns: int = 0
    warned_missing: frozenset[str] = frozenset()
    # The last inference's detections (main-stream pixels), held while nothing moves, and the
    # last pixels seen (BGR) with their scale from main-stream pixels, for snapshots.
    held: list[Detected] = field(default_factory=list)
    last_image: np.ndarray | None = None
    last_scale: tuple[float, float] = (1.0, 1.0)
    view_until: float = 0.0  # monotonic: someone watches the annotated stream until then

    def viewed(self) -> bool:
        return self.view_until > time.monotonic()


class CameraDirectory:
    """The cameras from VF_CAMERAS and their frame subscriptions."""

    def __init__(
        self,
        *,
        nc: NATS,
        js: JetStreamContext,
        slots: FrameSlots,
        metrics: DetectorMetrics,
        grace_seconds: float,
        track_buffer_seconds: float,
        same_object_seconds: float = 10.0,
        owns: Callable[[int], bool] | None = None,
        dwells: DwellStore | None = None,
    ) -> None:
        self._nc = nc
        self._js = js
        self._slots = slots
        self._metrics = metrics
        self._grace = grace_seconds
        self._track_buffer = track_buffer_seconds
        self._same_object = same_object_seconds
        self._cameras: dict[int, WatchedCamera] = {}
        self._dwells = dwells
        self.feed = CameraFeed(js, self, owns=owns)
        self._demand: Subscription | None = None

    def _zones(self, rules: tuple[ZoneRule, ...] | list[ZoneRule]) -> ZoneEngine:
        return ZoneEngine(rules, grace_seconds=self._grace, same_object_seconds=self._same_object)

    async def start(self) -> None:
        self._demand = await self._nc.subscribe(subjects.DEMAND_ANNOTATED_ALL, cb=self._on_demand)
        await self.feed.start()

    async def _on_demand(self, msg: Msg) -> None:
        parsed = subjects.parse_demand(msg.subject)
        if parsed is None:
            return
        account_uuid, _, camera_id = parsed
        camera = self._cameras.get(camera_id)
        if camera is not None and camera.account_uuid == account_uuid:
            camera.view_until = time.monotonic() + subjects.DEMAND_LEASE_S

    async def stop(self) -> None:
        if self._demand is not None:
            await self._unsubscribe(self._demand)
            self._demand = None
        await self.feed.stop()
        for camera in list(self._cameras.values()):
            await self._stop_frames(camera)

    def get(self, camera_id: int) -> WatchedCamera | None:
        return self._cameras.get(camera_id)

    def for_account(self, account_uuid: str) -> list[WatchedCamera]:
        return sorted(
            (c for c in self._cameras.values() if c.account_uuid == account_uuid), key=lambda c: c.camera_id
        )

    def recognising(self) -> list[WatchedCamera]:
        return [c for c in self._cameras.values() if c.recognition]

    async def apply(self, change: events_pb2.CameraChanged) -> None:
        """Bring the camera's state in line with one change message."""
        config = change.camera
        camera_id = config.id
        if change.kind == events_pb2.CHANGE_KIND_DELETED:
            camera = self._cameras.pop(camera_id, None)
            if camera is not None:
                await self._stop_frames(camera)
                log.info("camera_id=%s account=%s deleted; not analysed", camera_id, camera.account_uuid)
            if self._dwells is not None:
                await self._dwells.delete(camera_id)
            self._metrics.cameras.set(len(self.recognising()))
            return
        camera = self._cameras.get(camera_id)
        rules = rules_from(config)
        if camera is None:
            camera = WatchedCamera(
                camera_id=camera_id,
                account_uuid=config.account_uuid,
                name=config.name,
                model_name=config.model_name or DEFAULT_MODEL,
                recognition=config.recognition,
                zones=self._zones(rules),
                tracker=CameraTracker(buffer_seconds=self._track_buffer),
            )
            self._cameras[camera_id] = camera
            if self._dwells is not None:
                # Taken over from a replica that stopped: its open dwells go on here.
                camera.zones.seed(await self._dwells.load(camera_id))
        else:
            camera.name = config.name
            camera.model_name = config.model_name or DEFAULT_MODEL
            camera.recognition = config.recognition
            if tuple(rules) != camera.zones.rules:
                camera.zones.replace_rules(rules)
        if camera.recognition:
            await self._start_frames(camera)
        elif camera.subscription is not None:
            await self._stop_frames(camera)
            if self._dwells is not None:
                await self._dwells.delete(camera_id)
        self._metrics.cameras.set(len(self.recognising()))
        log.info(
            "camera_id=%s account=%s recognition=%s model=%s regions=%s",
            camera_id,
            camera.account_uuid,
            camera.recognition,
            camera.model_name,
            len(rules),
        )

    async def release(self, camera_id: int) -> None:
        """The camera now belongs to another detector replica: stop analysing it here."""
        camera = self._cameras.pop(camera_id, None)
        if camera is not None:
            await self._stop_frames(camera)
            log.info("camera_id=%s released to another detector replica", camera_id)
        if self._dwells is not None:
            self._dwells.forget(camera_id)
        self._metrics.cameras.set(len(self.recognising()))

    async def _start_frames(self, camera: WatchedCamera) -> None:
        if camera.subscription is not None:
            return
        camera_id = camera.camera_id
        label = str(camera_id)

        async def on_frame(msg: Msg) -> None:
            current = self._cameras.get(camera_id)
            if current is None or not current.recognition:
                return
            current.stats.frame_in()
            self._metrics.frames_in.labels(label).inc()
            if self._slots.put(frame_from_message(camera_id, msg.data, msg.headers)):
                current.stats.dropped()
                self._metrics.frames_dropped.labels(label).inc()

        camera.subscription = await self._nc.subscribe(
            subjects.frames_detect(camera_id),
            cb=on_frame,
            pending_msgs_limit=_FRAME_PENDING_MSGS,
            pending_bytes_limit=_FRAME_PENDING_BYTES,
        )

    async def _stop_frames(self, camera: WatchedCamera) -> None:
        if camera.subscription is not None:
            await self._unsubscribe(camera.subscription)
            camera.subscription = None
        self._slots.discard(camera.camera_id)
        # Fresh state objects (an analysis in flight keeps the old ones): a camera that comes
        # back starts with new tracks and new dwells.
        camera.tracker = CameraTracker(buffer_seconds=self._track_buffer)
        camera.zones = self._zones(camera.zones.rules)
        camera.last_capture_ns = 0
        camera.held = []
        camera.last_image = None

    async def _unsubscribe(self, subscription: Subscription | JetStreamContext.PushSubscription) -> None:
        try:
            await subscription.unsubscribe()
        except Exception as error:  # noqa: BLE001 - closed or reconnecting connection
            log.debug("unsubscribe failed: %s", error)
