"""Frames handed from a capture thread to the event loop, and the one-slot holder between them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass


@dataclass(frozen=True)
class Frame:
    """One encoded frame, as published and as served by GetSnapshot."""

    jpeg: bytes
    capture_time_ns: int
    width: int
    height: int
    seq: int = 0  # set by the camera's worker: increasing per camera, across reconnects


class FrameSlot:
    """Holds only the newest frame: a new frame replaces one that was not taken yet."""

    def __init__(self) -> None:
        self._frame: Frame | None = None
        self._ready = asyncio.Event()

    def put(self, frame: Frame) -> bool:
        """Store the frame; True when it replaced a frame nobody took (that one is dropped)."""
        replaced = self._frame is not None
        self._frame = frame
        self._ready.set()
        return replaced

    async def take(self) -> Frame:
        while self._frame is None:
            self._ready.clear()
            await self._ready.wait()
        frame, self._frame = self._frame, None
        return frame
