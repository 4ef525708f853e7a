"""Which replicas of a role (ingest, detector) are alive, and which one owns each camera.

Each replica keeps a key `<role>.<member id>` in the JetStream KV bucket `vf-members` fresh: it
puts it every `heartbeat_s` and deletes it when it stops. A member not heard from for `ttl_s` is
gone (the bucket's max age removes its key too). Every replica watches the bucket, so all of
them see the same member list within a heartbeat.

A camera belongs to the live member with the highest rendezvous weight hash(camera, member)
(highest-random-weight hashing): every replica computes the same owner from the same list
without talking to the others, cameras spread evenly, and when a member joins or leaves only the
cameras it gains or loses move. A replica that cannot renew its own key for `ttl_s -
heartbeat_s` owns nothing (it may be cut off from NATS; the others take its cameras over).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import re
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue

from visionflow import bus, subjects

log = logging.getLogger(__name__)

_KEY_CHARS = re.compile(r"[^-_=a-zA-Z0-9]")
_SYNC_TIMEOUT_S = 5.0

OnChange = Callable[[], Awaitable[None]]


def default_member_id(role: str) -> str:
    """`VF_REPLICA_ID` (a pod name, say) or `<host>-<pid>`, made safe for a KV key."""
    chosen = os.environ.get("VF_REPLICA_ID") or f"{socket.gethostname()}-{os.getpid()}"
    return _KEY_CHARS.sub("-", chosen) or role


def rendezvous_weight(camera_id: int, member: str) -> int:
    digest = hashlib.blake2b(f"{camera_id}/{member}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def owner_among(camera_id: int, members: tuple[str, ...] | list[str]) -> str | None:
    """The member that owns the camera (None when there are no members)."""
    if not members:
        return None
    return max(members, key=lambda member: (rendezvous_weight(camera_id, member), member))


class Membership:
    """This replica's membership of its role, and the ownership answers that follow from it."""

    def __init__(
        self,
        js: JetStreamContext,
        role: str,
        *,
        member_id: str | None = None,
        ttl_s: float = 5.0,
        heartbeat_s: float = 1.0,
        replicas: int = 1,
    ) -> None:
        if heartbeat_s <= 0 or ttl_s <= 2 * heartbeat_s:
            raise ValueError("member TTL must be more than twice the heartbeat")
        self._js = js
        self.role = role
        self.member_id = member_id or default_member_id(role)
        self._ttl = ttl_s
        self._heartbeat = heartbeat_s
        self._replicas = replicas
        self._kv: KeyValue | None = None
        self._watcher: KeyValue.KeyWatcher | None = None
        self._seen: dict[str, float] = {}  # member -> monotonic time its key was last put
        self._renewed_at = float("-inf")  # monotonic time of our last successful put
        self._live: tuple[str, ...] = ()
        self._listeners: list[OnChange] = []
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def key(self) -> str:
        return f"{self.role}.{self.member_id}"

    def on_change(self, listener: OnChange) -> None:
        """Call `listener` (awaited, in the membership task) whenever the live list changes."""
        self._listeners.append(listener)

    def members(self) -> tuple[str, ...]:
        """The live members, sorted; empty while this replica itself is not a member."""
        return self._live

    def owner(self, camera_id: int) -> str | None:
        return owner_among(camera_id, self._live)

    def owns(self, camera_id: int) -> bool:
        return self.owner(camera_id) == self.member_id

    async def start(self) -> None:
        """Join, read the current member list, then keep both fresh in a background task."""
        self._kv = await self._bucket()
        await self._renew()
        if self._watcher is None:
            self._watcher = await self._kv.watch(f"{self.role}.*")
        watcher = self._watcher
        with contextlib.suppress(NatsTimeoutError):
            async with asyncio.timeout(_SYNC_TIMEOUT_S):
                while isinstance(entry := await watcher.updates(timeout=_SYNC_TIMEOUT_S), KeyValue.Entry):
                    self._note(entry)
        self._live = self._compute(time.monotonic())
        log.info("joined %s as %s; members: %s", self.role, self.member_id, ", ".join(self._live))
        self._task = asyncio.create_task(self._run(), name=f"membership:{self.role}")

    async def stop(self) -> None:
        """Leave at once (delete the key) so the others take the cameras over without waiting."""
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None
        if self._watcher is not None:
            with contextlib.suppress(Exception):
                await self._watcher.stop()
            self._watcher = None
        if self._kv is not None:
            try:
                await self._kv.delete(self.key)
            except Exception as error:  # noqa: BLE001 - NATS may already be gone
                log.debug("leaving %s failed: %s", self.role, error)
        self._live = ()

    async def _run(self) -> None:
        next_renewal = time.monotonic() + self._heartbeat
        while not self._stopping.is_set():
            wait = max(0.05, min(self._heartbeat, next_renewal - time.monotonic()))
            try:
                if self._watcher is None:
                    await self._rewatch()
                else:
                    entry = await self._watcher.updates(timeout=wait)
                    if isinstance(entry, KeyValue.Entry):
                        self._note(entry)
            except NatsTimeoutError:
                pass
            except Exception as error:  # noqa: BLE001 - a broken watcher: rebuild it
                log.warning("member watch of %s failed: %s", self.role, error)
                await self._rewatch()
            now = time.monotonic()
            if now >= next_renewal:
                await self._renew()
                next_renewal = now + self._heartbeat
            await self._publish_change(self._compute(time.monotonic()))

    async def _rewatch(self) -> None:
        if self._kv is None:
            return
        with contextlib.suppress(Exception):
            if self._watcher is not None:
                await self._watcher.stop()
        self._watcher = None
        try:
            self._watcher = await self._kv.watch(f"{self.role}.*")
        except Exception as error:  # noqa: BLE001 - retried on the next round
            log.warning("member watch of %s not restarted: %s", self.role, error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._heartbeat)

    async def _bucket(self) -> KeyValue:
        return await bus.key_value(
            self._js,
            KeyValueConfig(
                bucket=subjects.MEMBERS_BUCKET,
                history=1,
                ttl=self._ttl,
                storage=StorageType.FILE,
                replicas=self._replicas,
            ),
        )

    async def _renew(self) -> None:
        if self._kv is None:
            return
        try:
            await self._kv.put(self.key, datetime.now(UTC).isoformat().encode())
            self._renewed_at = time.monotonic()
            return
        except Exception as error:  # noqa: BLE001 - disconnected or JetStream unavailable
            log.warning("renewing %s membership of %s failed: %s", self.role, self.member_id, error)
        # A NATS server that lost its store (or a bucket deleted by hand): declare it again.
        try:
            self._kv = await self._bucket()
            await self._kv.put(self.key, datetime.now(UTC).isoformat().encode())
            self._renewed_at = time.monotonic()
            await self._rewatch()
        except Exception as error:  # noqa: BLE001 - still away: the next heartbeat tries again
            log.debug("membership bucket not back yet: %s", error)

    def _note(self, entry: KeyValue.Entry) -> None:
        member = entry.key.split(".", 1)[1] if "." in entry.key else ""
        if not member:
            return
        if entry.operation in (KV_DEL, KV_PURGE):
            self._seen.pop(member, None)
            return
        age = 0.0
        if isinstance(entry.created, datetime):
            age = max(0.0, (datetime.now(UTC) - entry.created).total_seconds())
        self._seen[member] = time.monotonic() - age

    def _compute(self, now: float) -> tuple[str, ...]:
        if now - self._renewed_at > self._ttl - self._heartbeat:
            return ()  # we could not renew our own key: own nothing
        self._seen[self.member_id] = max(self._seen.get(self.member_id, self._renewed_at), self._renewed_at)
        self._seen = {member: seen for member, seen in self._seen.items() if now - seen <= self._ttl}
        return tuple(sorted(self._seen))

    async def _publish_change(self, live: tuple[str, ...]) -> None:
        if live == self._live:
            return
        log.info("%s members now: %s", self.role, ", ".join(live) or "(none: not renewed)")
        self._live = live
        for listener in self._listeners:
            try:
                await listener()
            except Exception:
                log.exception("membership listener failed")
