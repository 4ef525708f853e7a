"""Validation rules of camera and region requests, each one named in the error message."""

from __future__ import annotations

import math

import pytest

from services.camera import validation
from services.camera.models import CameraPatch, CameraSpec, RegionSpec
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.v1 import camera_pb2

KNOWN = frozenset({"yolo_v11_detect", "custom_model"})
TRIANGLE = [camera_pb2.Point(x=0, y=0), camera_pb2.Point(x=10, y=0), camera_pb2.Point(x=0, y=10)]


def create(**fields: object) -> camera_pb2.CreateCameraRequest:
    values: dict[str, object] = {"name": "Door", "stream_url": "rtsp://cam.local/stream"}
    values.update(fields)
    return camera_pb2.CreateCameraRequest(**values)  # type: ignore[arg-type]


def region(**fields: object) -> camera_pb2.RegionInput:
    values: dict[str, object] = {"name": "zone", "coordinates": TRIANGLE, "alert_duration": 1.0}
    values.update(fields)
    return camera_pb2.RegionInput(**values)  # type: ignore[arg-type]


def validate_create(
    request: camera_pb2.CreateCameraRequest, *, allow_file_urls: bool = False
) -> tuple[CameraSpec, list[RegionSpec]]:
    return validation.create_request(
        request, allow_file_urls=allow_file_urls, known_models=KNOWN, default_model="yolo_v11_detect"
    )


def rejected(request: camera_pb2.CreateCameraRequest, *, allow_file_urls: bool = False) -> str:
    with pytest.raises(VisionFlowError) as caught:
        validate_create(request, allow_file_urls=allow_file_urls)
    assert caught.value.code is ErrorCode.VALIDATION_ERROR
    return caught.value.message


def test_valid_request_is_normalised() -> None:
    camera, regions = validate_create(
        create(
            name="  Door  ",
            location=" hall ",
            detection_areas=[region(detection_classes=["Person", "person", "vehicle"])],
        )
    )
    assert (camera.name, camera.location, camera.model_name) == ("Door", "hall", "yolo_v11_detect")
    assert regions[0].detection_classes == ("person", "vehicle")
    assert regions[0].notification_enabled is True
    assert regions[0].coordinates == ((0.0, 0.0), (10.0, 0.0), (0.0, 10.0))


@pytest.mark.parametrize(
    ("fields", "field_in_message"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"stream_url": ""}, "stream_url"),
        ({"stream_url": "ftp://cam.local/x"}, "stream_url"),
        ({"stream_url": "rtsp:///no-host"}, "stream_url"),
        ({"stream_url": "http://"}, "stream_url"),
        ({"stream_url": "rtsp://cam.local:99999/x"}, "stream_url"),
        ({"stream_url": "rtsp://cam.local/a b"}, "stream_url"),
        ({"stream_url": "rtsp://cam.local/" + "x" * 2040}, "stream_url"),
        ({"stream_url": "file:///videos/demo.mp4"}, "stream_url"),
        ({"location": "x" * 201}, "location"),
        ({"model_name": "yolo_v99"}, "model_name"),
        ({"detection_areas": [region(name="")]}, "detection_areas[0].name"),
        ({"detection_areas": [region(name="z" * 101)]}, "detection_areas[0].name"),
        ({"detection_areas": [region(coordinates=TRIANGLE[:2])]}, "detection_areas[0].coordinates"),
        (
            {"detection_areas": [region(coordinates=[camera_pb2.Point(x=i, y=i) for i in range(101)])]},
            "detection_areas[0].coordinates",
        ),
        (
            {"detection_areas": [region(coordinates=[*TRIANGLE[:2], camera_pb2.Point(x=-1, y=5)])]},
            "detection_areas[0].coordinates[2].x",
        ),
        (
            {"detection_areas": [region(coordinates=[*TRIANGLE[:2], camera_pb2.Point(x=5, y=math.nan)])]},
            "detection_areas[0].coordinates[2].y",
        ),
        (
            {"detection_areas": [region(coordinates=[*TRIANGLE[:2], camera_pb2.Point(x=16385, y=5)])]},
            "detection_areas[0].coordinates[2].x",
        ),
        ({"detection_areas": [region(alert_duration=-1)]}, "detection_areas[0].alert_duration"),
        ({"detection_areas": [region(alert_duration=math.inf)]}, "detection_areas[0].alert_duration"),
        ({"detection_areas": [region(alert_duration=86401)]}, "detection_areas[0].alert_duration"),
        (
            {"detection_areas": [region(), region(detection_classes=["person", "unicorn"])]},
            "detection_areas[1].detection_classes[1]",
        ),
        ({"detection_areas": [region() for _ in range(51)]}, "detection_areas"),
    ],
)
def test_invalid_create_names_the_field(fields: dict[str, object], field_in_message: str) -> None:
    message = rejected(create(**fields))
    assert message.startswith(f"{field_in_message}:"), message


