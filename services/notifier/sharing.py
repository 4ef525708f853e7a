"""Notifications seen through a camera share: which, and what a grantee may do with them.

The camera feed (visionflow/camerafeed.py) carries each camera's active grants. A grantee sees
the shared camera's notifications from the moment of the grant (or all of them, with
`include_past_notifications`) until the grant is revoked or expires, marked `shared` with the
owner's username. It reads them only: it cannot mark them read (INSUFFICIENT_PERMISSIONS; the
read state is the owner's), and may open their pictures and nothing else of the owner's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, or_
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from services.notifier.models import Notification
from visionflow.camerafeed import CameraFeed


@dataclass(frozen=True)
class SharedScope:
    """One camera shared with the caller: its owner's notifications of it since `since`."""

    camera_id: int
    owner_account_uuid: str
    owner_username: str
    since: datetime | None  # None: all of them (include_past_notifications)


def scopes(feed: CameraFeed, account_uuid: str) -> list[SharedScope]:
    found: list[SharedScope] = []
    for camera, grant in feed.shared_with(account_uuid, time.time()):
        since = None if grant.include_past_notifications else grant.granted_at.ToDatetime(tzinfo=UTC)
        found.append(SharedScope(camera.id, camera.account_uuid, camera.owner_username, since))
    return found


def visible(account_uuid: str, shared: list[SharedScope]) -> ColumnElement[bool]:
    """The caller's own notifications, or those of a shared camera within its grant."""
    conditions: list[ColumnElement[bool]] = [col(Notification.account_uuid) == account_uuid]
    for scope in shared:
        parts = [
            col(Notification.account_uuid) == scope.owner_account_uuid,
            col(Notification.camera_id) == scope.camera_id,
        ]
        if scope.since is not None:
            parts.append(col(Notification.created_at) >= scope.since)
        conditions.append(and_(*parts))
    return or_(*conditions)


def _shared_row(
    session: Session, condition: ColumnElement[bool], shared: list[SharedScope]
) -> Notification | None:
    if not shared:
        return None
    return session.exec(select(Notification).where(condition, visible("", shared))).first()


def is_shared_notification(*, engine: Engine, notification_id: int, shared: list[SharedScope]) -> bool:
    """Whether the caller sees this (another account's) notification through a share."""
    with Session(engine) as session:
        return _shared_row(session, col(Notification.id) == notification_id, shared) is not None


def shared_image_owner(*, engine: Engine, image_path: str, shared: list[SharedScope]) -> str | None:
    """The owner of a picture the caller may open through a share, or None."""
    with Session(engine) as session:
        row = _shared_row(session, col(Notification.image_path) == image_path, shared)
        return None if row is None else row.account_uuid
