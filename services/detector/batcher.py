"""The analysis loop: newest frame of each camera -> one batched predict per model -> per camera.

Each round takes the newest unanalysed frame of every camera that has one (older ones were
already replaced in their slot and counted as dropped), decodes the JPEGs off the loop, runs
one batched predict per model on that model's executor, then per camera (in worker threads)
tracking, zones, drawing and JPEG encoding; then it publishes and hands alerts to the sender.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from services.detector.alerts import AlertSender, PendingAlert
from services.detector.annotate import decode_jpeg, draw, encode_jpeg
from services.detector.backends import InferenceModel, RawDetections
from services.detector.cameras import CameraDirectory, WatchedCamera
from services.detector.frames import FrameSlots, RawFrame
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
    jpeg: bytes
    encode_ms: float


@dataclass
class _Job:
    camera: WatchedCamera
    frame: RawFrame
    image: np.ndarray
    decode_ms: float


def _decode_all(frames: list[RawFrame]) -> list[tuple[np.ndarray | None, float]]:
    decoded: list[tuple[np.ndarray | None, float]] = []
    for frame in frames:
        started = time.perf_counter()
        image = decode_jpeg(frame.jpeg)
        decoded.append((image, (time.perf_counter() - started) * 1000.0))
    return decoded


def analyse(
    camera: WatchedCamera,
    frame: RawFrame,
    image: np.ndarray,
    raw: RawDetections,
    classes: tuple[str, ...],
    *,
    confidence: float,
    jpeg_quality: int,
) -> Analysis:
    """Tracking, zones, drawing and encoding for one camera's frame (runs in a worker thread)."""
    tracker, zones = camera.tracker, camera.zones
    track_ids = tracker.update(raw, frame.capture_seconds)
    detections = label_detections(raw, track_ids, classes, confidence)
    objects = [
        TrackedObject(d.track_id, d.class_name, d.confidence, d.box) for d in detections if d.track_id > 0
    ]
    alerts = zones.update(frame.capture_seconds, objects)
    started = time.perf_counter()
    jpeg = encode_jpeg(draw(image, detections, zones.rules), jpeg_quality)
    return Analysis(detections, alerts, jpeg, (time.perf_counter() - started) * 1000.0)


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
    ) -> None:
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

    def _current(self, frames: list[RawFrame]) -> list[tuple[WatchedCamera, RawFrame]]:
        current: list[tuple[WatchedCamera, RawFrame]] = []
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

    async def process(self, frames: list[RawFrame]) -> int:
        """One round; returns how many frames were analysed and published."""
        current = self._current(frames)
        if not current:
            return 0
        decoded = await asyncio.to_thread(_decode_all, [frame for _, frame in current])
        groups: dict[str, list[_Job]] = defaultdict(list)
        for (camera, frame), (image, decode_ms) in zip(current, decoded, strict=True):
            if image is None:
                log.warning("camera_id=%s frame seq=%s is not a decodable JPEG", camera.camera_id, frame.seq)
                self._drop(camera)
                continue
            groups[camera.model_name].append(_Job(camera, frame, image, decode_ms))
        rounds = await asyncio.gather(*(self._run_model(name, jobs) for name, jobs in groups.items()))
        return sum(rounds)

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
        raws, inference_ms = await model.predict([job.image for job in jobs], conf)
        self._metrics.inference_seconds.labels(model.name).observe(inference_ms / 1000.0)
        self._metrics.batch_size.labels(model.name).observe(len(jobs))
        analyses = await asyncio.gather(
            *(
                asyncio.to_thread(
                    analyse,
                    job.camera,
                    job.frame,
                    job.image,
                    raw,
                    model.classes,
                    confidence=self._confidence,
                    jpeg_quality=self._quality,
                )
                for job, raw in zip(jobs, raws, strict=True)
            )
        )
        published = 0
        for job, analysis in zip(jobs, analyses, strict=True):
            if self._directory.get(job.camera.camera_id) is not job.camera or not job.camera.recognition:
                continue  # deleted or switched off meanwhile
            await self._publish(job, model, analysis, inference_ms)
            published += 1
        return published

    async def _publish(
        self, job: _Job, model: InferenceModel, analysis: Analysis, inference_ms: float
    ) -> None:
        camera, frame = job.camera, job.frame
        height, width = job.image.shape[:2]
        batch = detection_batch(
            frame,
            width=width,
            height=height,
            model_name=model.name,
            detections=analysis.detections,
            inference_ms=inference_ms,
        )
        await self._publisher.publish(batch, analysis.jpeg)
        camera.stats.frame_out(
            decode_ms=job.decode_ms, inference_ms=inference_ms, encode_ms=analysis.encode_ms
        )
        self._metrics.frames_out.labels(str(camera.camera_id)).inc()
        for alert in analysis.alerts:
            self._alerts.submit(
                PendingAlert(
                    alert=alert,
                    account_uuid=camera.account_uuid,
                    camera_id=camera.camera_id,
                    camera_name=camera.name,
                    capture_ns=frame.capture_ns,
                    snapshot_jpeg=analysis.jpeg,
                )
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
