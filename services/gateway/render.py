"""Proto messages to the REST contract's JSON: ISO 8601 UTC timestamps with Z, integer ids."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from visionflow.v1 import camera_pb2, notifier_pb2

log = logging.getLogger(__name__)

CAMERA_STATES: dict[int, str] = {
    camera_pb2.CAMERA_STATE_CONNECTING: "connecting",
    camera_pb2.CAMERA_STATE_ONLINE: "online",
    camera_pb2.CAMERA_STATE_OFFLINE: "offline",
    camera_pb2.CAMERA_STATE_ERROR: "error",
}
NOTIFICATION_STATES: dict[int, str] = {
    notifier_pb2.NOTIFICATION_STATUS_UNREAD: "unread",
    notifier_pb2.NOTIFICATION_STATUS_READ: "read",
}


def timestamp(value: Timestamp) -> str | None:
    """`2024-01-20T16:30:00Z`; None for an unset timestamp."""
    if value.seconds == 0 and value.nanos == 0:
        return None
    moment = datetime.fromtimestamp(value.seconds, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def number(value: float) -> int | float:
    """Whole numbers as JSON integers (`100`, not `100.0`), as the contract's examples show."""
    return int(value) if float(value).is_integer() else value


def point(p: camera_pb2.Point) -> dict[str, int | float]:
    return {"x": number(p.x), "y": number(p.y)}


def region(r: camera_pb2.Region) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "coordinates": [point(p) for p in r.coordinates],
        "alert_duration": number(r.alert_duration),
        "notification_enabled": r.notification_enabled,
        "detection_classes": list(r.detection_classes),
        "created_at": timestamp(r.created_at),
    }


def camera(c: camera_pb2.Camera) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "stream_url": c.stream_url,
        "recognition": c.recognition,
        "location": c.location,
        "model_name": c.model_name,
        "detect_fps": c.detect_fps,
        "detect_stream_url": c.detect_stream_url or None,
        "status": CAMERA_STATES.get(c.status, "offline"),
        "created_at": timestamp(c.created_at),
        "updated_at": timestamp(c.updated_at),
        "last_active": timestamp(c.last_active),
    }


def shared_camera(s: camera_pb2.SharedCamera) -> dict[str, Any]:
    """A camera shared with the caller, as its viewer sees it (no stream URL, no settings)."""
    c = s.camera
    return {
        "id": c.id,
        "name": c.name,
        "location": c.location,
        "recognition": c.recognition,
        "status": CAMERA_STATES.get(c.status, "offline"),
        "created_at": timestamp(c.created_at),
        "last_active": timestamp(c.last_active),
        "access": "viewer",
        "owner_username": c.owner_username,
        "share_id": s.share_id,
        "include_past_notifications": s.include_past_notifications,
        "granted_at": timestamp(s.granted_at),
        "expires_at": timestamp(s.expires_at),
    }


def share(s: camera_pb2.CameraShare) -> dict[str, Any]:
    return {
        "id": s.id,
        "camera_id": s.camera_id,
        "grantee_username": s.grantee_username,
        "include_past_notifications": s.include_past_notifications,
        "expires_at": timestamp(s.expires_at),
        "created_at": timestamp(s.created_at),
    }


def _metadata(raw: str) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        log.warning("notification metadata is not JSON; returning null")
        return None


def notification(n: notifier_pb2.Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "account_uuid": n.account_uuid,
        "camera_id": n.camera_id,
        "camera_name": n.camera_name,
        "message": n.message,
        "image_path": n.image_path,
        "detection_type": n.detection_type,
        "confidence": n.confidence,
        "status": NOTIFICATION_STATES.get(n.status, "unread"),
        "created_at": timestamp(n.created_at),
        "region_name": n.region_name,
        "notification_sent": n.notification_sent,
        "metadata": _metadata(n.metadata_json),
        "shared": n.shared,
        "owner_username": n.owner_username or None,
    }


def email_recipient(r: notifier_pb2.EmailRecipient) -> dict[str, Any]:
    return {
        "id": r.id,
        "account_uuid": r.account_uuid,
        "email": r.email,
        "name": r.name,
        "active": r.active,
        "verified": r.verified,
        "created_at": timestamp(r.created_at),
        "last_notification": timestamp(r.last_notification),
        "notification_types": list(r.notification_types),
    }


def line_token(t: notifier_pb2.LineToken) -> dict[str, Any]:
    return {
        "id": t.id,
        "account_uuid": t.account_uuid,
        "token": t.token_masked,
        "name": t.name,
        "active": t.active,
        "verified": t.verified,
        "created_at": timestamp(t.created_at),
        "last_used": timestamp(t.last_used),
        "target": t.target,
        "notification_types": list(t.notification_types),
    }
