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

# Subjects about one account's cameras carry the account: `vf.acct.<account uuid>.<what>.<id>`, so
# an integrator's login (see services/auth/callout.py) can be granted exactly `vf.acct.<own>.>`.
# System subjects (camera configs with their stream URLs, detect frames, snapshot requests,
# membership) stay outside that space and are never granted to integrators.
ACCOUNT_SPACE = "vf.acct"
CAMERA_CHANGED_ALL = "vf.camera.changed.*"
CAMERA_STATUS_ALL = "vf.acct.*.status.*"
ACCESS_CAMERA_ALL = "vf.access.camera.*"
CAMERA_STATUS_QUEUE = "camera-status"  # camera replicas share the status reports
ALERTS_ALL = "vf.acct.*.alert.*"
FRAMES_RAW_ALL = "vf.acct.*.frames.raw.*"
FRAMES_DETECT_ALL = "vf.frames.detect.*"
FRAMES_ANNOTATED_ALL = "vf.acct.*.frames.annotated.*"
DETECTIONS_ALL = "vf.acct.*.detections.*"
DEMAND_ALL = "vf.acct.*.demand.*.*"
DEMAND_ANNOTATED_ALL = "vf.acct.*.demand.annotated.*"

# Work on demand: a viewer of `vf.acct.<a>.frames.<kind>.<id>` publishes anything on
# `vf.acct.<a>.demand.<kind>.<id>` when it starts and then every DEMAND_RENEW_S; the producer keeps
# making those frames until DEMAND_LEASE_S after the last demand.
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


def account_token(account_uuid: str) -> str:
    """`account_uuid` as a subject token; refuses what could widen a subscription or a grant."""
    if not account_uuid or any(c in account_uuid for c in ".*> \t\r\n"):
        raise ValueError(f"not a valid account id for a subject: {account_uuid!r}")
    return account_uuid


def account_space(account_uuid: str) -> str:
    """Every subject of one account's cameras: what that account's integrators may read."""
    return f"{ACCOUNT_SPACE}.{account_token(account_uuid)}.>"


def _of_account(account_uuid: str, rest: str) -> str:
    return f"{ACCOUNT_SPACE}.{account_token(account_uuid)}.{rest}"


def frames_raw(account_uuid: str, camera_id: int) -> str:
    return _of_account(account_uuid, f"frames.raw.{camera_id}")


def frames_annotated(account_uuid: str, camera_id: int) -> str:
    return _of_account(account_uuid, f"frames.annotated.{camera_id}")


def frames_detect(camera_id: int) -> str:
    return f"vf.frames.detect.{camera_id}"


def demand(kind: str, account_uuid: str, camera_id: int) -> str:
    """`vf.acct.<a>.demand.raw.<id>` or `...demand.annotated.<id>`: ask for those frames."""
    return _of_account(account_uuid, f"demand.{kind}.{camera_id}")


def demand_for(frames_subject: str) -> str | None:
    """The demand subject that makes `vf.acct.<a>.frames.<kind>.<id>` flow (None for others)."""
    parts = frames_subject.split(".")
    if len(parts) != 6 or parts[:2] != ["vf", "acct"] or parts[3] != "frames" or parts[4] not in DEMAND_KINDS:
        return None
    return f"{ACCOUNT_SPACE}.{parts[2]}.demand.{parts[4]}.{parts[5]}"


def parse_demand(subject: str) -> tuple[str, str, int] | None:
    """(account, kind, camera id) of a demand subject, None when it is not one."""
    parts = subject.split(".")
    if len(parts) != 6 or parts[:2] != ["vf", "acct"] or parts[3] != "demand":
        return None
    if parts[4] not in DEMAND_KINDS or not parts[5].isdigit():
        return None
    return parts[2], parts[4], int(parts[5])


def detections(account_uuid: str, camera_id: int) -> str:
    return _of_account(account_uuid, f"detections.{camera_id}")


def alert(account_uuid: str, camera_id: int) -> str:
    return _of_account(account_uuid, f"alert.{camera_id}")


def camera_status(account_uuid: str, camera_id: int) -> str:
    return _of_account(account_uuid, f"status.{camera_id}")


def account_of(subject: str) -> str | None:
    """The account of a `vf.acct.<a>....` subject (None for system subjects)."""
    parts = subject.split(".")
    if len(parts) < 4 or parts[:2] != ["vf", "acct"]:
        return None
    return parts[2]


def camera_changed(camera_id: int) -> str:
    return f"vf.camera.changed.{camera_id}"


def access_camera(camera_id: int) -> str:
    """Core NATS, camera service -> gateway: who may watch this camera changed (a share revoked or
    expired, the camera deleted); open streams of it re-check their viewer now."""
    return f"vf.access.camera.{camera_id}"


def ingest_snapshot(camera_id: int) -> str:
    """Request subject answered by the ingest replica that reads the camera: its newest frame."""
    return f"vf.ingest.snapshot.{camera_id}"


INGEST_SNAPSHOT_ALL = "vf.ingest.snapshot.*"

# Sessions ended by Logout / LogoutAll (protobuf SessionEnded, core NATS): published by auth,
# read by every gateway, which then refuses the sessions' access tokens.
SESSION_ENDED_ALL = "vf.access.session.*"


def session_ended(account_uuid: str) -> str:
    return f"vf.access.session.{account_uuid}"


def camera_id_of(subject: str) -> int:
    """The camera id at the end of any per-camera subject."""
    return int(subject.rsplit(".", 1)[1])
