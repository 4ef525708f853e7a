"""Sliding-window limits on logins (per username and per client address) and on registrations
(per client address).

Attempts are stored in the auth database (table `login_failure`), so the limits hold across
restarts and across replicas sharing one database. Keys are SHA-256 hashes: a password typed
into the username field is never stored.

Check and count are one step (`store.reserve_attempts`): an attempt is counted *before* the
password is checked, in a transaction serialised per key, so N parallel wrong passwords cannot
all pass the check before any of them is counted. A right password uncounts its attempt and
clears the username's failures. An attempt made while limited is refused without checking the
password and is not counted, so the lock lifts when the window has slid past.
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
REGISTRATION_LIMIT_MESSAGE = "Too many registrations from this address; try again later"
REGISTRATION_WINDOW_S = 3600


@dataclass(frozen=True)
class LoginLimits:
    max_per_username: int
    max_per_address: int
    window_seconds: int
    registrations_per_hour: int = 10


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def _refuse(message: str, retry_after_s: float) -> VisionFlowError:
    return VisionFlowError(
        ErrorCode.RATE_LIMIT_EXCEEDED, message, retry_after=max(1, math.ceil(retry_after_s))
    )


class LoginRateLimiter:
    """Synchronous (database) calls: run them through `asyncio.to_thread`."""

    def __init__(self, engine: Engine, limits: LoginLimits) -> None:
        self._engine = engine
        self._limits = limits

    @property
    def longest_window_s(self) -> int:
        """How long attempts must be kept (for the prune loop)."""
        return max(self._limits.window_seconds, REGISTRATION_WINDOW_S)

    def _keys(self, username: str, client_address: str) -> list[tuple[str, int]]:
        keys = [(_key("username", username.lower()), self._limits.max_per_username)]
        if client_address:  # no address (not set by the caller): limit by username only
            keys.append((_key("address", client_address), self._limits.max_per_address))
        return keys

    def begin_login(self, username: str, client_address: str, now: datetime | None = None) -> list[int]:
        """Count a login attempt as failed until `succeeded`; RATE_LIMIT_EXCEEDED (with
        `retry_after` seconds) when the username or the address already used its budget."""
        now = now or utcnow()
        reservation = store.reserve_attempts(
            engine=self._engine,
            keys=self._keys(username, client_address),
            at=now,
            since=now - timedelta(seconds=self._limits.window_seconds),
        )
        if not reservation.ids:
            raise _refuse(RATE_LIMIT_MESSAGE, reservation.retry_after_s)
        return reservation.ids

    def succeeded(self, attempt: list[int], username: str) -> None:
        """A right password: uncount the attempt and clear the username's failures (the address
        keeps the failures it made)."""
        store.release_attempts(engine=self._engine, ids=attempt)
        store.clear_failures(engine=self._engine, key_hash=_key("username", username.lower()))

    def abandoned(self, attempt: list[int]) -> None:
        """The attempt never checked a password (e.g. the hashing lane was full): uncount it."""
        store.release_attempts(engine=self._engine, ids=attempt)

    def begin_registration(self, client_address: str, now: datetime | None = None) -> list[int]:
        """Count a registration from `client_address`; RATE_LIMIT_EXCEEDED past the hourly limit."""
        if not client_address:
            return []
        now = now or utcnow()
        reservation = store.reserve_attempts(
            engine=self._engine,
            keys=[(_key("register", client_address), self._limits.registrations_per_hour)],
            at=now,
            since=now - timedelta(seconds=REGISTRATION_WINDOW_S),
        )
        if not reservation.ids:
            raise _refuse(REGISTRATION_LIMIT_MESSAGE, reservation.retry_after_s)
        return reservation.ids
