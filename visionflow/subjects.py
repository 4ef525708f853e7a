"""Every NATS subject, stream, consumer and bucket name VisionFlow uses."""

from __future__ import annotations

CAMERAS_STREAM = "VF_CAMERAS"
EVENTS_STREAM = "VF_EVENTS"
SNAPSHOT_BUCKET = "vf-snapshots"
NOTIFIER_ALERTS_DURABLE = "notifier-alerts"
# KV buckets: live replicas (`<role>.<member id>`, see visionflow/membership.py) and the open
# dwells of each analysed camera (`camera.<id>`, handed to the next detector on failover).
MEMBERS_BUCKET = "vf-members"
DWELLS_BUCKET = "vf-dwells"

CAMERA_CHANGED_ALL = "vf.camera.changed.*"
CAMERA_STATUS_ALL = "vf.camera.status.*"
ACCESS_CAMERA_ALL = "vf.access.camera.*"
CAMERA_STATUS_QUEUE = "camera-status"  # camera replicas share the status reports
ALERTS_ALL = "vf.events.alert.*"
FRAMES_RAW_ALL = "vf.frames.raw.*"
FRAMES_DETECT_ALL = "vf.frames.detect.*"
FRAMES_ANNOTATED_ALL = "vf.frames.annotated.*"
DETECTIONS_ALL = "vf.detections.*"
DEMAND_ALL = "vf.demand.*.*"
DEMAND_ANNOTATED_ALL = "vf.demand.annotated.*"

# Work on demand: a viewer of `vf.frames.<kind>.<id>` publishes anything on
# `vf.demand.<kind>.<id>` when it starts and then every DEMAND_RENEW_S; the producer keeps making
# those frames until DEMAND_LEASE_S after the last demand.
DEMAND_RENEW_S = 2.0
DEMAND_LEASE_S = 5.0
DEMAND_KINDS = ("raw", "annotated")

# Header names on frame messages.
HDR_SEQ = "Vf-Seq"
HDR_REVISION = "Vf-Revision"  # on CameraChanged: the camera's revision in the camera database
HDR_CAPTURE_TIME = "Vf-Capture-Time"  # ns since the epoch
HDR_WIDTH = "Vf-Width"
HDR_HEIGHT = "Vf-Height"
# Detect frames (ingest -> detector) only: the pixel layout of the body (`i420`; no body = a
# tick that only says time has passed without motion), why the frame was sent, and the size of
# the camera's main stream, the space regions and published boxes are in.
HDR_FORMAT = "Vf-Format"
HDR_REASON = "Vf-Reason"
HDR_SOURCE_WIDTH = "Vf-Source-Width"
HDR_SOURCE_HEIGHT = "Vf-Source-Height"
FORMAT_I420 = "i420"
FORMAT_JPEG = "jpeg"


def frame_headers(*, seq: int, capture_ns: int, width: int, height: int) -> dict[str, str]:
    """The headers of a frame message (raw or annotated): the one place their layout is built."""
    return {
        HDR_SEQ: str(seq),
        HDR_CAPTURE_TIME: str(capture_ns),
        HDR_WIDTH: str(width),
        HDR_HEIGHT: str(height),
    }


def frames_raw(camera_id: int) -> str:
    return f"vf.frames.raw.{camera_id}"


def frames_detect(camera_id: int) -> str:
    return f"vf.frames.detect.{camera_id}"


def demand(kind: str, camera_id: int) -> str:
    """`vf.demand.raw.<id>` or `vf.demand.annotated.<id>`: ask for those frames to be made."""
    return f"vf.demand.{kind}.{camera_id}"


def demand_for(frames_subject: str) -> str | None:
    """The demand subject that makes `vf.frames.<kind>.<id>` flow (None for other subjects)."""
    parts = frames_subject.split(".")
    if len(parts) != 4 or parts[:2] != ["vf", "frames"] or parts[2] not in DEMAND_KINDS:
        return None
    return f"vf.demand.{parts[2]}.{parts[3]}"


def frames_annotated(camera_id: int) -> str:
    return f"vf.frames.annotated.{camera_id}"


def detections(camera_id: int) -> str:
    return f"vf.detections.{camera_id}"


def alert(camera_id: int) -> str:
    return f"vf.events.alert.{camera_id}"


def camera_changed(camera_id: int) -> str:
    return f"vf.camera.changed.{camera_id}"


def camera_status(camera_id: int) -> str:
    return f"vf.camera.status.{camera_id}"


def access_camera(camera_id: int) -> str:
    """Core NATS, camera service -> gateway: who may watch this camera changed (a share revoked or
    expired, the camera deleted); open streams of it re-check their viewer now."""
    return f"vf.access.camera.{camera_id}"


def ingest_snapshot(camera_id: int) -> str:
    """Request subject answered by the ingest replica that reads the camera: its newest frame."""
    return f"vf.ingest.snapshot.{camera_id}"


INGEST_SNAPSHOT_ALL = "vf.ingest.snapshot.*"


def camera_id_of(subject: str) -> int:
    """The camera id at the end of any per-camera subject."""
    return int(subject.rsplit(".", 1)[1])
