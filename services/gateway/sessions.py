"""Ended sessions: access tokens the gateway refuses before they expire.

The auth service announces every Logout (one session, the token's `sid`) and LogoutAll (every
session of the account) on `vf.access.session.<account_uuid>`. The gateway subscribes once and
remembers each ended session until `refuse_until`, when its access tokens would have expired
anyway; the memory is therefore bounded by the logouts of one access-token lifetime, and capped
(`max_entries`, oldest dropped first) against a flood. "All sessions" also refuses tokens without
a `sid` (signed before sessions were named) that were issued before the logout.

Open MJPEG streams ask `ended(principal)` on every frame, so they stop within a frame interval
(or one idle wait) of the announcement.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Any

from google.protobuf.message import DecodeError

from visionflow import subjects
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.tokens import Principal
from visionflow.v1 import events_pb2

log = logging.getLogger(__name__)

ENDED_MESSAGE = "This session has been logged out"
MAX_ENTRIES = 100_000


class EndedSessions:
    """Ended sessions by (account, session id), and accounts logged out everywhere."""

    def __init__(self, *, max_entries: int = MAX_ENTRIES) -> None:
        self._max_entries = max_entries
        self._sessions: OrderedDict[tuple[str, str], float] = OrderedDict()  # -> refuse_until
        self._accounts: dict[str, tuple[float, float]] = {}  # -> (ended_at, refuse_until)
        self._subscription: Any = None

    def record(self, event: events_pb2.SessionEnded, now: float | None = None) -> None:
        now = time.time() if now is None else now
        until = event.refuse_until.ToNanoseconds() / 1e9
        if until <= now or not event.account_uuid:
            return
        ids = [event.session_id] if event.session_id else list(event.session_ids)
        for session_id in ids:
            key = (event.account_uuid, session_id)
            self._sessions[key] = until
            self._sessions.move_to_end(key)
        if not event.session_id:
            self._accounts[event.account_uuid] = (event.ended_at.ToNanoseconds() / 1e9, until)
        self._prune(now)

    def _prune(self, now: float) -> None:
        while self._sessions:
            key, until = next(iter(self._sessions.items()))
            if until > now and len(self._sessions) <= self._max_entries:
                break
            del self._sessions[key]
        for account, (_ended, until) in list(self._accounts.items()):
            if until <= now:
                del self._accounts[account]
        while len(self._accounts) > self._max_entries:
            del self._accounts[next(iter(self._accounts))]

    def ended(self, principal: Principal, now: float | None = None) -> bool:
        """Whether the token's session was logged out (and the token is not newer than that)."""
        now = time.time() if now is None else now
        until = self._sessions.get((principal.account_uuid, principal.session_id))
        if principal.session_id and until is not None and until > now:
            return True
        everywhere = self._accounts.get(principal.account_uuid)
        if everywhere is None or everywhere[1] <= now or principal.session_id:
            return False
        return principal.issued_at <= everywhere[0]  # an old token without `sid`, from before

    def check(self, principal: Principal) -> None:
        if self.ended(principal):
            raise VisionFlowError(ErrorCode.INVALID_TOKEN, ENDED_MESSAGE)

    async def on_message(self, msg: Any) -> None:
        try:
            event = events_pb2.SessionEnded.FromString(msg.data)
        except DecodeError:
            log.warning("undecodable session-ended message on %s", msg.subject)
            return
        self.record(event)
        log.info("session ended account=%s session=%s", event.account_uuid, event.session_id or "all")

    async def start(self, nc: Any) -> None:
        self._subscription = await nc.subscribe(subjects.SESSION_ENDED_ALL, cb=self.on_message)
        await nc.flush()

    async def stop(self) -> None:
        if self._subscription is not None:
            try:
                await self._subscription.unsubscribe()
            except Exception as error:  # noqa: BLE001 - the connection is closing anyway
                log.debug("unsubscribe failed: %s", error)
            self._subscription = None
