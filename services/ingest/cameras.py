"""Learn the cameras from JetStream (replay the current state of each, then follow changes), and
who watches which camera's frames.

The VF_CAMERAS stream keeps the last CameraChanged per camera subject. An ephemeral ordered
consumer with DeliverPolicy LAST_PER_SUBJECT therefore replays every camera's latest change at
start (a deleted camera's last message is its DELETED, which ingest ignores) and then delivers
live changes in order. Ordered consumers recreate themselves after a gap or a reconnect.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from google.protobuf.message import DecodeError
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from visionflow import subjects
from visionflow.v1 import events_pb2

log = logging.getLogger(__name__)

ApplyChange = Callable[[events_pb2.CameraChanged], Awaitable[None]]


async def follow_cameras(js: JetStreamContext, apply: ApplyChange) -> JetStreamContext.PushSubscription:
    """Subscribe; `apply` sees every camera's change in stream order, one at a time."""

    async def on_message(msg: Msg) -> None:
        try:
            change = events_pb2.CameraChanged.FromString(msg.data)
        except DecodeError:
            log.warning("undecodable camera change on %s ignored", msg.subject)
            return
        try:
            await apply(change)
        except Exception:
            log.exception("applying camera change failed camera_id=%s", change.camera.id)

    return await js.subscribe(
        subjects.CAMERA_CHANGED_ALL,
        stream=subjects.CAMERAS_STREAM,
        cb=on_message,
        ordered_consumer=True,
        deliver_policy=DeliverPolicy.LAST_PER_SUBJECT,
    )


async def follow_demand(nc: NATS, demand: Callable[[str, int], None]) -> Subscription:
    """Subscribe to `vf.demand.<kind>.<id>`: someone watches that camera's frames of that kind."""

    async def on_message(msg: Msg) -> None:
        parts = msg.subject.split(".")
        if len(parts) != 4 or parts[2] not in subjects.DEMAND_KINDS or not parts[3].isdigit():
            return
        demand(parts[2], int(parts[3]))

    return await nc.subscribe(subjects.DEMAND_ALL, cb=on_message)
