"""Alert snapshots from the JetStream object store (`vf-snapshots`, keys `<account_uuid>/...`).

A key outside the notification's own account is never fetched, so nobody can mail themselves
another account's image. A missing or unreadable image means "send without it".
"""

from __future__ import annotations

import asyncio
import logging
import posixpath
from dataclasses import dataclass

import nats.errors
from nats.js import JetStreamContext

from visionflow import subjects
from visionflow.snapshots import key_belongs_to

log = logging.getLogger(__name__)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
_SIGNATURES = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF8", "gif"),
    (b"BM", "bmp"),
)


@dataclass(frozen=True)
class Snapshot:
    data: bytes
    subtype: str  # image/<subtype>
    filename: str


def image_subtype(data: bytes) -> str:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    for signature, subtype in _SIGNATURES:
        if data.startswith(signature):
            return subtype
    return "jpeg"


class SnapshotStore:
    """Reads snapshots from the object store bucket."""

    def __init__(self, js: JetStreamContext | None, *, timeout_s: float = 5.0) -> None:
        self._js = js
        self._timeout_s = timeout_s

    async def fetch(self, *, account_uuid: str, key: str) -> Snapshot | None:
        if not key or self._js is None:
            return None
        if not key_belongs_to(key, account_uuid):
            log.warning("snapshot key outside the account ignored account=%s key=%s", account_uuid, key)
            return None
        try:
            async with asyncio.timeout(self._timeout_s):
                bucket = await self._js.object_store(subjects.SNAPSHOT_BUCKET)
                result = await bucket.get(key)
        except (nats.errors.Error, TimeoutError) as error:
            log.warning("snapshot unavailable account=%s key=%s: %r", account_uuid, key, error)
            return None
        data = result.data or b""
        if not data or len(data) > MAX_ATTACHMENT_BYTES:
            return None
        subtype = image_subtype(data)
        return Snapshot(data=data, subtype=subtype, filename=posixpath.basename(key) or f"snapshot.{subtype}")
