"""Access events: `vf.access.camera.<id>` when who may watch a camera changes, and share expiry.

A share revoked or expired, or a camera deleted, is announced on core NATS (CameraAccessChanged,
no secrets); the gateway wakes the open streams of that camera to re-check their viewer, so they
end within moments instead of at the relay's next periodic re-check. A lost announcement only
delays that to the periodic re-check. `expire_forever` removes shares whose time has passed,
republishes their cameras (the grants in the feed) and announces each expiry.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

import nats.errors

from services.camera.messages import access_message
from services.camera.models import Share
from visionflow import subjects
from visionflow.v1 import events_pb2

log = logging.getLogger(__name__)

EXPIRY_SWEEP_S = 1.0


class Publisher(Protocol):
    async def publish(self, subject: str, payload: bytes = b"") -> None: ...


class AccessAnnouncer:
    """Publishes CameraAccessChanged (best effort: the relays re-check periodically anyway)."""

    def __init__(self, nc: Publisher) -> None:
        self._nc = nc

    async def announce(
        self, camera_id: int, account_uuid: str, reason: events_pb2.AccessChangeReason
    ) -> None:
        message = access_message(camera_id, account_uuid, reason)
        try:
            await self._nc.publish(subjects.access_camera(camera_id), message.SerializeToString())
        except (nats.errors.Error, OSError) as error:
            log.warning(
                "access change not announced camera_id=%s account=%s: %r", camera_id, account_uuid, error
            )


async def expire_forever(
    expire: Callable[[], Awaitable[Sequence[Share]]],
    republish: Callable[[int, str], Awaitable[object]],
    announcer: AccessAnnouncer,
    interval: float = EXPIRY_SWEEP_S,
) -> None:
    """Background loop: every `interval`, end the shares whose expiry has passed."""
    while True:
        await asyncio.sleep(interval)
        try:
            expired = await expire()
        except Exception as error:  # noqa: BLE001 - the database is back on a later round
            log.warning("share expiry sweep failed: %r", error)
            continue
        for camera_id in sorted({share.camera_id for share in expired}):
            owner = next(share.owner_account_uuid for share in expired if share.camera_id == camera_id)
            await republish(camera_id, owner)
        for share in expired:
            log.info(
                "share expired camera_id=%s account=%s grantee=%s",
                share.camera_id,
                share.owner_account_uuid,
                share.grantee_account_uuid,
            )
            await announcer.announce(
                share.camera_id, share.grantee_account_uuid, events_pb2.ACCESS_CHANGE_REASON_SHARE_EXPIRED
            )
