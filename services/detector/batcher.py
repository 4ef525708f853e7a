"""The analysis loop: newest detect frame of each camera -> one batched predict per model.

Each round takes the newest unanalysed frame of every camera that has one (older ones were
already replaced in their slot and counted as dropped) and turns pixels into BGR off the loop.
Frames that ask for inference (motion, warm-up, re-check) go through one batched predict per
model on that model's executor, then per camera (in worker threads) tracking and zones. The
others (ticks, and pixels sent only because someone watches) reuse the camera's last detections:
nothing moved, so what was there is still there, and the dwell clock keeps running without
inference. Annotated JPEGs are drawn only for a viewer or an alert's snapshot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np

from services.detector.alerts import AlertSender, PendingAlert
from services.detector.annotate import draw, encode_jpeg
from services.detector.backends import InferenceModel, RawDetections
from services.detector.cameras import CameraDirectory, WatchedCamera
from services.detector.dwells import DwellStore
from services.detector.frames import DetectFrame, FrameSlots
from services.detector.metrics import DetectorMetrics
from services.detector.modelpool import ModelPool
from services.detector.publisher import FramePublisher, detection_batch
from services.detector.tracking import TRACK_LOW_CONFIDENCE, Detected, label_detections
from services.detector.zones import TrackedObject, ZoneAlert, missing_classes

log = logging.getLogger(__name__)

_CLOCK_RESET_NS = 60 * 1_000_000_000


@dataclass(frozen=True)
class Analysis:
    detections: list[Detected]
    alerts: list[ZoneAlert]
    jpeg: bytes  # empty when nobody needs the annotated frame
    encode_ms: float


@dataclass
class _Job:
    camera: WatchedCamera
    frame: DetectFrame
    image: np.ndarray | None
    decode_ms: float


def _decode_all(frames: list[DetectFrame]) -> list[tuple[np.ndarray | None, float]]:
    decoded: list[tuple[np.ndarray | None, float]] = []
    for frame in frames:
        started = time.perf_counter()
        image = frame.image()
        decoded.append((image, (time.perf_counter() - started) * 1000.0))
    return decoded


def _scale_of(frame: DetectFrame, image: np.ndarray) -> tuple[float, float]:
    """Image pixels per main-stream pixel (regions and boxes are in main-stream pixels)."""
    height, width = image.shape[:2]
    source_width, source_height = frame.source_size
    if source_width <= 0 or source_height <= 0:
        return 1.0, 1.0
    return width / source_width, height / source_height


def _to_source(raw: RawDetections, scale: tuple[float, float]) -> RawDetections:
    if scale == (1.0, 1.0) or not len(raw):
        return raw
    factors = np.array([1 / scale[0], 1 / scale[1], 1 / scale[0], 1 / scale[1]], dtype=np.float32)
    return RawDetections(raw.xyxy * factors, raw.conf, raw.cls)


def _tracked(detections: list[Detected]) -> list[TrackedObject]:
    return [
        TrackedObject(d.track_id, d.class_name, d.confidence, d.box) for d in detections if d.track_id > 0
    ]


def _annotate(
    camera: WatchedCamera, image: np.ndarray, scale: tuple[float, float], quality: int
) -> tuple[bytes, float]:
    started = time.perf_counter()
    jpeg = encode_jpeg(draw(image, camera.held, camera.zones.rules, scale=scale), quality)
    return jpeg, (time.perf_counter() - started) * 1000.0


def analyse(
    camera: WatchedCamera,
    frame: DetectFrame,
    image: np.ndarray,
    raw: RawDetections,
    classes: tuple[str, ...],
    *,
    confidence: float,
    jpeg_quality: int,
    annotate: bool = True,
) -> Analysis:
    """Tracking, zones and (when needed) drawing for one camera's analysed frame (worker thread)."""
    scale = _scale_of(frame, image)
    raw = _to_source(raw, scale)
    track_ids = camera.tracker.update(raw, frame.capture_seconds)
    detections = label_detections(raw, track_ids, classes, confidence)
    camera.held, camera.last_image, camera.last_scale = detections, image, scale
    alerts = camera.zones.update(frame.capture_seconds, _tracked(detections))
    jpeg, encode_ms = _annotate(camera, image, scale, jpeg_quality) if annotate or alerts else (b"", 0.0)
    return Analysis(detections, alerts, jpeg, encode_ms)


