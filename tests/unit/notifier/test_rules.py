"""Pure rules of the notifier: validation, masking, encryption key, rate limit, backoff, messages."""

from __future__ import annotations

import math
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy.engine import Engine

from services.notifier import crypto, validation
from services.notifier.channels import ChannelSender
from services.notifier.images import Snapshot, SnapshotStore, image_subtype
from services.notifier.line import LineClient, alert_messages, retry_key
from services.notifier.mail import Mailer, SmtpConfig, alert_message
from services.notifier.models import Notification
from services.notifier.outbox import Backoff
from services.notifier.ratelimit import AccountRateLimiter
from visionflow.db import create_db_engine
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.links import ImageLinkSigner, load_or_create_link_key
from visionflow.snapshots import key_belongs_to

GOOD = {
    "camera_id": 1,
    "camera_name": "Front",
    "message": "person",
    "image_path": "",
    "detection_type": "person",
    "confidence": 0.5,
    "region_name": "",
    "metadata_json": "",
    "event_id": "",
}


@pytest.mark.parametrize(
    "change",
    [
        {"camera_id": 0},
        {"message": ""},
        {"message": "   "},
        {"message": "x" * 2001},
        {"detection_type": ""},
        {"detection_type": "x" * 51},
        {"confidence": -0.01},
        {"confidence": 1.01},
        {"confidence": math.nan},
        {"confidence": math.inf},
        {"metadata_json": "[1, 2]"},
        {"metadata_json": "{not json"},
        {"metadata_json": '{"a": "' + "x" * 16400 + '"}'},
        {"image_path": "x" * 501},
    ],
)
def test_bad_notification_is_validation_error(change: dict[str, object]) -> None:
    with pytest.raises(VisionFlowError) as caught:
        validation.notification(**{**GOOD, **change})  # type: ignore[arg-type]
    assert caught.value.code is ErrorCode.VALIDATION_ERROR


def test_good_notification_keeps_metadata_as_given() -> None:
    data = validation.notification(**{**GOOD, "metadata_json": '{"b": 2,  "a": 1}', "confidence": 1.0})  # type: ignore[arg-type]
    assert data.metadata_json == '{"b": 2,  "a": 1}' and data.event_id is None


@pytest.mark.parametrize("page,limit", [(0, 10), (1, 0), (1, 101), (-1, 10)])
def test_page_and_limit_bounds(page: int, limit: int) -> None:
    with pytest.raises(VisionFlowError):
        validation.page_and_limit(page, limit)


@pytest.mark.parametrize(
    "value", ["", "plain", "a@b", "a b@example.com", "x@-bad.com", "a" * 65 + "@example.com"]
)
def test_bad_email_is_rejected(value: str) -> None:
    with pytest.raises(VisionFlowError):
        validation.email(value)


def test_email_is_normalised_and_types_default_to_alerts() -> None:
    assert validation.email(" Ops@Example.COM ") == "ops@example.com"
    assert validation.notification_types([], default_if_empty=True) == ["alerts"]
    assert validation.notification_types([], default_if_empty=False) == []
    assert validation.notification_types(["daily_reports", "alerts", "alerts"], default_if_empty=True) == [
        "alerts",
        "daily_reports",
    ]
    with pytest.raises(VisionFlowError):
        validation.notification_types(["sms"], default_if_empty=True)


def test_line_token_rules_and_mask() -> None:
    for bad in ("short", "x" * 513, "has space in it"):
        with pytest.raises(VisionFlowError):
            validation.line_token(bad)
    token = "AbCdEf1234567890SECRETSECRET"
    assert validation.mask_token(token) == "AbCdEf1234567890..."
    assert validation.line_target("") == ""
    for bad in ("   ", "U" * 101):
        with pytest.raises(VisionFlowError):
            validation.line_target(bad)


def test_secret_key_is_created_once_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "notifier.key"
    box = crypto.TokenBox(crypto.load_or_create_key(path))
    encrypted = box.encrypt("channel-token")
    assert path.stat().st_mode & 0o777 == 0o600
    again = crypto.TokenBox(crypto.load_or_create_key(path))
    assert again.decrypt(encrypted) == "channel-token"
    other = crypto.TokenBox(crypto.load_or_create_key(tmp_path / "other.key"))
    with pytest.raises(ValueError):
        other.decrypt(encrypted)


def test_rate_limiter_delays_beyond_the_per_minute_budget(engine: Engine) -> None:
    now = [600.0]
    limiter = AccountRateLimiter(engine, 2, clock=lambda: now[0])
    assert limiter.reserve("a") == 0 and limiter.reserve("a") == 0
    assert limiter.reserve("a") == pytest.approx(60.0)  # the next minute
    assert limiter.reserve("b") == 0  # accounts are independent
    now[0] = 630.0
    assert limiter.reserve("a") == pytest.approx(30.0)
    now[0] = 660.0
    assert limiter.reserve("a") == 0


def test_rate_limit_is_shared_by_every_replica(engine: Engine) -> None:
    now = [1200.0]
    replicas = [AccountRateLimiter(engine, 3, clock=lambda: now[0]) for _ in range(3)]
    granted = [r.reserve("a") == 0 for _ in range(3) for r in replicas]
    assert granted.count(True) == 3  # three replicas together: the budget once, not three times


