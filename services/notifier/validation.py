"""Input rules for the notifier's RPCs; each failure is a VALIDATION_ERROR naming the field."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from visionflow.errors import ErrorCode, VisionFlowError

NOTIFICATION_TYPES = frozenset({"alerts", "daily_reports"})
DEFAULT_TYPES = ("alerts",)
MAX_METADATA_BYTES = 16 * 1024
MAX_MESSAGE_CHARS = 2000
MAX_NAME_CHARS = 100
MAX_LABEL_CHARS = 200  # camera and region names copied from the camera service
MAX_EVENT_ID_CHARS = 100
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


def invalid(message: str) -> VisionFlowError:
    return VisionFlowError(ErrorCode.VALIDATION_ERROR, message)


@dataclass(frozen=True)
class NewNotification:
    """A validated notification to create."""

    camera_id: int
    camera_name: str
    message: str
    image_path: str
    detection_type: str
    confidence: float
    region_name: str
    metadata_json: str
    event_id: str | None


def notification(
    *,
    camera_id: int,
    camera_name: str,
    message: str,
    image_path: str,
    detection_type: str,
    confidence: float,
    region_name: str,
    metadata_json: str,
    event_id: str,
) -> NewNotification:
    if camera_id <= 0:
        raise invalid("camera_id must be a positive integer")
    message = message.strip()
    if not 1 <= len(message) <= MAX_MESSAGE_CHARS:
        raise invalid(f"message must be 1-{MAX_MESSAGE_CHARS} characters")
    detection_type = detection_type.strip()
    if not 1 <= len(detection_type) <= 50:
        raise invalid("detection_type must be 1-50 characters")
    if not math.isfinite(confidence) or not 0.0 <= confidence <= 1.0:
        raise invalid("confidence must be a number between 0 and 1")
    if len(image_path) > 500:
        raise invalid("image_path must be at most 500 characters")
    if len(camera_name) > MAX_LABEL_CHARS:
        raise invalid(f"camera_name must be at most {MAX_LABEL_CHARS} characters")
    if len(region_name) > MAX_LABEL_CHARS:
        raise invalid(f"region_name must be at most {MAX_LABEL_CHARS} characters")
    if len(event_id) > MAX_EVENT_ID_CHARS:
        raise invalid(f"event_id must be at most {MAX_EVENT_ID_CHARS} characters")
    return NewNotification(
        camera_id=camera_id,
        camera_name=camera_name,
        message=message,
        image_path=image_path.strip(),
        detection_type=detection_type,
        confidence=confidence,
        region_name=region_name,
        metadata_json=metadata(metadata_json),
        event_id=event_id or None,
    )


def metadata(raw: str) -> str:
    """A JSON object of at most 16 KB, stored as given; empty stays empty."""
    if not raw:
        return ""
    if len(raw.encode()) > MAX_METADATA_BYTES:
        raise invalid("metadata must be at most 16 KB")
    try:
        value = json.loads(raw)
    except ValueError:
        raise invalid("metadata must be valid JSON") from None
    if not isinstance(value, dict):
        raise invalid("metadata must be a JSON object")
    return raw


def page_and_limit(page: int, limit: int) -> tuple[int, int]:
    if page < 1:
        raise invalid("page must be at least 1")
    if not 1 <= limit <= 100:
        raise invalid("limit must be between 1 and 100")
    return page, limit


def email(value: str) -> str:
    """A plausible address, lower-cased so that duplicates are found regardless of case."""
    value = value.strip()
    if len(value) > 254 or not _EMAIL.match(value) or len(value.split("@", 1)[0]) > 64:
        raise invalid("email must be a valid email address")
    return value.lower()


def name(value: str) -> str:
    value = value.strip()
    if len(value) > MAX_NAME_CHARS:
        raise invalid(f"name must be at most {MAX_NAME_CHARS} characters")
    return value


def notification_types(values: list[str] | tuple[str, ...], *, default_if_empty: bool) -> list[str]:
    """A subset of {"alerts", "daily_reports"} in a stable order, without duplicates."""
    cleaned = [value.strip() for value in values]
    unknown = sorted(set(cleaned) - NOTIFICATION_TYPES)
    if unknown:
        raise invalid(f"notification_types may only contain alerts, daily_reports (got {unknown[0]!r})")
    if not cleaned and default_if_empty:
        return list(DEFAULT_TYPES)
    return sorted(set(cleaned))


def line_token(value: str) -> str:
    if not 10 <= len(value) <= 512:
        raise invalid("token must be 10-512 characters")
    if any(char.isspace() for char in value) or not value.isprintable():
        raise invalid("token must not contain whitespace")
    return value


def line_target(value: str) -> str:
    """The LINE user/group/room id to push to; optional, but not blank when given."""
    if value and not value.strip():
        raise invalid("target must not be blank")
    value = value.strip()
    if len(value) > MAX_NAME_CHARS:
        raise invalid(f"target must be at most {MAX_NAME_CHARS} characters")
    return value


def mask_token(token: str) -> str:
    return token[:16] + "..."
