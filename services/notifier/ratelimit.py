"""Per-account limit on outgoing messages: a token bucket that says how long to wait, never drops."""

from __future__ import annotations

import time
from collections.abc import Callable


class AccountRateLimiter:
    """Allows `per_minute` messages per account per minute, with bursts up to that many."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._capacity = float(per_minute)
        self._refill_per_s = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # account -> (tokens, updated at)

    def reserve(self, account_uuid: str) -> float:
        """Take one message slot: 0 when it may go now, else the seconds until a slot frees up."""
        now = self._clock()
        tokens, updated = self._buckets.get(account_uuid, (self._capacity, now))
        tokens = min(self._capacity, tokens + (now - updated) * self._refill_per_s)
        if tokens >= 1.0:
            self._buckets[account_uuid] = (tokens - 1.0, now)
            return 0.0
        self._buckets[account_uuid] = (tokens, now)
        return (1.0 - tokens) / self._refill_per_s
