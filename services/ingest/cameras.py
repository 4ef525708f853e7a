"""Requests to this ingest replica over NATS: who watches which camera's frames, and the newest
frame of a camera it reads (`vf.ingest.snapshot.<id>`, asked by the replica a gRPC call reached).

The cameras themselves come from visionflow/camerafeed.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError

from services.ingest.worker import CameraWorker
from visionflow import subjects
from visionflow.v1 import media_pb2

log = logging.getLogger(__name__)

SNAPSHOT_REQUEST_TIMEOUT_S = 3.0


async def follow_demand(nc: NATS, demand: Callable[[str, str, int], None]) -> Subscription:
    """Subscribe to `vf.acct.<a>.demand.<kind>.<id>`: someone of account `a` watches that camera's
    frames of that kind (`demand(account, kind, camera_id)`)."""

    async def on_message(msg: Msg) -> None:
        parsed = subjects.parse_demand(msg.subject)
        if parsed is not None:
            demand(*parsed)

    return await nc.subscribe(subjects.DEMAND_ALL, cb=on_message)


async def snapshot_of(worker: CameraWorker) -> media_pb2.GetSnapshotResponse | None:
    """The worker's newest frame as a JPEG (None before the first frame)."""
    frame = await worker.snapshot()
    if frame is None:
        return None
    return media_pb2.GetSnapshotResponse(
        jpeg=frame.jpeg,
        frame=media_pb2.FrameInfo(
            camera_id=worker.camera_id,
            seq=frame.seq,
            capture_time_ns=frame.capture_time_ns,
            width=frame.width,
            height=frame.height,
        ),
    )


async def answer_snapshots(nc: NATS, local: Callable[[int], CameraWorker | None]) -> Subscription:
    """Answer `vf.ingest.snapshot.<id>` for the cameras this replica reads (others stay silent).

    The replica that asks has already checked the caller's account against the camera feed.
    An empty reply means the camera has no frame yet.
    """

    async def on_request(msg: Msg) -> None:
        try:
            worker = local(subjects.camera_id_of(msg.subject))
        except ValueError:
            return
        if worker is None or not msg.reply:
            return
        response = await snapshot_of(worker)
        await msg.respond(response.SerializeToString() if response is not None else b"")

    return await nc.subscribe(subjects.INGEST_SNAPSHOT_ALL, cb=on_request)


class SnapshotUnavailable(Exception):
    """No ingest replica answered for the camera (none reads it right now)."""


async def ask_owner_for_snapshot(nc: NATS, camera_id: int) -> media_pb2.GetSnapshotResponse | None:
    """The newest frame from the replica that reads the camera (None: it has no frame yet)."""
    try:
        reply = await nc.request(subjects.ingest_snapshot(camera_id), b"", timeout=SNAPSHOT_REQUEST_TIMEOUT_S)
    except (NatsTimeoutError, NoRespondersError) as error:
        raise SnapshotUnavailable(str(error) or type(error).__name__) from error
    if not reply.data:
        return None
    return media_pb2.GetSnapshotResponse.FromString(reply.data)
