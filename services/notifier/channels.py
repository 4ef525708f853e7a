"""Sending one outbox row: load what it points at, build the message, hand it to SMTP or LINE.

A row whose target is gone, inactive, unverified or unsubscribed fails permanently; the worker
decides between retry and failure for everything else.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.notifier import crypto, recipients
from services.notifier.crypto import TokenBox
from services.notifier.failures import DeliveryError
from services.notifier.images import SnapshotStore
from services.notifier.line import LineClient, alert_messages, retry_key
from services.notifier.mail import Mailer, alert_message, verification_message
from services.notifier.models import Channel, Delivery, EmailRecipient, LineTarget, Notification
from services.notifier.store import ALERTS
from visionflow.db import utcnow
from visionflow.links import ImageLinkSigner
from visionflow.snapshots import key_belongs_to

log = logging.getLogger(__name__)


def verification_link(public_url: str, token: str) -> str:
    return f"{public_url}/email_recipients/verify?token={token}"


Target = EmailRecipient | LineTarget


def _load(engine: Engine, delivery: Delivery) -> tuple[Notification | None, Target | None]:
    with Session(engine, expire_on_commit=False) as session:
        notification = (
            session.get(Notification, delivery.notification_id) if delivery.notification_id else None
        )
        target: Target | None
        if delivery.channel == Channel.LINE.value:
            target = session.get(LineTarget, delivery.target_id)
        else:
            target = session.get(EmailRecipient, delivery.target_id)
        if target is not None and target.account_uuid != delivery.account_uuid:
            target = None
        return notification, target


class ChannelSender:
    """Knows how to deliver each kind of outbox row."""

    def __init__(
        self,
        *,
        engine: Engine,
        mailer: Mailer,
        line: LineClient,
        snapshots: SnapshotStore,
        token_box: TokenBox,
        public_url: str,
        verification_ttl: timedelta,
        link_signer: ImageLinkSigner,
        link_ttl_s: int,
    ) -> None:
        self._engine = engine
        self._mailer = mailer
        self._line = line
        self._snapshots = snapshots
        self._token_box = token_box
        self._public_url = public_url
        self._verification_ttl = verification_ttl
        self._link_signer = link_signer
        self._link_ttl_s = link_ttl_s

    async def send(self, delivery: Delivery) -> None:
        """Deliver the row's message once; raise DeliveryError when it did not go out."""
        if delivery.channel == Channel.VERIFICATION.value:
            await self._queued_verification(delivery)
            return
        notification, target = await asyncio.to_thread(_load, self._engine, delivery)
        if notification is None:
            raise DeliveryError("notification no longer exists", permanent=True)
        if target is None:
            raise DeliveryError("target no longer exists", permanent=True)
        if not target.active or ALERTS not in target.notification_types.split(","):
            raise DeliveryError("target inactive or unsubscribed from alerts", permanent=True)
        if isinstance(target, EmailRecipient):
            await self._email(notification, target)
        else:
            await self._push(delivery, notification, target)

    def image_url(self, notification: Notification) -> str:
        """A signed link to the alert's snapshot that opens without a login, valid for the link
        TTL; empty when there is no snapshot or its key is not the notification's account's."""
        key = notification.image_path
        if not key or not key_belongs_to(key, notification.account_uuid):
            return ""
        return self._link_signer.url(self._public_url, key, self._link_ttl_s)

    async def _email(self, notification: Notification, recipient: EmailRecipient) -> None:
        if not recipient.verified:
            raise DeliveryError("recipient not verified", permanent=True)
        snapshot = await self._snapshots.fetch(
            account_uuid=notification.account_uuid, key=notification.image_path
        )
        message = alert_message(
            notification,
            to=recipient.email,
            sender=self._mailer.config.sender,
            snapshot=snapshot,
            image_url=self.image_url(notification),
        )
        await self._mailer.send(message)
        log.info(
            "alert mailed account=%s notification=%s recipient=%s image=%s",
            notification.account_uuid,
            notification.id,
            recipient.id,
            snapshot is not None,
        )

    async def _push(self, delivery: Delivery, notification: Notification, target: LineTarget) -> None:
        if not target.target:
            raise DeliveryError("LINE target has no user/group id", permanent=True)
        try:
            token = self._token_box.decrypt(target.token_encrypted)
        except ValueError as error:
            raise DeliveryError(str(error), permanent=True) from None
        assert delivery.id is not None
        await self._line.push(
            token=token,
            to=target.target,
            messages=alert_messages(notification, image_url=self.image_url(notification)),
            retry_key=retry_key(
                delivery_id=delivery.id,
                account_uuid=delivery.account_uuid,
                created_iso=delivery.created_at.isoformat(),
            ),
        )
        log.info(
            "alert pushed to LINE account=%s notification=%s line_target=%s",
            notification.account_uuid,
            notification.id,
            target.id,
        )

    async def send_verification(self, recipient: EmailRecipient, token: str, *, timeout_s: float) -> None:
        """Mail the verification link directly (AddEmailRecipient); raises DeliveryError."""
        message = verification_message(
            to=recipient.email,
            name=recipient.name,
            link=verification_link(self._public_url, token),
            sender=self._mailer.config.sender,
        )
        await self._mailer.send(message, timeout_s=timeout_s)

    async def _queued_verification(self, delivery: Delivery) -> None:
        # Only the hash of a token is stored, so a queued mail gets a fresh token when it goes out.
        token, token_hash = crypto.new_verification_token()
        recipient = await asyncio.to_thread(
            recipients.replace_verification_token,
            engine=self._engine,
            recipient_id=delivery.target_id,
            token_hash=token_hash,
            expires_at=utcnow() + self._verification_ttl,
        )
        if recipient is None or recipient.account_uuid != delivery.account_uuid:
            raise DeliveryError("recipient gone or already verified", permanent=True)
        await self.send_verification(recipient, token, timeout_s=self._mailer.config.timeout_s)
        log.info("verification mailed account=%s recipient=%s", recipient.account_uuid, recipient.id)
