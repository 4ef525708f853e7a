"""Notifier storage over SQLite and PostgreSQL: notifications, targets, verification, outbox."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from services.notifier import crypto, outbox, recipients, store, validation
from services.notifier.models import (
    Channel,
    Delivery,
    DeliveryState,
    EmailRecipient,
    LineTarget,
)
from visionflow.db import utcnow
from visionflow.errors import ErrorCode, VisionFlowError


def account() -> str:
    return str(uuid.uuid4())


def new(
    message: str = "person in zone", *, event_id: str = "", camera_id: int = 1
) -> validation.NewNotification:
    return validation.notification(
        camera_id=camera_id,
        camera_name="Front door",
        message=message,
        image_path="",
        detection_type="person",
        confidence=0.9,
        region_name="Porch",
        metadata_json='{"k": 1}',
        event_id=event_id,
    )


def create(engine: Engine, owner: str, message: str = "m", *, event_id: str = "") -> store.Created:
    data = new(message, event_id=event_id)
    return store.create_notification(engine=engine, account_uuid=owner, data=data, enqueue=False)


def add_recipient(
    engine: Engine, owner: str, email: str, *, types: list[str] | None = None
) -> tuple[EmailRecipient, str]:
    token, token_hash = crypto.new_verification_token()
    row = recipients.add_email_recipient(
        engine=engine,
        account_uuid=owner,
        email=email,
        name="Ops",
        active=True,
        notification_types=types or ["alerts"],
        token_hash=token_hash,
        expires_at=utcnow() + timedelta(hours=48),
    )
    return row, token


def add_line(engine: Engine, owner: str, *, target: str = "U123", active: bool = True) -> LineTarget:
    return recipients.add_line_target(
        engine=engine,
        account_uuid=owner,
        token_encrypted="x",
        token_masked="abc...",
        name="LINE",
        target=target,
        active=active,
        verified=False,
        notification_types=["alerts"],
    )


def test_list_is_newest_first_with_pages_and_status_filter(engine: Engine) -> None:
    alice, bob = account(), account()
    ids = [create(engine, alice, f"n{i}").notification.id for i in range(5)]
    create(engine, bob, "bob's")
    page1 = store.list_notifications(engine=engine, account_uuid=alice, page=1, limit=2, status=None)
    assert [n.id for n in page1.notifications] == [ids[4], ids[3]]
    assert (page1.total_items, page1.total_pages) == (5, 3)
    page3 = store.list_notifications(engine=engine, account_uuid=alice, page=3, limit=2, status=None)
    assert [n.id for n in page3.notifications] == [ids[0]]
    assert ids[1] is not None
    store.set_status(engine=engine, account_uuid=alice, notification_id=ids[1], status="read")
    read = store.list_notifications(engine=engine, account_uuid=alice, page=1, limit=10, status="read")
    unread = store.list_notifications(engine=engine, account_uuid=alice, page=1, limit=10, status="unread")
    assert [n.id for n in read.notifications] == [ids[1]]
    assert read.total_items == 1 and unread.total_items == 4


def test_foreign_notification_is_not_found(engine: Engine) -> None:
    alice, bob = account(), account()
    row = create(engine, alice).notification
    assert row.id is not None
    with pytest.raises(VisionFlowError) as caught:
        store.set_status(engine=engine, account_uuid=bob, notification_id=row.id, status="read")
    assert caught.value.code is ErrorCode.RESOURCE_NOT_FOUND
    assert (
        store.get_notification(engine=engine, account_uuid=alice, notification_id=row.id).status == "unread"
    )
    empty = store.list_notifications(engine=engine, account_uuid=bob, page=1, limit=10, status=None)
    assert empty.total_items == 0 and empty.total_pages == 0


def test_same_event_id_returns_the_existing_notification(engine: Engine) -> None:
    alice, bob = account(), account()
    first = create(engine, alice, "first", event_id="evt-1")
    again = create(engine, alice, "second", event_id="evt-1")
    other = create(engine, bob, "bob", event_id="evt-1")
    assert first.created and not again.created and other.created
    assert again.notification.id == first.notification.id
    assert again.notification.message == "first"
    assert other.notification.id != first.notification.id
    assert (
        store.list_notifications(engine=engine, account_uuid=alice, page=1, limit=10, status=None).total_items
        == 1
    )
    # Empty event ids never collide.
    assert create(engine, alice, "a").notification.id != create(engine, alice, "b").notification.id


def test_enqueue_targets_only_active_verified_alert_subscribers(engine: Engine) -> None:
    alice, bob = account(), account()
    verified, token = add_recipient(engine, alice, "ops@example.com")
    recipients.verify_email_recipient(engine=engine, token_hash=crypto.hash_token(token))
    add_recipient(engine, alice, "unverified@example.com")
    _, token2 = add_recipient(engine, alice, "reports@example.com", types=["daily_reports"])
    recipients.verify_email_recipient(engine=engine, token_hash=crypto.hash_token(token2))
    line = add_line(engine, alice)
    add_line(engine, alice, target="")  # nobody to push to
    add_line(engine, alice, active=False)
    _, bob_token = add_recipient(engine, bob, "bob@example.com")
    recipients.verify_email_recipient(engine=engine, token_hash=crypto.hash_token(bob_token))

    created = store.create_notification(engine=engine, account_uuid=alice, data=new(), enqueue=True)
    assert created.notification.id is not None
    rows = outbox.deliveries_of(engine=engine, notification_id=created.notification.id)
    assert {(r.channel, r.target_id) for r in rows} == {("email", verified.id), ("line", line.id)}
    assert all(r.state == "pending" and r.account_uuid == alice for r in rows)
    assert len(created.delivery_ids) == 2
    # A duplicate event queues nothing more.
    with_event = store.create_notification(
        engine=engine, account_uuid=alice, data=new(event_id="e"), enqueue=True
    )
    duplicate = store.create_notification(
        engine=engine, account_uuid=alice, data=new(event_id="e"), enqueue=True
    )
    assert len(with_event.delivery_ids) == 2 and duplicate.delivery_ids == []


def test_duplicate_email_is_conflict_per_account(engine: Engine) -> None:
    alice, bob = account(), account()
    add_recipient(engine, alice, "ops@example.com")
    with pytest.raises(VisionFlowError) as caught:
        add_recipient(engine, alice, "ops@example.com")
    assert caught.value.code is ErrorCode.CONFLICT
    add_recipient(engine, bob, "ops@example.com")  # another account may use the same address
    assert len(recipients.list_email_recipients(engine=engine, account_uuid=alice)) == 1


def test_verification_token_works_once_and_expires(engine: Engine) -> None:
    alice = account()
    row, token = add_recipient(engine, alice, "ops@example.com")
    assert (
        recipients.verify_email_recipient(engine=engine, token_hash=crypto.hash_token(token))
        == "ops@example.com"
    )
    assert recipients.get_email_recipient(
        engine=engine, account_uuid=alice, recipient_id=row.id or 0
    ).verified
    with pytest.raises(VisionFlowError) as caught:
        recipients.verify_email_recipient(engine=engine, token_hash=crypto.hash_token(token))
    assert caught.value.code is ErrorCode.RESOURCE_NOT_FOUND

    expired_token, expired_hash = crypto.new_verification_token()
    recipients.add_email_recipient(
        engine=engine,
        account_uuid=alice,
        email="late@example.com",
        name="",
        active=True,
        notification_types=["alerts"],
        token_hash=expired_hash,
        expires_at=utcnow() - timedelta(seconds=1),
    )
    with pytest.raises(VisionFlowError):
        recipients.verify_email_recipient(engine=engine, token_hash=crypto.hash_token(expired_token))


def test_update_and_delete_recipient_respect_the_account(engine: Engine) -> None:
    alice, bob = account(), account()
    row, _ = add_recipient(engine, alice, "ops@example.com")
    assert row.id is not None
    for call in (
        lambda owner: recipients.update_email_recipient(
            engine=engine,
            account_uuid=owner,
            recipient_id=row.id,
            name="x",
            active=None,
            notification_types=None,
        ),
        lambda owner: recipients.delete_email_recipient(
            engine=engine, account_uuid=owner, recipient_id=row.id
        ),
    ):
        with pytest.raises(VisionFlowError) as caught:
            call(bob)
        assert caught.value.code is ErrorCode.RESOURCE_NOT_FOUND
    updated = recipients.update_email_recipient(
        engine=engine,
        account_uuid=alice,
        recipient_id=row.id,
        name=None,
        active=False,
        notification_types=["alerts", "daily_reports"],
    )
    assert (updated.name, updated.active, updated.notification_types) == (
        "Ops",
        False,
        "alerts,daily_reports",
    )
    recipients.delete_email_recipient(engine=engine, account_uuid=alice, recipient_id=row.id)
    assert recipients.list_email_recipients(engine=engine, account_uuid=alice) == []


def test_line_token_is_stored_encrypted(engine: Engine) -> None:
    alice, bob = account(), account()
    box = crypto.TokenBox(Fernet(Fernet.generate_key()))
    secret = "channel-access-token-0123456789"
    row = recipients.add_line_target(
        engine=engine,
        account_uuid=alice,
        token_encrypted=box.encrypt(secret),
        token_masked=validation.mask_token(secret),
        name="Ops",
        target="Uabc",
        active=True,
        verified=True,
        notification_types=["alerts"],
    )
    with Session(engine) as session:
        stored = session.get(LineTarget, row.id)
        assert stored is not None and secret not in stored.token_encrypted
        assert box.decrypt(stored.token_encrypted) == secret
    assert recipients.list_line_targets(engine=engine, account_uuid=bob) == []
    with pytest.raises(VisionFlowError):
        recipients.delete_line_target(engine=engine, account_uuid=bob, target_id=row.id or 0)
    recipients.delete_line_target(engine=engine, account_uuid=alice, target_id=row.id or 0)
    assert recipients.list_line_targets(engine=engine, account_uuid=alice) == []


def test_outbox_claims_a_row_once_and_backs_off(engine: Engine) -> None:
    alice = account()
    recipient, token = add_recipient(engine, alice, "ops@example.com")
    recipients.verify_email_recipient(engine=engine, token_hash=crypto.hash_token(token))
    created = store.create_notification(engine=engine, account_uuid=alice, data=new(), enqueue=True)
    [delivery_id] = created.delivery_ids

    claimed = outbox.claim_due(engine=engine, limit=10, lease_s=60)
    assert [r.id for r in claimed] == [delivery_id] and claimed[0].attempts == 1
    assert outbox.claim_due(engine=engine, limit=10, lease_s=60) == []  # leased to the first sender

    outbox.schedule_retry(engine=engine, delivery_id=delivery_id, error="smtp down", delay_s=30)
    assert outbox.claim_due(engine=engine, limit=10, lease_s=60) == []
    later = utcnow() + timedelta(seconds=31)
    again = outbox.claim_due(engine=engine, limit=10, lease_s=60, now=later)
    assert [r.attempts for r in again] == [2] and again[0].last_error == "smtp down"

    outbox.mark_sent(engine=engine, delivery_id=delivery_id)
    outbox.mark_failed(engine=engine, delivery_id=delivery_id, error="late")  # a sent row stays sent
    [row] = outbox.deliveries_of(engine=engine, notification_id=created.notification.id or 0)
    assert row.state == DeliveryState.SENT and row.sent_at is not None
    assert store.get_notification(
        engine=engine, account_uuid=alice, notification_id=row.notification_id or 0
    ).notification_sent
    assert recipients.get_email_recipient(
        engine=engine, account_uuid=alice, recipient_id=recipient.id or 0
    ).last_notification
    assert outbox.claim_due(engine=engine, limit=10, lease_s=60, now=later + timedelta(hours=1)) == []


def test_deferred_row_keeps_its_attempt_count(engine: Engine) -> None:
    alice = account()
    row, _ = add_recipient(engine, alice, "ops@example.com")
    delivery_id = outbox.enqueue_verification(engine=engine, account_uuid=alice, recipient_id=row.id or 0)
    [claimed] = outbox.claim_due(engine=engine, limit=1, lease_s=60)
    assert claimed.channel == Channel.VERIFICATION and claimed.notification_id is None
    outbox.defer(engine=engine, delivery_id=delivery_id, delay_s=5)
    assert outbox.claim_due(engine=engine, limit=1, lease_s=60) == []
    [again] = outbox.claim_due(engine=engine, limit=1, lease_s=60, now=utcnow() + timedelta(seconds=6))
    assert again.attempts == 1


def test_deleting_a_recipient_fails_its_pending_rows(engine: Engine) -> None:
    alice = account()
    row, _ = add_recipient(engine, alice, "ops@example.com")
    outbox.enqueue_verification(engine=engine, account_uuid=alice, recipient_id=row.id or 0)
    recipients.delete_email_recipient(engine=engine, account_uuid=alice, recipient_id=row.id or 0)
    assert outbox.claim_due(engine=engine, limit=10, lease_s=60, now=utcnow() + timedelta(days=1)) == []
    with Session(engine) as session:
        [failed] = session.exec(select(Delivery)).all()
    assert (failed.state, failed.last_error) == ("failed", "recipient deleted")
