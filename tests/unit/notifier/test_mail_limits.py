"""Hourly limits on verification mails, resends included: per recipient address (across accounts)
and per account. Over a limit the answer is 429 with Retry-After, no mail is sent and nothing is
stored; parallel resends cannot slip past the count."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit.notifier.conftest import Account, NotifierUnderTest, start_notifier, stop_notifier
from tests.unit.notifier.helpers import notifier_stub
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.rpc import call
from visionflow.v1 import notifier_pb2

PER_ADDRESS = 3
PER_ACCOUNT = 5


@pytest.fixture(scope="module")
async def limited(
    tmp_path_factory: pytest.TempPathFactory, auth_address: str
) -> AsyncIterator[NotifierUnderTest]:
    base: Path = tmp_path_factory.mktemp("notifier-mail-limits")
    running = await asyncio.to_thread(
        start_notifier,
        base,
        auth_address,
        VF_LIMIT_VERIFICATION_MAILS_PER_HOUR=str(PER_ADDRESS),
        VF_LIMIT_VERIFICATION_MAILS_PER_ACCOUNT_PER_HOUR=str(PER_ACCOUNT),
    )
    yield running
    assert await asyncio.to_thread(stop_notifier, running) == 0, running.process.tail()


async def _code(rpc: Any, request: Any, token: str) -> ErrorCode | None:
    try:
        await call(rpc, request, token=token)
    except VisionFlowError as error:
        if error.code is ErrorCode.RATE_LIMIT_EXCEEDED:
            assert error.retry_after is not None and 1 <= error.retry_after <= 3600
        return error.code
    return None


async def test_resends_are_limited_per_address_even_in_parallel(
    limited: NotifierUnderTest, alice: Account, bob: Account
) -> None:
    address = "target@example.com"
    async with notifier_stub(limited.address) as stub:
        added = await call(
            stub.AddEmailRecipient, notifier_pb2.AddEmailRecipientRequest(email=address), token=alice.token
        )
        request = notifier_pb2.ResendEmailVerificationRequest(recipient_id=added.recipient.id)
        codes = await asyncio.gather(
            *(_code(stub.ResendEmailVerification, request, alice.token) for _ in range(6))
        )
        # The first mail was one of the address's three: two resends pass, the rest are refused.
        assert codes.count(None) == PER_ADDRESS - 1, codes
        assert codes.count(ErrorCode.RATE_LIMIT_EXCEEDED) == 6 - (PER_ADDRESS - 1), codes
        await limited.smtp.wait_for(address, count=PER_ADDRESS)
        # Another account cannot mail the same stranger either: nothing is stored for it.
        refused = await _code(
            stub.AddEmailRecipient, notifier_pb2.AddEmailRecipientRequest(email=address), bob.token
        )
        assert refused is ErrorCode.RATE_LIMIT_EXCEEDED
        listed = await call(
            stub.ListEmailRecipients, notifier_pb2.ListEmailRecipientsRequest(), token=bob.token
        )
        assert list(listed.recipients) == []
        # A foreign recipient is invisible.
        assert await _code(stub.ResendEmailVerification, request, bob.token) is ErrorCode.RESOURCE_NOT_FOUND
    assert len(limited.smtp.mails_to(address)) == PER_ADDRESS


async def test_verification_mails_are_limited_per_account(
    limited: NotifierUnderTest, new_account: Any
) -> None:
    carol: Account = new_account()
    async with notifier_stub(limited.address) as stub:
        codes = [
            await _code(
                stub.AddEmailRecipient,
                notifier_pb2.AddEmailRecipientRequest(email=f"r{n}-{carol.uuid[:8]}@example.com"),
                carol.token,
            )
            for n in range(PER_ACCOUNT + 1)
        ]
        assert codes == [None] * PER_ACCOUNT + [ErrorCode.RATE_LIMIT_EXCEEDED]
        listed = await call(
            stub.ListEmailRecipients, notifier_pb2.ListEmailRecipientsRequest(), token=carol.token
        )
        assert len(listed.recipients) == PER_ACCOUNT
