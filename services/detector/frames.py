"""Detect frames from NATS and the one-slot-per-camera holder the batcher reads.

Ingest publishes `vf.frames.detect.<camera_id>` at each camera's detect rate: I420 pixels when
the frame is worth analysing (motion, warm-up, re-check) or someone watches the annotated stream,
and bodiless ticks otherwise (time passed, nothing moved). Other producers may send JPEG bodies
(`Vf-Format: jpeg`); a frame without a reason header asks for inference. The newest frame of a
camera replaces an unanalysed one, but the need for inference survives the replacement.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from dataclasses import dataclass

import cv2
import numpy as np

from services.detector.annotate import decode_jpeg
from visionflow import subjects

FORMAT_JPEG = subjects.FORMAT_JPEG
_INFER_REASONS = frozenset({"motion", "warmup", "recheck"})


@dataclass(frozen=True)
class DetectFrame:
    """One detect frame: pixels (or none, a tick), its capture time and sizes, and what it asks."""

    camera_id: int
    data: bytes
    seq: int
    capture_ns: int
    width: int  # of the pixels in `data`
    height: int
    pixel_format: str = FORMAT_JPEG  # `i420`, `jpeg`, or "" for a tick
    infer: bool = True
    source_width: int = 0  # the main stream's size: regions and published boxes use it
    source_height: int = 0

    @property
    def capture_seconds(self) -> float:
        return self.capture_ns / 1e9

    @property
    def has_pixels(self) -> bool:
        return bool(self.pixel_format) and bool(self.data)

    @property
    def source_size(self) -> tuple[int, int]:
        if self.source_width > 0 and self.source_height > 0:
            return self.source_width, self.source_height
        return self.width, self.height

    def image(self) -> np.ndarray | None:
        """BGR pixels (None for a tick or undecodable data); milliseconds: run off the loop."""
        if not self.has_pixels:
            return None
        if self.pixel_format == subjects.FORMAT_I420:
            expected = self.width * self.height * 3 // 2
            if self.width <= 0 or self.height <= 0 or self.width % 2 or len(self.data) != expected:
                return None
            planes = np.frombuffer(self.data, dtype=np.uint8).reshape(self.height * 3 // 2, self.width)
            return cv2.cvtColor(planes, cv2.COLOR_YUV2BGR_I420)
        return decode_jpeg(self.data)


def _int_header(headers: dict[str, str] | None, name: str, default: int) -> int:
    if not headers or name not in headers:
        return default
    try:
        return int(headers[name])
    except ValueError:
        return default


def frame_from_message(camera_id: int, data: bytes, headers: dict[str, str] | None) -> DetectFrame:
    """Read the frame headers; a frame without a capture time is stamped on arrival."""
    headers = headers or {}
    pixel_format = headers.get(subjects.HDR_FORMAT, FORMAT_JPEG if data else "").lower()
    reason = headers.get(subjects.HDR_REASON, "")
    return DetectFrame(
        camera_id=camera_id,
        data=data,
        seq=_int_header(headers, subjects.HDR_SEQ, 0),
        capture_ns=_int_header(headers, subjects.HDR_CAPTURE_TIME, 0) or time.time_ns(),
        width=_int_header(headers, subjects.HDR_WIDTH, 0),
        height=_int_header(headers, subjects.HDR_HEIGHT, 0),
        pixel_format=pixel_format if data else "",
        infer=bool(data) and (not reason or reason in _INFER_REASONS),
        source_width=_int_header(headers, subjects.HDR_SOURCE_WIDTH, 0),
        source_height=_int_header(headers, subjects.HDR_SOURCE_HEIGHT, 0),
    )


def merged(pending: DetectFrame, new: DetectFrame) -> DetectFrame:
    """What a slot keeps when `new` arrives before `pending` was analysed.

    The newest pixels win, and they are analysed when either frame asked for it; a tick never
    replaces pixels that wait for inference (the next frame brings the time forward anyway).
    """
    if not pending.infer or new.infer:
        return new
    if not new.has_pixels:
        return pending
    return dataclasses.replace(new, infer=True)


class FrameSlots:
    """The newest unanalysed frame of each camera. Used on the event loop only."""

    def __init__(self) -> None:
        self._slots: dict[int, DetectFrame] = {}
        self.ready = asyncio.Event()

    def put(self, frame: DetectFrame) -> bool:
        """Store the frame; True when it replaced one that was never analysed (a drop)."""
        pending = self._slots.get(frame.camera_id)
        self._slots[frame.camera_id] = frame if pending is None else merged(pending, frame)
        self.ready.set()
        return pending is not None

    def take_all(self) -> list[DetectFrame]:
        frames = list(self._slots.values())
        self._slots.clear()
        self.ready.clear()
        return frames

    def discard(self, camera_id: int) -> None:
        self._slots.pop(camera_id, None)

    def __len__(self) -> int:
        return len(self._slots)
