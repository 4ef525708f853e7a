"""The delivery worker in-process over SQLite and PostgreSQL, sending to a real SMTP server.

Covers what the process tests cannot time cheaply: the per-account rate limit delays (never
drops) messages, and two workers on one database never send a row twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy.engine import Engine

from services.notifier import (
    crypto,
    models,  # noqa: F401 - registers the tables
    outbox,
    recipients,
    store,
    validation,
)
from services.notifier.channels import ChannelSender
from services.notifier.delivery import DeliveryWorker, WorkerPolicy
from services.notifier.images import SnapshotStore
from services.notifier.line import LineClient
from services.notifier.mail import Mailer, SmtpConfig
from services.notifier.outbox import Backoff
from services.notifier.ratelimit import AccountRateLimiter
from tests.support.line_api import LineApiStandIn
from tests.support.smtp import SmtpSink
from visionflow.db import utcnow
from visionflow.links import ImageLinkSigner


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
async def line() -> AsyncIterator[LineClient]:
    stand_in = LineApiStandIn().start()
    client = LineClient(stand_in.base_url)
    yield client
    await client.close()
    stand_in.stop()


def _frozen() -> float:
    """10 s into a minute, for ever: a test never straddles two of the limiter's minutes."""
    return 1_800_000_010.0


def worker(engine: Engine, smtp: SmtpSink, line: LineClient, *, per_minute: int) -> DeliveryWorker:
    mailer = Mailer(SmtpConfig("127.0.0.1", smtp.port, "", "", "vf@example.test", "none", 5.0))
    sender = ChannelSender(
        engine=engine,
        mailer=mailer,
        line=line,
        snapshots=SnapshotStore(None),
        token_box=crypto.TokenBox(Fernet(Fernet.generate_key())),
        public_url="http://localhost:5000",
        verification_ttl=timedelta(hours=48),
        link_signer=ImageLinkSigner(secrets.token_bytes(32)),
        link_ttl_s=3600,
    )
    policy = WorkerPolicy(backoff=Backoff(0.1, 0.5), lease_s=30, max_attempts=5, concurrency=4, poll_s=0.05)
    return DeliveryWorker(
        engine=engine,
        sender=sender,
        limiter=AccountRateLimiter(engine, per_minute, clock=_frozen),
        policy=policy,
    )


def verified_recipients(engine: Engine, account: str, count: int) -> list[str]:
    emails = []
    for index in range(count):
        token, token_hash = crypto.new_verification_token()
        email = f"r{index}-{account[:8]}@example.com"
        recipients.add_email_recipient(
            engine=engine,
            account_uuid=account,
            email=email,
            name="",
            active=True,
            notification_types=["alerts"],
            token_hash=token_hash,
            expires_at=utcnow() + timedelta(hours=1),
        )
        recipients.verify_email_recipient(engine=engine, token_hash=crypto.hash_token(token))
        emails.append(email)
    return emails


def alert(engine: Engine, account: str) -> store.Created:
    data = validation.notification(
        camera_id=1,
        camera_name="Gate",
        message="Person at the gate",
        image_path="",
        detection_type="person",
        confidence=0.7,
        region_name="",
        metadata_json="",
        event_id="",
    )
    return store.create_notification(engine=engine, account_uuid=account, data=data, enqueue=True)


@contextlib.asynccontextmanager
async def running(*workers: DeliveryWorker) -> AsyncIterator[None]:
    tasks = [asyncio.create_task(w.run()) for w in workers]
    try:
        yield
    finally:
        for worker in workers:
            worker.stop()
        _, late = await asyncio.wait(tasks, timeout=10)
        for task in late:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        assert not late, "a delivery worker did not stop on its event"


async def test_rate_limit_delays_but_never_drops(engine: Engine, smtp: SmtpSink, line: LineClient) -> None:
    account, other = str(uuid.uuid4()), str(uuid.uuid4())
    emails = verified_recipients(engine, account, 3)
    [other_email] = verified_recipients(engine, other, 1)
    created = alert(engine, account)
    alert(engine, other)
    sender = worker(engine, smtp, line, per_minute=2)
    async with running(sender):
        assert await sender.wait_any_sent(created.delivery_ids, timeout_s=5)
        await smtp.wait_for(other_email)  # another account is not held back
        # Two of the three go out (which two is up to the concurrent sends), the third waits.
        deadline = time.monotonic() + 10
        while sum(len(smtp.mails_to(e)) for e in emails) < 2:
            assert time.monotonic() < deadline, "two mails not sent"
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
    rows = outbox.deliveries_of(engine=engine, notification_id=created.notification.id or 0)
    assert sorted(r.state for r in rows) == ["pending", "sent", "sent"]
    [held] = [r for r in rows if r.state == "pending"]
    # Held for the next minute's budget (50 s away on the frozen clock), not failed.
    assert held.attempts == 0 and held.next_attempt_at > utcnow() + timedelta(seconds=40)
    assert sum(len(smtp.mails_to(e)) for e in emails) == 2


async def test_two_workers_never_send_a_row_twice(engine: Engine, smtp: SmtpSink, line: LineClient) -> None:
    account = str(uuid.uuid4())
    emails = verified_recipients(engine, account, 8)
    created = [alert(engine, account) for _ in range(3)]
    first, second = worker(engine, smtp, line, per_minute=1000), worker(engine, smtp, line, per_minute=1000)
    async with running(first, second):
        for email in emails:
            await smtp.wait_for(email, count=3)
        await asyncio.sleep(0.3)
    assert all(len(smtp.mails_to(email)) == 3 for email in emails)
    for item in created:
        rows = outbox.deliveries_of(engine=engine, notification_id=item.notification.id or 0)
        assert [r.state for r in rows] == ["sent"] * 8 and all(r.attempts == 1 for r in rows)


async def test_a_flooding_account_delays_a_quiet_one_by_one_round_at_most(
    engine: Engine, smtp: SmtpSink, line: LineClient
) -> None:
    flooder, quiet = str(uuid.uuid4()), str(uuid.uuid4())
    flood_emails = verified_recipients(engine, flooder, 10)
    for _ in range(30):  # 300 mails queued before the quiet account's one
        alert(engine, flooder)
    [quiet_email] = verified_recipients(engine, quiet, 1)
    alert(engine, quiet)
    sender = worker(engine, smtp, line, per_minute=10_000)
    started = time.monotonic()
    async with running(sender):
        await smtp.wait_for(quiet_email, timeout=10)
        waited = time.monotonic() - started
        flooded_before = sum(len(smtp.mails_to(e)) for e in flood_emails)
    # Claims take turns by account: the quiet mail goes in the first round (concurrency 4).
    assert flooded_before <= 4, flooded_before
    assert waited < 2.0, waited