def test_backoff_doubles_up_to_the_cap() -> None:
    backoff = Backoff(base_s=1, max_s=300)
    assert [backoff.delay(n) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff.delay(20) == 300 and backoff.delay(10_000) == 300


def test_snapshot_keys_must_belong_to_the_account() -> None:
    assert key_belongs_to("acc/cam1/a.jpg", "acc")
    for key in ("other/a.jpg", "acc/../other/a.jpg", "/acc/a.jpg", "acc//a.jpg", "acc"):
        assert not key_belongs_to(key, "acc")
    assert not key_belongs_to("/a.jpg", "")
    assert image_subtype(b"\x89PNG\r\n\x1a\n...") == "png"
    assert image_subtype(b"RIFF\0\0\0\0WEBPVP8") == "webp"


def _notification(**change: Any) -> Notification:
    fields: dict[str, Any] = {
        "id": 7,
        "account_uuid": "acc",
        "camera_id": 3,
        "camera_name": "Gate <1>",
        "message": "Person & dog",
        "image_path": "acc/cam3/e.jpg",
        "detection_type": "person",
        "confidence": 0.87,
        "region_name": "Drive",
        "created_at": datetime(2026, 1, 2, 3, 4, 5),
    }
    return Notification(**{**fields, **change})


def test_alert_mail_has_text_html_and_inline_image() -> None:
    snapshot = Snapshot(data=b"\xff\xd8\xff\xe0fake", subtype="jpeg", filename="e.jpg")
    mail = alert_message(_notification(), to="ops@example.com", sender="vf@example.com", snapshot=snapshot)
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None and "Confidence: 87%" in text.get_content()
    assert (
        html is not None
        and "Person &amp; dog" in html.get_content()
        and "Gate &lt;1&gt;" in html.get_content()
    )
    [image] = [part for part in mail.walk() if part.get_content_maintype() == "image"]
    cid = str(image["Content-ID"]).strip("<>")
    assert f"cid:{cid}" in html.get_content() and image.get_content() == snapshot.data
    plain_only = alert_message(_notification(), to="ops@example.com", sender="vf@example.com", snapshot=None)
    assert not [part for part in plain_only.walk() if part.get_content_maintype() == "image"]


def test_line_image_message_only_with_an_https_link() -> None:
    signed = "https://vf.example.com/showimage/acc/cam3/e.jpg?exp=1&sig=abc"
    https = alert_messages(_notification(), image_url=signed)
    assert [m["type"] for m in https] == ["text", "image"]
    assert https[1]["originalContentUrl"] == https[1]["previewImageUrl"] == signed
    plain_http = "http://localhost:5000/showimage/acc/cam3/e.jpg?exp=1&sig=abc"
    assert [m["type"] for m in alert_messages(_notification(), image_url=plain_http)] == ["text"]
    assert [m["type"] for m in alert_messages(_notification(), image_url="")] == ["text"]
    too_long = "https://x/showimage/" + "a" * 2000
    assert [m["type"] for m in alert_messages(_notification(), image_url=too_long)] == ["text"]
    key = retry_key(delivery_id=1, account_uuid="acc", created_iso="2026-01-01T00:00:00")
    assert key == retry_key(delivery_id=1, account_uuid="acc", created_iso="2026-01-01T00:00:00")
    assert key != retry_key(delivery_id=2, account_uuid="acc", created_iso="2026-01-01T00:00:00")


def test_alert_mail_links_the_picture_in_text_and_html() -> None:
    link = "https://vf.example.com/showimage/acc/cam3/e.jpg?exp=1800000000&sig=a-b_c"
    snapshot = Snapshot(data=b"\xff\xd8\xff\xe0fake", subtype="jpeg", filename="e.jpg")
    mail = alert_message(
        _notification(), to="ops@example.com", sender="vf@example.com", snapshot=snapshot, image_url=link
    )
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None and f"View picture: {link}" in text.get_content()
    assert html is not None
    assert f"<a href='{link.replace('&', '&amp;')}'>View picture</a>" in html.get_content()
    assert [part for part in mail.walk() if part.get_content_maintype() == "image"]  # still inline
    without = alert_message(_notification(), to="ops@example.com", sender="vf@example.com", snapshot=None)
    assert "View picture" not in without.as_string()


async def test_sender_signs_only_the_notifications_own_snapshot_keys(tmp_path: Path) -> None:
    secret = load_or_create_link_key(tmp_path / "image-link.key")
    engine = create_db_engine(f"sqlite:///{tmp_path / 'notifier.db'}")
    line = LineClient("https://api.line.me")
    sender = ChannelSender(
        engine=engine,
        mailer=Mailer(SmtpConfig("localhost", 25, "", "", "vf@example.com", "none", 1.0)),
        line=line,
        snapshots=SnapshotStore(None),
        token_box=crypto.TokenBox(crypto.load_or_create_key(tmp_path / "notifier.key")),
        public_url="https://vf.example.com",
        verification_ttl=timedelta(hours=1),
        link_signer=ImageLinkSigner(secret),
        link_ttl_s=600,
    )
    before = int(time.time())
    url = urlsplit(sender.image_url(_notification()))
    assert (url.scheme, url.netloc, url.path) == ("https", "vf.example.com", "/showimage/acc/cam3/e.jpg")
    query = parse_qs(url.query)
    exp, sig = int(query["exp"][0]), query["sig"][0]
    assert before + 600 <= exp <= int(time.time()) + 600
    assert ImageLinkSigner(secret).verify("acc/cam3/e.jpg", exp, sig)
    for foreign in ("other/cam3/e.jpg", "acc/../other/e.jpg", "/acc/e.jpg", ""):
        assert sender.image_url(_notification(image_path=foreign)) == "", foreign
    await line.close()
    engine.dispose()
