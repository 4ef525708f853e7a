"""Alert snapshots: the one owner of the object store bucket `vf-snapshots` and its keys.

Keys are `<account_uuid>/<camera_id>/<utc time>-<event id>.jpg`. The detector writes them, the
notifier attaches them to mail and links them in LINE messages (signed links,
visionflow/links.py), and the gateway serves them to their owner. Whoever reads a key checks it
with `checked_key` first: anything outside the reader's account prefix, any `..`, absolute path,
backslash, control character, empty segment or unknown extension is refused.

The bucket is declared with the streams (visionflow/bus.py) with a time to live and a size cap,
so old pictures age out and a flood of alerts cannot fill the JetStream disk that every other
stream shares. A deleted camera's pictures are purged (`purge_camera`).
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime

from nats.js import JetStreamContext
from nats.js.api import ObjectStoreConfig, StorageType
from nats.js.errors import BucketNotFoundError
from nats.js.object_store import ObjectStore

from visionflow import subjects

log = logging.getLogger(__name__)

IMAGE_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "bmp": "image/bmp",
}
MAX_KEY_CHARS = 1024
DEFAULT_TTL_DAYS = 30.0
DEFAULT_MAX_BYTES = 5 * 1024**3


def bucket_config(
    *, ttl_days: float = DEFAULT_TTL_DAYS, max_bytes: int = DEFAULT_MAX_BYTES, replicas: int = 1
) -> ObjectStoreConfig:
    return ObjectStoreConfig(
        bucket=subjects.SNAPSHOT_BUCKET,
        description="VisionFlow alert snapshots",
        ttl=ttl_days * 24 * 3600,
        max_bytes=max_bytes,
        storage=StorageType.FILE,
        replicas=replicas,
    )


async def ensure_bucket(js: JetStreamContext, config: ObjectStoreConfig | None = None) -> ObjectStore:
    """The snapshot bucket, created with its limits when missing (idempotent, race-safe)."""
    from visionflow.bus import get_or_create  # bus declares this bucket with the streams

    return await get_or_create(
        lambda: js.object_store(subjects.SNAPSHOT_BUCKET),
        # nats-py overwrites config.bucket with its `bucket` argument: pass both.
        lambda: js.create_object_store(bucket=subjects.SNAPSHOT_BUCKET, config=config or bucket_config()),
    )


def snapshot_key(account_uuid: str, camera_id: int, capture_ns: int, event_id: str) -> str:
    """`<account_uuid>/<camera_id>/<utc-timestamp>-<event_id>.jpg`."""
    seconds, nanos = divmod(capture_ns, 1_000_000_000)
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return f"{account_uuid}/{camera_id}/{moment:%Y%m%dT%H%M%S}.{nanos // 1000:06d}Z-{event_id}.jpg"


def camera_prefix(account_uuid: str, camera_id: int) -> str:
    return f"{account_uuid}/{camera_id}/"


def checked_key(account_uuid: str, path: str) -> tuple[str, str] | None:
    """`(key, content type)` when `path` is a well-formed key of the account's; None otherwise."""
    if not account_uuid or not path or len(path) > MAX_KEY_CHARS:
        return None
    if path.startswith("/") or "\\" in path or any(ord(ch) < 32 or ord(ch) == 127 for ch in path):
        return None
    segments = path.split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        return None
    if len(segments) < 2 or segments[0] != account_uuid:
        return None
    extension = segments[-1].rpartition(".")[2].lower() if "." in segments[-1] else ""
    content_type = IMAGE_TYPES.get(extension)
    if content_type is None:
        return None
    return path, content_type


def key_belongs_to(key: str, account_uuid: str) -> bool:
    return checked_key(account_uuid, key) is not None


async def purge_camera(js: JetStreamContext, account_uuid: str, camera_id: int) -> int:
    """Delete every snapshot of a deleted camera; returns how many were deleted."""
    prefix = camera_prefix(account_uuid, camera_id)
    try:
        bucket = await js.object_store(subjects.SNAPSHOT_BUCKET)
    except BucketNotFoundError:
        return 0
    try:
        objects = await bucket.list()
    except Exception as error:  # noqa: BLE001 - an empty bucket raises NotFoundError
        log.debug("listing snapshots failed: %s", error)
        return 0
    deleted = 0
    for info in objects:
        if info.name.startswith(prefix) and not info.deleted:
            with contextlib.suppress(Exception):
                await bucket.delete(info.name)
                deleted += 1
    return deleted
