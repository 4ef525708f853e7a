"""Ask for frames that are made on demand, as a viewer does (`vf.acct.<a>.demand.<kind>.<id>`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from nats.aio.client import Client as NATS

from visionflow import subjects


async def _renew(nc: NATS, subject: str, stop: asyncio.Event) -> None:
    while not stop.is_set() and not nc.is_closed:
        with contextlib.suppress(Exception):
            await nc.publish(subject, b"")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), subjects.DEMAND_RENEW_S)


def start_demand(nc: NATS, kind: str, account_uuid: str, camera_id: int) -> asyncio.Event:
    """Keep asking until the returned event is set or the connection closes."""
    stop = asyncio.Event()
    subject = subjects.demand(kind, account_uuid, camera_id)
    asyncio.get_running_loop().create_task(_renew(nc, subject, stop))
    return stop


@contextlib.asynccontextmanager
async def demanding(nc: NATS, kind: str, account_uuid: str, camera_id: int) -> AsyncIterator[None]:
    stop = start_demand(nc, kind, account_uuid, camera_id)
    try:
        yield
    finally:
        stop.set()
