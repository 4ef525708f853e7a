"""Frames handed from a capture thread to the event loop, and the one-slot holder between them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from services.ingest.detectframes import Reason

if TYPE_CHECKING:
    from services.ingest.capture import DetectCaptured


@dataclass(frozen=True)
class Frame:
    """One encoded frame, as published and as served by GetSnapshot."""

    jpeg: bytes
    capture_time_ns: int
    width: int
    height: int
    seq: int = 0  # set by the camera's worker: increasing per camera, across reconnects


@dataclass(frozen=True)
class DetectFrame:
    """A detect frame as published on `vf.frames.detect.<id>` (see `subjects.HDR_REASON`)."""

    seq: int
    capture_time_ns: int
    width: int
    height: int
    source_width: int
    source_height: int
    reason: Reason
    i420: bytes | None

    @classmethod
    def of(cls, event: DetectCaptured, *, seq: int, source_size: tuple[int, int]) -> DetectFrame:
        source = (event.source_width, event.source_height) if event.source_width else source_size
        if not source[0]:
            source = (event.width, event.height)
        return cls(
            seq=seq,
            capture_time_ns=event.capture_time_ns,
            width=event.width,
            height=event.height,
            source_width=source[0],
            source_height=source[1],
            reason=event.reason,
            i420=event.i420,
        )

    @staticmethod
    def outranks(pending: DetectFrame, new: DetectFrame) -> bool:
        """Keep a frame that asks for inference rather than replace it with one that does not."""
        return pending.reason.infer and not new.reason.infer


T = TypeVar("T")


class LatestSlot(Generic[T]):
    """Holds only the newest item: a new one replaces one that was not taken yet.

    `keep(pending, new)`, when given, may keep the pending item instead (the new one is dropped).
    """

    def __init__(self, keep: Callable[[T, T], bool] | None = None) -> None:
        self._item: T | None = None
        self._keep = keep
        self._ready = asyncio.Event()

    def put(self, item: T) -> bool:
        """Store the item; True when an item was dropped (the replaced or the refused one)."""
        pending = self._item
        if pending is not None and self._keep is not None and self._keep(pending, item):
            return True
        self._item = item
        self._ready.set()
        return pending is not None

    async def take(self) -> T:
        while self._item is None:
            self._ready.clear()
            await self._ready.wait()
        item, self._item = self._item, None
        return item
