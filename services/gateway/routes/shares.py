"""Camera shares: the owner grants, lists and revokes view-only access; a grantee lists what is
shared with it. The camera service decides everything (who the grantee is, who may do what)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from google.protobuf.timestamp_pb2 import Timestamp

from services.gateway import render
from services.gateway.deps import CallerDep, CameraId, ClientsDep, ResourceId
from services.gateway.responses import (
    AUTHENTICATED,
    SharedCameraList,
    ShareList,
    ShareOne,
    ShareRevokedAnswer,
    errors,
)
from services.gateway.schemas import ShareCreate
from visionflow.v1 import camera_pb2

router = APIRouter(tags=["sharing"])


@router.post(
    "/cameras/{camera_id}/shares",
    status_code=201,
    summary="Share a camera view-only",
    response_model=ShareOne,
    responses=errors(*AUTHENTICATED),
)
async def create_share(
    camera_id: CameraId, body: ShareCreate, caller: CallerDep, clients: ClientsDep
) -> JSONResponse:
    request = camera_pb2.ShareCameraRequest(
        camera_id=camera_id,
        grantee=body.grantee,
        include_past_notifications=body.include_past_notifications,
    )
    if body.expires_at is not None:
        stamp = Timestamp()
        stamp.FromDatetime(body.expires_at)
        request.expires_at.CopyFrom(stamp)
    reply = await clients.rpc(clients.camera.ShareCamera, request, token=caller.token)
    return JSONResponse(
        {"status": "success", "message": "Camera shared", "data": render.share(reply.share)},
        status_code=201,
    )


@router.get(
    "/cameras/{camera_id}/shares",
    summary="Who a camera is shared with (owner only)",
    response_model=ShareList,
    responses=errors(*AUTHENTICATED),
)
async def list_shares(camera_id: CameraId, caller: CallerDep, clients: ClientsDep) -> dict[str, Any]:
    request = camera_pb2.ListCameraSharesRequest(camera_id=camera_id)
    reply = await clients.rpc(clients.camera.ListCameraShares, request, token=caller.token)
    shares = [render.share(s) for s in reply.shares]
    return {"status": "success", "data": shares, "total": len(shares)}


@router.delete(
    "/cameras/{camera_id}/shares/{share_id}",
    summary="Revoke a share (owner only)",
    response_model=ShareRevokedAnswer,
    responses=errors(*AUTHENTICATED),
)
async def revoke_share(
    camera_id: CameraId, share_id: ResourceId, caller: CallerDep, clients: ClientsDep
) -> dict[str, Any]:
    request = camera_pb2.RevokeCameraShareRequest(camera_id=camera_id, share_id=share_id)
    reply = await clients.rpc(clients.camera.RevokeCameraShare, request, token=caller.token)
    return {
        "status": "success",
        "message": "Share revoked",
        "data": {"share_id": reply.share_id or share_id, "camera_id": camera_id},
    }


@router.get(
    "/shared_cameras",
    summary="Cameras other accounts share with the caller",
    response_model=SharedCameraList,
    responses=errors(*AUTHENTICATED),
)
async def shared_cameras(caller: CallerDep, clients: ClientsDep) -> dict[str, Any]:
    request = camera_pb2.ListSharedCamerasRequest()
    reply = await clients.rpc(clients.camera.ListSharedCameras, request, token=caller.token)
    cameras = [render.shared_camera(s) for s in reply.cameras]
    return {"status": "success", "data": cameras, "total": len(cameras)}
