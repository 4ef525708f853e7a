"""Every NATS subject, stream, consumer and bucket name VisionFlow uses."""

from __future__ import annotations

CAMERAS_STREAM = "VF_CAMERAS"
EVENTS_STREAM = "VF_EVENTS"
SNAPSHOT_BUCKET = "vf-snapshots"
NOTIFIER_ALERTS_DURABLE = "notifier-alerts"

CAMERA_CHANGED_ALL = "vf.camera.changed.*"
CAMERA_STATUS_ALL = "vf.camera.status.*"
ALERTS_ALL = "vf.events.alert.*"
FRAMES_RAW_ALL = "vf.frames.raw.*"

# Header names on frame messages.
HDR_SEQ = "Vf-Seq"
HDR_CAPTURE_TIME = "Vf-Capture-Time"  # ns since the epoch
HDR_WIDTH = "Vf-Width"
HDR_HEIGHT = "Vf-Height"


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


def camera_id_of(subject: str) -> int:
    """The camera id at the end of any per-camera subject."""
    return int(subject.rsplit(".", 1)[1])
