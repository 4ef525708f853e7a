"""Sliding-window limit on failed logins, per username and per client address.

Failures are stored in the auth database (table `login_failure`), so the limit holds across
restarts and across replicas sharing one database. Keys are SHA-256 hashes: a password typed
into the username field is never stored. An attempt made while limited is refused without
checking the password and is not counted, so the lock lifts when the window has slid past.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from services.auth import store
from visionflow.db import utcnow
from visionflow.errors import ErrorCode, VisionFlowError

RATE_LIMIT_MESSAGE = "Too many failed login attempts; try again later"


@dataclass(frozen=True)
class LoginLimits:
    max_per_username: int
    max_per_address: int
    window_seconds: int


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


class LoginRateLimiter:
    """Synchronous (database) checks: call through `asyncio.to_thread`."""

    def __init__(self, engine: Engine, limits: LoginLimits) -> None:
        self._engine = engine
        self._limits = limits

    def _keys(self, username: str, client_address: str) -> list[tuple[str, int]]:
        keys = [(_key("username", username.lower()), self._limits.max_per_username)]
        if client_address:  # no address (not set by the caller): limit by username only
            keys.append((_key("address", client_address), self._limits.max_per_address))
        return keys

    def check(self, username: str, client_address: str, now: datetime | None = None) -> None:
        """Raise RATE_LIMIT_EXCEEDED (with retry_after seconds) when either key is over its limit."""
        now = now or utcnow()
        window = timedelta(seconds=self._limits.window_seconds)
        retry_after = 0.0
        for key_hash, limit in self._keys(username, client_address):
            newest = store.recent_failures(
                engine=self._engine, key_hash=key_hash, since=now - window, limit=limit
            )
            if len(newest) >= limit:
                # Allowed again once the limit-th newest failure leaves the window.
                retry_after = max(retry_after, (newest[-1] + window - now).total_seconds())
        if retry_after > 0:
            raise VisionFlowError(
                ErrorCode.RATE_LIMIT_EXCEEDED, RATE_LIMIT_MESSAGE, retry_after=max(1, math.ceil(retry_after))
            )

    def record_failure(self, username: str, client_address: str, now: datetime | None = None) -> None:
        now = now or utcnow()
        store.record_failure(
            engine=self._engine,
            key_hashes=[key_hash for key_hash, _ in self._keys(username, client_address)],
            at=now,
            prune_before=now - timedelta(seconds=self._limits.window_seconds),
        )

    def record_success(self, username: str) -> None:
        """A correct password clears the username's failures (the address keeps its count)."""
        store.clear_failures(engine=self._engine, key_hash=_key("username", username.lower()))
