"""Protobuf messages built from store records (camera.proto / events.proto)."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from services.camera.models import Camera, CameraStatus, Region, Share
from visionflow.v1 import camera_pb2, events_pb2

_STATE: dict[CameraStatus, camera_pb2.CameraState] = {
    CameraStatus.CONNECTING: camera_pb2.CAMERA_STATE_CONNECTING,
    CameraStatus.ONLINE: camera_pb2.CAMERA_STATE_ONLINE,
    CameraStatus.OFFLINE: camera_pb2.CAMERA_STATE_OFFLINE,
    CameraStatus.ERROR: camera_pb2.CAMERA_STATE_ERROR,
}
_STATUS: dict[int, CameraStatus] = {int(state): status for status, state in _STATE.items()}


def status_of_state(state: int) -> CameraStatus | None:
    """The stored status for a protobuf CameraState; None for UNSPECIFIED or unknown values."""
    return _STATUS.get(int(state))


def timestamp(value: datetime) -> Timestamp:
    """A Timestamp from a naive-UTC (or aware) datetime."""
    stamp = Timestamp()
    stamp.FromDatetime(value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None))
    return stamp


def from_timestamp(stamp: Timestamp) -> datetime:
    """Aware UTC datetime, the way the store keeps time."""
    return stamp.ToDatetime(tzinfo=UTC)


def region_message(region: Region) -> camera_pb2.Region:
    return camera_pb2.Region(
        id=region.id,
        name=region.name,
        coordinates=[camera_pb2.Point(x=x, y=y) for x, y in region.coordinates],
        alert_duration=region.alert_duration,
        notification_enabled=region.notification_enabled,
        detection_classes=list(region.detection_classes),
        created_at=timestamp(region.created_at),
    )


def camera_message(camera: Camera) -> camera_pb2.Camera:
    """The owner's view of a camera: every setting, no grants (those travel in the feed only)."""
    message = camera_pb2.Camera(
        id=camera.id,
        account_uuid=camera.account_uuid,
        name=camera.name,
        stream_url=camera.stream_url,
        recognition=camera.recognition,
        location=camera.location,
        model_name=camera.model_name,
        status=_STATE[camera.status],
        status_reason=camera.status_reason,
        created_at=timestamp(camera.created_at),
        updated_at=timestamp(camera.updated_at),
        width=camera.width,
        height=camera.height,
        regions=[region_message(region) for region in camera.regions],
        detect_fps=camera.detect_fps,
        detect_stream_url=camera.detect_stream_url,
        access=camera_pb2.CAMERA_ACCESS_OWNER,
    )
    if camera.last_active is not None:
        message.last_active.CopyFrom(timestamp(camera.last_active))
    return message


def viewer_message(camera: Camera, share: Share) -> camera_pb2.Camera:
    """A grantee's view: what it needs to watch the camera and nothing more. No stream URLs (they
    carry the owner's camera password), regions, model or detection settings."""
    message = camera_pb2.Camera(
        id=camera.id,
        account_uuid=camera.account_uuid,
        name=camera.name,
        location=camera.location,
        recognition=camera.recognition,
        status=_STATE[camera.status],
        created_at=timestamp(camera.created_at),
        width=camera.width,
        height=camera.height,
        access=camera_pb2.CAMERA_ACCESS_VIEWER,
        owner_username=share.owner_username,
    )
    if camera.last_active is not None:
        message.last_active.CopyFrom(timestamp(camera.last_active))
    return message


def share_message(share: Share) -> camera_pb2.CameraShare:
    message = camera_pb2.CameraShare(
        id=share.id,
        camera_id=share.camera_id,
        grantee_account_uuid=share.grantee_account_uuid,
        grantee_username=share.grantee_username,
        include_past_notifications=share.include_past_notifications,
        created_at=timestamp(share.created_at),
    )
    if share.expires_at is not None:
        message.expires_at.CopyFrom(timestamp(share.expires_at))
    return message


def shared_camera_message(camera: Camera, share: Share) -> camera_pb2.SharedCamera:
    message = camera_pb2.SharedCamera(
        camera=viewer_message(camera, share),
        share_id=share.id,
        include_past_notifications=share.include_past_notifications,
        granted_at=timestamp(share.created_at),
    )
    if share.expires_at is not None:
        message.expires_at.CopyFrom(timestamp(share.expires_at))
    return message


def grant_message(share: Share) -> camera_pb2.CameraGrant:
    grant = camera_pb2.CameraGrant(
        grantee_account_uuid=share.grantee_account_uuid,
        include_past_notifications=share.include_past_notifications,
        granted_at=timestamp(share.created_at),
    )
    if share.expires_at is not None:
        grant.expires_at.CopyFrom(timestamp(share.expires_at))
    return grant


def access_message(
    camera_id: int, account_uuid: str, reason: events_pb2.AccessChangeReason
) -> events_pb2.CameraAccessChanged:
    return events_pb2.CameraAccessChanged(
        camera_id=camera_id, account_uuid=account_uuid, reason=reason, changed_at=timestamp(datetime.now(UTC))
    )


def changed_message(
    kind: events_pb2.ChangeKind, camera: Camera | None, *, camera_id: int, account_uuid: str
) -> events_pb2.CameraChanged:
    """CameraChanged: the full camera with its active grants, or only id and account for DELETED
    (camera None)."""
    now = timestamp(datetime.now(UTC))
    if camera is None:
        return events_pb2.CameraChanged(
            kind=events_pb2.CHANGE_KIND_DELETED,
            camera=camera_pb2.Camera(id=camera_id, account_uuid=account_uuid),
            changed_at=now,
        )
    message = camera_message(camera)
    message.grants.extend(grant_message(share) for share in camera.shares)
    if camera.shares:  # grantees' notification lists name the owner
        message.owner_username = camera.shares[0].owner_username
    return events_pb2.CameraChanged(kind=kind, camera=message, changed_at=now)
