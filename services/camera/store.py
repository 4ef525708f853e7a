"""Camera and region storage: keyword-only, synchronous functions over one engine.

Every account-facing function filters by `account_uuid`; a foreign camera looks exactly like a
missing one (None). Run them through `asyncio.to_thread` from async code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from services.camera import shares as share_store
from services.camera.models import (
    Camera,
    CameraPatch,
    CameraRow,
    CameraSpec,
    CameraStatus,
    Region,
    RegionRow,
    RegionSpec,
    Share,
    StatusUpdate,
)
from visionflow import migrate, quotas
from visionflow.db import utcnow


def create_tables(engine: Engine) -> None:
    """Bring the camera tables to the newest migration (visionflow/migrate.py)."""
    migrate.upgrade(engine, "camera")


def _region(row: RegionRow) -> Region:
    assert row.id is not None
    return Region(
        id=row.id,
        name=row.name,
        coordinates=tuple((float(x), float(y)) for x, y in row.coordinates),
        alert_duration=row.alert_duration,
        notification_enabled=row.notification_enabled,
        detection_classes=tuple(row.detection_classes),
        created_at=row.created_at,
    )


def _camera(row: CameraRow, regions: Iterable[RegionRow] = (), shares: Iterable[Share] = ()) -> Camera:
    assert row.id is not None
    return Camera(
        id=row.id,
        account_uuid=row.account_uuid,
        name=row.name,
        stream_url=row.stream_url,
        recognition=row.recognition,
        location=row.location,
        model_name=row.model_name,
        status=CameraStatus(row.status),
        status_reason=row.status_reason,
        width=row.width,
        height=row.height,
        created_at=row.created_at,
        updated_at=row.updated_at,
        last_active=row.last_active,
        regions=tuple(_region(region) for region in regions),
        revision=row.revision,
        detect_fps=row.detect_fps,
        detect_stream_url=row.detect_stream_url,
        shares=tuple(shares),
    )


def _owned_row(session: Session, account_uuid: str, camera_id: int) -> CameraRow | None:
    statement = select(CameraRow).where(CameraRow.id == camera_id, CameraRow.account_uuid == account_uuid)
    return session.exec(statement).first()


def _region_rows(session: Session, camera_ids: Sequence[int]) -> dict[int, list[RegionRow]]:
    grouped: dict[int, list[RegionRow]] = defaultdict(list)
    if not camera_ids:
        return grouped
    statement = select(RegionRow).where(col(RegionRow.camera_id).in_(camera_ids)).order_by(col(RegionRow.id))
    for row in session.exec(statement):
        grouped[row.camera_id].append(row)
    return grouped


def _with_regions(session: Session, rows: Sequence[CameraRow], *, shares: bool = False) -> list[Camera]:
    """Records with their regions, and with their active shares when `shares` (the feed's)."""
    ids = [row.id for row in rows if row.id is not None]
    regions = _region_rows(session, ids)
    grants = share_store.active_by_camera(session, ids, utcnow()) if shares else {}
    return [_camera(row, regions.get(row.id or 0, ()), grants.get(row.id or 0, ())) for row in rows]


def _add_regions(session: Session, camera_id: int, regions: Sequence[RegionSpec]) -> None:
    now = utcnow()
    for spec in regions:
        session.add(
            RegionRow(
                camera_id=camera_id,
                name=spec.name,
                coordinates=[[x, y] for x, y in spec.coordinates],
                alert_duration=spec.alert_duration,
                notification_enabled=spec.notification_enabled,
                detection_classes=list(spec.detection_classes),
                created_at=now,
            )
        )


def create_camera(
    *,
    engine: Engine,
    account_uuid: str,
    camera: CameraSpec,
    regions: Sequence[RegionSpec] = (),
    max_cameras: int | None = None,
) -> Camera:
    """Store a new camera (status connecting) with its regions, in one transaction; refused when
    the account already has `max_cameras` (its quota)."""
    now = utcnow()
    with Session(engine) as session:
        if max_cameras is not None:
            held = session.exec(
                select(func.count()).select_from(CameraRow).where(CameraRow.account_uuid == account_uuid)
            ).one()
            quotas.check_count("cameras", held, max_cameras)
        row = CameraRow(
            account_uuid=account_uuid,
            name=camera.name,
            stream_url=camera.stream_url,
            recognition=camera.recognition,
            location=camera.location,
            model_name=camera.model_name,
            detect_fps=camera.detect_fps,
            detect_stream_url=camera.detect_stream_url,
            status=CameraStatus.CONNECTING.value,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        _add_regions(session, row.id, regions)
        session.commit()
        return _with_regions(session, [row])[0]


def get_camera(*, engine: Engine, account_uuid: str, camera_id: int) -> Camera | None:
    with Session(engine) as session:
        row = _owned_row(session, account_uuid, camera_id)
        return None if row is None else _with_regions(session, [row])[0]


def list_cameras(*, engine: Engine, account_uuid: str) -> list[Camera]:
    with Session(engine) as session:
        statement = (
            select(CameraRow).where(CameraRow.account_uuid == account_uuid).order_by(col(CameraRow.id))
        )
        return _with_regions(session, list(session.exec(statement)))


def list_all_cameras(*, engine: Engine) -> list[Camera]:
    """Every camera of every account (for republishing state on start; never for an RPC)."""
    with Session(engine) as session:
        rows = list(session.exec(select(CameraRow).order_by(col(CameraRow.id))))
        return _with_regions(session, rows, shares=True)


def load_camera(*, engine: Engine, camera_id: int) -> Camera | None:
    """One camera by id whatever its account, with its active shares (for publishing its current
    state, and for a viewer the servicer has already checked)."""
    with Session(engine) as session:
        row = session.get(CameraRow, camera_id)
        return None if row is None else _with_regions(session, [row], shares=True)[0]


def camera_exists(*, engine: Engine, camera_id: int) -> bool:
    """Whether any account has this camera (tells 403 from 404 where the API wants it)."""
    with Session(engine) as session:
        return session.get(CameraRow, camera_id) is not None


def update_camera(
    *,
    engine: Engine,
    account_uuid: str,
    camera_id: int,
    patch: CameraPatch,
    regions: Sequence[RegionSpec] | None = None,
) -> Camera | None:
    """Apply a patch (and, when given, a new set of regions) in one transaction."""
    with Session(engine) as session:
        row = _owned_row(session, account_uuid, camera_id)
        if row is None:
            return None
        for name in patch.FIELDS:
            value = getattr(patch, name)
            if value is not None:
                setattr(row, name, value)
        if regions is not None:
            session.execute(delete(RegionRow).where(col(RegionRow.camera_id) == camera_id))
            _add_regions(session, camera_id, regions)
        row.updated_at = utcnow()
        row.revision = col(CameraRow.revision) + 1  # type: ignore[assignment]  # in the database
        session.add(row)
        session.commit()
        session.refresh(row)
        return _with_regions(session, [row])[0]


def delete_camera(*, engine: Engine, account_uuid: str, camera_id: int) -> bool:
    """Delete a camera, its regions and its shares; False when it is missing or foreign."""
    with Session(engine) as session:
        row = _owned_row(session, account_uuid, camera_id)
        if row is None:
            return False
        session.execute(delete(RegionRow).where(col(RegionRow.camera_id) == camera_id))
        share_store.delete_camera_shares(session=session, camera_id=camera_id)
        session.delete(row)
        session.commit()
        return True


def replace_regions(
    *, engine: Engine, account_uuid: str, camera_id: int, regions: Sequence[RegionSpec]
) -> Camera | None:
    """Swap all regions of a camera in one transaction; the camera with its new regions."""
    with Session(engine) as session:
        row = _owned_row(session, account_uuid, camera_id)
        if row is None:
            return None
        session.execute(delete(RegionRow).where(col(RegionRow.camera_id) == camera_id))
        _add_regions(session, camera_id, regions)
        row.updated_at = utcnow()
        row.revision = col(CameraRow.revision) + 1  # type: ignore[assignment]  # in the database
        session.add(row)
        session.commit()
        session.refresh(row)
        return _with_regions(session, [row])[0]


def delete_regions(*, engine: Engine, account_uuid: str, camera_id: int) -> int | None:
    """Delete all regions of a camera; how many, or None when the camera is missing or foreign."""
    with Session(engine) as session:
        row = _owned_row(session, account_uuid, camera_id)
        if row is None:
            return None
        count = len(_region_rows(session, [camera_id]).get(camera_id, []))
        session.execute(delete(RegionRow).where(col(RegionRow.camera_id) == camera_id))
        row.updated_at = utcnow()
        row.revision = col(CameraRow.revision) + 1  # type: ignore[assignment]  # in the database
        session.add(row)
        session.commit()
        return count


def apply_statuses(*, engine: Engine, updates: Sequence[StatusUpdate]) -> int:
    """Persist status reports in one transaction; each only where camera id and account match.

    Width/height 0 and a missing last frame time keep the stored values. Returns the number of
    cameras changed.
    """
    changed = 0
    with Session(engine) as session:
        for report in updates:
            values: dict[str, Any] = {"status_reason": report.reason[:500]}
            if report.status is not None:
                values["status"] = report.status.value
            if report.width > 0 and report.height > 0:
                values["width"] = report.width
                values["height"] = report.height
            if report.last_active is not None:
                values["last_active"] = report.last_active
            conditions = [
                col(CameraRow.id) == report.camera_id,
                col(CameraRow.account_uuid) == report.account_uuid,
            ]
            if report.observed_at is not None:
                values["status_observed_at"] = report.observed_at
                observed = col(CameraRow.status_observed_at)
                conditions.append(or_(observed.is_(None), observed <= report.observed_at))
            statement = update(CameraRow).where(*conditions).values(**values)
            result = session.execute(statement)
            changed += int(getattr(result, "rowcount", 0) or 0)
        session.commit()
    return changed
