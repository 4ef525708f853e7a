"""What the detector publishes per analysed frame on core NATS.

`vf.acct.<a>.detections.<id>`: a DetectionBatch protobuf per inference, boxes in main-stream pixels.
`vf.acct.<a>.frames.annotated.<id>`: the annotated JPEG (only while someone watches) with the detect
frame's sequence and capture time and the JPEG's own width and height.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from nats.aio.client import Client as NATS

from services.detector.frames import DetectFrame
from services.detector.tracking import Detected
from visionflow import subjects
from visionflow.v1 import media_pb2

log = logging.getLogger(__name__)


def detection_batch(
    frame: DetectFrame,
    *,
    width: int,
    height: int,
    model_name: str,
    detections: Sequence[Detected],
    inference_ms: float,
) -> media_pb2.DetectionBatch:
    return media_pb2.DetectionBatch(
        frame=media_pb2.FrameInfo(
            camera_id=frame.camera_id,
            seq=frame.seq,
            capture_time_ns=frame.capture_ns,
            width=width,
            height=height,
        ),
        model_name=model_name,
        detections=[
            media_pb2.Detection(
                class_id=d.class_id,
                class_name=d.class_name,
                confidence=d.confidence,
                box=media_pb2.BoundingBox(x1=d.box[0], y1=d.box[1], x2=d.box[2], y2=d.box[3]),
                track_id=d.track_id,
            )
            for d in detections
        ],
        inference_ms=inference_ms,
    )


class FramePublisher:
    """Publishes detections and annotated frames; an oversized JPEG is skipped and logged once."""

    def __init__(self, nc: NATS) -> None:
        self._nc = nc
        self._warned_size: set[int] = set()

    async def publish(
        self,
        account_uuid: str,
        batch: media_pb2.DetectionBatch,
        annotated_jpeg: bytes,
        *,
        image: np.ndarray | None,
    ) -> None:
        info = batch.frame
        await self._nc.publish(subjects.detections(account_uuid, info.camera_id), batch.SerializeToString())
        if annotated_jpeg and image is not None:
            await self._annotated(
                account_uuid, info.camera_id, info.seq, info.capture_time_ns, image, annotated_jpeg
            )

    async def publish_annotated(
        self, account_uuid: str, frame: DetectFrame, image: np.ndarray, annotated_jpeg: bytes
    ) -> None:
        await self._annotated(
            account_uuid, frame.camera_id, frame.seq, frame.capture_ns, image, annotated_jpeg
        )

    async def _annotated(
        self,
        account_uuid: str,
        camera_id: int,
        seq: int,
        capture_ns: int,
        image: np.ndarray,
        annotated_jpeg: bytes,
    ) -> None:
        if len(annotated_jpeg) > self._nc.max_payload:
            if camera_id not in self._warned_size:
                self._warned_size.add(camera_id)
                log.warning(
                    "camera_id=%s annotated frame of %s bytes exceeds the NATS max payload %s; not published",
                    camera_id,
                    len(annotated_jpeg),
                    self._nc.max_payload,
                )
            return
        height, width = image.shape[:2]
        headers = subjects.frame_headers(seq=seq, capture_ns=capture_ns, width=width, height=height)
        await self._nc.publish(
            subjects.frames_annotated(account_uuid, camera_id), annotated_jpeg, headers=headers
        )
