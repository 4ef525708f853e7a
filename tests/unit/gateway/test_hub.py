"""The frame hub: latest-frame slots, and shared NATS subscriptions with reference counting."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import nats
import pytest
from nats.aio.client import Client as NATS

from services.gateway.hub import Frame, FrameHub, HubClosed, LatestFrame
from tests.support.processes import NatsServer
from visionflow import subjects

ACCOUNT = str(uuid.uuid4())


@pytest.fixture
async def nc(nats_server: NatsServer) -> AsyncIterator[NATS]:
    client = await nats.connect(nats_server.url)
    yield client
    await client.close()


async def test_a_slot_hands_out_the_newest_frame_not_a_queue() -> None:
    slot = LatestFrame()
    for n in range(1, 6):
        slot.publish(Frame(f"frame-{n}".encode()))
    assert await slot.next(0) == (5, Frame(b"frame-5"))
    assert await slot.next(5, timeout=0.05) is None  # nothing newer yet


async def test_a_waiting_viewer_wakes_on_the_next_frame() -> None:
    slot = LatestFrame()
    waiter = asyncio.create_task(slot.next(0, timeout=5))
    await asyncio.sleep(0.01)
    slot.publish(Frame(b"a"))
    assert await waiter == (1, Frame(b"a"))


async def test_closing_a_slot_ends_its_viewers() -> None:
    slot = LatestFrame()
    waiter = asyncio.create_task(slot.next(0))
    await asyncio.sleep(0.01)
    slot.close()
    with pytest.raises(HubClosed):
        await waiter


async def test_a_nudge_wakes_the_viewers_of_that_camera_only(nc: NATS) -> None:
    """Access changed (services/gateway/access.py): each relay of the camera re-checks at once,
    also one that was busy sending when the nudge came (it compares the count)."""
    hub = FrameHub(nc)
    async with (
        hub.watch(subjects.frames_raw(ACCOUNT, 7)) as raw,
        hub.watch(subjects.frames_raw(ACCOUNT, 8)) as other,
    ):
        seen = raw.nudges
        waiter = asyncio.create_task(raw.next(0, timeout=10, nudges=seen))
        bystander = asyncio.create_task(other.next(0, timeout=0.3, nudges=other.nudges))
        await asyncio.sleep(0.01)
        assert hub.nudge_camera(7) == 1
        assert await waiter is None
        assert raw.nudges == seen + 1
        assert await raw.next(0, timeout=10, nudges=seen) is None  # not lost while busy
        assert await bystander is None and other.nudges == 0  # timed out, never nudged


async def test_viewers_of_a_subject_share_one_subscription(nc: NATS) -> None:
    hub = FrameHub(nc)
    subject = subjects.frames_raw(ACCOUNT, 101)
    async with hub.watch(subject) as first, hub.watch(subject) as second:
        assert first is second
        assert hub.viewers(subject) == 2
        assert len(nc._subs) == 1
        await nc.publish(subject, b"jpeg-1")
        await nc.flush()
        assert await first.next(0, timeout=5) == (1, Frame(b"jpeg-1"))
    assert hub.viewers(subject) == 0
    assert hub.subjects == []
    assert len(nc._subs) == 0  # unsubscribed when the last viewer left


async def test_a_cancelled_viewer_leaves_the_feed(nc: NATS) -> None:
    hub = FrameHub(nc)
    subject = subjects.frames_raw(ACCOUNT, 102)

    async def watch_forever() -> None:
        async with hub.watch(subject) as slot:
            await slot.next(10**9)

    task = asyncio.create_task(watch_forever())
    await asyncio.sleep(0.05)
    assert hub.viewers(subject) == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert hub.subjects == [] and len(nc._subs) == 0


async def test_closing_the_hub_ends_streams_and_refuses_new_viewers(nc: NATS) -> None:
    hub = FrameHub(nc)

    async def watch() -> None:
        async with hub.watch(subjects.frames_raw(ACCOUNT, 103)) as slot:
            await slot.next(0)

    task = asyncio.create_task(watch())
    await asyncio.sleep(0.05)
    await hub.close()
    with pytest.raises(HubClosed):
        await task
    with pytest.raises(HubClosed):
        async with hub.watch(subjects.frames_raw(ACCOUNT, 104)):
            pass
    assert len(nc._subs) == 0


async def test_a_feed_asks_for_its_frames_while_open_and_stops_when_left(nc: NATS) -> None:
    demands: list[tuple[float, str]] = []

    async def on_demand(msg: Any) -> None:
        demands.append((asyncio.get_running_loop().time(), msg.subject))

    await nc.subscribe(subjects.DEMAND_ALL, cb=on_demand)
    hub = FrameHub(nc)
    loop = asyncio.get_running_loop()
    opened = loop.time()
    async with (
        hub.watch(subjects.frames_raw(ACCOUNT, 105)),
        hub.watch(subjects.frames_annotated(ACCOUNT, 105)),
    ):
        await asyncio.sleep(subjects.DEMAND_RENEW_S + 0.5)
    left = loop.time()
    await asyncio.sleep(subjects.DEMAND_RENEW_S + 0.5)
    raw = [at for at, subject in demands if subject == subjects.demand("raw", ACCOUNT, 105)]
    annotated = [at for at, subject in demands if subject == subjects.demand("annotated", ACCOUNT, 105)]
    assert len(raw) == 2 and len(annotated) == 2  # at once, then renewed
    assert raw[0] - opened < 0.5
    assert all(at <= left for at in raw + annotated)  # nothing after the last viewer left
    async with hub.watch(subjects.detections(ACCOUNT, 105)):  # not a frame feed made on demand
        await asyncio.sleep(0.2)
    assert len(demands) == 4


async def _publish_until(nc: NATS, subject: str, stop: asyncio.Event) -> None:
    while not stop.is_set():
        await nc.publish(subject, b"\xff\xd8 frame")
        await asyncio.sleep(0.05)


async def test_a_stream_ends_when_its_token_expires_or_the_camera_is_no_longer_the_viewers(
    nc: NATS,
) -> None:
    import time

    from services.gateway.routes.media import relay

    hub = FrameHub(nc)
    stop = asyncio.Event()
    feeding = asyncio.create_task(_publish_until(nc, subjects.frames_raw(ACCOUNT, 103), stop))
    try:

        async def owned() -> bool:
            return True

        started = time.monotonic()
        parts = [
            p
            async for p in relay(
                hub, subjects.frames_raw(ACCOUNT, 103), 5.0, owned, expires_at=time.time() + 1.0
            )
        ]
        assert parts and 0.9 <= time.monotonic() - started < 3.0  # ended at expiry, frames flowing

        checks = 0

        async def revoked_after_first_check() -> bool:
            nonlocal checks
            checks += 1
            return checks < 2

        started = time.monotonic()
        parts = [
            p
            async for p in relay(
                hub, subjects.frames_raw(ACCOUNT, 103), 5.0, revoked_after_first_check, recheck_s=0.3
            )
        ]
        assert parts and checks == 2 and time.monotonic() - started < 3.0
    finally:
        stop.set()
        await feeding
