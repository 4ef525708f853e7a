"""Notification storage: idempotent create (with its outbox rows), paged list, read/unread.

Keyword-only synchronous functions, run through `asyncio.to_thread`; every query filters by
account, and another account's notification behaves as missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.notifier.models import Channel, Delivery, EmailRecipient, LineTarget, Notification
from services.notifier.sharing import SharedScope, visible
from services.notifier.validation import NewNotification
from visionflow import quotas
from visionflow.db import utcnow
from visionflow.errors import ErrorCode, VisionFlowError

ALERTS = "alerts"


@dataclass(frozen=True)
class Created:
    """The result of a create: the row, whether it is new, and the outbox rows it queued."""

    notification: Notification
    created: bool
    delivery_ids: list[int]


@dataclass(frozen=True)
class Page:
    notifications: list[Notification]
    page: int
    limit: int
    total_items: int

    @property
    def total_pages(self) -> int:
        return math.ceil(self.total_items / self.limit)


def not_found() -> VisionFlowError:
    return VisionFlowError(ErrorCode.RESOURCE_NOT_FOUND, "Notification not found")


def _by_event(session: Session, account_uuid: str, event_id: str) -> Notification | None:
    return session.exec(
        select(Notification).where(
            Notification.account_uuid == account_uuid, Notification.event_id == event_id
        )
    ).first()


def create_notification(
    *,
    engine: Engine,
    account_uuid: str,
    data: NewNotification,
    enqueue: bool,
    max_per_minute: int | None = None,
) -> Created:
    """Insert a notification, or return the existing one with the same event id.

    With `enqueue`, one outbox row per alert channel target is written in the same transaction,
    so a notification never exists without its deliveries (and a duplicate queues nothing).
    """
    with Session(engine, expire_on_commit=False) as session:
        if data.event_id is not None:
            existing = _by_event(session, account_uuid, data.event_id)
            if existing is not None:
                return Created(existing, False, [])
        if max_per_minute is not None:
            since = utcnow() - timedelta(minutes=1)
            recent = session.exec(
                select(func.count())
                .select_from(Notification)
                .where(Notification.account_uuid == account_uuid, col(Notification.created_at) >= since)
            ).one()
            quotas.check_rate("notifications", recent, max_per_minute)
        row = Notification(
            account_uuid=account_uuid,
            camera_id=data.camera_id,
            camera_name=data.camera_name,
            message=data.message,
            image_path=data.image_path,
            detection_type=data.detection_type,
            confidence=data.confidence,
            region_name=data.region_name,
            metadata_json=data.metadata_json,
            event_id=data.event_id,
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            # The same event was created concurrently (e.g. a JetStream redelivery).
            session.rollback()
            if data.event_id is None:
                raise
            existing = _by_event(session, account_uuid, data.event_id)
            if existing is None:
                raise
            return Created(existing, False, [])
        deliveries = _enqueue_alert(session, account_uuid, row) if enqueue else []
        session.commit()
        return Created(row, True, [d.id for d in deliveries if d.id is not None])


def _subscribed(types: str) -> bool:
    return ALERTS in types.split(",")


def _enqueue_alert(session: Session, account_uuid: str, notification: Notification) -> list[Delivery]:
    recipients = session.exec(
        select(EmailRecipient).where(
            EmailRecipient.account_uuid == account_uuid,
            col(EmailRecipient.active).is_(True),
            col(EmailRecipient.verified).is_(True),
        )
    ).all()
    targets = session.exec(
        select(LineTarget).where(
            LineTarget.account_uuid == account_uuid,
            col(LineTarget.active).is_(True),
            LineTarget.target != "",
        )
    ).all()
    assert notification.id is not None
    rows = [
        Delivery(
            account_uuid=account_uuid,
            notification_id=notification.id,
            channel=Channel.EMAIL.value,
            target_id=r.id,
        )
        for r in recipients
        if r.id is not None and _subscribed(r.notification_types)
    ] + [
        Delivery(
            account_uuid=account_uuid,
            notification_id=notification.id,
            channel=Channel.LINE.value,
            target_id=t.id,
        )
        for t in targets
        if t.id is not None and _subscribed(t.notification_types)
    ]
    session.add_all(rows)
    session.flush()
    return rows


def get_notification(*, engine: Engine, account_uuid: str, notification_id: int) -> Notification:
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(Notification, notification_id)
        if row is None or row.account_uuid != account_uuid:
            raise not_found()
        return row


def list_notifications(
    *,
    engine: Engine,
    account_uuid: str,
    page: int,
    limit: int,
    status: str | None,
    shared: list[SharedScope] | None = None,
) -> Page:
    """Newest first, the caller's own and those `shared` with it (services/notifier/sharing.py);
    `status` "read"/"unread" filters, None lists all."""
    with Session(engine, expire_on_commit=False) as session:
        condition = [visible(account_uuid, shared or [])]
        if status is not None:
            condition.append(col(Notification.status) == status)
        total = session.exec(select(func.count()).select_from(Notification).where(*condition)).one()
        rows = session.exec(
            select(Notification)
            .where(*condition)
            .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
            .offset((page - 1) * limit)
            .limit(limit)
        ).all()
        return Page(list(rows), page, limit, int(total))


def set_status(*, engine: Engine, account_uuid: str, notification_id: int, status: str) -> Notification:
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(Notification, notification_id)
        if row is None or row.account_uuid != account_uuid:
            raise not_found()
        row.status = status
        session.add(row)
        session.commit()
        return row


def mark_all_read(*, engine: Engine, account_uuid: str) -> int:
    """Mark every unread notification of the account read in one statement; returns how many."""
    with Session(engine) as session:
        result = session.execute(
            update(Notification)
            .where(col(Notification.account_uuid) == account_uuid, col(Notification.status) == "unread")
            .values(status="read")
        )
        session.commit()
        return int(getattr(result, "rowcount", 0) or 0)


def mark_notification_sent(*, session: Session, notification_id: int) -> None:
    """Record that at least one channel accepted the notification (inside the caller's commit)."""
    row = session.get(Notification, notification_id)
    if row is not None and not row.notification_sent:
        row.notification_sent = True
        session.add(row)
