"""Per-account limit on outgoing messages, shared by every notifier replica: it says how long to
wait, never drops.

The budget is `per_minute` messages per account per calendar minute, counted in the database
(table `send_window`, one row per account and minute) with one atomic upsert per message, so N
replicas together allow the limit once, not N times. A message over the budget waits for the
next minute. Rows of past minutes are pruned now and then.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from services.notifier.models import SendWindow

_PRUNE_EVERY_S = 300.0


class AccountRateLimiter:
    """Allows `per_minute` messages per account in each minute, across all replicas."""

    def __init__(self, engine: Engine, per_minute: int, *, clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self._limit = per_minute
        self._clock = clock
        self._pruned_at = float("-inf")
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    def reserve(self, account_uuid: str) -> float:
        """Take one message slot: 0 when it may go now, else the seconds until the next minute.

        Blocking (database I/O): call it from a worker thread."""
        now = self._clock()
        minute = int(now // 60)
        table = SendWindow.__table__  # type: ignore[attr-defined]
        statement = (
            self._insert(table)
            .values(account_uuid=account_uuid, minute=minute, sent=1)
            .on_conflict_do_update(index_elements=["account_uuid", "minute"], set_={"sent": table.c.sent + 1})
            .returning(table.c.sent)
        )
        with self._engine.begin() as connection:
            sent = int(connection.execute(statement).scalar_one())
            if now - self._pruned_at >= _PRUNE_EVERY_S:
                connection.execute(delete(table).where(table.c.minute < minute - 1))
                self._pruned_at = now
        if sent <= self._limit:
            return 0.0
        return (minute + 1) * 60 - now
