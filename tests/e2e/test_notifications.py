"""Notifications through the gateway: create for my camera, paginate, filter, mark read."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.helpers import ISO_UTC, Account, assert_error, assert_untouched, create_camera

NOTIFICATION_FIELDS = {
    "id",
    "account_uuid",
    "camera_id",
    "camera_name",
    "message",
    "image_path",
    "detection_type",
    "confidence",
    "status",
    "created_at",
}


def notification_body(camera_id: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "camera_id": camera_id,
        "message": "檢測到未授權人員進入",
        "image_path": "/notifications/images/alert_20240120_164500.jpg",
        "detection_type": "person",
        "confidence": 0.92,
        "region_name": "入口區域",
        "metadata": {"bounding_box": {"x": 150, "y": 200, "width": 100, "height": 150}},
    }
    body.update(overrides)
    return body


async def post_notification(
    http: httpx.AsyncClient, account: Account, camera_id: int, **overrides: Any
) -> Any:
    response = await http.post(
        "/notifications", json=notification_body(camera_id, **overrides), headers=account.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_notification_answers_201_with_the_documented_body(
    http: httpx.AsyncClient, alice: Account
) -> None:
    camera = await create_camera(http, alice, name="主入口攝影機")
    payload = await post_notification(http, alice, camera["id"])
    assert payload["status"] == "success" and payload["message"] == "通知創建成功"
    assert set(payload["data"]) == {"id", "created_at", "notification_sent"}
    assert isinstance(payload["data"]["id"], int)
    assert ISO_UTC.match(payload["data"]["created_at"])
    assert payload["data"]["notification_sent"] is False  # the account has no delivery targets

    listed = (await http.get("/notifications", headers=alice.headers)).json()
    item = listed["data"][0]
    assert set(item) >= NOTIFICATION_FIELDS
    assert item["camera_name"] == "主入口攝影機"  # filled by the gateway from the camera service
    assert item["account_uuid"] == alice.account_uuid
    assert (item["camera_id"], item["confidence"], item["status"]) == (camera["id"], 0.92, "unread")
    assert item["region_name"] == "入口區域"
    assert item["metadata"] == {"bounding_box": {"x": 150, "y": 200, "width": 100, "height": 150}}


async def test_list_paginates_newest_first(http: httpx.AsyncClient, alice: Account) -> None:
    camera = await create_camera(http, alice)
    ids = [
        (await post_notification(http, alice, camera["id"], message=f"m{i}"))["data"]["id"] for i in range(5)
    ]
    page1 = (await http.get("/notifications", params={"page": 1, "limit": 2}, headers=alice.headers)).json()
    assert page1["status"] == "success"
    assert page1["pagination"] == {"current_page": 1, "total_pages": 3, "total_items": 5, "items_per_page": 2}
    assert [n["id"] for n in page1["data"]] == ids[::-1][:2]
    page3 = (await http.get("/notifications", params={"page": 3, "limit": 2}, headers=alice.headers)).json()
    assert [n["id"] for n in page3["data"]] == [ids[0]]
    beyond = (await http.get("/notifications", params={"page": 9, "limit": 2}, headers=alice.headers)).json()
    assert beyond["data"] == []


async def test_mark_read_and_filter_by_status(http: httpx.AsyncClient, alice: Account) -> None:
    camera = await create_camera(http, alice)
    first = (await post_notification(http, alice, camera["id"]))["data"]["id"]
    second = (await post_notification(http, alice, camera["id"]))["data"]["id"]
    marked = await http.patch(f"/notifications/{first}", json={"status": "read"}, headers=alice.headers)
    assert marked.status_code == 200
    assert marked.json()["status"] == "success" and marked.json()["data"]["status"] == "read"

    async def ids(status: str) -> list[int]:
        body = (await http.get("/notifications", params={"status": status}, headers=alice.headers)).json()
        return [n["id"] for n in body["data"]]

    assert await ids("read") == [first]
    assert await ids("unread") == [second]
    assert sorted(await ids("all")) == sorted([first, second])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"confidence": 1.5}, "confidence"),
        ({"confidence": -0.1}, "confidence"),
        ({"confidence": "0.9"}, "confidence"),
        ({"confidence": True}, "confidence"),
        ({"message": ""}, "message"),
        ({"detection_type": None}, "detection_type"),
        ({"camera_id": "1"}, "camera_id"),
        ({"camera_id": 0}, "camera_id"),
        ({"metadata": [1, 2]}, "metadata"),
        ({"priority": "high"}, "priority"),
    ],
)
async def test_create_rejects_bad_input_and_stores_nothing(
    http: httpx.AsyncClient,
    shared: Account,
    shared_camera: dict[str, Any],
    change: dict[str, Any],
    field: str,
) -> None:
    response = await http.post(
        "/notifications", json={**notification_body(shared_camera["id"]), **change}, headers=shared.headers
    )
    assert_error(response, 422, "VALIDATION_ERROR")
    assert field in response.json()["message"]
    await assert_untouched(http, shared, shared_camera)


async def test_create_for_an_unknown_camera_is_404(http: httpx.AsyncClient, alice: Account) -> None:
    response = await http.post("/notifications", json=notification_body(987654321), headers=alice.headers)
    assert_error(response, 404, "CAMERA_NOT_FOUND")


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"page": 0}, {"status": "archived"}, {"page": "first"}],
)
async def test_list_rejects_bad_query(
    http: httpx.AsyncClient, shared: Account, params: dict[str, Any]
) -> None:
    response = await http.get("/notifications", params=params, headers=shared.headers)
    assert_error(response, 422, "VALIDATION_ERROR")
    assert next(iter(params)) in response.json()["message"]


async def test_patch_rejects_bad_status_and_unknown_ids(http: httpx.AsyncClient, alice: Account) -> None:
    camera = await create_camera(http, alice)
    created = (await post_notification(http, alice, camera["id"]))["data"]["id"]
    bad = await http.patch(f"/notifications/{created}", json={"status": "deleted"}, headers=alice.headers)
    assert_error(bad, 422, "VALIDATION_ERROR")
    missing = await http.patch("/notifications/987654321", json={"status": "read"}, headers=alice.headers)
    assert_error(missing, 404, "RESOURCE_NOT_FOUND")
