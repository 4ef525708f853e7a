"""CameraService over real gRPC: CRUD, two-account isolation, validation, masks, auth."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.support.keyserver import KeyServer
from tests.unit.camera.conftest import Account
from tests.unit.camera.helpers import SQUARE, fails, new_camera, region
from visionflow.errors import ErrorCode
from visionflow.rpc import call
from visionflow.tokens import REFRESH_TYPE
from visionflow.v1 import camera_pb2
from visionflow.v1.camera_pb2_grpc import CameraServiceStub

NOT_FOUND = "攝影機不存在或無權限訪問"


async def test_create_get_list_update_delete_round_trip(stub: CameraServiceStub, alice: Account) -> None:
    created = (
        await call(
            stub.CreateCamera,
            new_camera(detection_areas=[region(notification_enabled=False, detection_classes=[])]),
            token=alice.token,
        )
    ).camera
    assert created.id > 0
    assert created.account_uuid == alice.uuid
    assert created.status == camera_pb2.CAMERA_STATE_CONNECTING
    assert created.model_name == "yolo_v11_detect"
    assert created.HasField("created_at") and created.HasField("updated_at")
    assert not created.HasField("last_active")
    [area] = created.regions
    assert area.notification_enabled is True  # detection_areas always notify
    assert list(area.detection_classes) == []  # empty: every class
    assert [(p.x, p.y) for p in area.coordinates] == [(p.x, p.y) for p in SQUARE]

    got = (
        await call(stub.GetCamera, camera_pb2.GetCameraRequest(camera_id=created.id), token=alice.token)
    ).camera
    assert got == created
    listed = (await call(stub.ListCameras, camera_pb2.ListCamerasRequest(), token=alice.token)).cameras
    assert created in listed

    updated = (
        await call(
            stub.UpdateCamera,
            camera_pb2.UpdateCameraRequest(camera_id=created.id, name="Back door", recognition=False),
            token=alice.token,
        )
    ).camera
    assert (updated.name, updated.recognition, updated.stream_url) == ("Back door", False, created.stream_url)
    assert updated.updated_at.ToDatetime() >= created.updated_at.ToDatetime()
    assert len(updated.regions) == 1

    deleted = await call(
        stub.DeleteCamera, camera_pb2.DeleteCameraRequest(camera_id=created.id), token=alice.token
    )
    assert deleted.camera_id == created.id
    error = await fails(stub.GetCamera, camera_pb2.GetCameraRequest(camera_id=created.id), alice.token)
    assert (error.code, error.message) == (ErrorCode.CAMERA_NOT_FOUND, NOT_FOUND)
    error = await fails(stub.ListRegions, camera_pb2.ListRegionsRequest(camera_id=created.id), alice.token)
    assert error.code is ErrorCode.CAMERA_NOT_FOUND


async def test_regions_replace_list_and_delete(stub: CameraServiceStub, alice: Account) -> None:
    camera = (
        await call(stub.CreateCamera, new_camera(detection_areas=[region("old")]), token=alice.token)
    ).camera
    replaced = await call(
        stub.ReplaceRegions,
        camera_pb2.ReplaceRegionsRequest(
            camera_id=camera.id,
            regions=[
                region("a", notification_enabled=False),
                region("b", detection_classes=["vehicle", "dog"]),
            ],
        ),
        token=alice.token,
    )
    assert (replaced.camera_id, replaced.regions_count) == (camera.id, 2)
    assert replaced.HasField("saved_at")
    assert [(r.name, r.notification_enabled) for r in replaced.regions] == [("a", False), ("b", True)]
    listed = await call(
        stub.ListRegions, camera_pb2.ListRegionsRequest(camera_id=camera.id), token=alice.token
    )
    assert list(listed.regions) == list(replaced.regions)
    got = (
        await call(stub.GetCamera, camera_pb2.GetCameraRequest(camera_id=camera.id), token=alice.token)
    ).camera
    assert list(got.regions) == list(replaced.regions)

    cleared = await call(
        stub.DeleteRegions, camera_pb2.DeleteRegionsRequest(camera_id=camera.id), token=alice.token
    )
    assert (cleared.camera_id, cleared.deleted_regions) == (camera.id, 2)
    assert cleared.HasField("deleted_at")
    listed = await call(
        stub.ListRegions, camera_pb2.ListRegionsRequest(camera_id=camera.id), token=alice.token
    )
    assert list(listed.regions) == []


async def test_other_account_cannot_see_or_change_a_camera(
    stub: CameraServiceStub, alice: Account, bob: Account
) -> None:
    camera = (await call(stub.CreateCamera, new_camera(detection_areas=[region()]), token=alice.token)).camera
    cid = camera.id
    attempts = [
        (stub.GetCamera, camera_pb2.GetCameraRequest(camera_id=cid)),
        (stub.UpdateCamera, camera_pb2.UpdateCameraRequest(camera_id=cid, name="mine now")),
        (stub.DeleteCamera, camera_pb2.DeleteCameraRequest(camera_id=cid)),
        (stub.ReplaceRegions, camera_pb2.ReplaceRegionsRequest(camera_id=cid, regions=[])),
        (stub.ListRegions, camera_pb2.ListRegionsRequest(camera_id=cid)),
        (stub.RenderMask, camera_pb2.RenderMaskRequest(camera_id=cid)),
    ]
    for rpc, request in attempts:
        error = await fails(rpc, request, bob.token)
        assert (error.code, error.message) == (ErrorCode.CAMERA_NOT_FOUND, NOT_FOUND), rpc
    error = await fails(stub.DeleteRegions, camera_pb2.DeleteRegionsRequest(camera_id=cid), bob.token)
    assert error.code is ErrorCode.INSUFFICIENT_PERMISSIONS
    bobs = (await call(stub.ListCameras, camera_pb2.ListCamerasRequest(), token=bob.token)).cameras
    assert cid not in [c.id for c in bobs]

    after = (await call(stub.GetCamera, camera_pb2.GetCameraRequest(camera_id=cid), token=alice.token)).camera
    assert after == camera


async def test_missing_camera_is_not_found_everywhere(stub: CameraServiceStub, alice: Account) -> None:
    cid = 10**9
    attempts = [
        (stub.GetCamera, camera_pb2.GetCameraRequest(camera_id=cid)),
        (stub.UpdateCamera, camera_pb2.UpdateCameraRequest(camera_id=cid, name="x")),
        (stub.DeleteCamera, camera_pb2.DeleteCameraRequest(camera_id=cid)),
        (stub.ReplaceRegions, camera_pb2.ReplaceRegionsRequest(camera_id=cid)),
        (stub.ListRegions, camera_pb2.ListRegionsRequest(camera_id=cid)),
        (stub.DeleteRegions, camera_pb2.DeleteRegionsRequest(camera_id=cid)),
        (stub.RenderMask, camera_pb2.RenderMaskRequest(camera_id=cid)),
    ]
    for rpc, request in attempts:
        assert (await fails(rpc, request, alice.token)).code is ErrorCode.CAMERA_NOT_FOUND, rpc


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (new_camera(name=" "), "name"),
        (new_camera(name="n" * 101), "name"),
        (new_camera(stream_url="rtmp://cam.local/live"), "stream_url"),
        (new_camera(stream_url="file:///videos/demo.mp4"), "stream_url"),
        (new_camera(stream_url="rtsp:///stream"), "stream_url"),
        (new_camera(stream_url="http://cam.local/" + "a" * 2048), "stream_url"),
        (new_camera(location="l" * 201), "location"),
        (new_camera(model_name="yolo_v99"), "model_name"),
        (new_camera(detection_areas=[region(name="")]), "detection_areas[0].name"),
        (new_camera(detection_areas=[region(coordinates=SQUARE[:2])]), "detection_areas[0].coordinates"),
        (
            new_camera(detection_areas=[region(coordinates=[*SQUARE[:2], camera_pb2.Point(x=-3, y=1)])]),
            "detection_areas[0].coordinates[2].x",
        ),
        (new_camera(detection_areas=[region(alert_duration=-1)]), "detection_areas[0].alert_duration"),
        (
            new_camera(detection_areas=[region(detection_classes=["dragon"])]),
            "detection_areas[0].detection_classes",
        ),
        (new_camera(detection_areas=[region() for _ in range(51)]), "detection_areas"),
    ],
)
async def test_invalid_camera_is_rejected_and_nothing_is_stored(
    stub: CameraServiceStub, alice: Account, request_: camera_pb2.CreateCameraRequest, field: str
) -> None:
    before = (await call(stub.ListCameras, camera_pb2.ListCamerasRequest(), token=alice.token)).cameras
    error = await fails(stub.CreateCamera, request_, alice.token)
    assert error.code is ErrorCode.VALIDATION_ERROR
    assert error.message.startswith(field), error.message
    after = (await call(stub.ListCameras, camera_pb2.ListCamerasRequest(), token=alice.token)).cameras
    assert list(after) == list(before)


async def test_invalid_update_and_regions_change_nothing(stub: CameraServiceStub, alice: Account) -> None:
    camera = (await call(stub.CreateCamera, new_camera(detection_areas=[region()]), token=alice.token)).camera
    bad = [
        (stub.UpdateCamera, camera_pb2.UpdateCameraRequest(camera_id=camera.id)),
        (
            stub.UpdateCamera,
            camera_pb2.UpdateCameraRequest(camera_id=camera.id, name="ok", stream_url="ftp://x/y"),
        ),
        (stub.UpdateCamera, camera_pb2.UpdateCameraRequest(camera_id=camera.id, model_name="nope")),
        (
            stub.ReplaceRegions,
            camera_pb2.ReplaceRegionsRequest(
                camera_id=camera.id, regions=[region(), region(alert_duration=86401)]
            ),
        ),
        (stub.ReplaceRegions, camera_pb2.ReplaceRegionsRequest(camera_id=camera.id, regions=[region()] * 51)),
        (stub.RenderMask, camera_pb2.RenderMaskRequest(camera_id=camera.id, width=8193, height=10)),
        (stub.RenderMask, camera_pb2.RenderMaskRequest(camera_id=camera.id, width=10, height=-1)),
    ]
    for rpc, request in bad:
        assert (await fails(rpc, request, alice.token)).code is ErrorCode.VALIDATION_ERROR, request
    after = (
        await call(stub.GetCamera, camera_pb2.GetCameraRequest(camera_id=camera.id), token=alice.token)
    ).camera
    assert after == camera


async def test_unknown_model_error_lists_known_models(stub: CameraServiceStub, alice: Account) -> None:
    error = await fails(stub.CreateCamera, new_camera(model_name="resnet50"), alice.token)
    assert "yolo_v11_detect" in error.message


async def test_mask_is_a_png_with_regions_white_on_black(stub: CameraServiceStub, alice: Account) -> None:
    camera = (await call(stub.CreateCamera, new_camera(detection_areas=[region()]), token=alice.token)).camera
    reply = await call(
        stub.RenderMask,
        camera_pb2.RenderMaskRequest(camera_id=camera.id, width=200, height=100),
        token=alice.token,
    )
    image = Image.open(io.BytesIO(reply.png))
    assert (image.format, image.size, reply.width, reply.height) == ("PNG", (200, 100), 200, 100)
    gray = image.convert("L")
    assert gray.getpixel((35, 35)) == 255  # inside the square 10..60
    assert gray.getpixel((5, 5)) == 0
    assert gray.getpixel((100, 50)) == 0

    default = await call(
        stub.RenderMask, camera_pb2.RenderMaskRequest(camera_id=camera.id), token=alice.token
    )
    assert Image.open(io.BytesIO(default.png)).size == (640, 480)


async def test_missing_token_is_auth_required(stub: CameraServiceStub) -> None:
    error = await fails(stub.ListCameras, camera_pb2.ListCamerasRequest(), None)
    assert error.code is ErrorCode.AUTH_REQUIRED


@pytest.mark.parametrize("kind", ["garbage", "unknown_key", "refresh"])
async def test_bad_token_is_invalid_token(
    stub: CameraServiceStub, keys: KeyServer, alice: Account, kind: str
) -> None:
    token = {
        "garbage": "not-a-jwt",
        "unknown_key": keys.token(alice.uuid, rogue=True),
        "refresh": keys.token(alice.uuid, token_type=REFRESH_TYPE),
    }[kind]
    before = (await call(stub.ListCameras, camera_pb2.ListCamerasRequest(), token=alice.token)).cameras
    error = await fails(stub.CreateCamera, new_camera(name="sneaky"), token)
    assert error.code is ErrorCode.INVALID_TOKEN
    after = (await call(stub.ListCameras, camera_pb2.ListCamerasRequest(), token=alice.token)).cameras
    assert list(after) == list(before)


async def test_update_changes_fields_and_regions_together_or_not_at_all(
    stub: CameraServiceStub, alice: Account, bob: Account
) -> None:
    camera = (
        await call(stub.CreateCamera, new_camera(detection_areas=[region("old")]), token=alice.token)
    ).camera
    both = camera_pb2.UpdateCameraRequest(
        camera_id=camera.id, name="Gate", replace_regions=True, regions=[region("new"), region("side")]
    )
    updated = (await call(stub.UpdateCamera, both, token=alice.token)).camera
    assert updated.name == "Gate" and [r.name for r in updated.regions] == ["new", "side"]
    # An invalid region refuses the whole request: the name does not change either.
    broken = camera_pb2.UpdateCameraRequest(
        camera_id=camera.id,
        name="Half-done",
        replace_regions=True,
        regions=[region("ok"), region("bad", coordinates=SQUARE[:2])],
    )
    assert (await fails(stub.UpdateCamera, broken, alice.token)).code is ErrorCode.VALIDATION_ERROR
    # Another account changes nothing.
    assert (await fails(stub.UpdateCamera, both, bob.token)).code is ErrorCode.CAMERA_NOT_FOUND
    stored = (
        await call(stub.GetCamera, camera_pb2.GetCameraRequest(camera_id=camera.id), token=alice.token)
    ).camera
    assert stored == updated
    # Regions alone (no field) are an update too; an empty list removes them.
    cleared = camera_pb2.UpdateCameraRequest(camera_id=camera.id, replace_regions=True)
    assert list((await call(stub.UpdateCamera, cleared, token=alice.token)).camera.regions) == []
