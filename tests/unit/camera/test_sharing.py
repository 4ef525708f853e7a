"""Sharing over real gRPC: the owner grants, lists and revokes; the grantee only watches; a third
account sees nothing; bad input answers clear errors and stores nothing; revocation, expiry and
deletion are announced on `vf.access.camera.<id>`; the feed carries the active grants."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from nats.aio.client import Client as NATS
from nats.js.api import DeliverPolicy

from tests.support.keyserver import KeyServer
from tests.unit.camera.conftest import Account, make_account
from tests.unit.camera.helpers import fails, new_camera, region
from visionflow import subjects
from visionflow.errors import ErrorCode
from visionflow.rpc import call
from visionflow.v1 import camera_pb2, events_pb2
from visionflow.v1.camera_pb2_grpc import CameraServiceStub

WAIT_S = 10.0


@pytest.fixture
def carol(keys: KeyServer) -> Account:
    return make_account(keys, "carol")


@pytest.fixture
def dave(keys: KeyServer) -> Account:
    return make_account(keys, "dave")


@pytest.fixture
async def access_events(nc: NATS) -> AsyncIterator[asyncio.Queue[events_pb2.CameraAccessChanged]]:
    queue: asyncio.Queue[events_pb2.CameraAccessChanged] = asyncio.Queue()

    async def on_message(msg: object) -> None:
        change = events_pb2.CameraAccessChanged()
        change.ParseFromString(msg.data)  # type: ignore[attr-defined]
        await queue.put(change)

    sub = await nc.subscribe(subjects.ACCESS_CAMERA_ALL, cb=on_message)
    await nc.flush()
    yield queue
    await sub.unsubscribe()


async def _next_access(
    queue: asyncio.Queue[events_pb2.CameraAccessChanged], camera_id: int
) -> events_pb2.CameraAccessChanged:
    async with asyncio.timeout(WAIT_S):
        while True:
            change = await queue.get()
            if change.camera_id == camera_id:
                return change


def _stamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


async def _camera(stub: CameraServiceStub, owner: Account) -> camera_pb2.Camera:
    request = new_camera(detection_areas=[region("door")])
    return (await call(stub.CreateCamera, request, token=owner.token)).camera


async def _share(
    stub: CameraServiceStub, owner: Account, camera_id: int, grantee: str, **fields: object
) -> camera_pb2.CameraShare:
    request = camera_pb2.ShareCameraRequest(camera_id=camera_id, grantee=grantee, **fields)  # type: ignore[arg-type]
    return (await call(stub.ShareCamera, request, token=owner.token)).share


async def _shares(stub: CameraServiceStub, owner: Account, camera_id: int) -> list[camera_pb2.CameraShare]:
    request = camera_pb2.ListCameraSharesRequest(camera_id=camera_id)
    return list((await call(stub.ListCameraShares, request, token=owner.token)).shares)


async def test_grantee_views_the_camera_without_its_secrets(
    stub: CameraServiceStub, alice: Account, carol: Account, dave: Account
) -> None:
    camera = await _camera(stub, alice)
    share = await _share(stub, alice, camera.id, carol.username.upper(), include_past_notifications=True)
    assert (share.grantee_account_uuid, share.grantee_username) == (carol.uuid, carol.username)
    assert share.include_past_notifications and not share.HasField("expires_at")
    assert await _shares(stub, alice, camera.id) == [share]

    got = (
        await call(stub.GetCamera, camera_pb2.GetCameraRequest(camera_id=camera.id), token=carol.token)
    ).camera
    assert got.access == camera_pb2.CAMERA_ACCESS_VIEWER
    assert (got.id, got.name, got.owner_username) == (camera.id, camera.name, alice.username)
    assert got.stream_url == "" and got.detect_stream_url == "" and not got.regions and not got.grants
    assert got.model_name == ""
    owner_view = (
        await call(stub.GetCamera, camera_pb2.GetCameraRequest(camera_id=camera.id), token=alice.token)
    ).camera
    assert owner_view.access == camera_pb2.CAMERA_ACCESS_OWNER and not owner_view.grants

    [shared] = (
        await call(stub.ListSharedCameras, camera_pb2.ListSharedCamerasRequest(), token=carol.token)
    ).cameras
    assert shared.camera == got and shared.share_id == share.id and shared.include_past_notifications
    # "My cameras" stay the grantee's own; a third account sees nothing at all.
    assert not (await call(stub.ListCameras, camera_pb2.ListCamerasRequest(), token=carol.token)).cameras
    assert not (
        await call(stub.ListSharedCameras, camera_pb2.ListSharedCamerasRequest(), token=dave.token)
    ).cameras
    error = await fails(stub.GetCamera, camera_pb2.GetCameraRequest(camera_id=camera.id), dave.token)
    assert error.code is ErrorCode.CAMERA_NOT_FOUND


async def test_every_change_by_the_grantee_is_refused_and_changes_nothing(
    stub: CameraServiceStub, alice: Account, carol: Account, dave: Account
) -> None:
    camera = await _camera(stub, alice)
    share = await _share(stub, alice, camera.id, carol.username)
    cid = camera.id
    attempts = [
        (stub.UpdateCamera, camera_pb2.UpdateCameraRequest(camera_id=cid, name="mine now")),
        (stub.DeleteCamera, camera_pb2.DeleteCameraRequest(camera_id=cid)),
        (stub.ReplaceRegions, camera_pb2.ReplaceRegionsRequest(camera_id=cid, regions=[region("x")])),
        (stub.ListRegions, camera_pb2.ListRegionsRequest(camera_id=cid)),
        (stub.DeleteRegions, camera_pb2.DeleteRegionsRequest(camera_id=cid)),
        (stub.RenderMask, camera_pb2.RenderMaskRequest(camera_id=cid)),
        (stub.ShareCamera, camera_pb2.ShareCameraRequest(camera_id=cid, grantee=dave.username)),
        (stub.ListCameraShares, camera_pb2.ListCameraSharesRequest(camera_id=cid)),
        (stub.RevokeCameraShare, camera_pb2.RevokeCameraShareRequest(camera_id=cid, share_id=share.id)),
    ]
    for rpc, request in attempts:
        assert (await fails(rpc, request, carol.token)).code is ErrorCode.INSUFFICIENT_PERMISSIONS, rpc
        # A stranger: missing, except DeleteRegions, where API.md shows 403 for any foreign camera.
        forbidden = rpc is stub.DeleteRegions
        stranger = ErrorCode.INSUFFICIENT_PERMISSIONS if forbidden else ErrorCode.CAMERA_NOT_FOUND
        assert (await fails(rpc, request, dave.token)).code is stranger, rpc
    after = (await call(stub.GetCamera, camera_pb2.GetCameraRequest(camera_id=cid), token=alice.token)).camera
    assert after.updated_at == camera.updated_at and after.name == camera.name and len(after.regions) == 1
    assert await _shares(stub, alice, cid) == [share]


async def test_bad_grants_answer_clear_errors_and_store_nothing(
    stub: CameraServiceStub, alice: Account, bob: Account, carol: Account
) -> None:
    camera = await _camera(stub, alice)
    past = _stamp(datetime.now(UTC) - timedelta(minutes=1))
    cases = [
        ({"grantee": ""}, ErrorCode.VALIDATION_ERROR, "grantee"),
        ({"grantee": "x" * 300}, ErrorCode.VALIDATION_ERROR, "grantee"),
        ({"grantee": "nobody-here"}, ErrorCode.VALIDATION_ERROR, "no account"),
        ({"grantee": alice.username}, ErrorCode.VALIDATION_ERROR, "own owner"),
        ({"grantee": carol.username, "expires_at": past}, ErrorCode.VALIDATION_ERROR, "expires_at"),
        (
            {"grantee": carol.username, "expires_at": Timestamp(seconds=-5)},
            ErrorCode.VALIDATION_ERROR,
            "expires_at",
        ),
    ]
    for fields, code, words in cases:
        request = camera_pb2.ShareCameraRequest(camera_id=camera.id, **fields)  # type: ignore[arg-type]
        error = await fails(stub.ShareCamera, request, alice.token)
        assert (error.code, words in error.message) == (code, True), (fields, error)
    assert await _shares(stub, alice, camera.id) == []
    # Missing and foreign cameras, duplicates, unknown shares.
    missing = camera_pb2.ShareCameraRequest(camera_id=camera.id + 10_000, grantee=carol.username)
    assert (await fails(stub.ShareCamera, missing, alice.token)).code is ErrorCode.CAMERA_NOT_FOUND
    foreign = camera_pb2.ShareCameraRequest(camera_id=camera.id, grantee=carol.username)
    assert (await fails(stub.ShareCamera, foreign, bob.token)).code is ErrorCode.CAMERA_NOT_FOUND
    share = await _share(stub, alice, camera.id, f"{carol.username}@example.test")
    assert (await fails(stub.ShareCamera, foreign, alice.token)).code is ErrorCode.CONFLICT
    unknown = camera_pb2.RevokeCameraShareRequest(camera_id=camera.id, share_id=share.id + 1000)
    assert (await fails(stub.RevokeCameraShare, unknown, alice.token)).code is ErrorCode.RESOURCE_NOT_FOUND
    assert await _shares(stub, alice, camera.id) == [share]


async def test_revoke_expiry_and_delete_end_access_and_are_announced(
    stub: CameraServiceStub,
    nc: NATS,
    alice: Account,
    carol: Account,
    dave: Account,
    access_events: asyncio.Queue[events_pb2.CameraAccessChanged],
) -> None:
    camera = await _camera(stub, alice)
    feed = await nc.jetstream().subscribe(
        subjects.camera_changed(camera.id), ordered_consumer=True, deliver_policy=DeliverPolicy.LAST
    )
    share = await _share(stub, alice, camera.id, carol.username)
    deadline = time.monotonic() + WAIT_S
    grants: list[camera_pb2.CameraGrant] = []
    while not grants:  # the feed's newest CameraChanged carries the grant
        msg = await feed.next_msg(timeout=max(deadline - time.monotonic(), 0.01))
        change = events_pb2.CameraChanged()
        change.ParseFromString(msg.data)
        grants = list(change.camera.grants)
    assert grants[0].grantee_account_uuid == carol.uuid and not grants[0].HasField("expires_at")
    await feed.unsubscribe()

    request = camera_pb2.RevokeCameraShareRequest(camera_id=camera.id, share_id=share.id)
    assert (await call(stub.RevokeCameraShare, request, token=alice.token)).share_id == share.id
    revoked = await _next_access(access_events, camera.id)
    assert (revoked.account_uuid, revoked.reason) == (
        carol.uuid,
        events_pb2.ACCESS_CHANGE_REASON_SHARE_REVOKED,
    )
    gone = await fails(stub.GetCamera, camera_pb2.GetCameraRequest(camera_id=camera.id), carol.token)
    assert gone.code is ErrorCode.CAMERA_NOT_FOUND

    soon = _stamp(datetime.now(UTC) + timedelta(seconds=2))
    await _share(stub, alice, camera.id, dave.username, expires_at=soon)
    expired = await _next_access(access_events, camera.id)
    assert (expired.account_uuid, expired.reason) == (
        dave.uuid,
        events_pb2.ACCESS_CHANGE_REASON_SHARE_EXPIRED,
    )
    assert (
        await fails(stub.GetCamera, camera_pb2.GetCameraRequest(camera_id=camera.id), dave.token)
    ).code is (ErrorCode.CAMERA_NOT_FOUND)
    assert await _shares(stub, alice, camera.id) == []

    await _share(stub, alice, camera.id, carol.username)
    await call(stub.DeleteCamera, camera_pb2.DeleteCameraRequest(camera_id=camera.id), token=alice.token)
    deleted = await _next_access(access_events, camera.id)
    assert deleted.reason == events_pb2.ACCESS_CHANGE_REASON_CAMERA_DELETED
    assert not (
        await call(stub.ListSharedCameras, camera_pb2.ListSharedCamerasRequest(), token=carol.token)
    ).cameras
