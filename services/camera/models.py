"""Storage tables (`camera`, `region`, `camera_share`) and the plain records the store hands out.

Table rows never leave the store; servicers and publishers work with the frozen records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from visionflow.vocabulary import DEFAULT_DETECT_FPS, UPDATABLE_FIELDS


class CameraStatus(StrEnum):
    """A camera's connection state as stored (the API's lower-case names)."""

    CONNECTING = "connecting"
    ONLINE = "online"
    OFFLINE = "offline"
    ERROR = "error"


class CameraRow(SQLModel, table=True):
    __tablename__: ClassVar[str] = "camera"
    # Never reuse the id of a deleted camera (SQLite would reuse the highest one otherwise).
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    account_uuid: str = Field(max_length=36, index=True)
    name: str = Field(max_length=100)
    stream_url: str = Field(max_length=2048)
    recognition: bool = True
    location: str = Field(default="", max_length=200)
    model_name: str = Field(max_length=100)
    status: str = Field(default=CameraStatus.CONNECTING.value, max_length=16)
    status_reason: str = Field(default="", max_length=500)
    width: int = 0
    height: int = 0
    detect_fps: float = DEFAULT_DETECT_FPS
    detect_stream_url: str = Field(default="", max_length=2048)  # empty: detect on stream_url
    # Aware UTC (visionflow.db.utcnow); timestamptz on PostgreSQL.
    created_at: datetime
    updated_at: datetime
    last_active: datetime | None = None
    # When ingest observed the stored status: an older report (another replica's, a late one)
    # never overwrites a newer one.
    status_observed_at: datetime | None = None
    # +1 in the database on every change of the camera or its regions: the version its
    # CameraChanged carries, so a replica never publishes an older state over a newer one.
    revision: int = 1


class RegionRow(SQLModel, table=True):
    __tablename__: ClassVar[str] = "region"
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    camera_id: int = Field(foreign_key="camera.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=100)
    # [[x, y], ...] in pixel coordinates of the camera's frame.
    coordinates: list[list[float]] = Field(sa_column=Column(JSON, nullable=False))
    alert_duration: float = 0.0
    notification_enabled: bool = True
    # Empty: every class.
    detection_classes: list[str] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime


class ShareRow(SQLModel, table=True):
    """A camera shared view-only with another account (the grantee) until revoked or expired."""

    __tablename__: ClassVar[str] = "camera_share"
    __table_args__ = (
        UniqueConstraint("camera_id", "grantee_account_uuid", name="uq_camera_share_camera_grantee"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    camera_id: int = Field(foreign_key="camera.id", ondelete="CASCADE", index=True)
    owner_account_uuid: str = Field(max_length=36)
    owner_username: str = Field(default="", max_length=32)
    grantee_account_uuid: str = Field(max_length=36, index=True)
    grantee_username: str = Field(max_length=32)  # for display in the owner's list
    include_past_notifications: bool = False
    expires_at: datetime | None = None  # aware UTC; None: until revoked
    created_at: datetime


Point = tuple[float, float]


@dataclass(frozen=True)
class RegionSpec:
    """A validated region, before it is stored."""

    name: str
    coordinates: tuple[Point, ...]
    alert_duration: float
    notification_enabled: bool = True
    detection_classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Region:
    id: int
    name: str
    coordinates: tuple[Point, ...]
    alert_duration: float
    notification_enabled: bool
    detection_classes: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True)
class CameraSpec:
    """A validated new camera, before it is stored."""

    name: str
    stream_url: str
    recognition: bool
    location: str
    model_name: str
    detect_fps: float = DEFAULT_DETECT_FPS
    detect_stream_url: str = ""


@dataclass(frozen=True)
class CameraPatch:
    """A validated partial update: None leaves a field as it is."""

    name: str | None = None
    stream_url: str | None = None
    recognition: bool | None = None
    location: str | None = None
    model_name: str | None = None
    detect_fps: float | None = None
    detect_stream_url: str | None = None  # "": remove the sub-stream

    FIELDS: ClassVar[tuple[str, ...]] = UPDATABLE_FIELDS

    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in self.FIELDS)


@dataclass(frozen=True)
class ShareSpec:
    """A validated new share, its grantee already resolved to an account."""

    grantee_account_uuid: str
    grantee_username: str
    include_past_notifications: bool = False
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Share:
    id: int
    camera_id: int
    owner_account_uuid: str
    owner_username: str
    grantee_account_uuid: str
    grantee_username: str
    include_past_notifications: bool
    expires_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class Camera:
    id: int
    account_uuid: str
    name: str
    stream_url: str
    recognition: bool
    location: str
    model_name: str
    status: CameraStatus
    status_reason: str
    width: int
    height: int
    created_at: datetime
    updated_at: datetime
    last_active: datetime | None
    regions: tuple[Region, ...] = field(default=())
    detect_fps: float = DEFAULT_DETECT_FPS
    detect_stream_url: str = ""
    revision: int = 1
    shares: tuple[Share, ...] = field(default=())  # the active ones (for the camera feed)


@dataclass(frozen=True)
class StatusUpdate:
    """One camera status report from ingest, to persist when the camera and account match."""

    camera_id: int
    account_uuid: str
    status: CameraStatus | None  # None: keep the stored state
    reason: str
    width: int
    height: int
    last_active: datetime | None
    observed_at: datetime | None = None  # when ingest saw this state (its clock)


# The tables visionflow/migrations/env.py compares against (this service's, nothing else).
MIGRATED_TABLES = (
    CameraRow.__table__,  # type: ignore[attr-defined]
    RegionRow.__table__,  # type: ignore[attr-defined]
    ShareRow.__table__,  # type: ignore[attr-defined]
)
