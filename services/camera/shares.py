"""Camera share storage: who may watch which camera, keyword-only synchronous functions.

A share is active while its `expires_at` is unset or in the future; every query here counts only
active shares, so an expired share stops working at once even before `expire_shares` removes it.
Owner-facing functions filter by the owner's account, grantee-facing ones by the grantee's. Each
change bumps the camera's revision, so its CameraChanged (which carries the active grants) is
published again. Run them through `asyncio.to_thread` from async code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from services.camera.models import CameraRow, Share, ShareRow, ShareSpec
from visionflow import quotas
from visionflow.db import utcnow
from visionflow.errors import ErrorCode, VisionFlowError

ALREADY_SHARED = "This camera is already shared with that account"


def _share(row: ShareRow) -> Share:
    assert row.id is not None
    return Share(
        id=row.id,
        camera_id=row.camera_id,
        owner_account_uuid=row.owner_account_uuid,
        owner_username=row.owner_username,
        grantee_account_uuid=row.grantee_account_uuid,
        grantee_username=row.grantee_username,
        include_past_notifications=row.include_past_notifications,
        expires_at=row.expires_at,
        created_at=row.created_at,
    )


def _active(now: datetime) -> ColumnElement[bool]:
    expires = col(ShareRow.expires_at)
    return or_(expires.is_(None), expires > now)


def _bump(session: Session, camera_id: int) -> None:
    row = session.get(CameraRow, camera_id)
    if row is not None:
        row.revision = col(CameraRow.revision) + 1  # type: ignore[assignment]  # in the database
        session.add(row)


def active_by_camera(session: Session, camera_ids: Sequence[int], now: datetime) -> dict[int, list[Share]]:
    """The active shares of each camera, oldest first (for the records the feed publishes)."""
    grouped: dict[int, list[Share]] = defaultdict(list)
    if not camera_ids:
        return grouped
    statement = (
        select(ShareRow)
        .where(col(ShareRow.camera_id).in_(camera_ids), _active(now))
        .order_by(col(ShareRow.id))
    )
    for row in session.exec(statement):
        grouped[row.camera_id].append(_share(row))
    return grouped


def create_share(
    *,
    engine: Engine,
    owner_account_uuid: str,
    owner_username: str,
    camera_id: int,
    spec: ShareSpec,
    max_shares: int,
) -> Share | None:
    """Share an owned camera; None when the camera is missing or not the owner's. CONFLICT when
    it is already shared with the grantee (an expired share is replaced), VALIDATION_ERROR past
    the per-camera quota."""
    now = utcnow()
    with Session(engine) as session:
        camera = session.exec(
            select(CameraRow).where(CameraRow.id == camera_id, CameraRow.account_uuid == owner_account_uuid)
        ).first()
        if camera is None:
            return None
        existing = session.exec(
            select(ShareRow).where(
                ShareRow.camera_id == camera_id, ShareRow.grantee_account_uuid == spec.grantee_account_uuid
            )
        ).first()
        if existing is not None:
            if existing.expires_at is None or existing.expires_at > now:
                raise VisionFlowError(ErrorCode.CONFLICT, ALREADY_SHARED)
            session.delete(existing)
            session.flush()
        held = session.exec(
            select(func.count()).select_from(ShareRow).where(ShareRow.camera_id == camera_id, _active(now))
        ).one()
        quotas.check_count("shares of this camera", held, max_shares, scope="this camera")
        row = ShareRow(
            camera_id=camera_id,
            owner_account_uuid=owner_account_uuid,
            owner_username=owner_username[:32],
            grantee_account_uuid=spec.grantee_account_uuid,
            grantee_username=spec.grantee_username[:32],
            include_past_notifications=spec.include_past_notifications,
            expires_at=spec.expires_at,
            created_at=now,
        )
        session.add(row)
        _bump(session, camera_id)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()  # a concurrent share with the same grantee won
            raise VisionFlowError(ErrorCode.CONFLICT, ALREADY_SHARED) from None
        session.refresh(row)
        return _share(row)


def list_shares(*, engine: Engine, owner_account_uuid: str, camera_id: int) -> list[Share]:
    """The active shares of one of the owner's cameras (none for anyone else's)."""
    now = utcnow()
    with Session(engine) as session:
        statement = (
            select(ShareRow)
            .where(
                ShareRow.camera_id == camera_id,
                ShareRow.owner_account_uuid == owner_account_uuid,
                _active(now),
            )
            .order_by(col(ShareRow.id))
        )
        return [_share(row) for row in session.exec(statement)]


def revoke_share(*, engine: Engine, owner_account_uuid: str, camera_id: int, share_id: int) -> Share | None:
    """Delete one share of one of the owner's cameras; None when there is no such share."""
    with Session(engine) as session:
        row = session.exec(
            select(ShareRow).where(
                ShareRow.id == share_id,
                ShareRow.camera_id == camera_id,
                ShareRow.owner_account_uuid == owner_account_uuid,
            )
        ).first()
        if row is None:
            return None
        share = _share(row)
        session.delete(row)
        _bump(session, camera_id)
        session.commit()
        return share


def viewer_share(*, engine: Engine, account_uuid: str, camera_id: int) -> Share | None:
    """The caller's active share of a camera (it may watch it), or None."""
    now = utcnow()
    with Session(engine) as session:
        row = session.exec(
            select(ShareRow).where(
                ShareRow.camera_id == camera_id, ShareRow.grantee_account_uuid == account_uuid, _active(now)
            )
        ).first()
        return None if row is None else _share(row)


def shared_with(*, engine: Engine, account_uuid: str) -> list[Share]:
    """Every active share whose grantee is the caller, oldest first."""
    now = utcnow()
    with Session(engine) as session:
        statement = (
            select(ShareRow)
            .where(ShareRow.grantee_account_uuid == account_uuid, _active(now))
            .order_by(col(ShareRow.id))
        )
        return [_share(row) for row in session.exec(statement)]


def expire_shares(*, engine: Engine, now: datetime | None = None) -> list[Share]:
    """Remove the shares whose time has passed (one transaction); the removed ones."""
    moment = now or utcnow()
    with Session(engine) as session:
        rows = list(
            session.exec(
                select(ShareRow).where(
                    col(ShareRow.expires_at).is_not(None), col(ShareRow.expires_at) <= moment
                )
            )
        )
        if not rows:
            return []
        expired = [_share(row) for row in rows]
        session.execute(delete(ShareRow).where(col(ShareRow.id).in_([share.id for share in expired])))
        for camera_id in sorted({share.camera_id for share in expired}):
            _bump(session, camera_id)
        session.commit()
        return expired


def delete_camera_shares(*, session: Session, camera_id: int) -> list[Share]:
    """Remove a camera's shares inside the caller's transaction (the camera is being deleted)."""
    rows = list(session.exec(select(ShareRow).where(ShareRow.camera_id == camera_id)))
    session.execute(delete(ShareRow).where(col(ShareRow.camera_id) == camera_id))
    return [_share(row) for row in rows]
