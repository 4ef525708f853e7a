"""LINE delivery targets: list (tokens masked), add, delete, send a test message (NotifierService)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.gateway import render
from services.gateway.deps import CallerDep, ClientsDep, ResourceId
from services.gateway.responses import AUTHENTICATED, LineTargetDeleted, LineTargetList, LineTargetOne, errors
from services.gateway.schemas import LineTokenCreate
from visionflow.v1 import notifier_pb2

router = APIRouter(tags=["line"])


@router.get(
    "/line_tokens",
    summary="The caller's LINE targets; tokens are masked",
    response_model=LineTargetList,
    responses=errors(*AUTHENTICATED),
)
async def list_line_tokens(caller: CallerDep, clients: ClientsDep) -> dict[str, Any]:
    reply = await clients.rpc(
        clients.notifier.ListLineTokens, notifier_pb2.ListLineTokensRequest(), token=caller.token
    )
    tokens = [render.line_token(t) for t in reply.line_tokens]
    return {"status": "success", "data": tokens, "total": len(tokens)}


@router.post(
    "/line_tokens",
    status_code=201,
    summary="Add a LINE Messaging API channel token and target",
    response_model=LineTargetOne,
    responses=errors(*AUTHENTICATED),
)
async def add_line_token(body: LineTokenCreate, caller: CallerDep, clients: ClientsDep) -> JSONResponse:
    request = notifier_pb2.AddLineTokenRequest(
        token=body.token,
        name=body.name,
        notification_types=body.notification_types,
        active=body.active,
        target=body.target,
    )
    created = (await clients.rpc(clients.notifier.AddLineToken, request, token=caller.token)).line_token
    data = {
        "id": created.id,
        "name": created.name,
        "token_verified": created.verified,
        "created_at": render.timestamp(created.created_at),
    }
    return JSONResponse(
        {"status": "success", "message": "LINE Token 新增成功", "data": data}, status_code=201
    )


@router.delete(
    "/line_tokens/{line_token_id}",
    summary="Remove a LINE target",
    response_model=LineTargetDeleted,
    responses=errors(*AUTHENTICATED),
)
async def delete_line_token(
    line_token_id: ResourceId, caller: CallerDep, clients: ClientsDep
) -> dict[str, Any]:
    request = notifier_pb2.DeleteLineTokenRequest(line_token_id=line_token_id)
    reply = await clients.rpc(clients.notifier.DeleteLineToken, request, token=caller.token)
    return {
        "status": "success",
        "message": "LINE Token 刪除成功",
        "deleted_line_token_id": reply.line_token_id or line_token_id,
    }


@router.post(
    "/line_tokens/{line_token_id}/test",
    summary="Push a short test message to the LINE target",
    response_model=LineTargetOne,
    responses=errors(*AUTHENTICATED),
)
async def test_line_token(
    line_token_id: ResourceId, caller: CallerDep, clients: ClientsDep
) -> dict[str, Any]:
    request = notifier_pb2.TestLineTokenRequest(line_token_id=line_token_id)
    reply = await clients.rpc(clients.notifier.TestLineToken, request, token=caller.token)
    return {
        "status": "success",
        "message": "LINE 測試訊息已送出",
        "data": render.line_token(reply.line_token),
    }
