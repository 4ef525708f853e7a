"""The shapes of the gateway's JSON answers, for the OpenAPI schema (`/openapi.json`, `/docs`)
and for FastAPI to check what routes return.

Bodies are built in services/gateway/render.py (resources) and the routes (envelopes); these
models say the same thing to clients and to schema-driven tests (schemathesis). Every error is
the envelope in services/gateway/errors.py.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class Answer(BaseModel):
    """Base of every answer: a client may meet fields added later."""

    model_config = ConfigDict(extra="allow")


class ErrorEnvelope(Answer):
    status: Literal["error"]
    message: str
    error_code: str


class Success(Answer):
    status: Literal["success"]


class Said(Success):
    """A success that says what was done (the contract's messages, some of them in Chinese)."""

    message: str


class Point(Answer):
    # Whole numbers stay JSON integers (`100`, not `100.0`), as the contract's examples show.
    x: int | float
    y: int | float


class Region(Answer):
    id: int
    name: str
    coordinates: list[Point]
    alert_duration: int | float
    notification_enabled: bool
    detection_classes: list[str]
    created_at: str | None


class Camera(Answer):
    id: int
    name: str
    stream_url: str
    recognition: bool
    location: str
    model_name: str
    detect_fps: float
    detect_stream_url: str | None
    status: Literal["connecting", "online", "offline", "error"]
    created_at: str | None
    updated_at: str | None
    last_active: str | None


class Notification(Answer):
    id: int
    account_uuid: str
    camera_id: int
    camera_name: str
    message: str
    image_path: str
    detection_type: str
    confidence: float
    status: Literal["unread", "read"]
    created_at: str | None
    region_name: str
    notification_sent: bool
    metadata: Any = None


class EmailRecipient(Answer):
    id: int
    account_uuid: str
    email: str
    name: str
    active: bool
    verified: bool
    created_at: str | None
    last_notification: str | None
    notification_types: list[str]


class LineTarget(Answer):
    id: int
    account_uuid: str
    token: str  # masked
    name: str
    active: bool
    verified: bool
    created_at: str | None
    last_used: str | None
    target: str
    notification_types: list[str]


class Share(Answer):
    id: int
    camera_id: int
    grantee_username: str
    include_past_notifications: bool
    expires_at: str | None
    created_at: str | None


class SharedCamera(Answer):
    id: int
    name: str
    location: str
    recognition: bool
    status: Literal["connecting", "online", "offline", "error"]
    created_at: str | None
    last_active: str | None
    access: Literal["viewer"]
    owner_username: str
    share_id: int
    include_past_notifications: bool
    granted_at: str | None
    expires_at: str | None


class ShareOne(Said):
    data: Share


class ShareList(Success):
    data: list[Share]
    total: int


class ShareRevoked(Answer):
    share_id: int
    camera_id: int


class ShareRevokedAnswer(Said):
    data: ShareRevoked


class SharedCameraList(Success):
    data: list[SharedCamera]
    total: int


class Registered(Said):
    account_uuid: str


class Tokens(Success):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"]
    expires_in: int


class LoggedIn(Tokens):
    message: str
    account_uuid: str


class CameraList(Success):
    data: list[Camera]
    total: int


class CameraOne(Said):
    data: Camera


class CameraDeleted(Said):
    deleted_camera_id: int


class RegionsSaved(Answer):
    camera_id: int
    regions_count: int
    saved_at: str


class RegionsSavedAnswer(Said):
    data: RegionsSaved


class RegionList(Answer):
    camera_id: int
    regions: list[Region]
    total_regions: int


class RegionListAnswer(Success):
    data: RegionList


class Pagination(Answer):
    current_page: int
    total_pages: int
    total_items: int
    items_per_page: int


class NotificationList(Success):
    data: list[Notification]
    pagination: Pagination


class NotificationOne(Said):
    data: Notification


class EmailRecipientList(Success):
    data: list[EmailRecipient]
    total: int


class EmailRecipientOne(Said):
    data: EmailRecipient


class EmailRecipientDeleted(Said):
    deleted_recipient_id: int


class LineTargetList(Success):
    data: list[LineTarget]
    total: int


class LineTargetOne(Said):
    data: LineTarget


class LineTargetDeleted(Said):
    deleted_line_token_id: int


class SessionsEnded(Answer):
    sessions_ended: int


class LoggedOutEverywhere(Said):
    data: SessionsEnded


class MarkedRead(Answer):
    updated: int


class MarkedReadAnswer(Said):
    data: MarkedRead


class VerificationResent(Answer):
    id: int
    email: str
    verification_sent: bool


class VerificationResentAnswer(Said):
    data: VerificationResent


_ERRORS: dict[int, str] = {
    400: "A body that is not JSON, or a malformed request (`VALIDATION_ERROR`)",
    401: "No or an invalid access token (`AUTH_REQUIRED`, `INVALID_TOKEN`)",
    403: "Not allowed (`INSUFFICIENT_PERMISSIONS`)",
    404: "Not found or not yours (`CAMERA_NOT_FOUND`, `RESOURCE_NOT_FOUND`)",
    409: "Conflicts with what is stored (`CONFLICT`, `USERNAME_TAKEN`, `EMAIL_TAKEN`)",
    422: "Invalid input or a quota reached (`VALIDATION_ERROR`)",
    429: "Too many requests (`RATE_LIMIT_EXCEEDED`, with `Retry-After`)",
    503: "A service behind the gateway is unavailable (`SERVICE_UNAVAILABLE`, with `Retry-After`)",
}
PUBLIC = (400, 409, 422, 429, 503)
AUTHENTICATED = (400, 401, 403, 404, 409, 422, 429, 503)


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: the error envelope for each status it may answer."""
    # The schema inline, under application/json: HTML routes answer errors in JSON too.
    envelope = {"application/json": {"schema": ErrorEnvelope.model_json_schema()}}
    return {status: {"description": _ERRORS[status], "content": envelope} for status in statuses}


def page_errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of an HTML page that answers some failures with a page of its own."""
    return {status: {"description": _ERRORS[status], "content": {"text/html": {}}} for status in statuses}
