"""Delivery survives outages: SMTP down for a while, and the notifier killed (SIGKILL) mid-way.

Each test starts its own notifier (short backoff and lease via settings) so it can break it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from nats.aio.client import Client as NATS

from tests.unit.notifier.alerts import alert_event, publish_alert, wait_consumed
from tests.unit.notifier.conftest import Account, NotifierUnderTest, start_notifier, stop_notifier
from tests.unit.notifier.helpers import (
    add_verified_recipient,
    eventually,
    notifier_stub,
    token_of,
    verification_link,
)
from visionflow import bus
from visionflow.rpc import call
from visionflow.v1 import notifier_pb2

SMTP_DOWN_S = 10.0


@pytest.fixture
async def fresh(tmp_path: Path, auth_address: str) -> AsyncIterator[NotifierUnderTest]:
    running = await asyncio.to_thread(start_notifier, tmp_path, auth_address)
    yield running
    code = await asyncio.to_thread(stop_notifier, running)
    assert code == 0, running.process.tail()


@pytest.fixture
async def nc(fresh: NotifierUnderTest) -> AsyncIterator[NATS]:
    client = await bus.connect(fresh.nats.url, "notifier-recovery-tests")
    yield client
    await bus.close(client)


async def setup_channels(fresh: NotifierUnderTest, account: Account) -> tuple[str, str]:
    email, line_user = f"ops-{account.uuid[:8]}@example.com", f"U{account.uuid[:8]}"
    async with notifier_stub(fresh.address) as stub:
        await add_verified_recipient(stub, account.token, email, fresh.smtp.wait_for)
        await call(
            stub.AddLineToken,
            notifier_pb2.AddLineTokenRequest(token=f"token-{account.uuid}", target=line_user, active=True),
            token=account.token,
        )
    return email, line_user


async def notification_count(fresh: NotifierUnderTest, account: Account) -> int:
    async with notifier_stub(fresh.address) as stub:
        reply = await call(
            stub.ListNotifications,
            notifier_pb2.ListNotificationsRequest(page=1, limit=100),
            token=account.token,
        )
    return reply.total_items


async def test_mail_queued_while_smtp_is_down_arrives_once_it_is_back(
    fresh: NotifierUnderTest, nc: NATS, alice: Account
) -> None:
    email, line_user = await setup_channels(fresh, alice)
    fresh.smtp.stop()
    seq = await publish_alert(nc, alert_event(alice.uuid))
    await wait_consumed(nc, seq)
    await fresh.line.wait_for_pushes(line_user)  # LINE does not wait for SMTP
    late = f"late-{alice.uuid[:8]}@example.com"
    async with notifier_stub(fresh.address) as stub:
        added = await call(
            stub.AddEmailRecipient,
            notifier_pb2.AddEmailRecipientRequest(email=late, active=True),
            token=alice.token,
        )
    assert not added.verification_sent  # queued in the outbox instead

    await asyncio.sleep(SMTP_DOWN_S)
    retries = fresh.process.log_text().count("delivery retry")
    assert retries >= 4, fresh.process.tail()  # several backed-off attempts while SMTP was down
    fresh.smtp.start()

    mails = await fresh.smtp.wait_for(email, count=2, timeout=10)  # verification + the alert
    [verification] = await fresh.smtp.wait_for(late, timeout=10)
    await asyncio.sleep(1.5)  # longer than the largest backoff: nothing else may follow
    assert len(fresh.smtp.mails_to(email)) == 2 and len(mails) == 2
    assert len(fresh.smtp.mails_to(late)) == 1 and len(fresh.line.pushes(line_user)) == 1
    # The queued verification mail carries a fresh, working token.
    async with notifier_stub(fresh.address) as stub:
        verified = await call(
            stub.VerifyEmailRecipient,
            notifier_pb2.VerifyEmailRecipientRequest(token=token_of(verification_link(verification))),
        )
        assert verified.email == late
        [listed] = (
            await call(
                stub.ListNotifications,
                notifier_pb2.ListNotificationsRequest(page=1, limit=10),
                token=alice.token,
            )
        ).notifications
    assert listed.notification_sent


def kill_and_restart(fresh: NotifierUnderTest) -> None:
    """SIGKILL, then start again on the same port and data (no graceful stop of anything)."""
    process = fresh.process
    process.kill()
    process.env[process.port_key] = process.address.rsplit(":", 1)[1]
    process.start()
    process.wait_ready(60)


async def test_notifier_killed_after_publish_delivers_once_after_restart(
    fresh: NotifierUnderTest, nc: NATS, alice: Account
) -> None:
    email, line_user = await setup_channels(fresh, alice)
    # Both channels fail at first, so the deliveries are still pending in the outbox at the kill.
    fresh.smtp.stop()
    fresh.line.fail_next(503, times=1000)
    seq = await publish_alert(nc, alert_event(alice.uuid, message="stored before the kill"))
    await wait_consumed(nc, seq)
    await fresh.line.wait_for_pushes(line_user)
    # A second event is published and the notifier killed at once: it may not even be consumed.
    unseen = await publish_alert(nc, alert_event(alice.uuid, message="published right before the kill"))
    await asyncio.to_thread(kill_and_restart, fresh)
    fresh.line.clear_failures()
    fresh.smtp.start()

    await wait_consumed(nc, unseen)
    mails = await fresh.smtp.wait_for(email, count=3, timeout=15)  # verification + 2 alerts
    await eventually(lambda: _accepted(fresh, line_user, 2), timeout=15, what="two accepted LINE pushes")
    await asyncio.sleep(1.5)  # longer than the largest backoff: no duplicate may follow
    assert await notification_count(fresh, alice) == 2
    assert len(fresh.smtp.mails_to(email)) == 3
    assert sorted(first_line(m.message) for m in mails[1:]) == [
        "published right before the kill",
        "stored before the kill",
    ]
    accepted = fresh.line.accepted_pushes(line_user)
    assert sorted(p.body["messages"][0]["text"].splitlines()[0] for p in accepted) == [
        "published right before the kill",
        "stored before the kill",
    ]


async def _accepted(fresh: NotifierUnderTest, line_user: str, count: int) -> bool:
    return len(fresh.line.accepted_pushes(line_user)) >= count


def first_line(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content()).splitlines()[0]
