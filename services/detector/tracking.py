"""Per-camera tracking: one Ultralytics BYTETracker per camera, fed with that camera's detections.

Frames of many cameras must never share a tracker (their ids would mix), so the batcher predicts
in batches and each camera's detections go through its own tracker, like `trackers/track.py`
does for one stream. A lost track is kept for `buffer_seconds`, converted into frames with the
camera's measured processing rate (BYTETracker counts frames, and frames get dropped).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from services.detector.backends import RawDetections, prepare_ultralytics

# BYTETracker's association needs the low-confidence boxes too (as `model.track` predicts at 0.1).
TRACK_LOW_CONFIDENCE = 0.1
_FPS_SMOOTHING = 0.2


@dataclass(frozen=True)
class Detected:
    """One published detection: class, confidence, box in pixels, track id (0 = unconfirmed)."""

    class_id: int
    class_name: str
    confidence: float
    box: tuple[float, float, float, float]
    track_id: int


class _TrackerInput:
    """The slice of `ultralytics.engine.results.Boxes` that BYTETracker reads, over numpy arrays."""

    def __init__(self, xyxy: np.ndarray, conf: np.ndarray, cls: np.ndarray) -> None:
        self.xyxy = xyxy
        self.conf = conf
        self.cls = cls

    @property
    def xywh(self) -> np.ndarray:
        xywh = np.empty_like(self.xyxy)
        xywh[:, 0] = (self.xyxy[:, 0] + self.xyxy[:, 2]) / 2
        xywh[:, 1] = (self.xyxy[:, 1] + self.xyxy[:, 3]) / 2
        xywh[:, 2] = self.xyxy[:, 2] - self.xyxy[:, 0]
        xywh[:, 3] = self.xyxy[:, 3] - self.xyxy[:, 1]
        return xywh

    def __len__(self) -> int:
        return len(self.conf)

    def __getitem__(self, index: Any) -> _TrackerInput:
        return _TrackerInput(self.xyxy[index], self.conf[index], self.cls[index])


def _bytetrack_args() -> Any:
    prepare_ultralytics()
    from ultralytics.utils import ROOT, YAML, IterableSimpleNamespace

    return IterableSimpleNamespace(**YAML.load(ROOT / "cfg" / "trackers" / "bytetrack.yaml"))


class CameraTracker:
    """Track ids for one camera's detections, frame after frame."""

    def __init__(self, *, buffer_seconds: float = 1.0, initial_fps: float = 10.0) -> None:
        prepare_ultralytics()
        from ultralytics.trackers.byte_tracker import BYTETracker

        self._tracker = BYTETracker(_bytetrack_args())
        self._buffer_seconds = buffer_seconds
        self._fps = initial_fps
        self._last_timestamp: float | None = None
        self._apply_buffer()

    @property
    def frame_rate(self) -> float:
        """The measured processing rate of this camera (frames per capture-time second)."""
        return self._fps

    def _apply_buffer(self) -> None:
        self._tracker.max_frames_lost = max(1, round(self._buffer_seconds * self._fps))

    def _observe_rate(self, timestamp: float) -> None:
        if self._last_timestamp is not None and timestamp > self._last_timestamp:
            instant = 1.0 / (timestamp - self._last_timestamp)
            self._fps += _FPS_SMOOTHING * (instant - self._fps)
            self._apply_buffer()
        self._last_timestamp = timestamp

    def update(self, detections: RawDetections, timestamp: float) -> np.ndarray:
        """Track ids aligned with `detections` (0 where no confirmed track holds the box)."""
        self._observe_rate(timestamp)
        ids = np.zeros(len(detections), dtype=np.int64)
        tracks = self._tracker.update(
            _TrackerInput(detections.xyxy, detections.conf, detections.cls.astype(np.float32))
        )
        for row in tracks:
            index = int(row[-1])
            if 0 <= index < len(ids):
                ids[index] = int(row[4])
        return ids

    def reset(self) -> None:
        self._tracker.reset()
        self._last_timestamp = None


def label_detections(
    detections: RawDetections,
    track_ids: np.ndarray,
    class_names: tuple[str, ...],
    min_confidence: float,
) -> list[Detected]:
    """The detections to publish: those at or above `min_confidence`, with their track ids."""
    labelled: list[Detected] = []
    for index in range(len(detections)):
        confidence = float(detections.conf[index])
        if confidence < min_confidence:
            continue
        class_id = int(detections.cls[index])
        x1, y1, x2, y2 = (float(v) for v in detections.xyxy[index])
        labelled.append(
            Detected(
                class_id=class_id,
                class_name=class_names[class_id] if 0 <= class_id < len(class_names) else str(class_id),
                confidence=confidence,
                box=(x1, y1, x2, y2),
                track_id=int(track_ids[index]),
            )
        )
    return labelled
