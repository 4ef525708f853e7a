"""Notifications: list with pagination, create for one of the caller's cameras, mark read/unread,
mark all read."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from services.gateway import render
from services.gateway.deps import CallerDep, ClientsDep, ResourceId
from services.gateway.responses import (
    AUTHENTICATED,
    MarkedReadAnswer,
    NotificationList,
    NotificationOne,
    errors,
)
from services.gateway.schemas import NotificationCreate, NotificationFilter, NotificationUpdate
from visionflow.v1 import notifier_pb2

router = APIRouter(tags=["notifications"])

_STATUS_FILTER = {
    "all": notifier_pb2.NOTIFICATION_STATUS_UNSPECIFIED,
    "unread": notifier_pb2.NOTIFICATION_STATUS_UNREAD,
    "read": notifier_pb2.NOTIFICATION_STATUS_READ,
}


@router.get(
    "/notifications",
    summary="The caller's notifications, newest first",
    response_model=NotificationList,
    responses=errors(*AUTHENTICATED),
)
async def list_notifications(
    caller: CallerDep,
    clients: ClientsDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    status: Annotated[NotificationFilter, Query()] = "all",
) -> dict[str, Any]:
    request = notifier_pb2.ListNotificationsRequest(page=page, limit=limit, status=_STATUS_FILTER[status])
    reply = await clients.rpc(clients.notifier.ListNotifications, request, token=caller.token)
    return {
        "status": "success",
        "data": [render.notification(n) for n in reply.notifications],
        "pagination": {
            "current_page": reply.current_page or page,
            "total_pages": reply.total_pages,
            "total_items": reply.total_items,
            "items_per_page": reply.items_per_page or limit,
        },
    }


@router.post(
    "/notifications",
    status_code=201,
    summary="Create a notification for one of your cameras",
    response_model=NotificationOne,
    responses=errors(*AUTHENTICATED),
)
async def create_notification(
    body: NotificationCreate, caller: CallerDep, clients: ClientsDep
) -> JSONResponse:
    # The notifier checks that the camera is the caller's and names it (the camera feed).
    request = notifier_pb2.CreateNotificationRequest(
        camera_id=body.camera_id,
        message=body.message,
        image_path=body.image_path,
        detection_type=body.detection_type,
        confidence=body.confidence,
        region_name=body.region_name,
        metadata_json=json.dumps(body.metadata, ensure_ascii=False) if body.metadata is not None else "",
    )
    created = (
        await clients.rpc(clients.notifier.CreateNotification, request, token=caller.token)
    ).notification
    data = {
        "id": created.id,
        "created_at": render.timestamp(created.created_at),
        "notification_sent": created.notification_sent,
    }
    return JSONResponse({"status": "success", "message": "通知創建成功", "data": data}, status_code=201)


@router.post(
    "/notifications/mark_all_read",
    summary="Mark every unread notification read",
    response_model=MarkedReadAnswer,
    responses=errors(*AUTHENTICATED),
)
async def mark_all_read(caller: CallerDep, clients: ClientsDep) -> dict[str, Any]:
    request = notifier_pb2.MarkAllNotificationsReadRequest()
    reply = await clients.rpc(clients.notifier.MarkAllNotificationsRead, request, token=caller.token)
    return {"status": "success", "message": "通知已全部標為已讀", "data": {"updated": reply.updated}}


@router.patch(
    "/notifications/{notification_id}",
    summary="Mark a notification read or unread",
    response_model=NotificationOne,
    responses=errors(*AUTHENTICATED),
)
async def update_notification(
    notification_id: ResourceId, body: NotificationUpdate, caller: CallerDep, clients: ClientsDep
) -> dict[str, Any]:
    request = notifier_pb2.UpdateNotificationRequest(
        notification_id=notification_id, status=_STATUS_FILTER[body.status]
    )
    updated = (
        await clients.rpc(clients.notifier.UpdateNotification, request, token=caller.token)
    ).notification
    return {"status": "success", "message": "通知更新成功", "data": render.notification(updated)}
