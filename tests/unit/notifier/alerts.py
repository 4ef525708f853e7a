"""Helpers for alert-delivery tests: publish AlertEvents and snapshots, wait for the consumer."""

from __future__ import annotations

import asyncio
import io
import time
import uuid

from nats.aio.client import Client as NATS
from nats.js.errors import NotFoundError
from PIL import Image

from visionflow import bus, subjects
from visionflow.v1 import camera_pb2, events_pb2


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


async def put_snapshot(nc: NATS, key: str, data: bytes) -> None:
    js = nc.jetstream()
    try:
        store = await js.object_store(subjects.SNAPSHOT_BUCKET)
    except NotFoundError:
        store = await js.create_object_store(subjects.SNAPSHOT_BUCKET)
    await store.put(key, data)


def camera_of(account_uuid: str) -> int:
    """The test camera of an account: an id no other account's camera has."""
    return int(account_uuid.replace("-", "")[:7], 16) + 1


async def register_camera(nc: NATS, account_uuid: str, camera_id: int, name: str = "Loading bay") -> None:
    """Put the camera into VF_CAMERAS as the camera service would: it exists, it is the account's."""
    js = nc.jetstream()
    await bus.ensure_streams(js)
    change = events_pb2.CameraChanged(
        kind=events_pb2.CHANGE_KIND_CREATED,
        camera=camera_pb2.Camera(id=camera_id, account_uuid=account_uuid, name=name),
    )
    await bus.publish_message(js, subjects.camera_changed(camera_id), change)


def alert_event(
    account_uuid: str, *, snapshot_key: str = "", enabled: bool = True, **change: object
) -> events_pb2.AlertEvent:
    fields: dict[str, object] = {
        "event_id": uuid.uuid4().hex,
        "account_uuid": account_uuid,
        "camera_id": camera_of(account_uuid),
        "camera_name": "Loading bay",
        "region_id": 9,
        "region_name": "Dock",
        "track_id": 17,
        "class_name": "person",
        "confidence": 0.83,
        "dwell_seconds": 4.2,
        "snapshot_key": snapshot_key,
        "notification_enabled": enabled,
        "message": "Person lingering at the dock",
    }
    fields.update(change)
    return events_pb2.AlertEvent(**fields)  # type: ignore[arg-type]


async def publish_alert(nc: NATS, event: events_pb2.AlertEvent, *, register: bool = True) -> int:
    """Publish to JetStream (after putting its camera in the feed, unless told not to); returns
    the stream sequence."""
    js = nc.jetstream()
    await bus.ensure_streams(js)
    if register:
        await register_camera(nc, event.account_uuid, event.camera_id, event.camera_name or "Loading bay")
    # An event without an account still travels on an account subject (the notifier drops it).
    subject = subjects.alert(event.account_uuid or "no-account", event.camera_id)
    ack = await js.publish(subject, event.SerializeToString())
    return int(ack.seq)


async def wait_consumed(nc: NATS, seq: int, timeout: float = 10.0) -> None:
    """Until the notifier's durable consumer has acked everything up to `seq`."""
    js = nc.jetstream()
    deadline = time.monotonic() + timeout
    while True:
        try:
            info = await js.consumer_info(subjects.EVENTS_STREAM, subjects.NOTIFIER_ALERTS_DURABLE)
            if info.ack_floor is not None and (info.ack_floor.stream_seq or 0) >= seq:
                return
        except NotFoundError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"alert seq {seq} not consumed after {timeout}s")
        await asyncio.sleep(0.05)
