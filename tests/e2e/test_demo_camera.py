"""The first run without hardware: the bundled demo camera, added as the dashboard's button does
(POST /cameras with demo://walk-in, then its zone), is detected and raises a notification within
the first minute. Real parts only: ingest plays the clip, the detector runs the offline person
model, the notifier stores the alert, the gateway answers over HTTP.

The button itself, in the browser and in both languages, is a step of the first-run journey
(test_first_run_journey_browser.py): it checks the camera and the zone the button saves.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import httpx
import nats

from tests.conftest import System
from tests.e2e.alerting import wait_for_notifications
from tests.e2e.helpers import Account
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
