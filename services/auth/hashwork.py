"""Bounded Argon2 work: password hashing is deliberately expensive, so a flood of registrations
(or of logins) must not take every core and starve everyone else's login.

Registrations and logins each get their own lane: a lane runs at most `concurrency` hashes at
once and lets at most `queue` more wait; past that the caller is told to retry (429
`RATE_LIMIT_EXCEEDED`, `Retry-After: 1`) at once instead of piling up. Because the lanes are
separate, a registration flood leaves the login lane untouched.
"""

from __future__ import annotations

from visionflow.worklane import BUSY_MESSAGE, Lane

__all__ = ["BUSY_MESSAGE", "HashWork", "Lane"]


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
