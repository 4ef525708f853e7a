"""Bounded Argon2 work: password hashing is deliberately expensive, so a flood of registrations
(or of logins) must not take every core and starve everyone else's login.

Registrations and logins each get their own lane: a lane runs at most `concurrency` hashes at
once and lets at most `queue` more wait; past that the caller is told to retry (429
`RATE_LIMIT_EXCEEDED`, `Retry-After: 1`) at once instead of piling up. Because the lanes are
separate, a registration flood leaves the login lane untouched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from visionflow.errors import ErrorCode, VisionFlowError

T = TypeVar("T")

BUSY_MESSAGE = "The server is busy; try again in a moment"


class Lane:
    """At most `concurrency` hashes at once, `queue` more waiting."""

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


class HashWork:
    """The two lanes of the auth service."""

    def __init__(
        self,
        *,
        login_concurrency: int,
        login_queue: int,
        register_concurrency: int = 1,
        register_queue: int = 8,
    ) -> None:
        self.logins = Lane("login", concurrency=login_concurrency, queue=login_queue)
        self.registrations = Lane("register", concurrency=register_concurrency, queue=register_queue)
