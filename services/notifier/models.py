"""The notifier's tables: notifications, email recipients, LINE targets and the delivery outbox.

Each row carries its `account_uuid`; every store query filters by it. Timestamps are naive UTC.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from visionflow.db import utcnow


class Channel(StrEnum):
    """What one outbox row sends."""

    EMAIL = "email"  # an alert mail to one email recipient
    LINE = "line"  # an alert push to one LINE target
    VERIFICATION = "verification"  # a verification mail to one email recipient


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("account_uuid", "event_id", name="uq_notification_event"),)

    id: int | None = Field(default=None, primary_key=True)
    account_uuid: str = Field(index=True, max_length=36)
    camera_id: int
    camera_name: str = Field(default="", max_length=200)
    message: str = Field(sa_column=Column(Text, nullable=False))
    image_path: str = Field(default="", max_length=500)
    detection_type: str = Field(max_length=50)
    confidence: float
    region_name: str = Field(default="", max_length=200)
    metadata_json: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    event_id: str | None = Field(default=None, max_length=100)
    status: str = Field(default="unread", max_length=10)
    notification_sent: bool = False
    created_at: datetime = Field(default_factory=utcnow, index=True)


class EmailRecipient(SQLModel, table=True):
    __tablename__ = "email_recipient"
    __table_args__ = (UniqueConstraint("account_uuid", "email", name="uq_email_recipient_email"),)

    id: int | None = Field(default=None, primary_key=True)
    account_uuid: str = Field(index=True, max_length=36)
    email: str = Field(max_length=254)
    name: str = Field(default="", max_length=100)
    active: bool = True
    verified: bool = False
    notification_types: str = Field(default="alerts", max_length=100)  # comma-separated
    verify_token_hash: str | None = Field(default=None, index=True, max_length=64)
    verify_expires_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    last_notification: datetime | None = None


class LineTarget(SQLModel, table=True):
    __tablename__ = "line_target"

    id: int | None = Field(default=None, primary_key=True)
    account_uuid: str = Field(index=True, max_length=36)
    token_encrypted: str = Field(sa_column=Column(Text, nullable=False))
    token_masked: str = Field(max_length=40)
    name: str = Field(default="", max_length=100)
    target: str = Field(default="", max_length=100)
    active: bool = True
    verified: bool = False
    notification_types: str = Field(default="alerts", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    last_used: datetime | None = None


class Delivery(SQLModel, table=True):
    """One outbox row: one message to one channel target, retried until sent or failed."""

    __tablename__ = "notification_delivery"
    __table_args__ = (UniqueConstraint("notification_id", "channel", "target_id", name="uq_delivery_target"),)

    id: int | None = Field(default=None, primary_key=True)
    account_uuid: str = Field(index=True, max_length=36)
    notification_id: int | None = Field(default=None, index=True)  # None for verification mails
    channel: str = Field(max_length=20)
    target_id: int
    state: str = Field(default=DeliveryState.PENDING.value, max_length=10)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class SendWindow(SQLModel, table=True):
    """Messages an account sent in one minute (shared by every notifier replica)."""

    __tablename__ = "send_window"

    account_uuid: str = Field(primary_key=True, max_length=36)
    minute: int = Field(primary_key=True)  # Unix time // 60
    sent: int = 0


class VerificationMail(SQLModel, table=True):
    """One verification mail (first or resent), counted for the hourly limits per recipient
    address and per account, so the operator's SMTP server is nobody's relay."""

    __tablename__ = "verification_mail"

    id: int | None = Field(default=None, primary_key=True)
    account_uuid: str = Field(index=True, max_length=36)
    email_lower: str = Field(index=True, max_length=254)
    sent_at: datetime = Field(default_factory=utcnow, index=True)


# The tables visionflow/migrations/env.py compares against (this service's, nothing else).
MIGRATED_TABLES = (
    Notification.__table__,  # type: ignore[attr-defined]
    EmailRecipient.__table__,  # type: ignore[attr-defined]
    LineTarget.__table__,  # type: ignore[attr-defined]
    Delivery.__table__,  # type: ignore[attr-defined]
    SendWindow.__table__,  # type: ignore[attr-defined]
    VerificationMail.__table__,  # type: ignore[attr-defined]
)
