"""The cameras' detection settings over REST: detect_fps and detect_stream_url, live and checked."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.helpers import Account, assert_error, create_camera


async def _get(http: httpx.AsyncClient, account: Account, camera_id: int) -> dict[str, Any]:
    """The camera as stored (its live status, which ingest keeps current, left out)."""
    cameras = (await http.get("/cameras", headers=account.headers)).json()["data"]
    [camera] = [c for c in cameras if c["id"] == camera_id]
    return {key: value for key, value in camera.items() if key not in ("status", "last_active")}


async def test_detect_settings_default_to_5_fps_on_the_main_stream(
    http: httpx.AsyncClient, alice: Account
) -> None:
    camera = await create_camera(http, alice)
    assert camera["detect_fps"] == 5.0 and camera["detect_stream_url"] is None
    listed = await _get(http, alice, camera["id"])
    assert listed["detect_fps"] == 5.0 and listed["detect_stream_url"] is None


async def test_detect_settings_are_stored_changed_and_removed(
    http: httpx.AsyncClient, alice: Account
) -> None:
    camera = await create_camera(http, alice, detect_fps=2, detect_stream_url="rtsp://127.0.0.1:9/sub")
    assert camera["detect_fps"] == 2.0 and camera["detect_stream_url"] == "rtsp://127.0.0.1:9/sub"
    patched = await http.patch(f"/cameras/{camera['id']}", json={"detect_fps": 12.5}, headers=alice.headers)
    assert patched.status_code == 200, patched.text
    assert patched.json()["data"]["detect_fps"] == 12.5
    removed = await http.patch(
        f"/cameras/{camera['id']}", json={"detect_stream_url": ""}, headers=alice.headers
    )
    assert removed.status_code == 200
    after = await _get(http, alice, camera["id"])
    assert after["detect_fps"] == 12.5 and after["detect_stream_url"] is None
    assert after["stream_url"] == camera["stream_url"] and after["name"] == camera["name"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"detect_fps": 0}, "detect_fps"),
        ({"detect_fps": 1000}, "detect_fps"),
        ({"detect_fps": -1}, "detect_fps"),
        ({"detect_fps": "5"}, "detect_fps"),
        ({"detect_fps": None}, "detect_fps"),
        ({"detect_stream_url": "ftp://h/sub"}, "detect_stream_url"),
        ({"detect_stream_url": "not a url"}, "detect_stream_url"),
        ({"detect_stream_url": "rtsp:///no-host"}, "detect_stream_url"),
        ({"detect_stream_url": 5}, "detect_stream_url"),
    ],
)
async def test_bad_detect_settings_are_422_naming_the_field_and_change_nothing(
    http: httpx.AsyncClient, alice: Account, body: dict[str, Any], field: str
) -> None:
    camera = await create_camera(http, alice, detect_fps=3)
    before = await _get(http, alice, camera["id"])
    patched = await http.patch(f"/cameras/{camera['id']}", json=body, headers=alice.headers)
    assert_error(patched, 422, "VALIDATION_ERROR")
    assert field in patched.json()["message"]
    assert await _get(http, alice, camera["id"]) == before
    total = (await http.get("/cameras", headers=alice.headers)).json()["total"]
    created = await http.post(
        "/cameras",
        json={"name": "bad", "stream_url": "rtsp://127.0.0.1:9/x", **body},
        headers=alice.headers,
    )
    if body.get("detect_fps", 1) is None:
        assert created.status_code == 422  # null is not a number
    else:
        assert_error(created, 422, "VALIDATION_ERROR")
        assert field in created.json()["message"]
    assert (await http.get("/cameras", headers=alice.headers)).json()["total"] == total
