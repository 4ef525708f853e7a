"""Raw frames from NATS and the one-slot-per-camera holder the batcher reads (latest frame wins)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from visionflow import subjects


@dataclass(frozen=True)
class RawFrame:
    """A JPEG frame as ingest published it on `vf.frames.raw.<camera_id>`."""

    camera_id: int
    jpeg: bytes
    seq: int
    capture_ns: int
    width: int
    height: int

    @property
    def capture_seconds(self) -> float:
        return self.capture_ns / 1e9


def _int_header(headers: dict[str, str] | None, name: str, default: int) -> int:
    if not headers or name not in headers:
        return default
    try:
        return int(headers[name])
    except ValueError:
        return default


def frame_from_message(camera_id: int, data: bytes, headers: dict[str, str] | None) -> RawFrame:
    """Read the frame headers; a frame without a capture time is stamped on arrival."""
    return RawFrame(
        camera_id=camera_id,
        jpeg=data,
        seq=_int_header(headers, subjects.HDR_SEQ, 0),
        capture_ns=_int_header(headers, subjects.HDR_CAPTURE_TIME, 0) or time.time_ns(),
        width=_int_header(headers, subjects.HDR_WIDTH, 0),
        height=_int_header(headers, subjects.HDR_HEIGHT, 0),
    )


class FrameSlots:
    """The newest unanalysed frame of each camera. Used on the event loop only."""

    def __init__(self) -> None:
        self._slots: dict[int, RawFrame] = {}
        self.ready = asyncio.Event()

    def put(self, frame: RawFrame) -> bool:
        """Store the frame; True when it replaced one that was never analysed (a drop)."""
        replaced = frame.camera_id in self._slots
        self._slots[frame.camera_id] = frame
        self.ready.set()
        return replaced

    def take_all(self) -> list[RawFrame]:
        frames = list(self._slots.values())
        self._slots.clear()
        self.ready.clear()
        return frames

    def discard(self, camera_id: int) -> None:
        self._slots.pop(camera_id, None)

    def __len__(self) -> int:
        return len(self._slots)
