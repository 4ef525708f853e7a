"""Email recipients: list, add (sends a verification mail), change, delete, resend the
verification mail, and the verify link."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from services.gateway import render
from services.gateway.deps import CallerDep, ClientsDep, ResourceId
from services.gateway.pages import render_page
from services.gateway.responses import (
    AUTHENTICATED,
    EmailRecipientDeleted,
    EmailRecipientList,
    EmailRecipientOne,
    VerificationResentAnswer,
    errors,
    page_errors,
)
from services.gateway.schemas import EmailRecipientCreate, EmailRecipientUpdate
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.v1 import notifier_pb2

router = APIRouter(tags=["email"])


@router.get(
    "/email_recipients",
    summary="The caller's email recipients",
    response_model=EmailRecipientList,
    responses=errors(*AUTHENTICATED),
)
async def list_recipients(caller: CallerDep, clients: ClientsDep) -> dict[str, Any]:
    request = notifier_pb2.ListEmailRecipientsRequest()
    reply = await clients.rpc(clients.notifier.ListEmailRecipients, request, token=caller.token)
    recipients = [render.email_recipient(r) for r in reply.recipients]
    return {"status": "success", "data": recipients, "total": len(recipients)}


@router.post(
    "/email_recipients",
    status_code=201,
    summary="Add a recipient; a verification mail is sent",
    response_model=EmailRecipientOne,
    responses=errors(*AUTHENTICATED),
)
async def add_recipient(body: EmailRecipientCreate, caller: CallerDep, clients: ClientsDep) -> JSONResponse:
    request = notifier_pb2.AddEmailRecipientRequest(
        email=body.email, name=body.name, notification_types=body.notification_types, active=body.active
    )
    reply = await clients.rpc(clients.notifier.AddEmailRecipient, request, token=caller.token)
    data = {
        "id": reply.recipient.id,
        "email": reply.recipient.email,
        "verification_sent": reply.verification_sent,
        "created_at": render.timestamp(reply.recipient.created_at),
    }
    return JSONResponse({"status": "success", "message": "郵件接收者新增成功", "data": data}, status_code=201)


# Declared before the /{recipient_id} routes so that "verify" is never read as an id.
@router.get(
    "/email_recipients/verify",
    response_class=HTMLResponse,
    summary="Verification link from the mail (no login needed)",
    responses={**page_errors(400, 404, 409, 429), **errors(422, 503)},
)
async def verify_recipient(
    request: Request,
    clients: ClientsDep,
    token: Annotated[str, Query(max_length=512)] = "",
) -> HTMLResponse:
    if not token.strip():
        return render_page(request, "verify.html", {"verified": False}, status_code=400)
    try:
        reply = await clients.rpc(
            clients.notifier.VerifyEmailRecipient, notifier_pb2.VerifyEmailRecipientRequest(token=token)
        )
    except VisionFlowError as error:
        if error.code in (ErrorCode.SERVER_ERROR, ErrorCode.SERVICE_UNAVAILABLE):
            raise
        return render_page(request, "verify.html", {"verified": False}, status_code=error.http_status)
    return render_page(request, "verify.html", {"verified": True, "email": reply.email})


@router.patch(
    "/email_recipients/{recipient_id}",
    summary="Change a recipient's name, state or types",
    response_model=EmailRecipientOne,
    responses=errors(*AUTHENTICATED),
)
async def update_recipient(
    recipient_id: ResourceId, body: EmailRecipientUpdate, caller: CallerDep, clients: ClientsDep
) -> dict[str, Any]:
    request = notifier_pb2.UpdateEmailRecipientRequest(recipient_id=recipient_id)
    if body.name is not None:
        request.name = body.name
    if body.active is not None:
        request.active = body.active
    if body.notification_types is not None:
        request.notification_types.extend(body.notification_types)
        request.set_notification_types = True
    reply = await clients.rpc(clients.notifier.UpdateEmailRecipient, request, token=caller.token)
    return {
        "status": "success",
        "message": "郵件接收者更新成功",
        "data": render.email_recipient(reply.recipient),
    }


@router.delete(
    "/email_recipients/{recipient_id}",
    summary="Remove a recipient",
    response_model=EmailRecipientDeleted,
    responses=errors(*AUTHENTICATED),
)
async def delete_recipient(
    recipient_id: ResourceId, caller: CallerDep, clients: ClientsDep
) -> dict[str, Any]:
    request = notifier_pb2.DeleteEmailRecipientRequest(recipient_id=recipient_id)
    reply = await clients.rpc(clients.notifier.DeleteEmailRecipient, request, token=caller.token)
    return {
        "status": "success",
        "message": "郵件接收者刪除成功",
        "deleted_recipient_id": reply.recipient_id or recipient_id,
    }


@router.post(
    "/email_recipients/{recipient_id}/resend",
    summary="Mail a fresh verification link to an unverified recipient (limited per hour)",
    response_model=VerificationResentAnswer,
    responses=errors(*AUTHENTICATED),
)
async def resend_verification(
    recipient_id: ResourceId, caller: CallerDep, clients: ClientsDep
) -> dict[str, Any]:
    request = notifier_pb2.ResendEmailVerificationRequest(recipient_id=recipient_id)
    reply = await clients.rpc(clients.notifier.ResendEmailVerification, request, token=caller.token)
    return {
        "status": "success",
        "message": "驗證郵件已重新寄出",
        "data": {
            "id": reply.recipient.id,
            "email": reply.recipient.email,
            "verification_sent": reply.verification_sent,
        },
    }
