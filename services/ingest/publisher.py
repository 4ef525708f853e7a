"""NATS output of ingest: detect frames, JPEG frames on `vf.acct.<a>.frames.raw.<id>`, `CameraStatus`."""

from __future__ import annotations

import logging

from nats.aio.client import Client as NATS

from services.ingest.frames import DetectFrame, Frame
from visionflow import subjects
from visionflow.v1 import events_pb2

log = logging.getLogger(__name__)

# Room left in a NATS message for the frame headers.
HEADER_ALLOWANCE = 1024


class Publisher:
    """Publishes on core NATS; frames are lossy by design, so a failed publish is a drop."""

    def __init__(self, nc: NATS) -> None:
        self._nc = nc

    @property
    def max_jpeg_bytes(self) -> int:
        return max(self._nc.max_payload - HEADER_ALLOWANCE, 64 * 1024)

    async def publish_frame(self, account_uuid: str, camera_id: int, frame: Frame) -> bool:
        """Publish one frame with its headers; False when it could not be sent."""
        if len(frame.jpeg) > self.max_jpeg_bytes:
            log.warning("frame too large camera_id=%s bytes=%s", camera_id, len(frame.jpeg))
            return False
        headers = subjects.frame_headers(
            seq=frame.seq, capture_ns=frame.capture_time_ns, width=frame.width, height=frame.height
        )
        try:
            await self._nc.publish(subjects.frames_raw(account_uuid, camera_id), frame.jpeg, headers=headers)
        except Exception as error:  # noqa: BLE001 - closed, reconnecting or buffer full: drop it
            log.debug("frame not published camera_id=%s: %s", camera_id, error)
            return False
        return True

    async def publish_detect(self, camera_id: int, frame: DetectFrame) -> bool:
        """Publish one detect frame (I420 body, or none for a tick); False when not sent."""
        body = frame.i420 or b""
        if len(body) > self.max_jpeg_bytes:
            log.warning("detect frame too large camera_id=%s bytes=%s", camera_id, len(body))
            return False
        headers = subjects.frame_headers(
            seq=frame.seq, capture_ns=frame.capture_time_ns, width=frame.width, height=frame.height
        )
        headers[subjects.HDR_REASON] = frame.reason.value
        headers[subjects.HDR_SOURCE_WIDTH] = str(frame.source_width)
        headers[subjects.HDR_SOURCE_HEIGHT] = str(frame.source_height)
        if frame.i420 is not None:
            headers[subjects.HDR_FORMAT] = subjects.FORMAT_I420
        try:
            await self._nc.publish(subjects.frames_detect(camera_id), body, headers=headers)
        except Exception as error:  # noqa: BLE001 - closed, reconnecting or buffer full: drop it
            log.debug("detect frame not published camera_id=%s: %s", camera_id, error)
            return False
        return True

    async def publish_status(self, status: events_pb2.CameraStatus) -> None:
        try:
            await self._nc.publish(
                subjects.camera_status(status.account_uuid, status.camera_id), status.SerializeToString()
            )
        except Exception as error:  # noqa: BLE001 - the next state change or heartbeat resends it
            log.warning("status not published camera_id=%s: %s", status.camera_id, error)
