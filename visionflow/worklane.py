"""A bounded lane for expensive CPU work run off the event loop (password hashing, mask images):
at most `concurrency` jobs at once and `queue` more waiting; past that the caller is told at once
to retry (429 `RATE_LIMIT_EXCEEDED`, `Retry-After: 1`) instead of piling up."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from visionflow.errors import ErrorCode, VisionFlowError

T = TypeVar("T")

BUSY_MESSAGE = "The server is busy; try again in a moment"


class Lane:
    """At most `concurrency` jobs at once, `queue` more waiting."""

    def __init__(self, name: str, *, concurrency: int, queue: int) -> None:
        self.name = name
        self._running = asyncio.Semaphore(concurrency)
        self._capacity = concurrency + queue
        self._admitted = 0

    @property
    def admitted(self) -> int:
        return self._admitted

    async def run(self, work: Callable[[], T]) -> T:
        if self._admitted >= self._capacity:
            raise VisionFlowError(ErrorCode.RATE_LIMIT_EXCEEDED, BUSY_MESSAGE, retry_after=1)
        self._admitted += 1
        try:
            async with self._running:
                return await asyncio.to_thread(work)
        finally:
            self._admitted -= 1
