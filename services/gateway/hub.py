"""Live frames for MJPEG viewers: one NATS subscription per subject, shared by every viewer.

Each subject has a `LatestFrame` slot that the subscription overwrites; a viewer waits for a
version newer than the one it sent last, so a slow viewer skips frames instead of queueing them,
and never delays anyone else. The subscription is dropped when the last viewer leaves.

Frames are made on demand: while a feed of `vf.frames.<kind>.<id>` is open, the hub publishes
on `vf.demand.<kind>.<id>` at once and every `subjects.DEMAND_RENEW_S`, which keeps ingest (raw)
and the detector (annotated) producing them for `subjects.DEMAND_LEASE_S` more.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from visionflow import subjects

log = logging.getLogger(__name__)


class HubClosed(Exception):
    """The hub is shutting down; viewers end their streams."""


@dataclass(frozen=True)
class Frame:
    """A JPEG frame and its capture time (ns since the epoch; 0 when the publisher gave none)."""

    jpeg: bytes
    capture_ns: int = 0


def frame_of(msg: Any) -> Frame:
    """A `Frame` from a NATS frame message (`Vf-Capture-Time` header, see subjects.py)."""
    stamp = (msg.headers or {}).get(subjects.HDR_CAPTURE_TIME, "")
    return Frame(bytes(msg.data), int(stamp) if stamp.isdigit() else 0)


class LatestFrame:
    """A one-slot holder of the newest frame with a version counter."""

    def __init__(self) -> None:
        self._frame: Frame | None = None
        self._version = 0
        self._changed = asyncio.Event()
        self._closed = False
        self._nudges = 0

    @property
    def version(self) -> int:
        return self._version

    @property
    def frame(self) -> Frame | None:
        return self._frame

    def publish(self, frame: Frame) -> None:
        """Replace the frame and wake every waiting viewer (call on the event loop)."""
        self._frame = frame
        self._version += 1
        self._wake()

    def close(self) -> None:
        self._closed = True
        self._wake()

    @property
    def nudges(self) -> int:
        """How often access to this feed's camera changed (a relay re-checks when it grows)."""
        return self._nudges

    def nudge(self) -> None:
        """Access changed: `next(..., nudges=n)` with an older count returns None at once."""
        self._nudges += 1
        self._wake()

    def _wake(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def next(
        self, after: int, timeout: float | None = None, *, nudges: int | None = None
    ) -> tuple[int, Frame] | None:
        """The newest frame with a version above `after`; None when `timeout` passes first, or
        when the feed was nudged since the caller's count `nudges`."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            if self._closed:
                raise HubClosed
            if self._version > after and self._frame is not None:
                return self._version, self._frame
            if nudges is not None and self._nudges != nudges:
                return None
            changed = self._changed
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return None
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                return None


class Subscriber(Protocol):
    """The part of a NATS client the hub needs (nats.aio.client.Client fits)."""

    async def subscribe(self, subject: str, *, cb: Callable[[Any], Awaitable[None]]) -> Any: ...

    async def publish(self, subject: str, payload: bytes = b"") -> None: ...


@dataclass
class _Feed:
    slot: LatestFrame = field(default_factory=LatestFrame)
    viewers: int = 0
    subscription: Any = None
    demand: asyncio.Task[None] | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)


async def _renew_demand(nc: Subscriber, subject: str, stop: asyncio.Event) -> None:
    """Ask for the feed's frames until `stop` is set (an event, not cancel(): see nats-py)."""
    while not stop.is_set():
        try:
            await nc.publish(subject, b"")
        except Exception as error:  # noqa: BLE001 - reconnecting: the next round asks again
            log.debug("demand not published subject=%s: %s", subject, error)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), subjects.DEMAND_RENEW_S)


class FrameHub:
    """Shares one subscription per subject among all viewers, with reference counting."""

    def __init__(self, nc: Subscriber) -> None:
        self._nc = nc
        self._feeds: dict[str, _Feed] = {}
        self._lock = asyncio.Lock()
        self._closed = False

    def viewers(self, subject: str) -> int:
        feed = self._feeds.get(subject)
        return feed.viewers if feed else 0

    @property
    def subjects(self) -> list[str]:
        return list(self._feeds)

    @contextlib.asynccontextmanager
    async def watch(self, subject: str) -> AsyncIterator[LatestFrame]:
        """Join the feed of `subject` (subscribing if first) for the duration of the block."""
        feed = await self._join(subject)
        try:
            yield feed.slot
        finally:
            await asyncio.shield(self._leave(subject, feed))

    async def _join(self, subject: str) -> _Feed:
        async with self._lock:
            if self._closed:
                raise HubClosed
            feed = self._feeds.get(subject)
            if feed is None:
                feed = _Feed()
                slot = feed.slot

                async def on_frame(msg: Any) -> None:
                    slot.publish(frame_of(msg))

                feed.subscription = await self._nc.subscribe(subject, cb=on_frame)
                demand = subjects.demand_for(subject)
                if demand is not None:
                    feed.demand = asyncio.create_task(_renew_demand(self._nc, demand, feed.stop))
                self._feeds[subject] = feed
                log.info("frame feed opened subject=%s", subject)
            feed.viewers += 1
            return feed

    async def _leave(self, subject: str, feed: _Feed) -> None:
        async with self._lock:
            feed.viewers -= 1
            if feed.viewers > 0 or self._feeds.get(subject) is not feed:
                return
            del self._feeds[subject]
            await _close_feed(feed)
            log.info("frame feed closed subject=%s", subject)

    def nudge_camera(self, camera_id: int) -> int:
        """Wake the viewers of every feed of this camera to re-check access; how many feeds."""
        woken = 0
        for subject, feed in list(self._feeds.items()):
            try:
                matches = subjects.camera_id_of(subject) == camera_id
            except ValueError:
                continue
            if matches:
                feed.slot.nudge()
                woken += 1
        return woken

    async def close(self) -> None:
        """End every viewer's stream and drop every subscription."""
        async with self._lock:
            self._closed = True
            feeds, self._feeds = self._feeds, {}
        for feed in feeds.values():
            feed.slot.close()
            await _close_feed(feed)


async def _close_feed(feed: _Feed) -> None:
    feed.stop.set()
    if feed.demand is not None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(feed.demand), 5.0)
    await _unsubscribe(feed.subscription)


async def _unsubscribe(subscription: Any) -> None:
    if subscription is None:
        return
    try:
        await subscription.unsubscribe()
    except Exception as error:  # noqa: BLE001 - a closed connection must not break a viewer's exit
        log.debug("unsubscribe failed: %s", error)
