"""Two accounts: Bob can neither read, change nor delete anything of Alice's, on any route.

Alice's whole state is captured before Bob's attempts and compared afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.e2e.helpers import Account, assert_error, camera_body, create_camera, region_body

STATE_ROUTES = ("/cameras", "/notifications", "/email_recipients", "/line_tokens")
# Fields the system itself updates in the background (ingest status, delivery bookkeeping).
VOLATILE = {
    "/cameras": {"status", "last_active"},
    "/notifications": {"notification_sent"},
    "/email_recipients": {"last_notification"},
    "/line_tokens": {"last_used"},
}


def stable(route: str, payload: dict[str, Any]) -> dict[str, Any]:
    data = payload["data"]
    if isinstance(data, list):
        skip = VOLATILE.get(route, set())
        data = [{k: v for k, v in item.items() if k not in skip} for item in data]
    return {**payload, "data": data}


@dataclass
class AliceData:
    camera_id: int
    notification_id: int
    recipient_id: int
    line_token_id: int


async def seed(http: httpx.AsyncClient, alice: Account) -> AliceData:
    camera = await create_camera(http, alice, name="alice-cam")
    camera_id = camera["id"]
    saved = await http.post(
        f"/rectangles/{camera_id}", json={"regions": [region_body("door")]}, headers=alice.headers
    )
    assert saved.status_code == 200
    notification = await http.post(
        "/notifications",
        json={"camera_id": camera_id, "message": "m", "detection_type": "person", "confidence": 0.5},
        headers=alice.headers,
    )
    recipient = await http.post(
        "/email_recipients", json={"email": "alice@example.com", "name": "A"}, headers=alice.headers
    )
    line = await http.post(
        "/line_tokens", json={"token": "alice-secret-token-123", "name": "A"}, headers=alice.headers
    )
    assert notification.status_code == recipient.status_code == line.status_code == 201
    return AliceData(
        camera_id=camera_id,
        notification_id=notification.json()["data"]["id"],
        recipient_id=recipient.json()["data"]["id"],
        line_token_id=line.json()["data"]["id"],
    )


async def snapshot_state(http: httpx.AsyncClient, account: Account, camera_id: int) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for route in (*STATE_ROUTES, f"/rectangles/{camera_id}"):
        response = await http.get(route, headers=account.headers)
        assert response.status_code == 200
        state[route] = stable(route, response.json())
    state["mask"] = (await http.get(f"/mask/{camera_id}", headers=account.headers)).content
    return state


async def test_bob_cannot_touch_anything_of_alices(
    http: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    mine = await seed(http, alice)
    before = await snapshot_state(http, alice, mine.camera_id)
    cam = mine.camera_id
    h = bob.headers

    # Reading: Bob's lists do not show Alice's data; direct reads are 404.
    for route in STATE_ROUTES:
        listed = (await http.get(route, headers=h)).json()
        assert listed["data"] == [], route
    assert_error(await http.get(f"/rectangles/{cam}", headers=h), 404, "CAMERA_NOT_FOUND")
    assert_error(await http.get(f"/mask/{cam}", headers=h), 404, "CAMERA_NOT_FOUND")
    assert_error(await http.get(f"/mask/{cam}", params={"token": bob.access_token}), 404, "CAMERA_NOT_FOUND")
    for media in (
        f"/get_stream/{cam}",
        f"/recognized_stream/{cam}",
        f"/snapshot/{cam}.jpg",
        f"/snapshot_ui/{cam}",
    ):
        assert_error(await http.get(media, headers=h), 404, "CAMERA_NOT_FOUND")
        assert_error(await http.get(media, params={"token": bob.access_token}), 404, "CAMERA_NOT_FOUND")

    # Changing: every attempt fails without saying whether the resource exists.
    not_found = "攝影機不存在或無權限訪問"
    assert_error(
        await http.patch(f"/cameras/{cam}", json={"name": "pwned"}, headers=h),
        404,
        "CAMERA_NOT_FOUND",
        not_found,
    )
    assert_error(
        await http.patch(f"/cameras/{cam}", json={"detection_areas": [region_body("x")]}, headers=h),
        404,
        "CAMERA_NOT_FOUND",
    )
    assert_error(
        await http.post(f"/rectangles/{cam}", json={"regions": []}, headers=h), 404, "CAMERA_NOT_FOUND"
    )
    assert_error(
        await http.post(
            "/notifications",
            json={"camera_id": cam, "message": "fake", "detection_type": "person", "confidence": 0.9},
            headers=h,
        ),
        404,
        "CAMERA_NOT_FOUND",
    )
    assert_error(
        await http.patch(f"/notifications/{mine.notification_id}", json={"status": "read"}, headers=h),
        404,
        "RESOURCE_NOT_FOUND",
    )
    assert_error(
        await http.patch(f"/email_recipients/{mine.recipient_id}", json={"active": False}, headers=h),
        404,
        "RESOURCE_NOT_FOUND",
    )

    # Deleting: same.
    assert_error(await http.delete(f"/cameras/{cam}", headers=h), 404, "CAMERA_NOT_FOUND", not_found)
    assert_error(
        await http.delete(f"/rectangles/{cam}", headers=h),
        403,
        "INSUFFICIENT_PERMISSIONS",
        "無權限刪除此攝影機的檢測區域",
    )
    assert_error(
        await http.delete(f"/email_recipients/{mine.recipient_id}", headers=h), 404, "RESOURCE_NOT_FOUND"
    )
    assert_error(
        await http.delete(f"/line_tokens/{mine.line_token_id}", headers=h), 404, "RESOURCE_NOT_FOUND"
    )

    # Bob's own writes stay his: creating a camera does not touch Alice's.
    await http.post("/cameras", json=camera_body(name="bob-cam"), headers=h)

    after = await snapshot_state(http, alice, mine.camera_id)
    assert after == before
    assert [c["name"] for c in after["/cameras"]["data"]] == ["alice-cam"]
    bob_cameras = (await http.get("/cameras", headers=h)).json()["data"]
    assert [c["name"] for c in bob_cameras] == ["bob-cam"]
