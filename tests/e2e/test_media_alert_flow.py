"""The product's promise end to end: a person walks into a drawn zone and stays → one alert,
delivered once by email (snapshot attached) and once by LINE, its picture shown to its owner only.

Real parts only: a GStreamer RTSP camera serving an H.264 clip made from a real photo, ingest,
the detector with the offline person model, the notifier, aiosmtpd, the LINE stand-in, and the
gateway over HTTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import System
from tests.e2e.alerting import draw_door_zone, verified_recipient, wait_for_notifications
from tests.e2e.helpers import Account
from tests.support.media import walk_in_video
from tests.support.rtsp import RtspServer, needs_rtsp, start_rtsp_server

pytestmark = needs_rtsp

CLIP_SECONDS = 40.0  # longer than the test, so the person never walks in a second time
DWELL_SECONDS = 2.0
LINE_TOKEN = "line-channel-token-0123456789"
LINE_TARGET = "U0123456789abcdef0123456789abcdef"


@pytest.fixture
def walk_in_camera(data_dir: Path) -> Iterator[RtspServer]:
    server = start_rtsp_server(walk_in_video(seconds=CLIP_SECONDS), data_dir / "logs", name="rtsp-walk-in")
    yield server
    server.stop()


async def test_person_staying_in_zone_alerts_once_by_mail_and_line(
    http: httpx.AsyncClient, system: System, alice: Account, bob: Account, walk_in_camera: RtspServer
) -> None:
    address = await verified_recipient(http, system.smtp, alice)
    line = await http.post(
        "/line_tokens",
        json={"token": LINE_TOKEN, "name": "Front desk", "target": LINE_TARGET, "active": True},
        headers=alice.headers,
    )
    assert line.status_code == 201, line.text
    camera = await http.post(
        "/cameras",
        json={
            "name": "Lobby",
            "stream_url": walk_in_camera.url,
            "recognition": True,
            "location": "Lobby",
            "model_name": "yolo_v11_detect",
        },
        headers=alice.headers,
    )
    assert camera.status_code == 201, camera.text
    camera_id = camera.json()["data"]["id"]
    await draw_door_zone(http, alice, camera_id, DWELL_SECONDS)

    [notification] = await wait_for_notifications(http, alice, 1, timeout=90)
    assert notification["camera_id"] == camera_id
    assert notification["camera_name"] == "Lobby"
    assert notification["detection_type"] == "person"
    assert 0.25 <= notification["confidence"] <= 1
    assert notification["image_path"].startswith(f"{alice.account_uuid}/")

    mails = await system.smtp.wait_for(address, 2, timeout=30)
    mail = mails[1]  # the first was the verification mail
    images = [part for part in mail.message.walk() if part.get_content_type() == "image/jpeg"]
    assert len(images) == 1
    payload = images[0].get_payload(decode=True)
    assert isinstance(payload, bytes) and payload[:2] == b"\xff\xd8"
    [push] = await system.line.wait_for_pushes(LINE_TARGET, 1, timeout=30)
    assert push.bearer == LINE_TOKEN
    assert push.body["to"] == LINE_TARGET
    assert "Door" in push.body["messages"][0]["text"]

    picture = await http.get(f"/showimage/{notification['image_path']}", headers=alice.headers)
    assert picture.status_code == 200
    assert picture.headers["content-type"] == "image/jpeg"
    assert picture.content[:2] == b"\xff\xd8"
    foreign = await http.get(f"/showimage/{notification['image_path']}", headers=bob.headers)
    assert foreign.status_code == 404
    assert foreign.json()["error_code"] == "RESOURCE_NOT_FOUND"

    # The person keeps standing there: nothing more is raised or sent.
    await asyncio.sleep(4)
    assert len(await wait_for_notifications(http, alice, 2, timeout=0)) == 1
    assert len(system.smtp.mails_to(address)) == 2
    assert len(system.line.accepted_pushes(LINE_TARGET)) == 1
