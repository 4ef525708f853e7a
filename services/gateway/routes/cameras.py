"""Cameras: list, create, partial update and delete (CameraService), per caller."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.gateway import render
from services.gateway.deps import CallerDep, CameraId, ClientsDep
from services.gateway.responses import AUTHENTICATED, CameraDeleted, CameraList, CameraOne, errors
from services.gateway.schemas import CameraCreate, CameraUpdate
from visionflow.v1 import camera_pb2
from visionflow.vocabulary import UPDATABLE_FIELDS

router = APIRouter(tags=["cameras"])


@router.get(
    "/cameras", summary="The caller's cameras", response_model=CameraList, responses=errors(*AUTHENTICATED)
)
async def list_cameras(caller: CallerDep, clients: ClientsDep) -> dict[str, Any]:
    reply = await clients.rpc(clients.camera.ListCameras, camera_pb2.ListCamerasRequest(), token=caller.token)
    cameras = [render.camera(c) for c in reply.cameras]
    return {"status": "success", "data": cameras, "total": len(cameras)}


@router.post(
    "/cameras",
    status_code=201,
    summary="Add a camera (optionally with detection areas)",
    response_model=CameraOne,
    responses=errors(*AUTHENTICATED),
)
async def create_camera(body: CameraCreate, caller: CallerDep, clients: ClientsDep) -> JSONResponse:
    request = camera_pb2.CreateCameraRequest(
        name=body.name,
        stream_url=body.stream_url,
        recognition=body.recognition,
        location=body.location,
        model_name=body.model_name,
        detection_areas=[area.to_proto() for area in body.detection_areas],
        detect_fps=body.detect_fps,
        detect_stream_url=body.detect_stream_url,
    )
    reply = await clients.rpc(clients.camera.CreateCamera, request, token=caller.token)
    return JSONResponse(
        {"status": "success", "message": "攝影機新增成功", "data": render.camera(reply.camera)},
        status_code=201,
    )


@router.patch(
    "/cameras/{camera_id}",
    summary="Change some of a camera's settings",
    response_model=CameraOne,
    responses=errors(*AUTHENTICATED),
)
async def update_camera(
    camera_id: CameraId, body: CameraUpdate, caller: CallerDep, clients: ClientsDep
) -> dict[str, Any]:
    changes = {name: getattr(body, name) for name in UPDATABLE_FIELDS if name in body.model_fields_set}
    request = camera_pb2.UpdateCameraRequest(camera_id=camera_id, **changes)
    if body.detection_areas is not None:
        request.replace_regions = True
        request.regions.extend(area.to_proto() for area in body.detection_areas)
    # One call, one transaction: fields and regions change together or not at all.
    camera = (await clients.rpc(clients.camera.UpdateCamera, request, token=caller.token)).camera
    return {"status": "success", "message": "攝影機更新成功", "data": render.camera(camera)}


@router.delete(
    "/cameras/{camera_id}",
    summary="Delete a camera, its regions and its stream",
    response_model=CameraDeleted,
    responses=errors(*AUTHENTICATED),
)
async def delete_camera(camera_id: CameraId, caller: CallerDep, clients: ClientsDep) -> dict[str, Any]:
    request = camera_pb2.DeleteCameraRequest(camera_id=camera_id)
    reply = await clients.rpc(clients.camera.DeleteCamera, request, token=caller.token)
    return {
        "status": "success",
        "message": "攝影機刪除成功",
        "deleted_camera_id": reply.camera_id or camera_id,
    }
