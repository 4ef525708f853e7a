"""Alert latency: from the frame at which a person's dwell time is reached to the mail in the inbox.

Real detector, notifier, NATS and an aiosmtpd inbox. Frames of bus.jpg are published on the
camera's raw subject (as ingest would) with capture time = now; a zone around one person with a
1 s dwell raises an alert; the AlertEvent's capture_time is the frame at which the dwell was
reached. After each alert the frames pause long enough for the track to end, so the next burst
is a new object and a new alert.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

import cv2
import httpx
import nats
import ultralytics
from nats.aio.msg import Msg

from bench.report import BenchResult
from bench.system import running_system
from tests.support.smtp import SmtpSink, verification_token
from visionflow import subjects
from visionflow.v1 import events_pb2

ALERTS = 20
DWELL_S = 1.0
FPS = 10.0
PAUSE_S = 3.0  # longer than grace + the tracker's lost-track lifetime
# A zone around the bottom centre of the leftmost person in bus.jpg (810x1080).
ZONE = [{"x": 100, "y": 860}, {"x": 200, "y": 860}, {"x": 200, "y": 960}, {"x": 100, "y": 960}]


def _bus_jpeg() -> tuple[bytes, int, int]:
    image = cv2.imread(str(Path(ultralytics.__file__).parent / "assets" / "bus.jpg"))
    assert image is not None
    ok, encoded = cv2.imencode(".jpg", image)
    assert ok
    return encoded.tobytes(), image.shape[1], image.shape[0]


async def _setup(gateway: str, smtp: SmtpSink, token: str) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=gateway, headers=headers, timeout=20) as http:
        address = "guard@example.com"
        added = await http.post("/email_recipients", json={"email": address, "name": "Guard", "active": True})
        added.raise_for_status()
        [mail] = await smtp.wait_for(address, 1, timeout=20)
        token = verification_token(mail)
        (await http.get("/email_recipients/verify", params={"token": token})).raise_for_status()
        camera = await http.post(
            "/cameras",
            json={
                "name": "Bench",
                "stream_url": "rtsp://127.0.0.1:9/none",
                "recognition": True,
                "location": "",
            },
        )
        camera.raise_for_status()
        camera_id = int(camera.json()["data"]["id"])
        region = {
            "name": "Door",
            "coordinates": ZONE,
            "alert_duration": DWELL_S,
            "notification_enabled": True,
            "detection_classes": ["person"],
        }
        (await http.post(f"/rectangles/{camera_id}", json={"regions": [region]})).raise_for_status()
        return camera_id, address


async def _measure(nats_url: str, camera_id: int, smtp: SmtpSink, address: str) -> list[float]:
    jpeg, width, height = _bus_jpeg()
    nc = await nats.connect(nats_url)
    alerts: list[events_pb2.AlertEvent] = []

    async def on_alert(msg: Msg) -> None:
        alerts.append(events_pb2.AlertEvent.FromString(msg.data))

    await nc.subscribe(f"{subjects.ACCOUNT_SPACE}.*.alert.{camera_id}", cb=on_alert)
    latencies: list[float] = []
    seq = 0
    try:
        await asyncio.sleep(2)  # the detector has picked the camera up from VF_CAMERAS
        while len(latencies) < ALERTS:
            mails_before = len(smtp.mails_to(address))
            alerts_before = len(alerts)
            mail_at = None
            deadline = time.monotonic() + 30
            while mail_at is None and time.monotonic() < deadline:
                seq += 1
                headers = subjects.frame_headers(
                    seq=seq, capture_ns=time.time_ns(), width=width, height=height
                )
                await nc.publish(subjects.frames_detect(camera_id), jpeg, headers=headers)
                tick = time.monotonic() + 1 / FPS
                while time.monotonic() < tick:
                    if len(smtp.mails_to(address)) > mails_before:
                        mail_at = time.time_ns()
                        break
                    await asyncio.sleep(0.005)
            if mail_at is None or len(alerts) <= alerts_before:
                raise RuntimeError("no alert mail within 30 s")
            reached = alerts[alerts_before].capture_time.ToNanoseconds()
            latencies.append((mail_at - reached) / 1e6)
            await asyncio.sleep(PAUSE_S)
    finally:
        await nc.drain()
    return latencies


def run() -> BenchResult:
    smtp = SmtpSink().start()
    env = {
        "VF_SMTP_HOST": smtp.host,
        "VF_SMTP_PORT": str(smtp.port),
        "VF_SMTP_TLS": "none",
        "VF_NOTIFIER_RATE_LIMIT_PER_MINUTE": "1000",
    }
    try:
        with running_system(("auth", "camera", "detector", "notifier"), env) as system:
            account = system.login()
            camera_id, address = asyncio.run(_setup(system.gateway_url, smtp, account.access_token))
            latencies = asyncio.run(_measure(system.nats.url, camera_id, smtp, address))
    finally:
        smtp.stop()
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return BenchResult(
        name="alert",
        title="Alert latency: dwell reached → mail in the SMTP inbox",
        columns=["alerts", "p50 ms", "p95 ms", "max ms"],
        rows=[[len(latencies), statistics.median(latencies), p95, max(latencies)]],
        metrics={"p50_ms": statistics.median(latencies), "p95_ms": p95},
        goals={"p95": f"p95 under 1000 ms: {p95:.0f} ms ({'met' if p95 < 1000 else 'not met'})"},
        notes=[
            f"{FPS:.0f} fps of bus.jpg, {DWELL_S:.0f} s dwell, detector on CPU with the offline person model"
        ],
    )
