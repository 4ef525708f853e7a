"""Announces ended sessions on NATS (`vf.access.session.<account_uuid>`, protobuf SessionEnded).

Logout ends one session (a refresh family, the `sid` of its access tokens), LogoutAll every
session of the account. Gateways refuse those access tokens at once instead of letting them run
until they expire, and end the sessions' open streams. The refresh tokens are already revoked in
the database; the announcement only shortens the life of access tokens, so a publish that fails
is logged, never an error for the caller.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from google.protobuf.timestamp_pb2 import Timestamp

from visionflow import subjects
from visionflow.v1 import events_pb2

log = logging.getLogger(__name__)

Publish = Callable[[str, bytes], Awaitable[None]]


def _timestamp(seconds: float) -> Timestamp:
    stamp = Timestamp()
    stamp.FromNanoseconds(int(seconds * 1e9))
    return stamp


class SessionAnnouncer:
    def __init__(self, publish: Publish | None, access_ttl_seconds: int) -> None:
        self._publish = publish
        self._access_ttl_seconds = access_ttl_seconds

    def event(
        self, account_uuid: str, session_id: str, session_ids: list[str], now: float | None = None
    ) -> events_pb2.SessionEnded:
        now = time.time() if now is None else now
        return events_pb2.SessionEnded(
            account_uuid=account_uuid,
            session_id=session_id,
            ended_at=_timestamp(now),
            # An access token signed just before `now` lives at most one TTL more (+1 s of rounding).
            refuse_until=_timestamp(now + self._access_ttl_seconds + 1),
            session_ids=session_ids,
        )

    async def ended(self, account_uuid: str, session_id: str, session_ids: list[str] | None = None) -> None:
        """Announce one ended session, or with `session_id=""` all of them (`session_ids`)."""
        if self._publish is None:
            return
        event = self.event(account_uuid, session_id, session_ids or [])
        try:
            await self._publish(subjects.session_ended(account_uuid), event.SerializeToString())
        except Exception as error:  # noqa: BLE001 - the bus is down: tokens end at their expiry
            log.warning("session end not announced account=%s: %r", account_uuid, error)