def hold(camera: WatchedCamera, frame: DetectFrame, image: np.ndarray | None) -> list[ZoneAlert]:
    """A frame without inference: the last detections stand, the dwell clock advances."""
    if image is not None:
        camera.last_image, camera.last_scale = image, _scale_of(frame, image)
    return camera.zones.update(frame.capture_seconds, _tracked(camera.held))


class Batcher:
    """Runs analysis rounds while frames arrive."""

    def __init__(
        self,
        *,
        slots: FrameSlots,
        directory: CameraDirectory,
        pool: ModelPool,
        publisher: FramePublisher,
        alerts: AlertSender,
        metrics: DetectorMetrics,
        confidence: float,
        jpeg_quality: int,
        dwells: DwellStore | None = None,
    ) -> None:
        self._dwells = dwells
        self._slots = slots
        self._directory = directory
        self._pool = pool
        self._publisher = publisher
        self._alerts = alerts
        self._metrics = metrics
        self._confidence = confidence
        self._quality = jpeg_quality

    async def run(self) -> None:
        while True:
            await self._slots.ready.wait()
            frames = self._slots.take_all()
            try:
                await self.process(frames)
            except Exception:
                # One bad round (a frame the model chokes on) must not stop every camera.
                log.exception("analysis round of %s frames failed; they are dropped", len(frames))
                for frame in frames:
                    camera = self._directory.get(frame.camera_id)
                    if camera is not None:
                        self._drop(camera)

    def _drop(self, camera: WatchedCamera) -> None:
        camera.stats.dropped()
        self._metrics.frames_dropped.labels(str(camera.camera_id)).inc()

    def _current(self, frames: list[DetectFrame]) -> list[tuple[WatchedCamera, DetectFrame]]:
        current: list[tuple[WatchedCamera, DetectFrame]] = []
        for frame in frames:
            camera = self._directory.get(frame.camera_id)
            if camera is None or not camera.recognition:
                continue
            behind = camera.last_capture_ns - frame.capture_ns
            if 0 <= behind < _CLOCK_RESET_NS:  # older than what was analysed: stale
                self._drop(camera)
                continue
            camera.last_capture_ns = frame.capture_ns
            current.append((camera, frame))
        return current

    async def process(self, frames: list[DetectFrame]) -> int:
        """One round; returns how many frames were analysed (inferred or held)."""
        current = self._current(frames)
        if not current:
            return 0
        with_pixels = [frame for _, frame in current if frame.has_pixels]
        images = iter(await asyncio.to_thread(_decode_all, with_pixels) if with_pixels else [])
        # Ticks (no pixels, the common case on a quiet site) never leave the loop: microseconds.
        decoded = [next(images) if frame.has_pixels else (None, 0.0) for _, frame in current]
        groups: dict[str, list[_Job]] = defaultdict(list)
        held: list[_Job] = []
        for (camera, frame), (image, decode_ms) in zip(current, decoded, strict=True):
            if frame.has_pixels and image is None:
                log.warning("camera_id=%s frame seq=%s has undecodable pixels", camera.camera_id, frame.seq)
                self._drop(camera)
                continue
            job = _Job(camera, frame, image, decode_ms)
            if frame.infer and image is not None:
                groups[camera.model_name].append(job)
            else:
                held.append(job)
        rounds = await asyncio.gather(*(self._run_model(name, jobs) for name, jobs in groups.items()))
        return sum(rounds) + await self._hold(held)

    async def _run_model(self, model_name: str, jobs: list[_Job]) -> int:
        try:
            model = await self._pool.get(model_name)
        except Exception:
            log.exception("model %s cannot be loaded; %s frames dropped", model_name, len(jobs))
            for job in jobs:
                self._drop(job.camera)
            return 0
        for job in jobs:
            self._warn_missing_classes(job.camera, model)
        conf = min(self._confidence, TRACK_LOW_CONFIDENCE)
        images = [job.image for job in jobs if job.image is not None]
        raws, inference_ms = await model.predict(images, conf)
        self._metrics.inference_seconds.labels(model.name).observe(inference_ms / 1000.0)
        self._metrics.batch_size.labels(model.name).observe(len(jobs))
        analyses = await asyncio.gather(
            *(
                asyncio.to_thread(
                    analyse,
                    job.camera,
                    job.frame,
                    image,
                    raw,
                    model.classes,
                    confidence=self._confidence,
                    jpeg_quality=self._quality,
                    annotate=job.camera.viewed(),
                )
                for job, image, raw in zip(jobs, images, raws, strict=True)
            )
        )
        published = 0
        for job, analysis in zip(jobs, analyses, strict=True):
            if not self._still_watched(job.camera):
                continue  # deleted or switched off meanwhile
            await self._publish(job, model, analysis, inference_ms)
            published += 1
        return published

    def _still_watched(self, camera: WatchedCamera) -> bool:
        return self._directory.get(camera.camera_id) is camera and camera.recognition

    async def _hold(self, jobs: list[_Job]) -> int:
        for job in jobs:
            camera = job.camera
            alerts = hold(camera, job.frame, job.image)
            image = camera.last_image
            viewer = camera.viewed() and job.image is not None
            jpeg = b""
            if (viewer or alerts) and image is not None:
                jpeg, _ = await asyncio.to_thread(_annotate, camera, image, camera.last_scale, self._quality)
            if not self._still_watched(camera):
                continue
            if viewer and jpeg and image is not None:
                await self._publisher.publish_annotated(camera.account_uuid, job.frame, image, jpeg)
            self._submit_alerts(camera, job.frame, alerts, jpeg)
        return len(jobs)

    async def _publish(
        self, job: _Job, model: InferenceModel, analysis: Analysis, inference_ms: float
    ) -> None:
        camera, frame = job.camera, job.frame
        width, height = frame.source_size
        batch = detection_batch(
            frame,
            width=width,
            height=height,
            model_name=model.name,
            detections=analysis.detections,
            inference_ms=inference_ms,
        )
        await self._publisher.publish(
            camera.account_uuid, batch, analysis.jpeg if camera.viewed() else b"", image=job.image
        )
        camera.stats.frame_out(
            decode_ms=job.decode_ms, inference_ms=inference_ms, encode_ms=analysis.encode_ms
        )
        self._metrics.frames_out.labels(str(camera.camera_id)).inc()
        self._submit_alerts(camera, frame, analysis.alerts, analysis.jpeg)

    def _submit_alerts(
        self, camera: WatchedCamera, frame: DetectFrame, alerts: list[ZoneAlert], jpeg: bytes
    ) -> None:
        """After the zones saw a frame: send its alerts, and note the dwells for a failover."""
        for alert in alerts:
            self._alerts.submit(
                PendingAlert(
                    alert=alert,
                    account_uuid=camera.account_uuid,
                    camera_id=camera.camera_id,
                    camera_name=camera.name,
                    capture_ns=frame.capture_ns,
                    snapshot_jpeg=jpeg,
                )
            )
        if self._dwells is not None:
            # Saved as alerted only once the alert is stored: a crash before that re-raises it.
            self._dwells.note(
                camera.camera_id,
                [
                    replace(dwell, alerted=False)
                    if dwell.alerted
                    and self._alerts.unacked(camera.camera_id, dwell.region_id, dwell.entered_at)
                    else dwell
                    for dwell in camera.zones.open_dwells()
                ],
            )

    def _warn_missing_classes(self, camera: WatchedCamera, model: InferenceModel) -> None:
        missing = missing_classes(camera.zones.rules, model.classes)
        if missing and missing != camera.warned_missing:
            log.warning(
                "camera_id=%s account=%s regions ask for %s, which model %s (%s) cannot detect; "
                "those classes never match. %s",
                camera.camera_id,
                camera.account_uuid,
                ", ".join(sorted(missing)),
                model.name,
                model.loaded_file.name,
                model.weights.note or "",
            )
        camera.warned_missing = missing
