"""AlertEvents from JetStream through the real notifier to the SMTP and LINE stand-ins."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from nats.aio.client import Client as NATS

from tests.unit.notifier.alerts import (
    alert_event,
    camera_of,
    jpeg_bytes,
    publish_alert,
    put_snapshot,
    register_camera,
    wait_consumed,
)
from tests.unit.notifier.conftest import Account, NotifierUnderTest
from tests.unit.notifier.helpers import add_verified_recipient, eventually, notifier_stub
from visionflow import bus
from visionflow.links import ImageLinkSigner, load_or_create_link_key
from visionflow.rpc import call
from visionflow.v1 import notifier_pb2, notifier_pb2_grpc

WEEK = 7 * 24 * 3600


@pytest.fixture(scope="module")
async def stub(notifier: NotifierUnderTest) -> AsyncIterator[notifier_pb2_grpc.NotifierServiceStub]:
    async with notifier_stub(notifier.address) as client:
        yield client


@pytest.fixture(scope="module")
async def nc(notifier: NotifierUnderTest) -> AsyncIterator[NATS]:
    client = await bus.connect(notifier.nats.url, "notifier-tests")
    yield client
    await bus.close(client)


PICTURE_LINK = re.compile(r"View picture: (\S+)")


def assert_signed_link(url: str, notifier: NotifierUnderTest, key: str) -> None:
    """`url` opens exactly `key` for about the default week, signed with the notifier's key file."""
    split = urlsplit(url)
    assert (split.scheme, split.netloc) == ("https", "vf.example.test")
    assert unquote(split.path) == f"/showimage/{key}"
    query = parse_qs(split.query)
    exp, sig = int(query["exp"][0]), query["sig"][0]
    assert abs(exp - (time.time() + WEEK)) < 120
    key_file = notifier.data_dir / "image-link.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    signer = ImageLinkSigner(load_or_create_link_key(key_file))
    assert signer.verify(key, exp, sig)
    assert not signer.verify(f"{key}.other.jpg", exp, sig)


async def notifications(stub, account: Account) -> list[notifier_pb2.Notification]:
    reply = await call(
        stub.ListNotifications, notifier_pb2.ListNotificationsRequest(page=1, limit=100), token=account.token
    )
    return list(reply.notifications)


async def channels_for(stub, notifier: NotifierUnderTest, account: Account, tag: str) -> tuple[str, str, str]:
    """A verified email recipient and a LINE target for `account`: (email, line token, line user id)."""
    email = f"{tag}-{account.uuid[:8]}@example.com"
    await add_verified_recipient(stub, account.token, email, notifier.smtp.wait_for)
    line_token, line_user = f"line-token-{account.uuid}", f"U{account.uuid.replace('-', '')}"
    await call(
        stub.AddLineToken,
        notifier_pb2.AddLineTokenRequest(token=line_token, name="ops", target=line_user, active=True),
        token=account.token,
    )
    return email, line_token, line_user


async def test_alert_is_stored_mailed_with_image_and_pushed_once(
    stub, nc: NATS, notifier: NotifierUnderTest, alice: Account, bob: Account
) -> None:
    email, line_token, line_user = await channels_for(stub, notifier, alice, "alice")
    bob_email, _, bob_user = await channels_for(stub, notifier, bob, "bob")
    image = jpeg_bytes()
    key = f"{alice.uuid}/cam5/evt.jpg"
    await put_snapshot(nc, key, image)
    event = alert_event(alice.uuid, snapshot_key=key)
    await publish_alert(nc, event)

    [mail] = (await notifier.smtp.wait_for(email, count=2))[1:]  # after the verification mail
    [push] = await notifier.line.wait_for_pushes(line_user)
    [stored] = await notifications(stub, alice)
    assert (stored.camera_id, stored.camera_name, stored.region_name) == (
        event.camera_id,
        "Loading bay",
        "Dock",
    )
    assert (stored.detection_type, stored.image_path, stored.message) == (
        "person",
        key,
        "Person lingering at the dock",
    )
    assert stored.confidence == pytest.approx(0.83)
    assert json.loads(stored.metadata_json)["track_id"] == 17

    [attached] = [part for part in mail.message.walk() if part.get_content_maintype() == "image"]
    assert attached.get_content() == image and attached["Content-ID"]
    html = mail.message.get_body(preferencelist=("html",))
    assert html is not None and f"cid:{str(attached['Content-ID']).strip('<>')}" in html.get_content()

    assert push.bearer == line_token and push.body["to"] == line_user
    text, picture = push.body["messages"]
    assert text["type"] == "text" and "Person lingering at the dock" in text["text"]
    assert picture["type"] == "image" and picture["originalContentUrl"] == picture["previewImageUrl"]
    assert_signed_link(picture["originalContentUrl"], notifier, key)
    assert push.headers.get("x-line-retry-key")

    plain = mail.message.get_body(preferencelist=("plain",))
    assert plain is not None
    [mail_link] = PICTURE_LINK.findall(plain.get_content())
    assert_signed_link(mail_link, notifier, key)
    assert f"<a href='{mail_link.replace('&', '&amp;')}'>View picture</a>" in html.get_content()

    # The same event again (a redelivery or a second publish) changes nothing.
    seq = await publish_alert(nc, event)
    await wait_consumed(nc, seq)
    await eventually(lambda: _is_sent(stub, alice), what="notification_sent")
    assert len(await notifications(stub, alice)) == 1
    assert len(notifier.smtp.mails_to(email)) == 2 and len(notifier.line.pushes(line_user)) == 1
    # Bob's channels heard nothing of alice's alert.
    assert len(notifier.smtp.mails_to(bob_email)) == 1 and notifier.line.pushes(bob_user) == []
    assert await notifications(stub, bob) == []


