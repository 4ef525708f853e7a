"""Cameras through the gateway: the documented bodies, partial updates, delete, bad input."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.helpers import (
    ISO_UTC,
    SQUARE,
    Account,
    assert_error,
    assert_untouched,
    camera_body,
    create_camera,
)

CAMERA_FIELDS = {"id", "name", "stream_url", "recognition", "location", "model_name", "status", "created_at"}
NOT_FOUND = "攝影機不存在或無權限訪問"


async def test_create_camera_answers_201_with_the_documented_body(
    http: httpx.AsyncClient, alice: Account
) -> None:
    body = camera_body(name="側門攝影機", location="側門入口")
    response = await http.post("/cameras", json=body, headers=alice.headers)
    assert response.status_code == 201
    payload = response.json()
    assert payload["status"] == "success"
    assert payload["message"] == "攝影機新增成功"
    data = payload["data"]
    assert set(data) >= CAMERA_FIELDS
    assert isinstance(data["id"], int)
    assert (data["name"], data["location"], data["stream_url"]) == (
        "側門攝影機",
        "側門入口",
        body["stream_url"],
    )
    assert data["recognition"] is True and data["model_name"] == "yolo_v11_detect"
    assert data["status"] == "connecting"
    assert ISO_UTC.match(data["created_at"])


async def test_list_cameras_shows_only_mine_with_total(http: httpx.AsyncClient, alice: Account) -> None:
    first = await create_camera(http, alice)
    second = await create_camera(http, alice, recognition=False)
    response = await http.get("/cameras", headers=alice.headers)
    assert response.status_code == 200
    payload = response.json()
    assert payload["status"] == "success"
    assert payload["total"] == 2 == len(payload["data"])
    by_id = {c["id"]: c for c in payload["data"]}
    assert set(by_id) == {first["id"], second["id"]}
    assert by_id[second["id"]]["recognition"] is False
    assert all(CAMERA_FIELDS | {"last_active"} <= set(c) for c in payload["data"])
    assert by_id[first["id"]]["last_active"] is None


async def test_model_name_defaults_to_yolo_v11_detect(http: httpx.AsyncClient, alice: Account) -> None:
    body = camera_body()
    del body["model_name"], body["location"], body["recognition"]
    response = await http.post("/cameras", json=body, headers=alice.headers)
    assert response.status_code == 201
    assert response.json()["data"]["model_name"] == "yolo_v11_detect"


@pytest.mark.parametrize(
    "coordinates",
    [SQUARE, [{"x": x, "y": y} for x, y in SQUARE]],
    ids=["pairs", "objects"],
)
async def test_detection_areas_accept_pairs_and_objects(
    http: httpx.AsyncClient, alice: Account, coordinates: list[Any]
) -> None:
    areas = [{"name": "入口區域", "coordinates": coordinates, "alert_duration": 5}]
    camera = await create_camera(http, alice, detection_areas=areas)
    regions = (await http.get(f"/rectangles/{camera['id']}", headers=alice.headers)).json()["data"]["regions"]
    assert len(regions) == 1
    assert regions[0]["name"] == "入口區域"
    assert regions[0]["coordinates"] == [{"x": x, "y": y} for x, y in SQUARE]
    assert regions[0]["alert_duration"] == 5


async def test_patch_changes_only_the_given_fields(http: httpx.AsyncClient, alice: Account) -> None:
    camera = await create_camera(http, alice, name="主入口攝影機", location="主入口")
    change = {"name": "主入口攝影機 (更新)", "recognition": False}
    response = await http.patch(f"/cameras/{camera['id']}", json=change, headers=alice.headers)
    assert response.status_code == 200
    payload = response.json()
    assert payload["status"] == "success" and payload["message"] == "攝影機更新成功"
    data = payload["data"]
    assert data["name"] == "主入口攝影機 (更新)" and data["recognition"] is False
    assert data["location"] == "主入口" and data["stream_url"] == camera["stream_url"]
    assert ISO_UTC.match(data["updated_at"])
    listed = (await http.get("/cameras", headers=alice.headers)).json()["data"]
    assert listed[0]["name"] == "主入口攝影機 (更新)"


async def test_patch_with_detection_areas_replaces_the_regions(
    http: httpx.AsyncClient, alice: Account
) -> None:
    camera = await create_camera(http, alice, detection_areas=[{"name": "old", "coordinates": SQUARE}])
    areas = [{"name": "new", "coordinates": [[0, 0], [10, 0], [10, 10]]}]
    response = await http.patch(
        f"/cameras/{camera['id']}", json={"detection_areas": areas}, headers=alice.headers
    )
    assert response.status_code == 200
    regions = (await http.get(f"/rectangles/{camera['id']}", headers=alice.headers)).json()["data"]["regions"]
    assert [r["name"] for r in regions] == ["new"]


async def test_delete_camera_then_it_is_gone(http: httpx.AsyncClient, alice: Account) -> None:
    camera = await create_camera(http, alice)
    response = await http.delete(f"/cameras/{camera['id']}", headers=alice.headers)
    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "message": "攝影機刪除成功",
        "deleted_camera_id": camera["id"],
    }
    again = await http.delete(f"/cameras/{camera['id']}", headers=alice.headers)
    assert_error(again, 404, "CAMERA_NOT_FOUND", NOT_FOUND)
    assert_error(
        await http.patch(f"/cameras/{camera['id']}", json={"name": "x"}, headers=alice.headers),
        404,
        "CAMERA_NOT_FOUND",
        NOT_FOUND,
    )
    assert (await http.get("/cameras", headers=alice.headers)).json()["total"] == 0


async def test_unknown_camera_is_404_camera_not_found(http: httpx.AsyncClient, alice: Account) -> None:
    assert_error(
        await http.delete("/cameras/987654321", headers=alice.headers), 404, "CAMERA_NOT_FOUND", NOT_FOUND
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"stream_url": "rtsp://h/x"}, "name"),
        ({"name": "n"}, "stream_url"),
        ({"name": "n", "stream_url": "rtsp://h/x", "recognition": "yes"}, "recognition"),
        ({"name": "n", "stream_url": "rtsp://h/x", "recognition": 1}, "recognition"),
        ({"name": "", "stream_url": "rtsp://h/x"}, "name"),
        ({"name": "n" * 101, "stream_url": "rtsp://h/x"}, "name"),
        ({"name": 5, "stream_url": "rtsp://h/x"}, "name"),
        ({"name": "n", "stream_url": "ftp://h/x"}, "stream_url"),
        ({"name": "n", "stream_url": "rtsp://h/x", "colour": "red"}, "colour"),
        (
            {
                "name": "n",
                "stream_url": "rtsp://h/x",
                "detection_areas": [{"name": "a", "coordinates": [[1, 1], [2, 2]]}],
            },
            "detection_areas.0.coordinates",
        ),
        (
            {
                "name": "n",
                "stream_url": "rtsp://h/x",
                "detection_areas": [{"name": "a", "coordinates": [[1, 1, 1]] * 3}],
            },
            "detection_areas.0.coordinates.0",
        ),
        (
            {
                "name": "n",
                "stream_url": "rtsp://h/x",
                "detection_areas": [{"name": "a", "coordinates": SQUARE, "alert_duration": -1}],
            },
            "detection_areas.0.alert_duration",
        ),
        (
            {
                "name": "n",
                "stream_url": "rtsp://h/x",
                "detection_areas": [{"name": "a", "coordinates": [[-5, 1], [2, 2], [3, 3]]}],
            },
            "detection_areas.0.coordinates.0.x",
        ),
    ],
)
async def test_create_camera_rejects_bad_input_naming_the_field(
    http: httpx.AsyncClient, shared: Account, shared_camera: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    response = await http.post("/cameras", json=body, headers=shared.headers)
    assert_error(response, 422, "VALIDATION_ERROR")
    assert field in response.json()["message"]
    await assert_untouched(http, shared, shared_camera)


@pytest.mark.parametrize(
    "body",
    [{}, {"name": None}, {"recognition": "false"}, {"id": 5}, {"status": "online"}],
    ids=["empty", "null", "string-bool", "id", "status"],
)
async def test_patch_rejects_bad_input_and_changes_nothing(
    http: httpx.AsyncClient, shared: Account, shared_camera: dict[str, Any], body: dict[str, Any]
) -> None:
    response = await http.patch(f"/cameras/{shared_camera['id']}", json=body, headers=shared.headers)
    assert_error(response, 422, "VALIDATION_ERROR")
    await assert_untouched(http, shared, shared_camera)


@pytest.mark.parametrize("camera_id", ["abc", "0", "-1", "9223372036854775808", "1.5"])
async def test_bad_camera_ids_are_validation_errors(
    http: httpx.AsyncClient, shared: Account, camera_id: str
) -> None:
    response = await http.patch(f"/cameras/{camera_id}", json={"name": "x"}, headers=shared.headers)
    assert_error(response, 422, "VALIDATION_ERROR")
    assert "camera_id" in response.json()["message"]


async def test_malformed_json_and_wrong_content_are_422(http: httpx.AsyncClient, alice: Account) -> None:
    headers = {**alice.headers, "Content-Type": "application/json"}
    broken = await http.post("/cameras", content=b'{"name": "x",', headers=headers)
    assert_error(broken, 422, "VALIDATION_ERROR", "Malformed JSON body")
    not_object = await http.post("/cameras", json=["name", "x"], headers=alice.headers)
    assert_error(not_object, 422, "VALIDATION_ERROR")
    as_text = await http.post(
        "/cameras", content=b"name=x", headers={**alice.headers, "Content-Type": "text/plain"}
    )
    assert_error(as_text, 422, "VALIDATION_ERROR")
    assert (await http.get("/cameras", headers=alice.headers)).json()["total"] == 0


async def test_oversized_body_is_413_and_stores_nothing(http: httpx.AsyncClient, alice: Account) -> None:
    huge = camera_body(location="x" * (2 * 1024 * 1024))
    response = await http.post("/cameras", json=huge, headers=alice.headers)
    assert_error(response, 413, "VALIDATION_ERROR", "Request body too large")

    async def chunks() -> Any:
        for _ in range(40):
            yield b" " * 65536  # 2.5 MiB of whitespace, sent without a Content-Length

    streamed = await http.post(
        "/cameras", content=chunks(), headers={**alice.headers, "Content-Type": "application/json"}
    )
    assert_error(streamed, 413, "VALIDATION_ERROR", "Request body too large")
    assert (await http.get("/cameras", headers=alice.headers)).json()["total"] == 0


async def test_unknown_route_and_wrong_method_use_the_envelope(
    http: httpx.AsyncClient, alice: Account
) -> None:
    assert_error(await http.get("/no/such/route", headers=alice.headers), 404, "RESOURCE_NOT_FOUND")
    wrong = await http.put("/cameras", json={}, headers=alice.headers)
    assert_error(wrong, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in wrong.headers["Allow"]


@pytest.mark.parametrize(
    "host",
    [
        "169.254.169.254",
        "2852039166",
        "0xa9fea9fe",
        "0251.0376.0251.0376",
        "[::ffff:169.254.169.254]",
        "[fe80::1]",
    ],
)
async def test_a_camera_pointing_at_the_metadata_service_is_refused_in_every_spelling(
    http: httpx.AsyncClient, shared: Account, shared_camera: dict[str, Any], host: str
) -> None:
    url = f"http://{host}/latest/meta-data/"
    created = await http.post("/cameras", json=camera_body(stream_url=url), headers=shared.headers)
    assert_error(created, 422, "VALIDATION_ERROR")
    assert "camera address not allowed" in created.json()["message"]
    moved = await http.patch(
        f"/cameras/{shared_camera['id']}", json={"detect_stream_url": url}, headers=shared.headers
    )
    assert_error(moved, 422, "VALIDATION_ERROR")
    assert "detect_stream_url" in moved.json()["message"]
    await assert_untouched(http, shared, shared_camera)
