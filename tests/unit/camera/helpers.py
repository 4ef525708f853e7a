"""Small helpers shared by the camera service tests: requests and expected failures."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from visionflow.errors import VisionFlowError
from visionflow.rpc import call
from visionflow.v1 import camera_pb2

SQUARE = [
    camera_pb2.Point(x=10, y=10),
    camera_pb2.Point(x=60, y=10),
    camera_pb2.Point(x=60, y=60),
    camera_pb2.Point(x=10, y=60),
]


def region(name: str = "door", **fields: Any) -> camera_pb2.RegionInput:
    values: dict[str, Any] = {
        "name": name,
        "coordinates": SQUARE,
        "alert_duration": 3.0,
        "notification_enabled": True,
        "detection_classes": ["person"],
    }
    values.update(fields)
    return camera_pb2.RegionInput(**values)


def new_camera(name: str = "Front door", **fields: Any) -> camera_pb2.CreateCameraRequest:
    values: dict[str, Any] = {
        "name": name,
        "stream_url": "rtsp://admin:pw@cam.local:554/stream",
        "recognition": True,
        "location": "lobby",
    }
    values.update(fields)
    return camera_pb2.CreateCameraRequest(**values)


async def fails(rpc: Callable[..., Awaitable[Any]], request: Any, token: str | None) -> VisionFlowError:
    """The VisionFlowError an RPC answers with (the test fails if the RPC succeeds)."""
    with pytest.raises(VisionFlowError) as caught:
        await call(rpc, request, token=token)
    return caught.value
