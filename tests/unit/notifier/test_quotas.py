"""Per-account quotas in the notifier: recipients and LINE targets held, notifications created per
minute. One more is refused with the documented envelope (422 for what an account holds, 429 with
Retry-After for a rate), nothing is stored, and another account is unaffected."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit.notifier.alerts import camera_of, register_camera
from tests.unit.notifier.conftest import Account, NotifierUnderTest, start_notifier, stop_notifier
from tests.unit.notifier.helpers import notification_request, notifier_stub
from visionflow import bus
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.rpc import call
from visionflow.v1 import notifier_pb2


@pytest.fixture(scope="module")
async def limited(
    tmp_path_factory: pytest.TempPathFactory, auth_address: str
) -> AsyncIterator[NotifierUnderTest]:
    base: Path = tmp_path_factory.mktemp("notifier-quotas")
    running = await asyncio.to_thread(
        start_notifier,
        base,
        auth_address,
        VF_QUOTA_EMAIL_RECIPIENTS="2",
        VF_QUOTA_LINE_TARGETS="1",
        VF_QUOTA_NOTIFICATIONS_PER_MINUTE="3",
    )
    yield running
    assert await asyncio.to_thread(stop_notifier, running) == 0, running.process.tail()


async def _refused(code: ErrorCode, rpc: Any, request: Any, token: str) -> VisionFlowError:
    with pytest.raises(VisionFlowError) as caught:
        await call(rpc, request, token=token)
    assert caught.value.code is code, caught.value
    return caught.value


async def test_recipient_and_line_target_quotas(
    limited: NotifierUnderTest, alice: Account, bob: Account
) -> None:
    async with notifier_stub(limited.address) as stub:
        for n in (1, 2):
            request = notifier_pb2.AddEmailRecipientRequest(email=f"r{n}@example.com", active=True)
            await call(stub.AddEmailRecipient, request, token=alice.token)
        error = await _refused(
            ErrorCode.VALIDATION_ERROR,
            stub.AddEmailRecipient,
            notifier_pb2.AddEmailRecipientRequest(email="r3@example.com", active=True),
            alice.token,
        )
        assert "email recipients" in error.message and "limit of 2" in error.message
        listed = await call(
            stub.ListEmailRecipients, notifier_pb2.ListEmailRecipientsRequest(), token=alice.token
        )
        assert sorted(r.email for r in listed.recipients) == ["r1@example.com", "r2@example.com"]
        # The verification mail goes out inside AddEmailRecipient: none went to the refused one.
        assert limited.smtp.mails_to("r2@example.com") and not limited.smtp.mails_to("r3@example.com")

        line = notifier_pb2.AddLineTokenRequest(token="alice-channel-token-1", target="Ualice", active=True)
        await call(stub.AddLineToken, line, token=alice.token)
        error = await _refused(ErrorCode.VALIDATION_ERROR, stub.AddLineToken, line, alice.token)
        assert "LINE targets" in error.message
        await call(stub.AddLineToken, line, token=bob.token)  # bob has his own quota


async def test_notification_creation_is_rate_limited_per_account(
    limited: NotifierUnderTest, alice: Account, bob: Account
) -> None:
    nc = await bus.connect(limited.nats.url, "quota-tests")
    try:
        for account in (alice, bob):
            await register_camera(nc, account.uuid, camera_of(account.uuid), name="Gate")
    finally:
        await bus.close(nc)
    async with notifier_stub(limited.address) as stub:
        for n in range(3):
            request = notification_request(camera_id=camera_of(alice.uuid), message=f"n{n}")
            await call(stub.CreateNotification, request, token=alice.token)
        error = await _refused(
            ErrorCode.RATE_LIMIT_EXCEEDED,
            stub.CreateNotification,
            notification_request(camera_id=camera_of(alice.uuid), message="flood"),
            alice.token,
        )
        assert error.retry_after == 60 and "notifications" in error.message
        listed = await call(
            stub.ListNotifications, notifier_pb2.ListNotificationsRequest(page=1, limit=10), token=alice.token
        )
        assert listed.total_items == 3
        # A quiet account is not held back by the flooding one.
        request = notification_request(camera_id=camera_of(bob.uuid), message="quiet")
        await call(stub.CreateNotification, request, token=bob.token)
