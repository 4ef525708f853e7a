"""Small helpers shared by the notifier's process tests: a typed client and request builders."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.support.smtp import ReceivedMail
from visionflow.rpc import call, open_channel
from visionflow.v1 import notifier_pb2, notifier_pb2_grpc

_LINK = re.compile(r"https?://\S+/email_recipients/verify\?token=[A-Za-z0-9_\-]+")


@asynccontextmanager
async def notifier_stub(address: str) -> AsyncIterator[notifier_pb2_grpc.NotifierServiceStub]:
    async with open_channel(address) as channel:
        yield notifier_pb2_grpc.NotifierServiceStub(channel)


def notification_request(**change: Any) -> notifier_pb2.CreateNotificationRequest:
    fields: dict[str, Any] = {
        "camera_id": 1,
        "camera_name": "Front door",
        "message": "Person in the driveway",
        "detection_type": "person",
        "confidence": 0.91,
        "region_name": "Driveway",
    }
    fields.update(change)
    return notifier_pb2.CreateNotificationRequest(**fields)


def verification_link(mail: ReceivedMail) -> str:
    body = mail.message.get_body(preferencelist=("plain",))
    assert body is not None
    found = _LINK.search(body.get_content())
    assert found, body.get_content()
    return found.group(0)


def token_of(link: str) -> str:
    return parse_qs(urlparse(link).query)["token"][0]


async def add_verified_recipient(
    stub: notifier_pb2_grpc.NotifierServiceStub,
    token: str,
    email: str,
    wait_mail: Callable[[str], Awaitable[list[ReceivedMail]]],
) -> notifier_pb2.EmailRecipient:
    """Add a recipient and follow the link of its verification mail."""
    added = await call(
        stub.AddEmailRecipient,
        notifier_pb2.AddEmailRecipientRequest(email=email, name="Ops", active=True),
        token=token,
    )
    [mail] = await wait_mail(email)
    await call(
        stub.VerifyEmailRecipient,
        notifier_pb2.VerifyEmailRecipientRequest(token=token_of(verification_link(mail))),
    )
    return added.recipient


async def eventually(
    check: Callable[[], Awaitable[bool]], timeout: float = 10.0, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not met after {timeout}s")
        await asyncio.sleep(0.05)
