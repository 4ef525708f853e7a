"""Request bodies of the REST API: strict types, bounded sizes, unknown fields refused.

Booleans must be JSON booleans, numbers JSON numbers (no "0.5" strings); a misspelt key fails
with VALIDATION_ERROR naming it. Response bodies are built from protos in render.py.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
    model_validator,
)

from visionflow.v1 import camera_pb2
from visionflow.vocabulary import (
    CLASS_NAME_MAX,
    DEFAULT_DETECT_FPS,
    DEFAULT_MODEL,
    LOCATION_MAX,
    MAX_ALERT_DURATION,
    MAX_CLASSES_PER_REGION,
    MAX_COORDINATE,
    MAX_DETECT_FPS,
    MAX_POINTS,
    MAX_REGIONS,
    MIN_DETECT_FPS,
    MIN_POINTS,
    NAME_MAX,
    STREAM_URL_MAX,
)

INT64_MAX = 2**63 - 1
USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,32}$"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")

Name = Annotated[
    str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=NAME_MAX)
]
OptionalText = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, max_length=LOCATION_MAX)]
Coordinate = Annotated[float, Field(strict=True, ge=0, le=MAX_COORDINATE, allow_inf_nan=False)]
Seconds = Annotated[float, Field(strict=True, ge=0, le=MAX_ALERT_DURATION, allow_inf_nan=False)]
Confidence = Annotated[float, Field(strict=True, ge=0, le=1, allow_inf_nan=False)]
EntityId = Annotated[int, Field(strict=True, ge=1, le=INT64_MAX)]
# Which names are valid is the camera / notifier service's call; here only their shape.
ClassName = Annotated[
    str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=CLASS_NAME_MAX)
]
NotificationType = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=32)]
Email = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=3, max_length=254)]
Secret = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=4096)]


class RequestBody(BaseModel):
    """Base of every body: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")


class PartialUpdate(RequestBody):
    """A PATCH body: at least one field, and no field set to null."""

    @model_validator(mode="after")
    def _not_empty_nor_null(self) -> PartialUpdate:
        if not self.model_fields_set:
            raise ValueError("at least one field to update is required")
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} must not be null")
        return self


def _check_email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("must be a valid email address")
    return value


# Accounts ---------------------------------------------------------------------------------------
class RegisterBody(RequestBody):
    username: Annotated[str, StringConstraints(strict=True, pattern=USERNAME_PATTERN)]
    email: Email
    password: Annotated[str, StringConstraints(strict=True, min_length=8, max_length=256)]

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str) -> str:
        return _check_email(value)


class LoginBody(RequestBody):
    username: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=254)]
    password: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=256)]


class RefreshBody(RequestBody):
    refresh_token: Secret


# Cameras and regions ----------------------------------------------------------------------------
class PointIn(RequestBody):
    """A polygon vertex in pixels: `{"x": 1, "y": 2}` or `[1, 2]`."""

    x: Coordinate
    y: Coordinate

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            if len(value) != 2:
                raise ValueError("a point is [x, y] or {x, y}")
            return {"x": value[0], "y": value[1]}
        return value


class RegionIn(RequestBody):
    name: Name
    coordinates: Annotated[list[PointIn], Field(min_length=MIN_POINTS, max_length=MAX_POINTS)]
    alert_duration: Seconds = 0.0
    notification_enabled: StrictBool = True
    detection_classes: Annotated[list[ClassName], Field(max_length=MAX_CLASSES_PER_REGION)] = Field(
        default_factory=list
    )

    def to_proto(self) -> camera_pb2.RegionInput:
        return camera_pb2.RegionInput(
            name=self.name,
            coordinates=[camera_pb2.Point(x=p.x, y=p.y) for p in self.coordinates],
            alert_duration=self.alert_duration,
            notification_enabled=self.notification_enabled,
            detection_classes=self.detection_classes,
        )


Regions = Annotated[list[RegionIn], Field(max_length=MAX_REGIONS)]
StreamUrl = Annotated[
    str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=STREAM_URL_MAX)
]
ModelName = Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
DetectFps = Annotated[float, Field(strict=True, ge=MIN_DETECT_FPS, le=MAX_DETECT_FPS, allow_inf_nan=False)]
# "" (or absent): detect on stream_url. Which URLs are allowed is the camera service's call.
DetectStreamUrl = Annotated[
    str, StringConstraints(strict=True, strip_whitespace=True, max_length=STREAM_URL_MAX)
]


class CameraCreate(RequestBody):
    name: Name
    stream_url: StreamUrl
    recognition: StrictBool = True
    location: OptionalText = ""
    model_name: ModelName = DEFAULT_MODEL
    detection_areas: Regions = Field(default_factory=list)
    detect_fps: DetectFps = DEFAULT_DETECT_FPS
    detect_stream_url: DetectStreamUrl = ""


class CameraUpdate(PartialUpdate):
    name: Name | None = None
    stream_url: StreamUrl | None = None
    recognition: StrictBool | None = None
    location: OptionalText | None = None
    model_name: ModelName | None = None
    detection_areas: Regions | None = None
    detect_fps: DetectFps | None = None
    detect_stream_url: DetectStreamUrl | None = None


class RegionsReplace(RequestBody):
    regions: Regions


# Notifications ----------------------------------------------------------------------------------
class NotificationCreate(RequestBody):
    camera_id: EntityId
    message: Annotated[
        str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=2000)
    ]
    image_path: Annotated[str, StringConstraints(strict=True, max_length=500)] = ""
    detection_type: Annotated[
        str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=50)
    ]
    confidence: Confidence
    region_name: Annotated[str, StringConstraints(strict=True, max_length=200)] = ""
    metadata: dict[str, Any] | None = None


class NotificationUpdate(RequestBody):
    status: Literal["read", "unread"]


NotificationFilter = Literal["unread", "read", "all"]


# Camera shares ----------------------------------------------------------------------------------
class ShareCreate(RequestBody):
    """A view-only share: the grantee's username or email, optionally until `expires_at`."""

    grantee: Annotated[
        str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=254)
    ]
    expires_at: AwareDatetime | None = None
    include_past_notifications: StrictBool = False


# Delivery targets -------------------------------------------------------------------------------
NotificationTypes = Annotated[list[NotificationType], Field(max_length=10)]


class EmailRecipientCreate(RequestBody):
    email: Email
    name: OptionalText = ""
    notification_types: NotificationTypes = Field(default_factory=lambda: ["alerts"])
    active: StrictBool = True

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str) -> str:
        return _check_email(value)


class EmailRecipientUpdate(PartialUpdate):
    name: OptionalText | None = None
    active: StrictBool | None = None
    notification_types: NotificationTypes | None = None


class LineTokenCreate(RequestBody):
    token: Annotated[str, StringConstraints(strict=True, pattern=r"^\S{1,512}$")]
    name: OptionalText = ""
    notification_types: NotificationTypes = Field(default_factory=lambda: ["alerts"])
    active: StrictBool = True
    target: Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9_-]{0,64}$")] = ""
