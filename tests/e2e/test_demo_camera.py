"""The first run without hardware: the bundled demo camera, added as the dashboard's button does
(POST /cameras with demo://walk-in, then its zone), is detected and raises a notification within
the first minute. Real parts only: ingest plays the clip, the detector runs the offline person
model, the notifier stores the alert, the gateway answers over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import httpx
import nats
from playwright.async_api import Browser, expect

from tests.conftest import System
from tests.e2e.alerting import wait_for_notifications
from tests.e2e.helpers import Account, forwarded_for, needs_chromium
from visionflow import subjects
from visionflow.demo import WALK_IN
from visionflow.v1 import media_pb2

NOTIFICATION_TIMEOUT_S = 90.0


def demo_zone() -> dict[str, Any]:
    """The zone demo_camera.js saves (a unit test keeps the script's copy equal to WALK_IN's)."""
    return {
        "name": WALK_IN.zone_name,
        "coordinates": [{"x": x, "y": y} for x, y in WALK_IN.zone],
        "alert_duration": WALK_IN.alert_duration,
        "notification_enabled": True,
        "detection_classes": list(WALK_IN.zone_classes),
    }


async def test_demo_camera_is_detected_and_notifies_within_a_minute(
    http: httpx.AsyncClient, system: System, alice: Account
) -> None:
    nc = await nats.connect(system.nats.url)
    first_person: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    async def on_detections(msg: Any) -> None:
        batch = media_pb2.DetectionBatch.FromString(msg.data)
        if not first_person.done() and any(d.class_name == "person" for d in batch.detections):
            first_person.set_result(time.monotonic())

    try:
        created_at = time.monotonic()
        created = await http.post(
            "/cameras",
            json={"name": "Demo camera", "stream_url": WALK_IN.url, "recognition": True, "location": "Demo"},
            headers=alice.headers,
        )
        assert created.status_code == 201, created.text
        camera_id = created.json()["data"]["id"]
        assert created.json()["data"]["stream_url"] == "demo://walk-in"
        await nc.subscribe(subjects.detections(alice.account_uuid, camera_id), cb=on_detections)
        saved = await http.post(
            f"/rectangles/{camera_id}", json={"regions": [demo_zone()]}, headers=alice.headers
        )
        assert saved.status_code == 200, saved.text

        notifications = await wait_for_notifications(http, alice, 1, timeout=NOTIFICATION_TIMEOUT_S)
        notified_at = time.monotonic()
        assert notifications, f"no notification within {NOTIFICATION_TIMEOUT_S:g} s of adding the camera"
        [notification] = notifications[:1]
        assert notification["camera_id"] == camera_id
        assert notification["camera_name"] == "Demo camera"
        assert notification["detection_type"] == "person"
        assert notification["confidence"] >= 0.5
        assert first_person.done(), "a notification without a person detection"
        detected_s = first_person.result() - created_at
        notified_s = notified_at - created_at
        print(f"demo camera: person detected after {detected_s:.1f} s, notified after {notified_s:.1f} s")
        assert notified_s < 60, "the demo promises a notification within the first minute"
        listed = (await http.get("/cameras", headers=alice.headers)).json()["data"]
        assert [c["status"] for c in listed if c["id"] == camera_id] == ["online"]
    finally:
        with contextlib.suppress(Exception):
            await nc.close()


@needs_chromium
async def test_demo_button_adds_the_camera_and_its_zone(
    browser: Browser, gateway_url: str, http: httpx.AsyncClient, alice: Account
) -> None:
    page = await browser.new_page()
    await page.set_extra_http_headers(forwarded_for())
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{gateway_url}/login")
    await page.evaluate(
        "([access, refresh]) => { localStorage.setItem('access_token', access);"
        " localStorage.setItem('refresh_token', refresh); }",
        [alice.access_token, alice.refresh_token],
    )
    await page.goto(f"{gateway_url}/dashboard")
    await page.wait_for_load_state("networkidle")
    button = page.locator("#demo-camera")
    if await button.count() == 0:  # a page without the slot: the script renders wherever it is
        await page.evaluate(
            "() => { const slot = document.createElement('div'); slot.id = 'demo-camera-slot';"
            " document.querySelector('main').prepend(slot); }"
        )
        await page.add_script_tag(url="/static/demo_camera.js?in-test", type="module")
    await expect(button).to_have_count(1)
    await expect(button).to_be_visible()  # a new account has no camera: the empty dashboard
    await page.click("#demo-camera")
    # The dashboard takes the "camera added" event and refreshes its grid in place.
    await expect(page.locator(".camera-tile")).to_have_count(1, timeout=15000)
    assert errors == []

    cameras = (await http.get("/cameras", headers=alice.headers)).json()["data"]
    [camera] = [c for c in cameras if c["stream_url"] == WALK_IN.url]
    assert camera["name"] == "Demo camera" and camera["recognition"] is True  # en-US browser
    regions = (await http.get(f"/rectangles/{camera['id']}", headers=alice.headers)).json()["data"]["regions"]
    assert len(regions) == 1
    zone = regions[0]
    assert [(p["x"], p["y"]) for p in zone["coordinates"]] == list(WALK_IN.zone)
    assert zone["alert_duration"] == WALK_IN.alert_duration
    assert zone["detection_classes"] == ["person"] and zone["notification_enabled"] is True
    await page.close()
