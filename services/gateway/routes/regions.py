"""Detection regions of a camera: replace, list, delete all, and the PNG mask (CameraService)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from services.gateway import render
from services.gateway.deps import BrowserCallerDep, CallerDep, CameraId, ClientsDep
from services.gateway.responses import AUTHENTICATED, RegionListAnswer, RegionsSavedAnswer, Said, errors
from services.gateway.schemas import RegionsReplace
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.v1 import camera_pb2

router = APIRouter(tags=["regions"])

NO_PERMISSION_TO_DELETE = "無權限刪除此攝影機的檢測區域"
MaskSide = Annotated[int | None, Query(ge=1, le=8192, description="Pixels; default: the camera's")]


@router.post(
    "/rectangles/{camera_id}",
    summary="Replace all regions of a camera",
    response_model=RegionsSavedAnswer,
    responses=errors(*AUTHENTICATED),
)
async def save_regions(
    camera_id: CameraId, body: RegionsReplace, caller: CallerDep, clients: ClientsDep
) -> dict[str, Any]:
    request = camera_pb2.ReplaceRegionsRequest(
        camera_id=camera_id, regions=[region.to_proto() for region in body.regions]
    )
    reply = await clients.rpc(clients.camera.ReplaceRegions, request, token=caller.token)
    return {
        "status": "success",
        "message": "多邊形區域已成功儲存",
        "data": {
            "camera_id": camera_id,
            "regions_count": reply.regions_count,
            "saved_at": render.timestamp(reply.saved_at) or render.now_iso(),
        },
    }


@router.get(
    "/rectangles/{camera_id}",
    summary="The regions of a camera",
    response_model=RegionListAnswer,
    responses=errors(*AUTHENTICATED),
)
async def list_regions(camera_id: CameraId, caller: CallerDep, clients: ClientsDep) -> dict[str, Any]:
    request = camera_pb2.ListRegionsRequest(camera_id=camera_id)
    reply = await clients.rpc(clients.camera.ListRegions, request, token=caller.token)
    regions = [render.region(r) for r in reply.regions]
    return {
        "status": "success",
        "data": {"camera_id": camera_id, "regions": regions, "total_regions": len(regions)},
    }


@router.delete(
    "/rectangles/{camera_id}",
    summary="Delete every region of a camera",
    response_model=Said,
    responses=errors(*AUTHENTICATED),
)
async def delete_regions(camera_id: CameraId, caller: CallerDep, clients: ClientsDep) -> dict[str, Any]:
    request = camera_pb2.DeleteRegionsRequest(camera_id=camera_id)
    try:
        reply = await clients.rpc(clients.camera.DeleteRegions, request, token=caller.token)
    except VisionFlowError as error:
        if error.code is ErrorCode.INSUFFICIENT_PERMISSIONS:
            raise VisionFlowError(error.code, NO_PERMISSION_TO_DELETE) from None
        raise
    return {
        "status": "success",
        "message": "所有檢測區域已成功刪除",
        "data": {
            "camera_id": camera_id,
            "deleted_regions": reply.deleted_regions,
            "deleted_at": render.timestamp(reply.deleted_at) or render.now_iso(),
        },
    }


@router.get(
    "/mask/{camera_id}",
    summary="PNG mask: black background, regions filled white",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, **errors(*AUTHENTICATED)},
)
async def mask(
    camera_id: CameraId,
    caller: BrowserCallerDep,
    clients: ClientsDep,
    width: MaskSide = None,
    height: MaskSide = None,
) -> Response:
    request = camera_pb2.RenderMaskRequest(camera_id=camera_id, width=width or 0, height=height or 0)
    reply = await clients.rpc(clients.camera.RenderMask, request, token=caller.token)
    return Response(reply.png, media_type="image/png", headers={"Cache-Control": "no-store"})
