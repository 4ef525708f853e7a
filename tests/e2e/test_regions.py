"""Regions and masks through the gateway."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.e2e.helpers import ISO_UTC, Account, assert_error, create_camera, region_body


async def test_save_then_list_regions_with_the_documented_bodies(
    http: httpx.AsyncClient, alice: Account
) -> None:
    camera = await create_camera(http, alice)
    regions = [
        region_body("入口區域", detection_classes=["person", "vehicle"]),
        region_body("Yard", alert_duration=2.5),
    ]
    saved = await http.post(f"/rectangles/{camera['id']}", json={"regions": regions}, headers=alice.headers)
    assert saved.status_code == 200
    payload = saved.json()
    assert payload["status"] == "success" and payload["message"] == "多邊形區域已成功儲存"
    assert payload["data"]["camera_id"] == camera["id"] and payload["data"]["regions_count"] == 2
    assert ISO_UTC.match(payload["data"]["saved_at"])

    listed = await http.get(f"/rectangles/{camera['id']}", headers=alice.headers)
    assert listed.status_code == 200
    data = listed.json()["data"]
    assert data["camera_id"] == camera["id"] and data["total_regions"] == 2
    first, second = data["regions"]
    assert isinstance(first["id"], int)
    assert first["name"] == "入口區域"
    assert first["coordinates"] == regions[0]["coordinates"]
    assert first["alert_duration"] == 5 and first["notification_enabled"] is True
    assert first["detection_classes"] == ["person", "vehicle"]
    assert ISO_UTC.match(first["created_at"])
    assert second["alert_duration"] == 2.5


async def test_saving_again_replaces_and_empty_list_clears(http: httpx.AsyncClient, alice: Account) -> None:
    camera = await create_camera(http, alice)
    url = f"/rectangles/{camera['id']}"
    await http.post(url, json={"regions": [region_body("a"), region_body("b")]}, headers=alice.headers)
    await http.post(url, json={"regions": [region_body("c")]}, headers=alice.headers)
    names = [r["name"] for r in (await http.get(url, headers=alice.headers)).json()["data"]["regions"]]
    assert names == ["c"]
    cleared = await http.post(url, json={"regions": []}, headers=alice.headers)
    assert cleared.json()["data"]["regions_count"] == 0


async def test_delete_regions_reports_the_count(http: httpx.AsyncClient, alice: Account) -> None:
    camera = await create_camera(http, alice)
    url = f"/rectangles/{camera['id']}"
    await http.post(
        url, json={"regions": [region_body("a"), region_body("b"), region_body("c")]}, headers=alice.headers
    )
    response = await http.delete(url, headers=alice.headers)
    assert response.status_code == 200
    payload = response.json()
    assert payload["status"] == "success" and payload["message"] == "所有檢測區域已成功刪除"
    assert payload["data"]["camera_id"] == camera["id"] and payload["data"]["deleted_regions"] == 3
    assert ISO_UTC.match(payload["data"]["deleted_at"])
    assert (await http.get(url, headers=alice.headers)).json()["data"]["total_regions"] == 0


@pytest.mark.parametrize(
    ("region", "field"),
    [
        ({"coordinates": [{"x": 1, "y": 1}, {"x": 2, "y": 2}]}, "regions.0.coordinates"),
        ({"coordinates": [{"x": "1", "y": 1}] * 3}, "regions.0.coordinates.0.x"),
        ({"coordinates": [{"x": 1}] * 3}, "regions.0.coordinates.0.y"),
        ({"alert_duration": -1}, "regions.0.alert_duration"),
        ({"alert_duration": "5"}, "regions.0.alert_duration"),
        ({"notification_enabled": "true"}, "regions.0.notification_enabled"),
        ({"detection_classes": "person"}, "regions.0.detection_classes"),
        ({"detection_classes": ["unicorn"]}, "detection_classes"),
        ({"name": ""}, "regions.0.name"),
        ({"shape": "square"}, "regions.0.shape"),
    ],
)
async def test_bad_regions_are_refused_and_keep_the_old_ones(
    http: httpx.AsyncClient,
    shared: Account,
    shared_camera: dict[str, Any],
    region: dict[str, Any],
    field: str,
) -> None:
    url = f"/rectangles/{shared_camera['id']}"
    await http.post(url, json={"regions": [region_body("kept")]}, headers=shared.headers)
    response = await http.post(
        url, json={"regions": [{**region_body("bad"), **region}]}, headers=shared.headers
    )
    assert_error(response, 422, "VALIDATION_ERROR")
    assert field in response.json()["message"]
    names = [r["name"] for r in (await http.get(url, headers=shared.headers)).json()["data"]["regions"]]
    assert names == ["kept"]


async def test_regions_body_must_have_a_regions_list(http: httpx.AsyncClient, alice: Account) -> None:
    camera = await create_camera(http, alice)
    url = f"/rectangles/{camera['id']}"
    assert_error(await http.post(url, json={}, headers=alice.headers), 422, "VALIDATION_ERROR")
    assert_error(await http.post(url, json=[region_body()], headers=alice.headers), 422, "VALIDATION_ERROR")


async def test_regions_of_an_unknown_camera_are_404(http: httpx.AsyncClient, alice: Account) -> None:
    url = "/rectangles/987654321"
    assert_error(await http.get(url, headers=alice.headers), 404, "CAMERA_NOT_FOUND")
    assert_error(
        await http.post(url, json={"regions": [region_body()]}, headers=alice.headers),
        404,
        "CAMERA_NOT_FOUND",
    )


async def test_mask_is_a_png_with_regions_white_on_black(http: httpx.AsyncClient, alice: Account) -> None:
    camera = await create_camera(http, alice)
    await http.post(f"/rectangles/{camera['id']}", json={"regions": [region_body()]}, headers=alice.headers)
    response = await http.get(
        f"/mask/{camera['id']}", params={"width": 400, "height": 320}, headers=alice.headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(response.content)).convert("L")
    assert image.size == (400, 320)
    assert image.getpixel((200, 200)) == 255  # inside the 100..300 square
    assert image.getpixel((20, 20)) == 0
    assert image.getpixel((350, 310)) == 0


@pytest.mark.parametrize("params", [{"width": 0}, {"height": -3}, {"width": "wide"}, {"width": 100000}])
async def test_mask_rejects_bad_sizes(
    http: httpx.AsyncClient, shared: Account, shared_camera: dict[str, Any], params: dict[str, Any]
) -> None:
    response = await http.get(f"/mask/{shared_camera['id']}", params=params, headers=shared.headers)
    assert_error(response, 422, "VALIDATION_ERROR")
