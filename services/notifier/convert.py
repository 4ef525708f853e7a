"""Table rows to protobuf messages (the encrypted LINE token never leaves the service)."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from services.notifier.models import EmailRecipient, LineTarget, Notification
from visionflow.v1 import notifier_pb2

STATUS_TO_PROTO = {
    "unread": notifier_pb2.NOTIFICATION_STATUS_UNREAD,
    "read": notifier_pb2.NOTIFICATION_STATUS_READ,
}
STATUS_FROM_PROTO = {value: key for key, value in STATUS_TO_PROTO.items()}


def timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value.replace(tzinfo=UTC) if value.tzinfo is None else value)
    return stamp


def _types(joined: str) -> list[str]:
    return [item for item in joined.split(",") if item]


def notification(row: Notification) -> notifier_pb2.Notification:
    return notifier_pb2.Notification(
        id=row.id or 0,
        account_uuid=row.account_uuid,
        camera_id=row.camera_id,
        camera_name=row.camera_name,
        message=row.message,
        image_path=row.image_path,
        detection_type=row.detection_type,
        confidence=row.confidence,
        status=STATUS_TO_PROTO.get(row.status, notifier_pb2.NOTIFICATION_STATUS_UNSPECIFIED),
        created_at=timestamp(row.created_at),
        region_name=row.region_name,
        notification_sent=row.notification_sent,
        metadata_json=row.metadata_json,
    )


def email_recipient(row: EmailRecipient) -> notifier_pb2.EmailRecipient:
    return notifier_pb2.EmailRecipient(
        id=row.id or 0,
        account_uuid=row.account_uuid,
        email=row.email,
        name=row.name,
        active=row.active,
        verified=row.verified,
        created_at=timestamp(row.created_at),
        last_notification=timestamp(row.last_notification),
        notification_types=_types(row.notification_types),
    )


def line_token(row: LineTarget) -> notifier_pb2.LineToken:
    return notifier_pb2.LineToken(
        id=row.id or 0,
        account_uuid=row.account_uuid,
        token_masked=row.token_masked,
        name=row.name,
        active=row.active,
        verified=row.verified,
        created_at=timestamp(row.created_at),
        last_used=timestamp(row.last_used),
        target=row.target,
        notification_types=_types(row.notification_types),
    )