async def _is_sent(stub, account: Account) -> bool:
    return all(n.notification_sent for n in await notifications(stub, account))


async def test_alert_without_notification_enabled_is_stored_not_sent(
    stub, nc: NATS, notifier: NotifierUnderTest, alice: Account
) -> None:
    email, _, line_user = await channels_for(stub, notifier, alice, "quiet")
    seq = await publish_alert(nc, alert_event(alice.uuid, enabled=False))
    await wait_consumed(nc, seq)
    [stored] = await notifications(stub, alice)
    assert not stored.notification_sent
    loud = await publish_alert(nc, alert_event(alice.uuid, message="", class_name="car"))
    await wait_consumed(nc, loud)
    await notifier.line.wait_for_pushes(line_user)  # the enabled one went out ...
    assert len(notifier.smtp.mails_to(email)) <= 2
    await notifier.smtp.wait_for(email, count=2)
    newest = (await notifications(stub, alice))[0]
    assert newest.message == "car detected in Dock on Loading bay"  # default text when none given
    assert len(notifier.line.pushes(line_user)) == 1  # ... and the disabled one never did


async def test_foreign_snapshot_key_is_never_attached(
    stub, nc: NATS, notifier: NotifierUnderTest, alice: Account, bob: Account
) -> None:
    email, _, line_user = await channels_for(stub, notifier, alice, "nosy")
    bob_key = f"{bob.uuid}/cam1/secret.jpg"
    await put_snapshot(nc, bob_key, jpeg_bytes())
    await publish_alert(nc, alert_event(alice.uuid, snapshot_key=bob_key))
    [mail] = (await notifier.smtp.wait_for(email, count=2))[1:]
    assert not [part for part in mail.message.walk() if part.get_content_maintype() == "image"]
    assert "View picture" not in mail.message.as_string()  # no signed link to bob's image either
    [push] = await notifier.line.wait_for_pushes(line_user)
    assert [m["type"] for m in push.body["messages"]] == ["text"]


async def test_missing_snapshot_still_sends_the_mail(
    stub, nc: NATS, notifier: NotifierUnderTest, alice: Account
) -> None:
    email, _, _ = await channels_for(stub, notifier, alice, "noimg")
    await publish_alert(nc, alert_event(alice.uuid, snapshot_key=f"{alice.uuid}/cam5/never-stored.jpg"))
    [mail] = (await notifier.smtp.wait_for(email, count=2))[1:]
    assert not [part for part in mail.message.walk() if part.get_content_maintype() == "image"]


async def test_line_client_error_fails_without_retry_and_5xx_retries(
    stub, nc: NATS, notifier: NotifierUnderTest, alice: Account
) -> None:
    line_user = f"U{alice.uuid.replace('-', '')}"
    await call(
        stub.AddLineToken,
        notifier_pb2.AddLineTokenRequest(token=f"token-{alice.uuid}", target=line_user, active=True),
        token=alice.token,
    )
    notifier.line.fail_next(400)
    seq = await publish_alert(nc, alert_event(alice.uuid))
    await wait_consumed(nc, seq)
    await notifier.line.wait_for_pushes(line_user)  # the refused push
    notifier.line.fail_next(503, times=2)
    await publish_alert(nc, alert_event(alice.uuid))
    pushes = await notifier.line.wait_for_pushes(line_user, count=4)  # 400, 503, 503, 200
    assert len(pushes) == 4
    # Same retry key for all attempts of the retried row; the refused one is not retried.
    assert len({p.headers["x-line-retry-key"] for p in pushes[1:]}) == 1
    assert pushes[0].headers["x-line-retry-key"] != pushes[1].headers["x-line-retry-key"]
    await eventually(lambda: _sent_flags(stub, alice, [True, False]), what="sent flags")
    assert len(notifier.line.pushes(line_user)) == 4


async def _sent_flags(stub, account: Account, expected: list[bool]) -> bool:
    return [n.notification_sent for n in await notifications(stub, account)] == expected


async def test_forged_alerts_for_another_accounts_camera_or_no_camera_are_dropped(
    stub, nc: NATS, notifier: NotifierUnderTest, alice: Account, bob: Account
) -> None:
    """Anyone who can publish on the bus must not get mail sent to another account's recipients."""
    email, _, line_user = await channels_for(stub, notifier, alice, "victim")
    await register_camera(nc, bob.uuid, camera_of(bob.uuid), name="Bob's yard")
    forged = [
        # alice's account on bob's camera
        alert_event(alice.uuid, camera_id=camera_of(bob.uuid), message="forged: foreign camera"),
        # a camera that does not exist
        alert_event(alice.uuid, camera_id=camera_of(alice.uuid) + 1, message="forged: no camera"),
    ]
    last = 0
    for event in forged:
        last = await publish_alert(nc, event, register=False)
    await wait_consumed(nc, last, timeout=15)
    assert await notifications(stub, alice) == [] and await notifications(stub, bob) == []
    # A real alert of alice's camera still goes through, named as the camera is, not as claimed.
    seq = await publish_alert(nc, alert_event(alice.uuid, camera_name="Loading bay"))
    await register_camera(nc, alice.uuid, camera_of(alice.uuid), name="Loading bay")
    await wait_consumed(nc, seq)
    [real] = await notifications(stub, alice)
    assert real.camera_name == "Loading bay"
    await notifier.smtp.wait_for(email, count=2)  # verification + the real alert only
    assert len(notifier.line.pushes(line_user)) <= 1
    assert "forged" not in " ".join(m.message.as_string() for m in notifier.smtp.mails_to(email))
