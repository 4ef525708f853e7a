"""NATS helpers: the one way services connect, declare streams and buckets, and publish protobuf
bodies."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

import nats
from google.protobuf.message import Message
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, KeyValueConfig, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, BucketNotFoundError, NotFoundError
from nats.js.kv import KeyValue

from visionflow import natsauth, snapshots, subjects

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Login:
    """A NATS user and password (visionflow/natsauth.py): the user's replies come back on its own
    inbox prefix, which no other role may subscribe to."""

    user: str
    password: str = field(repr=False)


async def connect(url: str, name: str, login: Login | None = None) -> NATS:
    """Connect with unlimited reconnects, logging disconnects and reconnects."""
    client: NATS | None = None

    async def on_disconnect() -> None:
        if client is not None and (client.is_draining or client.is_closed):
            log.debug("nats connection closed name=%s", name)  # our own shutdown
        else:
            log.warning("nats disconnected name=%s", name)

    async def on_reconnect() -> None:
        log.info("nats reconnected name=%s", name)

    async def on_error(error: Exception) -> None:
        log.warning("nats error name=%s: %s", name, error)

    credentials: dict[str, str] = {}
    if login is not None:
        credentials = {
            "user": login.user,
            "password": login.password,
            "inbox_prefix": natsauth.inbox_prefix(login.user),
        }
    client = await nats.connect(
        url,
        name=name,
        **credentials,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        connect_timeout=5,
        disconnected_cb=on_disconnect,
        reconnected_cb=on_reconnect,
        error_cb=on_error,
    )
    return client


async def close(nc: NATS) -> None:
    """Drain (finish deliveries, flush publishes); fall back to close when draining fails."""
    if nc.is_closed:
        return
    try:
        await nc.drain()
    except Exception:  # noqa: BLE001 - drain raises while closed or reconnecting
        await nc.close()


@dataclass(frozen=True)
class BusLayout:
    """How the streams and the snapshot bucket are declared: replicas (3 on a JetStream
    cluster, `VF_NATS_REPLICAS`) and the snapshot bucket's limits."""

    replicas: int = 1
    snapshot_ttl_days: float = snapshots.DEFAULT_TTL_DAYS
    snapshot_max_bytes: int = snapshots.DEFAULT_MAX_BYTES


def _streams(replicas: int) -> tuple[StreamConfig, ...]:
    return (
        StreamConfig(
            name=subjects.CAMERAS_STREAM,
            subjects=[subjects.CAMERA_CHANGED_ALL],
            retention=RetentionPolicy.LIMITS,
            max_msgs_per_subject=1,
            storage=StorageType.FILE,
            num_replicas=replicas,
        ),
        StreamConfig(
            name=subjects.EVENTS_STREAM,
            subjects=[subjects.ALERTS_ALL],
            retention=RetentionPolicy.LIMITS,
            max_age=30 * 24 * 3600,
            discard=DiscardPolicy.OLD,
            storage=StorageType.FILE,
            num_replicas=replicas,
            duplicate_window=120,
        ),
    )


async def ensure_streams(js: JetStreamContext, layout: BusLayout | None = None) -> None:
    """Create VisionFlow's streams and the snapshot bucket if missing (idempotent; any service may
    call it). A stream declared with fewer replicas than `layout` asks for is scaled up."""
    layout = layout or BusLayout()
    for config in _streams(layout.replicas):
        try:
            info = await js.stream_info(config.name or "")
        except NotFoundError:
            # BadRequest: another service created it at the same moment.
            with contextlib.suppress(BadRequestError):
                await js.add_stream(config)
            continue
        updated = info.config
        if sorted(updated.subjects or []) != sorted(config.subjects or []):
            # A stream declared by an older release (subjects without the account, see
            # visionflow/subjects.py): its messages stay, new ones arrive on today's subjects.
            log.info("stream %s: subjects %s -> %s", config.name, updated.subjects, config.subjects)
            updated = replace(updated, subjects=config.subjects)
        if (updated.num_replicas or 1) < layout.replicas:
            log.info("stream %s: %s -> %s replicas", config.name, updated.num_replicas, layout.replicas)
            updated = replace(updated, num_replicas=layout.replicas)
        if updated is not info.config:
            await js.update_stream(updated)
    await snapshots.ensure_bucket(
        js,
        snapshots.bucket_config(
            ttl_days=layout.snapshot_ttl_days, max_bytes=layout.snapshot_max_bytes, replicas=layout.replicas
        ),
    )


async def publish_message(js: JetStreamContext, subject: str, message: Message) -> None:
    """Publish a protobuf body to JetStream and wait for the ack."""
    await js.publish(subject, message.SerializeToString())


async def get_or_create(get: Callable[[], Awaitable[T]], create: Callable[[], Awaitable[T]]) -> T:
    """A bucket, created when missing; another process creating it at the same moment is fine."""
    try:
        return await get()
    except BucketNotFoundError:
        pass
    try:
        return await create()
    except BadRequestError:
        return await get()


async def key_value(js: JetStreamContext, config: KeyValueConfig) -> KeyValue:
    """A KV bucket, created with `config` when missing."""
    return await get_or_create(lambda: js.key_value(config.bucket), lambda: js.create_key_value(config))
