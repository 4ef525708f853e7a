"""Pure gateway rules: image keys, JSON rendering of protos, request models, error messages."""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import ValidationError

from services.gateway import render
from services.gateway.errors import describe_validation
from services.gateway.hub import Frame
from services.gateway.routes.images import image_key
from services.gateway.routes.media import mjpeg_part
from services.gateway.schemas import CameraCreate, CameraUpdate, NotificationCreate, PointIn, RegisterBody
from visionflow.errors import VisionFlowError
from visionflow.v1 import camera_pb2, notifier_pb2

ME = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        (f"{ME}/a.jpg", "image/jpeg"),
        (f"{ME}/alerts/2024/a.JPEG", "image/jpeg"),
        (f"{ME}/x.png", "image/png"),
        (f"{ME}/x.webp", "image/webp"),
        (f"{ME}/x.bmp", "image/bmp"),
    ],
)
def test_own_image_keys_are_allowed(path: str, content_type: str) -> None:
    assert image_key(ME, path) == (path, content_type)


@pytest.mark.parametrize(
    "path",
    [
        "",
        ME,
        f"{ME}/",
        f"/{ME}/a.jpg",
        f"{ME}/../other/a.jpg",
        f"{ME}/./a.jpg",
        f"{ME}//a.jpg",
        f"{ME}\\a.jpg",
        f"{ME}/a\x00.jpg",
        f"{ME}/a.gif",
        f"{ME}/a.svg",
        f"{ME}/jpg",
        f"{ME}x/a.jpg",
        "other-account/a.jpg",
        f"{ME}/" + "a" * 2000 + ".jpg",
    ],
)
def test_other_paths_are_not_found(path: str) -> None:
    with pytest.raises(VisionFlowError) as raised:
        image_key(ME, path)
    assert raised.value.http_status == 404


def test_timestamps_are_iso_utc_with_z_and_unset_is_null() -> None:
    stamp = Timestamp(seconds=1705768200, nanos=5)
    assert render.timestamp(stamp) == "2024-01-20T16:30:00Z"
    assert render.timestamp(Timestamp()) is None


def test_camera_and_region_render_the_contract_fields() -> None:
    camera = camera_pb2.Camera(
        id=3, name="n", status=camera_pb2.CAMERA_STATE_ONLINE, created_at=Timestamp(seconds=1)
    )
    data = render.camera(camera)
    assert data["id"] == 3 and data["status"] == "online"
    assert data["created_at"] == "1970-01-01T00:00:01Z" and data["last_active"] is None
    region = camera_pb2.Region(id=1, coordinates=[camera_pb2.Point(x=100, y=150.5)], alert_duration=5)
    rendered = render.region(region)
    assert rendered["coordinates"] == [{"x": 100, "y": 150.5}]
    assert isinstance(rendered["coordinates"][0]["x"], int) and rendered["alert_duration"] == 5


def test_line_tokens_render_only_the_masked_token() -> None:
    data = render.line_token(notifier_pb2.LineToken(id=1, token_masked="AbCdEf1234567890..."))
    assert data["token"] == "AbCdEf1234567890..."


def test_notification_metadata_is_parsed_json_or_null() -> None:
    good = render.notification(notifier_pb2.Notification(metadata_json='{"a": 1}'))
    bad = render.notification(notifier_pb2.Notification(metadata_json="{oops"))
    assert good["metadata"] == {"a": 1} and good["status"] == "unread"
    assert bad["metadata"] is None


@pytest.mark.parametrize("value", [[1, 2], {"x": 1, "y": 2}, (1, 2)])
def test_points_accept_pairs_and_objects(value: Any) -> None:
    point = PointIn.model_validate(value)
    assert (point.x, point.y) == (1, 2)


@pytest.mark.parametrize(
    "value", [[1], [1, 2, 3], {"x": 1}, {"x": "1", "y": 2}, [True, 2], [-1, 2], [1, 20000]]
)
def test_bad_points_are_refused(value: Any) -> None:
    with pytest.raises(ValidationError):
        PointIn.model_validate(value)


def test_region_input_becomes_a_proto() -> None:
    body = CameraCreate.model_validate(
        {
            "name": "cam",
            "stream_url": "rtsp://h/x",
            "detection_areas": [{"name": "a", "coordinates": [[1, 2], [3, 4], {"x": 5, "y": 6}]}],
        }
    )
    proto = body.detection_areas[0].to_proto()
    assert [(p.x, p.y) for p in proto.coordinates] == [(1, 2), (3, 4), (5, 6)]
    assert proto.notification_enabled is True and body.model_name == "yolo_v11_detect"


@pytest.mark.parametrize(
    "body",
    [{}, {"name": None}, {"recognition": "true"}, {"unknown": 1}],
)
def test_camera_updates_must_be_real_changes(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        CameraUpdate.model_validate(body)


@pytest.mark.parametrize("confidence", [-0.01, 1.01, "0.5", True, float("nan")])
def test_confidence_is_a_number_from_0_to_1(confidence: Any) -> None:
    with pytest.raises(ValidationError):
        NotificationCreate.model_validate(
            {"camera_id": 1, "message": "m", "detection_type": "person", "confidence": confidence}
        )


@pytest.mark.parametrize(
    "change",
    [
        {"username": "ab"},
        {"username": "a b c"},
        {"email": "no-at"},
        {"email": "a@b"},
        {"password": "1234567"},
    ],
)
def test_registration_rules(change: dict[str, str]) -> None:
    body = {"username": "good_name", "email": "a@example.com", "password": "12345678", **change}
    with pytest.raises(ValidationError):
        RegisterBody.model_validate(body)


def test_validation_messages_name_fields_and_reasons() -> None:
    errors = [
        {"type": "missing", "loc": ("body", "name"), "msg": "Field required"},
        {"type": "value_error", "loc": ("body",), "msg": "Value error, at least one field"},
        {"type": "int_parsing", "loc": ("query", "limit"), "msg": "Input should be a valid integer"},
    ]
    assert describe_validation(errors) == (
        "name: Field required; body: at least one field; limit: Input should be a valid integer"
    )
    assert (
        describe_validation([{"type": "json_invalid", "loc": ("body", 3), "msg": "x"}])
        == "Malformed JSON body"
    )
    assert describe_validation([{"type": "missing", "loc": ("body",), "msg": "Field required"}]) == (
        "Request body is required"
    )


def test_mjpeg_part_has_the_boundary_and_length() -> None:
    part = mjpeg_part(Frame(b"\xff\xd8jpeg\xff\xd9"))
    assert part == b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: 8\r\n\r\n\xff\xd8jpeg\xff\xd9\r\n"


def test_mjpeg_part_carries_the_capture_time() -> None:
    part = mjpeg_part(Frame(b"\xff\xd8\xff\xd9", capture_ns=1_764_000_000_123_456_789))
    assert b"\r\nX-Capture-Time: 1764000000123456789\r\n\r\n\xff\xd8" in part
