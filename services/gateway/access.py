"""Access changes: the open streams of a camera re-check their viewer as soon as its access changes.

The camera service publishes CameraAccessChanged on `vf.access.camera.<id>` when a share is
revoked or expires, or the camera is deleted. The gateway subscribes once and nudges the frame
feeds of that camera (FrameHub.nudge_camera): each relay of it re-checks its viewer at once
(GetCamera as that viewer) and ends when the camera is no longer the viewer's to watch. Who may
watch stays the camera service's answer; the event only says "ask again now".
"""

from __future__ import annotations

import logging
from typing import Any

from google.protobuf.message import DecodeError

from services.gateway.hub import FrameHub, Subscriber
from visionflow import subjects
from visionflow.v1 import events_pb2

log = logging.getLogger(__name__)


async def watch_access(nc: Subscriber, hub: FrameHub) -> Any:
    """Subscribe to every camera's access changes; returns the subscription."""

    async def on_change(msg: Any) -> None:
        change = events_pb2.CameraAccessChanged()
        try:
            change.ParseFromString(msg.data)
            camera_id = subjects.camera_id_of(msg.subject)
        except (DecodeError, ValueError):
            log.warning("undecodable access change on %s ignored", msg.subject)
            return
        woken = hub.nudge_camera(camera_id)
        log.info(
            "access changed camera_id=%s account=%s reason=%s streams=%s",
            camera_id,
            change.account_uuid,
            events_pb2.AccessChangeReason.Name(change.reason),
            woken,
        )

    return await nc.subscribe(subjects.ACCESS_CAMERA_ALL, cb=on_change)
