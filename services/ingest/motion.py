"""Cheap motion detection on small grayscale frames, after Frigate's motion detector.

The luma plane of each detect frame is shrunk to `frame_height` rows and blurred. A pixel moves
when it differs by more than `threshold` both from the previous small frame (frame difference:
something changed since the last look) and from a running average of the scene (background:
not just noise around a steady value). The moving pixels are dilated into blobs; blobs of at
least `contour_area` small-frame pixels are motion boxes, scaled back to the frame's pixels.

Slow changes (daylight, clouds) are absorbed by the running average and never cross the
threshold between two looks. A sudden change of most of the frame (lights switched on, the
camera's exposure jumping) is not motion: when more than `lightning_fraction` of the frame
moves, the detector recalibrates on the new frame instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[int, int, int, int]  # x1, y1, x2, y2 in frame pixels
_DILATE_KERNEL = np.ones((3, 3), dtype=np.uint8)


@dataclass(frozen=True)
class MotionOptions:
    frame_height: int = 120
    threshold: int = 25
    contour_area: int = 12
    frame_alpha: float = 0.05
    lightning_fraction: float = 0.6


@dataclass(frozen=True)
class MotionResult:
    boxes: tuple[Box, ...]
    changed_fraction: float  # of the small frame's pixels that moved
    calibrating: bool = False  # first frame, or a sudden change of most of the frame

    @property
    def moving(self) -> bool:
        return bool(self.boxes)


class MotionDetector:
    """Motion boxes of one camera, frame after frame (not thread-safe: one per capture thread)."""

    def __init__(self, options: MotionOptions | None = None) -> None:
        self.options = options or MotionOptions()
        self._average: np.ndarray | None = None  # float32 running average of the scene
        self._previous: np.ndarray | None = None

    def reset(self) -> None:
        self._average = None
        self._previous = None

    def _small(self, luma: np.ndarray) -> np.ndarray:
        height, width = luma.shape[:2]
        small_height = min(self.options.frame_height, height)
        small_width = max(1, round(width * small_height / height))
        small = cv2.resize(luma, (small_width, small_height), interpolation=cv2.INTER_AREA)
        return cv2.GaussianBlur(small, (3, 3), 0)

    def detect(self, luma: np.ndarray) -> MotionResult:
        """Motion in a grayscale (luma) frame compared with the frames seen before."""
        small = self._small(luma)
        if self._average is None or self._previous is None or self._previous.shape != small.shape:
            self._average = small.astype(np.float32)
            self._previous = small
            return MotionResult((), 0.0, calibrating=True)
        threshold = self.options.threshold
        background = cv2.convertScaleAbs(self._average)
        moved = (cv2.absdiff(small, self._previous) > threshold) & (
            cv2.absdiff(small, background) > threshold
        )
        self._previous = small
        fraction = float(np.count_nonzero(moved)) / moved.size
        if fraction > self.options.lightning_fraction:
            self._average = small.astype(np.float32)
            return MotionResult((), fraction, calibrating=True)
        cv2.accumulateWeighted(small, self._average, self.options.frame_alpha)
        if not fraction:
            return MotionResult((), 0.0)
        mask = cv2.dilate(moved.astype(np.uint8) * 255, _DILATE_KERNEL, iterations=2)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        scale = luma.shape[0] / small.shape[0]
        boxes: list[Box] = []
        for contour in contours:
            if cv2.contourArea(contour) < self.options.contour_area:
                continue
            x, y, w, h = cv2.boundingRect(contour)
            boxes.append((round(x * scale), round(y * scale), round((x + w) * scale), round((y + h) * scale)))
        return MotionResult(tuple(boxes), fraction)