def test_unknown_model_lists_the_known_ones() -> None:
    message = rejected(create(model_name="resnet"))
    assert "custom_model" in message and "yolo_v11_detect" in message


def test_file_urls_only_when_allowed() -> None:
    assert "not allowed" in rejected(create(stream_url="file:///videos/demo.mp4"))
    camera, _ = validate_create(create(stream_url="file:///videos/demo.mp4"), allow_file_urls=True)
    assert camera.stream_url == "file:///videos/demo.mp4"
    rejected(create(stream_url="file://"), allow_file_urls=True)


def test_the_demo_camera_is_accepted_without_file_urls() -> None:
    camera, _ = validate_create(create(stream_url=" demo://walk-in "))
    assert camera.stream_url == "demo://walk-in"


@pytest.mark.parametrize(
    "url",
    [
        "demo://other",
        "demo://walk-in/../../etc/passwd",
        "demo://walk-in?file=/etc/passwd",
        "demo:///etc/passwd",
        "demo:walk-in",
        "demo://WALK-IN",
        "demo://user@walk-in",
        "demo://",
    ],
)
def test_other_demo_urls_are_refused_even_with_file_urls(url: str) -> None:
    message = rejected(create(stream_url=url), allow_file_urls=True)
    assert message.startswith("stream_url: unknown demo scene"), message
    assert "demo://walk-in" in message


@pytest.mark.parametrize(
    "url",
    ["rtsp://cam/x", "rtsps://u:p@cam:322/x", "http://10.0.0.2/mjpeg", "https://cam.example.com/live.m3u8"],
)
def test_network_schemes_are_accepted(url: str) -> None:
    camera, _ = validate_create(create(stream_url=url))
    assert camera.stream_url == url


def test_region_limits_are_inclusive() -> None:
    many_points = [camera_pb2.Point(x=i, y=(i * 7) % 50) for i in range(100)]
    edge = [camera_pb2.Point(x=0, y=0), camera_pb2.Point(x=16384, y=0), camera_pb2.Point(x=16384, y=16384)]
    _, regions = validate_create(
        create(
            detection_areas=[
                region(coordinates=many_points, alert_duration=86400),
                region(coordinates=edge, alert_duration=0),
                *[region() for _ in range(48)],
            ]
        )
    )
    assert len(regions) == 50
    assert len(regions[0].coordinates) == 100


def test_replace_regions_keeps_the_notification_flag() -> None:
    specs = validation.check_regions([region(notification_enabled=False)], "regions")
    assert specs[0].notification_enabled is False


def test_update_with_nothing_set_is_rejected() -> None:
    with pytest.raises(VisionFlowError) as caught:
        validation.update_request(
            camera_pb2.UpdateCameraRequest(camera_id=1),
            allow_file_urls=False,
            known_models=KNOWN,
            default_model="yolo_v11_detect",
        )
    assert caught.value.code is ErrorCode.VALIDATION_ERROR


def test_update_validates_only_fields_that_are_set() -> None:
    patch = validation.update_request(
        camera_pb2.UpdateCameraRequest(camera_id=1, recognition=False, location=""),
        allow_file_urls=False,
        known_models=KNOWN,
        default_model="yolo_v11_detect",
    )
    assert patch == CameraPatch(recognition=False, location="")
    with pytest.raises(VisionFlowError, match=r"^stream_url:"):
        validation.update_request(
            camera_pb2.UpdateCameraRequest(camera_id=1, stream_url="gopher://x"),
            allow_file_urls=False,
            known_models=KNOWN,
            default_model="yolo_v11_detect",
        )


@pytest.mark.parametrize(("value", "ok"), [(0, True), (1, True), (8192, True), (-1, False), (8193, False)])
def test_mask_side_bounds(value: int, ok: bool) -> None:
    if ok:
        assert validation.check_mask_side(value, "width") == value
    else:
        with pytest.raises(VisionFlowError, match=r"^width:"):
            validation.check_mask_side(value, "width")
