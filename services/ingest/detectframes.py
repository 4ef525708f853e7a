"""Detect frames: what ingest hands the detector, and when it sends pixels rather than a tick.

At the camera's detect rate, every frame's luma goes through the motion detector. The gate then
decides: pixels for inference (motion, the first second after a (re)connect, a re-check of a
still scene now and then, or a sudden change of the whole frame), pixels without the need to
infer (someone watches the annotated stream), or a tick (no body: time passed, nothing moved,
so tracked objects stay where they are). Pixels travel as I420 (the decoder's own layout, no
colour conversion and no JPEG) at most `max_side` pixels on the longer side.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import av.video.frame
import numpy as np

from services.ingest.motion import MotionResult

_PLANAR_420 = frozenset({"yuv420p", "yuvj420p"})


class Reason(StrEnum):
    """Why a detect frame was sent (header `Vf-Reason`); the first three ask for inference."""

    MOTION = "motion"
    WARMUP = "warmup"
    RECHECK = "recheck"
    VIEW = "view"
    TICK = "tick"

    @property
    def infer(self) -> bool:
        return self in (Reason.MOTION, Reason.WARMUP, Reason.RECHECK)


@dataclass(frozen=True)
class DetectOptions:
    max_side: int = 640
    warmup_s: float = 1.0
    recheck_s: float = 10.0


class DetectGate:
    """Chooses the reason for each detect frame of one capture session (capture-time seconds)."""

    def __init__(self, options: DetectOptions) -> None:
        self._options = options
        self._started: float | None = None
        self._last_inference: float | None = None

    def decide(self, capture_time: float, motion: MotionResult, *, viewing: bool) -> Reason:
        if self._started is None or capture_time < self._started:
            self._started = capture_time
        if capture_time - self._started < self._options.warmup_s:
            reason = Reason.WARMUP
        elif motion.moving:
            reason = Reason.MOTION
        elif motion.calibrating or (
            self._last_inference is None or capture_time - self._last_inference >= self._options.recheck_s
        ):
            reason = Reason.RECHECK
        else:
            reason = Reason.VIEW if viewing else Reason.TICK
        if reason.infer:
            self._last_inference = capture_time
        return reason


def detect_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The frame's size scaled to fit `max_side`, both sides even (I420 needs that)."""
    scale = min(1.0, max_side / max(width, height)) if max_side > 0 else 1.0
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def luma_of(frame: av.video.frame.VideoFrame) -> np.ndarray:
    """The frame's grayscale plane: a view of the decoder's Y plane when it is planar 4:2:0."""
    if frame.format.name in _PLANAR_420:
        plane = frame.planes[0]
        rows = np.frombuffer(memoryview(plane), dtype=np.uint8).reshape(frame.height, plane.line_size)
        return rows[:, : frame.width]
    return frame.to_ndarray(format="gray")


def i420_of(frame: av.video.frame.VideoFrame, width: int, height: int) -> bytes:
    """The frame as I420 bytes at `width` x `height` (scaled by FFmpeg when the size differs)."""
    if (frame.width, frame.height) != (width, height) or frame.format.name not in _PLANAR_420:
        frame = frame.reformat(width=width, height=height, format="yuv420p")
    return frame.to_ndarray(format="yuv420p").tobytes()
