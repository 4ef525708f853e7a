"""Request validation: turn protobuf requests into validated specs or raise VALIDATION_ERROR.

Every message names the field (`regions[2].coordinates[0].x: ...`) and the rule it broke.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from urllib.parse import urlsplit

from services.camera.models import CameraPatch, CameraSpec, RegionSpec
from visionflow import demo
from visionflow.camera_urls import AddressPolicy, AddressRefused
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.v1 import camera_pb2
from visionflow.vocabulary import (
    ALLOWED_CLASSES,
    DEFAULT_DETECT_FPS,
    LOCATION_MAX,
    MASK_MAX_SIDE,
    MAX_ALERT_DURATION,
    MAX_COORDINATE,
    MAX_DETECT_FPS,
    MAX_POINTS,
    MAX_REGIONS,
    MIN_DETECT_FPS,
    MIN_POINTS,
    NAME_MAX,
    STREAM_URL_MAX,
)

NETWORK_SCHEMES = frozenset({"rtsp", "rtsps", "http", "https"})
FILE_SCHEME = "file"


DEFAULT_POLICY = AddressPolicy()


def invalid(field: str, reason: str) -> VisionFlowError:
    return VisionFlowError(ErrorCode.VALIDATION_ERROR, f"{field}: {reason}")


def check_name(value: str, field: str = "name") -> str:
    name = value.strip()
    if not name:
        raise invalid(field, "must not be blank")
    if len(name) > NAME_MAX:
        raise invalid(field, f"must be at most {NAME_MAX} characters")
    return name


def check_location(value: str) -> str:
    location = value.strip()
    if len(location) > LOCATION_MAX:
        raise invalid("location", f"must be at most {LOCATION_MAX} characters")
    return location


def check_stream_url(
    value: str, *, allow_file_urls: bool, field: str = "stream_url", policy: AddressPolicy = DEFAULT_POLICY
) -> str:
    url = value.strip()
    if not url:
        raise invalid(field, "is required")
    if len(url) > STREAM_URL_MAX:
        raise invalid(field, f"must be at most {STREAM_URL_MAX} characters")
    if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in url):
        raise invalid(field, "must not contain whitespace or control characters")
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        raise invalid(field, "is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme == demo.DEMO_SCHEME:
        try:
            return demo.demo_scene(url).url  # a bundled scene by name, never a path
        except demo.DemoRefused as refused:
            raise invalid(field, str(refused)) from None
    allowed = sorted(NETWORK_SCHEMES | {demo.DEMO_SCHEME} | ({FILE_SCHEME} if allow_file_urls else set()))
    if scheme == FILE_SCHEME and not allow_file_urls:
        raise invalid(field, "file:// URLs are not allowed on this server")
    if scheme not in NETWORK_SCHEMES and scheme != FILE_SCHEME:
        raise invalid(field, f"scheme must be one of {', '.join(allowed)}")
    if scheme in NETWORK_SCHEMES and not parts.hostname:
        raise invalid(field, "must name a host")
    if scheme == FILE_SCHEME and not parts.path:
        raise invalid(field, "file URL must name a path")
    if scheme in NETWORK_SCHEMES:
        try:
            policy.check_literal(url)  # names are checked by ingest when it connects
        except AddressRefused as refused:
            raise invalid(field, str(refused)) from None
    return url


def check_detect_stream_url(
    value: str, *, allow_file_urls: bool, policy: AddressPolicy = DEFAULT_POLICY
) -> str:
    """A sub-stream for detection, validated like `stream_url`; empty means none."""
    if not value.strip():
        return ""
    return check_stream_url(value, allow_file_urls=allow_file_urls, field="detect_stream_url", policy=policy)


def check_detect_fps(value: float) -> float:
    if not math.isfinite(value) or not MIN_DETECT_FPS <= value <= MAX_DETECT_FPS:
        raise invalid("detect_fps", f"must be between {MIN_DETECT_FPS:g} and {MAX_DETECT_FPS:g}")
    return float(value)


def check_model_name(value: str, *, known: Collection[str], default: str) -> str:
    name = value.strip() or default
    if name not in known:
        raise invalid("model_name", f"unknown model {name!r}; known: {', '.join(sorted(known))}")
    return name


def _coordinate(value: float, field: str) -> float:
    if not math.isfinite(value):
        raise invalid(field, "must be a finite number")
    if not 0 <= value <= MAX_COORDINATE:
        raise invalid(field, f"must be between 0 and {MAX_COORDINATE:g} (pixels)")
    return float(value)


def check_region(
    region: camera_pb2.RegionInput, field: str, *, notification_default: bool | None
) -> RegionSpec:
    """One region; `notification_default` overrides the request's flag (create's detection_areas)."""
    name = check_name(region.name, f"{field}.name")
    points = region.coordinates
    if len(points) < MIN_POINTS:
        raise invalid(f"{field}.coordinates", f"needs at least {MIN_POINTS} points")
    if len(points) > MAX_POINTS:
        raise invalid(f"{field}.coordinates", f"must have at most {MAX_POINTS} points")
    coordinates = tuple(
        (_coordinate(p.x, f"{field}.coordinates[{i}].x"), _coordinate(p.y, f"{field}.coordinates[{i}].y"))
        for i, p in enumerate(points)
    )
    duration = region.alert_duration
    if not math.isfinite(duration) or not 0 <= duration <= MAX_ALERT_DURATION:
        raise invalid(f"{field}.alert_duration", f"must be between 0 and {MAX_ALERT_DURATION:g} seconds")
    classes: list[str] = []
    for i, raw in enumerate(region.detection_classes):
        name_of_class = raw.strip().lower()
        if name_of_class not in ALLOWED_CLASSES:
            raise invalid(
                f"{field}.detection_classes[{i}]",
                f"unknown class {raw!r}; use COCO class names (person, car, ...) or 'vehicle'",
            )
        if name_of_class not in classes:
            classes.append(name_of_class)
    enabled = region.notification_enabled if notification_default is None else notification_default
    return RegionSpec(
        name=name,
        coordinates=coordinates,
        alert_duration=float(duration),
        notification_enabled=enabled,
        detection_classes=tuple(classes),
    )


def check_regions(
    regions: Sequence[camera_pb2.RegionInput], field: str, *, notification_default: bool | None = None
) -> list[RegionSpec]:
    if len(regions) > MAX_REGIONS:
        raise invalid(field, f"at most {MAX_REGIONS} regions per camera")
    return [
        check_region(region, f"{field}[{i}]", notification_default=notification_default)
        for i, region in enumerate(regions)
    ]


def create_request(
    request: camera_pb2.CreateCameraRequest,
    *,
    allow_file_urls: bool,
    known_models: Collection[str],
    default_model: str,
    policy: AddressPolicy = DEFAULT_POLICY,
) -> tuple[CameraSpec, list[RegionSpec]]:
    """A new camera and its regions. REST's detection_areas carry no notification flag: on."""
    camera = CameraSpec(
        name=check_name(request.name),
        stream_url=check_stream_url(request.stream_url, allow_file_urls=allow_file_urls, policy=policy),
        recognition=request.recognition,
        location=check_location(request.location),
        model_name=check_model_name(request.model_name, known=known_models, default=default_model),
        detect_fps=check_detect_fps(request.detect_fps)
        if request.HasField("detect_fps")
        else DEFAULT_DETECT_FPS,
        detect_stream_url=check_detect_stream_url(
            request.detect_stream_url, allow_file_urls=allow_file_urls, policy=policy
        ),
    )
    regions = check_regions(request.detection_areas, "detection_areas", notification_default=True)
    return camera, regions


