"""Protobuf messages built from store records (camera.proto / events.proto)."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from services.camera.models import Camera, CameraStatus, Region
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
    )
    if camera.last_active is not None:
        message.last_active.CopyFrom(timestamp(camera.last_active))
    return message


def changed_message(
    kind: events_pb2.ChangeKind, camera: Camera | None, *, camera_id: int, account_uuid: str
) -> events_pb2.CameraChanged:
    """CameraChanged: the full camera, or only id and account for DELETED (camera None)."""
    now = timestamp(datetime.now(UTC))
    if camera is None:
        return events_pb2.CameraChanged(
            kind=events_pb2.CHANGE_KIND_DELETED,
            camera=camera_pb2.Camera(id=camera_id, account_uuid=account_uuid),
            changed_at=now,
        )
    return events_pb2.CameraChanged(kind=kind, camera=camera_message(camera), changed_at=now)
