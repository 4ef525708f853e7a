"""NotifierService: authenticate, validate, call the store, build the reply.

Delivery choice for CreateNotification: the notification and one outbox row per active alert
channel target are committed together; the RPC then wakes the delivery worker and waits up to
`VF_NOTIFIER_INLINE_TIMEOUT_S` (3 s) for the first channel to accept. `notification_sent` is
the stored truth after that wait: true only when at least one channel really accepted the
message; whatever is still pending is retried by the worker and flips the stored flag later.

CreateNotification accepts only a camera of the caller's (from the camera feed, the one owner
of that answer: visionflow/camerafeed.py) and takes the camera's own name.

AddEmailRecipient and ResendEmailVerification mail the verification link directly with the
same short timeout; when that fails the mail is queued in the outbox (with a fresh token at send
time) and `verification_sent` is false. Both spend the hourly verification-mail budget of the
address and the account (services/notifier/mailbudget.py) before anything is stored or sent.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import timedelta

import grpc
from sqlalchemy.engine import Engine

from services.notifier import convert, crypto, outbox, recipients, sharing, store, validation
from services.notifier.channels import ChannelSender
from services.notifier.crypto import TokenBox
from services.notifier.delivery import DeliveryWorker
from services.notifier.failures import DeliveryError
from services.notifier.line import LineClient, send_test
from services.notifier.mailbudget import MailLimits
from services.notifier.models import EmailRecipient
from visionflow.camerafeed import JUST_CREATED_WAIT_S, CameraFeed
from visionflow.db import utcnow
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.quotas import Quotas
from visionflow.tokens import TokenVerifier
from visionflow.v1 import notifier_pb2, notifier_pb2_grpc

log = logging.getLogger(__name__)
IMAGE_PATH_MAX = 500  # the stored column's size


class NotifierServicer(notifier_pb2_grpc.NotifierServiceServicer):
    def __init__(
        self,
        *,
        engine: Engine,
        verifier: TokenVerifier,
        worker: DeliveryWorker,
        sender: ChannelSender,
        line: LineClient,
        token_box: TokenBox,
        inline_timeout_s: float,
        verification_ttl: timedelta,
        cameras: CameraFeed,
        quotas: Quotas,
        mail_limits: MailLimits | None = None,
    ) -> None:
        self._mail_limits = mail_limits or MailLimits()
        self._cameras = cameras
        self._quotas = quotas
        self._engine = engine
        self._verifier = verifier
        self._worker = worker
        self._sender = sender
        self._line = line
        self._token_box = token_box
        self._inline_timeout_s = inline_timeout_s
        self._verification_ttl = verification_ttl

    async def _account(self, context: grpc.aio.ServicerContext) -> str:
        return (await self._verifier.principal(context)).account_uuid

    # Notifications

    async def CreateNotification(
        self, request: notifier_pb2.CreateNotificationRequest, context: grpc.aio.ServicerContext
    ) -> notifier_pb2.CreateNotificationResponse:
        account = await self._account(context)
        data = validation.notification(
            camera_id=request.camera_id,
            camera_name=request.camera_name,
            message=request.message,
            image_path=request.image_path,
            detection_type=request.detection_type,
            confidence=request.confidence,
            region_name=request.region_name,
            metadata_json=request.metadata_json,
            event_id=request.event_id,
        )
        # The camera must be the caller's; its name is the camera's own, not the request's.
        camera = await self._cameras.wait_for_camera(data.camera_id, JUST_CREATED_WAIT_S)
        if camera is None or camera.account_uuid != account:
            raise VisionFlowError(ErrorCode.CAMERA_NOT_FOUND, "Camera not found or not accessible")
        data = replace(data, camera_name=camera.name[: validation.MAX_LABEL_CHARS])
        created = await asyncio.to_thread(
            store.create_notification,
            engine=self._engine,
            account_uuid=account,
            data=data,
            enqueue=True,
            max_per_minute=self._quotas.notifications_per_minute,
        )
        row = created.notification
        if created.delivery_ids:
            sent = await self._worker.wait_any_sent(created.delivery_ids, timeout_s=self._inline_timeout_s)
            if sent:
                assert row.id is not None
                row = await asyncio.to_thread(
                    store.get_notification, engine=self._engine, account_uuid=account, notification_id=row.id
                )
        log.info(
            "notification account=%s camera_id=%s id=%s new=%s deliveries=%s sent=%s",
            account,
            row.camera_id,
            row.id,
            created.created,
            len(created.delivery_ids),
            row.notification_sent,
        )
        return notifier_pb2.CreateNotificationResponse(notification=convert.notification(row))

    async def MarkAllNotificationsRead(
        self, request: notifier_pb2.MarkAllNotificationsReadRequest, context: grpc.aio.ServicerContext
    ) -> notifier_pb2.MarkAllNotificationsReadResponse:
        account = await self._account(context)
        updated = await asyncio.to_thread(store.mark_all_read, engine=self._engine, account_uuid=account)
        log.info("notifications marked read account=%s count=%s", account, updated)
        return notifier_pb2.MarkAllNotificationsReadResponse(updated=updated)

    async def ListNotifications(
        self, request: notifier_pb2.ListNotificationsRequest, context: grpc.aio.ServicerContext
    ) -> notifier_pb2.ListNotificationsResponse:
        account = await self._account(context)
        page, limit = validation.page_and_limit(request.page, request.limit)
        status = convert.STATUS_FROM_PROTO.get(request.status)
        shared = sharing.scopes(self._cameras, account)
        result = await asyncio.to_thread(
            store.list_notifications,
            engine=self._engine,
            account_uuid=account,
            page=page,
            limit=limit,
            status=status,
            shared=shared,
        )
        owners = {scope.camera_id: scope.owner_username for scope in shared}
        replies = []
        for row in result.notifications:
            reply = convert.notification(row)
            if row.account_uuid != account:
                reply.shared = True
                reply.owner_username = owners.get(row.camera_id, "")
            replies.append(reply)
        return notifier_pb2.ListNotificationsResponse(
            notifications=replies,
            current_page=result.page,
            total_pages=result.total_pages,
            total_items=result.total_items,
            items_per_page=result.limit,
        )

    async def UpdateNotification(
        self, request: notifier_pb2.UpdateNotificationRequest, context: grpc.aio.ServicerContext
    ) -> notifier_pb2.UpdateNotificationResponse:
        account = await self._account(context)
        status = convert.STATUS_FROM_PROTO.get(request.status)
        if status is None:
            raise validation.invalid("status must be read or unread")
        try:
            row = await asyncio.to_thread(
                store.set_status,
                engine=self._engine,
                account_uuid=account,
                notification_id=request.notification_id,
                status=status,
            )
        except VisionFlowError as error:
            if error.code is not ErrorCode.RESOURCE_NOT_FOUND:
                raise
            shared = await asyncio.to_thread(
                sharing.is_shared_notification,
                engine=self._engine,
                notification_id=request.notification_id,
                shared=sharing.scopes(self._cameras, account),
            )
            if shared:  # seen through a share: read-only, the read state is the owner's
                raise VisionFlowError(
                    ErrorCode.INSUFFICIENT_PERMISSIONS, "A shared notification cannot be changed"
                ) from None
            raise
        return notifier_pb2.UpdateNotificationResponse(notification=convert.notification(row))

    async def AuthorizeImage(
        self, request: notifier_pb2.AuthorizeImageRequest, context: grpc.aio.ServicerContext
    ) -> notifier_pb2.AuthorizeImageResponse:
        account = await self._account(context)
        path = request.image_path
        if path.partition("/")[0] == account:
            return notifier_pb2.AuthorizeImageResponse(owner_account_uuid=account)
        owner = None
        if 0 < len(path) <= IMAGE_PATH_MAX:
            owner = await asyncio.to_thread(
                sharing.shared_image_owner,
                engine=self._engine,
                image_path=path,
                shared=sharing.scopes(self._cameras, account),
            )
        if owner is None:
            raise VisionFlowError(ErrorCode.RESOURCE_NOT_FOUND, "Image not found")
        return notifier_pb2.AuthorizeImageResponse(owner_account_uuid=owner)

    # Email recipients

    async def AddEmailRecipient(
        self, request: notifier_pb2.AddEmailRecipientRequest, context: grpc.aio.ServicerContext
    ) -> notifier_pb2.AddEmailRecipientResponse:
        account = await self._account(context)
        email = validation.email(request.email)
        name = validation.name(request.name)
        types = validation.notification_types(list(request.notification_types), default_if_empty=True)
        token, token_hash = crypto.new_verification_token()
        row = await asyncio.to_thread(
            recipients.add_email_recipient,
            engine=self._engine,
            account_uuid=account,
            email=email,
            name=name,
            active=request.active,
            notification_types=types,
            token_hash=token_hash,
            expires_at=utcnow() + self._verification_ttl,
            max_count=self._quotas.email_recipients,
            mail_limits=self._mail_limits,
        )
        sent = await self._mail_verification(account, row, token)
        return notifier_pb2.AddEmailRecipientResponse(
            recipient=convert.email_recipient(row), verification_sent=sent
        )

    async def ResendEmailVerification(
        self, request: notifier_pb2.ResendEmailVerificationRequest, context: grpc.aio.ServicerContext
    ) -> notifier_pb2.ResendEmailVerificationResponse:
        account = await self._account(context)
        token, token_hash = crypto.new_verification_token()
        row = await asyncio.to_thread(
            recipients.renew_verification,
            engine=self._engine,
            account_uuid=account,
            recipient_id=request.recipient_id,
            token_hash=token_hash,
            expires_at=utcnow() + self._verification_ttl,
            mail_limits=self._mail_limits,
        )
        sent = await self._mail_verification(account, row, token)
        return notifier_pb2.ResendEmailVerificationResponse(
            recipient=convert.email_recipient(row), verification_sent=sent
        )

    async def _mail_verification(self, account: str, row: EmailRecipient, token: str) -> bool:
        assert row.id is not None
        try:
            await self._sender.send_verification(row, token, timeout_s=max(self._inline_timeout_s, 0.5))
        except DeliveryError as error:
            log.warning("verification mail queued account=%s recipient=%s: %s", account, row.id, error.reason)
            await asyncio.to_thread(
                outbox.enqueue_verification, engine=self._engine, account_uuid=account, recipient_id=row.id
            )
            self._worker.wake()
            return False
        log.info("verification mailed account=%s recipient=%s", account, row.id)
        return True

    async def ListEmailRecipients(
        self, request: notifier_pb2.ListEmailRecipientsRequest, context: grpc.aio.ServicerContext
    ) -> notifier_pb2.ListEmailRecipientsResponse:
        account = await self._account(context)
        rows = await asyncio.to_thread(
            recipients.list_email_recipients, engine=self._engine, account_uuid=account
        )
        return notifier_pb2.ListEmailRecipientsResponse(recipients=[convert.email_recipient(r) for r in rows])

    async def UpdateEmailRecipient(
        self, request: notifier_pb2.UpdateEmailRecipientRequest, context: grpc.aio.ServicerContext
    ) -> notifier_pb2.UpdateEmailRecipientResponse:
        account = await self._account(context)
        name = validation.name(request.name) if request.HasField("name") else None
        active = request.active if request.HasField("active") else None
        types = (
            validation.notification_types(list(request.notification_types), default_if_empty=False)
            if request.set_notification_types
            else None
        )
        row = await asyncio.to_thread(
            recipients.update_email_recipient,
            engine=self._engine,
            account_uuid=account,
            recipient_id=request.recipient_id,
            name=name,
            active=active,
            notification_types=types,
        )
        return notifier_pb2.UpdateEmailRecipientResponse(recipient=convert.email_recipient(row))

    async def DeleteEmailRecipient(
        self, request: notifier_pb2.DeleteEmailRecipientRequest, context: grpc.aio.ServicerContext
    ) -> notifier_pb2.DeleteEmailRecipientResponse:
        account = await self._account(context)
        await asyncio.to_thread(
            recipients.delete_email_recipient,
            engine=self._engine,
            account_uuid=account,
            recipient_id=request.recipient_id,
        )
        return notifier_pb2.DeleteEmailRecipientResponse(recipient_id=request.recipient_id)

    async def VerifyEmailRecipient(
        self, request: notifier_pb2.VerifyEmailRecipientRequest, context: grpc.aio.ServicerContext
    ) -> notifier_pb2.VerifyEmailRecipientResponse:
        token = request.token.strip()
        if not token or len(token) > 200:
            raise recipients.invalid_verification()
        email = await asyncio.to_thread(
            recipients.verify_email_recipient, engine=self._engine, token_hash=crypto.hash_token(token)
        )
        log.info("email recipient verified")
        return notifier_pb2.VerifyEmailRecipientResponse(email=email)

    # LINE targets

    async def AddLineToken(
        self, request: notifier_pb2.AddLineTokenRequest, context: grpc.aio.ServicerContext
    ) -> notifier_pb2.AddLineTokenResponse:
        account = await self._account(context)
        token = validation.line_token(request.token)
        name = validation.name(request.name)
        target = validation.line_target(request.target)
        types = validation.notification_types(list(request.notification_types), default_if_empty=True)
        verified = await self._line.verify(token)
        row = await asyncio.to_thread(
            recipients.add_line_target,
            engine=self._engine,
            account_uuid=account,
            token_encrypted=self._token_box.encrypt(token),
            token_masked=validation.mask_token(token),
            name=name,
            target=target,
            active=request.active,
            verified=verified,
            notification_types=types,
            max_count=self._quotas.line_targets,
        )
        log.info("LINE target added account=%s id=%s verified=%s", account, row.id, verified)
        return notifier_pb2.AddLineTokenResponse(line_token=convert.line_token(row))

    async def ListLineTokens(
        self, request: notifier_pb2.ListLineTokensRequest, context: grpc.aio.ServicerContext
    ) -> notifier_pb2.ListLineTokensResponse:
        account = await self._account(context)
        rows = await asyncio.to_thread(
            recipients.list_line_targets, engine=self._engine, account_uuid=account
        )
        return notifier_pb2.ListLineTokensResponse(line_tokens=[convert.line_token(r) for r in rows])

    async def DeleteLineToken(
        self, request: notifier_pb2.DeleteLineTokenRequest, context: grpc.aio.ServicerContext
    ) -> notifier_pb2.DeleteLineTokenResponse:
        account = await self._account(context)
        await asyncio.to_thread(
            recipients.delete_line_target,
            engine=self._engine,
            account_uuid=account,
            target_id=request.line_token_id,
        )
        return notifier_pb2.DeleteLineTokenResponse(line_token_id=request.line_token_id)

    async def TestLineToken(
        self, request: notifier_pb2.TestLineTokenRequest, context: grpc.aio.ServicerContext
    ) -> notifier_pb2.TestLineTokenResponse:
        account = await self._account(context)
        row = await asyncio.to_thread(
            recipients.get_line_target,
            engine=self._engine,
            account_uuid=account,
            target_id=request.line_token_id,
        )
        await send_test(self._line, token=self._token_box.decrypt(row.token_encrypted), to=row.target)
        assert row.id is not None
        used = await asyncio.to_thread(
            recipients.mark_line_used, engine=self._engine, target_id=row.id, verified=True
        )
        log.info("LINE test message sent account=%s id=%s", account, row.id)
        return notifier_pb2.TestLineTokenResponse(line_token=convert.line_token(used or row))