def update_request(
    request: camera_pb2.UpdateCameraRequest,
    *,
    allow_file_urls: bool,
    known_models: Collection[str],
    default_model: str,
    policy: AddressPolicy = DEFAULT_POLICY,
) -> CameraPatch:
    patch = CameraPatch(
        name=check_name(request.name) if request.HasField("name") else None,
        stream_url=(
            check_stream_url(request.stream_url, allow_file_urls=allow_file_urls, policy=policy)
            if request.HasField("stream_url")
            else None
        ),
        recognition=request.recognition if request.HasField("recognition") else None,
        location=check_location(request.location) if request.HasField("location") else None,
        model_name=(
            check_model_name(request.model_name, known=known_models, default=default_model)
            if request.HasField("model_name")
            else None
        ),
        detect_fps=check_detect_fps(request.detect_fps) if request.HasField("detect_fps") else None,
        detect_stream_url=(
            check_detect_stream_url(request.detect_stream_url, allow_file_urls=allow_file_urls, policy=policy)
            if request.HasField("detect_stream_url")
            else None
        ),
    )
    if patch.is_empty() and not request.replace_regions:
        raise invalid("body", f"nothing to update: set at least one of {', '.join(CameraPatch.FIELDS)}")
    return patch


def check_mask_side(value: int, field: str) -> int:
    """0 means "use the default"; anything else must be 1..MASK_MAX_SIDE."""
    if value != 0 and not 1 <= value <= MASK_MAX_SIDE:
        raise invalid(field, f"must be between 1 and {MASK_MAX_SIDE}")
    return value
