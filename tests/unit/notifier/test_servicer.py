"""NotifierService over gRPC against the real process: CRUD, isolation, validation, verification."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nats.aio.client import Client as NATS

from tests.unit.notifier.alerts import camera_of, register_camera
from tests.unit.notifier.conftest import Account, NotifierUnderTest
from tests.unit.notifier.helpers import (
    add_verified_recipient,
    notification_request,
    notifier_stub,
    token_of,
    verification_link,
)
from visionflow import bus
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.rpc import call
from visionflow.tokens import ACCESS_TYPE, REFRESH_TYPE, key_id, sign_token
from visionflow.v1 import notifier_pb2, notifier_pb2_grpc

READ = notifier_pb2.NOTIFICATION_STATUS_READ
UNREAD = notifier_pb2.NOTIFICATION_STATUS_UNREAD


@pytest.fixture(scope="module")
async def stub(notifier: NotifierUnderTest) -> AsyncIterator[notifier_pb2_grpc.NotifierServiceStub]:
    async with notifier_stub(notifier.address) as client:
        yield client


@pytest.fixture(scope="module")
async def nc(notifier: NotifierUnderTest) -> AsyncIterator[NATS]:
    client = await bus.connect(notifier.nats.url, "notifier-servicer-tests")
    yield client
    await bus.close(client)


@pytest.fixture
def camera(nc: NATS) -> Callable[[Account], Awaitable[int]]:
    """Give an account a camera in the camera feed (as the camera service would); its id."""

    async def give(account: Account) -> int:
        camera_id = camera_of(account.uuid)
        await register_camera(nc, account.uuid, camera_id, name="Front door")
        return camera_id

    return give


async def expect_error(code: ErrorCode, rpc, request, token: str | None) -> VisionFlowError:
    with pytest.raises(VisionFlowError) as caught:
        await call(rpc, request, token=token)
    assert caught.value.code is code, caught.value
    return caught.value


async def test_notifications_list_newest_first_page_filter_and_mark_read(
    stub, alice: Account, camera
) -> None:
    camera_id = await camera(alice)
    created = []
    for index in range(3):
        reply = await call(
            stub.CreateNotification,
            notification_request(camera_id=camera_id, message=f"event {index}", metadata_json='{"track": 4}'),
            token=alice.token,
        )
        created.append(reply.notification)
    first = created[0]
    assert first.account_uuid == alice.uuid and first.status == UNREAD and first.camera_name == "Front door"
    assert first.metadata_json == '{"track": 4}' and not first.notification_sent
    assert first.created_at.seconds > 0

    page = await call(
        stub.ListNotifications, notifier_pb2.ListNotificationsRequest(page=1, limit=2), token=alice.token
    )
    assert [n.message for n in page.notifications] == ["event 2", "event 1"]
    assert (page.current_page, page.total_pages, page.total_items, page.items_per_page) == (1, 2, 3, 2)
    page2 = await call(
        stub.ListNotifications, notifier_pb2.ListNotificationsRequest(page=2, limit=2), token=alice.token
    )
    assert [n.message for n in page2.notifications] == ["event 0"]

    marked = await call(
        stub.UpdateNotification,
        notifier_pb2.UpdateNotificationRequest(notification_id=first.id, status=READ),
        token=alice.token,
    )
    assert marked.notification.status == READ
    read = await call(
        stub.ListNotifications,
        notifier_pb2.ListNotificationsRequest(page=1, limit=10, status=READ),
        token=alice.token,
    )
    unread = await call(
        stub.ListNotifications,
        notifier_pb2.ListNotificationsRequest(page=1, limit=10, status=UNREAD),
        token=alice.token,
    )
    assert [n.id for n in read.notifications] == [first.id]
    assert unread.total_items == 2


async def test_same_event_id_creates_one_notification(stub, alice: Account, camera) -> None:
    camera_id = await camera(alice)
    one = await call(
        stub.CreateNotification,
        notification_request(camera_id=camera_id, event_id="evt-42"),
        token=alice.token,
    )
    two = await call(
        stub.CreateNotification,
        notification_request(camera_id=camera_id, event_id="evt-42", message="x"),
        token=alice.token,
    )
    assert one.notification.id == two.notification.id and two.notification.message == "Person in the driveway"
    listed = await call(
        stub.ListNotifications, notifier_pb2.ListNotificationsRequest(page=1, limit=10), token=alice.token
    )
    assert listed.total_items == 1


async def test_second_account_sees_and_changes_nothing(
    stub, notifier: NotifierUnderTest, alice: Account, bob: Account, camera
) -> None:
    alices_camera = await camera(alice)
    notification = (
        await call(stub.CreateNotification, notification_request(camera_id=alices_camera), token=alice.token)
    ).notification
    # Nor can bob create a notification on alice's camera (or on one that does not exist).
    await expect_error(
        ErrorCode.CAMERA_NOT_FOUND,
        stub.CreateNotification,
        notification_request(camera_id=alices_camera),
        bob.token,
    )
    await expect_error(
        ErrorCode.CAMERA_NOT_FOUND,
        stub.CreateNotification,
        notification_request(camera_id=alices_camera + 1),
        bob.token,
    )
    recipient = (
        await call(
            stub.AddEmailRecipient,
            notifier_pb2.AddEmailRecipientRequest(email=f"{alice.uuid}@example.com", active=True),
            token=alice.token,
        )
    ).recipient
    line = (
        await call(
            stub.AddLineToken,
            notifier_pb2.AddLineTokenRequest(token="alice-channel-token-123", target="Ualice", active=True),
            token=alice.token,
        )
    ).line_token

    listed = await call(
        stub.ListNotifications, notifier_pb2.ListNotificationsRequest(page=1, limit=10), token=bob.token
    )
    assert listed.total_items == 0 and not listed.notifications
    assert not (
        await call(stub.ListEmailRecipients, notifier_pb2.ListEmailRecipientsRequest(), token=bob.token)
    ).recipients
    assert not (
        await call(stub.ListLineTokens, notifier_pb2.ListLineTokensRequest(), token=bob.token)
    ).line_tokens

    not_found = ErrorCode.RESOURCE_NOT_FOUND
    await expect_error(
        not_found,
        stub.UpdateNotification,
        notifier_pb2.UpdateNotificationRequest(notification_id=notification.id, status=READ),
        bob.token,
    )
    await expect_error(
        not_found,
        stub.UpdateEmailRecipient,
        notifier_pb2.UpdateEmailRecipientRequest(recipient_id=recipient.id, active=False),
        bob.token,
    )
    await expect_error(
        not_found,
        stub.DeleteEmailRecipient,
        notifier_pb2.DeleteEmailRecipientRequest(recipient_id=recipient.id),
        bob.token,
    )
    await expect_error(
        not_found, stub.DeleteLineToken, notifier_pb2.DeleteLineTokenRequest(line_token_id=line.id), bob.token
    )
    await expect_error(
        not_found,
        stub.UpdateNotification,
        notifier_pb2.UpdateNotificationRequest(notification_id=999_999, status=READ),
        alice.token,
    )

    # Nothing of alice's changed.
    mine = await call(
        stub.ListNotifications, notifier_pb2.ListNotificationsRequest(page=1, limit=10), token=alice.token
    )
    assert [n.status for n in mine.notifications] == [UNREAD]
    [still] = (
        await call(stub.ListEmailRecipients, notifier_pb2.ListEmailRecipientsRequest(), token=alice.token)
    ).recipients
    assert still.active
    assert (
        len(
            (
                await call(stub.ListLineTokens, notifier_pb2.ListLineTokensRequest(), token=alice.token)
            ).line_tokens
        )
        == 1
    )


async def test_missing_or_bad_token_is_rejected(stub, alice: Account) -> None:
    request = notifier_pb2.ListNotificationsRequest(page=1, limit=10)
    await expect_error(ErrorCode.AUTH_REQUIRED, stub.ListNotifications, request, None)
    await expect_error(ErrorCode.INVALID_TOKEN, stub.ListNotifications, request, "not-a-jwt")
    rogue = Ed25519PrivateKey.generate()
    forged = sign_token(rogue, key_id(rogue), subject=alice.uuid, token_type=ACCESS_TYPE, ttl_seconds=60)
    await expect_error(ErrorCode.INVALID_TOKEN, stub.ListNotifications, request, forged)


async def test_refresh_token_is_not_an_access_token(
    stub, signing_key: Ed25519PrivateKey, alice: Account
) -> None:
    refresh = sign_token(
        signing_key, key_id(signing_key), subject=alice.uuid, token_type=REFRESH_TYPE, ttl_seconds=60
    )
    await expect_error(
        ErrorCode.INVALID_TOKEN, stub.ListLineTokens, notifier_pb2.ListLineTokensRequest(), refresh
    )


@pytest.mark.parametrize(
    "method,request_",
    [
        ("ListNotifications", notifier_pb2.ListNotificationsRequest(page=1, limit=0)),
        ("ListNotifications", notifier_pb2.ListNotificationsRequest(page=1, limit=101)),
        ("ListNotifications", notifier_pb2.ListNotificationsRequest(page=0, limit=10)),
        ("CreateNotification", notification_request(confidence=1.5)),
        ("CreateNotification", notification_request(confidence=float("nan"))),
        ("CreateNotification", notification_request(message="")),
        ("CreateNotification", notification_request(camera_id=0)),
        ("CreateNotification", notification_request(detection_type="x" * 51)),
        ("CreateNotification", notification_request(metadata_json="[1]")),
        ("UpdateNotification", notifier_pb2.UpdateNotificationRequest(notification_id=1)),
        ("AddEmailRecipient", notifier_pb2.AddEmailRecipientRequest(email="not-an-email")),
        ("AddEmailRecipient", notifier_pb2.AddEmailRecipientRequest(email="a@example.com", name="n" * 101)),
        (
            "AddEmailRecipient",
            notifier_pb2.AddEmailRecipientRequest(email="a@example.com", notification_types=["sms"]),
        ),
        ("AddLineToken", notifier_pb2.AddLineTokenRequest(token="short")),
        ("AddLineToken", notifier_pb2.AddLineTokenRequest(token="long-enough-token", target="   ")),
    ],
)
async def test_invalid_input_is_validation_error(stub, alice: Account, method: str, request_) -> None:
    await expect_error(ErrorCode.VALIDATION_ERROR, getattr(stub, method), request_, alice.token)


async def test_line_token_is_masked_and_checked_at_line(
    stub, notifier: NotifierUnderTest, alice: Account
) -> None:
    good, bad = "GOODtoken-0123456789-abcdefghij", "BADtoken-0123456789-abcdefghijk"
    notifier.line.valid_tokens = {good}
    try:
        added = await call(
            stub.AddLineToken,
            notifier_pb2.AddLineTokenRequest(token=good, name="Ops group", target="Cgroup1", active=True),
            token=alice.token,
        )
        unverified = await call(
            stub.AddLineToken,
            notifier_pb2.AddLineTokenRequest(token=bad, name="old", active=True),
            token=alice.token,
        )
    finally:
        notifier.line.valid_tokens = set()
    line = added.line_token
    assert line.token_masked == good[:16] + "..." and line.verified and line.target == "Cgroup1"
    assert list(line.notification_types) == ["alerts"] and line.account_uuid == alice.uuid
    assert not unverified.line_token.verified
    checks = [r for r in notifier.line.requests if r.path == "/v2/bot/info"]
    assert {r.bearer for r in checks} >= {good, bad}

    listed = await call(stub.ListLineTokens, notifier_pb2.ListLineTokensRequest(), token=alice.token)
    assert [t.token_masked for t in listed.line_tokens] == [good[:16] + "...", bad[:16] + "..."]
    assert good not in str(listed) and bad not in str(listed)
    await call(
        stub.DeleteLineToken, notifier_pb2.DeleteLineTokenRequest(line_token_id=line.id), token=alice.token
    )
    after = await call(stub.ListLineTokens, notifier_pb2.ListLineTokensRequest(), token=alice.token)
    assert [t.id for t in after.line_tokens] == [unverified.line_token.id]


async def test_verification_mail_link_verifies_the_recipient_once(
    stub, notifier: NotifierUnderTest, alice: Account
) -> None:
    email = f"ops-{alice.uuid[:8]}@example.com"
    added = await call(
        stub.AddEmailRecipient,
        notifier_pb2.AddEmailRecipientRequest(email=email.upper(), name="Ops", active=True),
        token=alice.token,
    )
    assert added.verification_sent and not added.recipient.verified
    assert added.recipient.email == email and list(added.recipient.notification_types) == ["alerts"]
    [mail] = await notifier.smtp.wait_for(email)
    assert mail.message["From"] == "alerts@visionflow.test"
    link = verification_link(mail)
    assert link.startswith("https://vf.example.test/email_recipients/verify?token=")

    # The RPC needs no bearer token: the link's token is the credential.
    reply = await call(
        stub.VerifyEmailRecipient, notifier_pb2.VerifyEmailRecipientRequest(token=token_of(link))
    )
    assert reply.email == email
    [listed] = (
        await call(stub.ListEmailRecipients, notifier_pb2.ListEmailRecipientsRequest(), token=alice.token)
    ).recipients
    assert listed.verified
    for token in (token_of(link), "made-up-token", ""):
        await expect_error(
            ErrorCode.RESOURCE_NOT_FOUND,
            stub.VerifyEmailRecipient,
            notifier_pb2.VerifyEmailRecipientRequest(token=token),
            None,
        )


async def test_recipient_duplicate_update_and_delete(stub, alice: Account, bob: Account) -> None:
    request = notifier_pb2.AddEmailRecipientRequest(email="team@example.com", name="Team", active=True)
    added = (await call(stub.AddEmailRecipient, request, token=alice.token)).recipient
    await expect_error(ErrorCode.CONFLICT, stub.AddEmailRecipient, request, alice.token)
    await call(stub.AddEmailRecipient, request, token=bob.token)  # bob may add the same address

    updated = await call(
        stub.UpdateEmailRecipient,
        notifier_pb2.UpdateEmailRecipientRequest(
            recipient_id=added.id,
            name="Night shift",
            notification_types=["daily_reports"],
            set_notification_types=True,
        ),
        token=alice.token,
    )
    assert updated.recipient.name == "Night shift" and updated.recipient.active
    assert list(updated.recipient.notification_types) == ["daily_reports"]
    paused = await call(
        stub.UpdateEmailRecipient,
        notifier_pb2.UpdateEmailRecipientRequest(recipient_id=added.id, active=False),
        token=alice.token,
    )
    assert not paused.recipient.active and paused.recipient.name == "Night shift"
    await expect_error(
        ErrorCode.VALIDATION_ERROR,
        stub.UpdateEmailRecipient,
        notifier_pb2.UpdateEmailRecipientRequest(
            recipient_id=added.id, notification_types=["sms"], set_notification_types=True
        ),
        alice.token,
    )
    deleted = await call(
        stub.DeleteEmailRecipient,
        notifier_pb2.DeleteEmailRecipientRequest(recipient_id=added.id),
        token=alice.token,
    )
    assert deleted.recipient_id == added.id
    assert not (
        await call(stub.ListEmailRecipients, notifier_pb2.ListEmailRecipientsRequest(), token=alice.token)
    ).recipients


async def test_notification_is_sent_inline_to_a_verified_recipient(
    stub, notifier: NotifierUnderTest, alice: Account, camera
) -> None:
    email = f"inline-{alice.uuid[:8]}@example.com"
    await add_verified_recipient(stub, alice.token, email, notifier.smtp.wait_for)
    reply = await call(
        stub.CreateNotification,
        notification_request(camera_id=await camera(alice), message="Car at the gate"),
        token=alice.token,
    )
    assert reply.notification.notification_sent
    mails = await notifier.smtp.wait_for(email, count=2)  # verification + alert
    alert = mails[1].message
    assert "person" in str(alert["Subject"]) and "Front door" in str(alert["Subject"])
    plain = alert.get_body(preferencelist=("plain",))
    assert plain is not None and "Car at the gate" in plain.get_content()
    [recipient] = (
        await call(stub.ListEmailRecipients, notifier_pb2.ListEmailRecipientsRequest(), token=alice.token)
    ).recipients
    assert recipient.HasField("last_notification")
