"""Shared steps of the end-to-end alert tests: a verified mail recipient, a zone around the
walk-in clip's person, and waiting for notifications."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from tests.e2e.helpers import Account
from tests.support.media import WALK_IN_ARRIVES_S, walk_in_box
from tests.support.smtp import SmtpSink, verification_token


def zone_around_the_person() -> list[dict[str, float]]:
    """A zone around where the person stands still (the anchor is the box's bottom centre)."""
    box = walk_in_box(WALK_IN_ARRIVES_S + 1)
    assert box is not None
    x1, _, x2, y2 = box
    anchor_x, anchor_y = (x1 + x2) / 2, y2
    return [
        {"x": anchor_x - 80, "y": anchor_y - 60},
        {"x": anchor_x + 80, "y": anchor_y - 60},
        {"x": anchor_x + 80, "y": min(anchor_y + 30, 479)},
        {"x": anchor_x - 80, "y": min(anchor_y + 30, 479)},
    ]


async def draw_door_zone(http: httpx.AsyncClient, account: Account, camera_id: int, dwell_s: float) -> None:
    """A "Door" region around where the walk-in clip's person stands, alerting on people."""
    saved = await http.post(
        f"/rectangles/{camera_id}",
        json={
            "regions": [
                {
                    "name": "Door",
                    "coordinates": zone_around_the_person(),
                    "alert_duration": dwell_s,
                    "notification_enabled": True,
                    "detection_classes": ["person"],
                }
            ]
        },
        headers=account.headers,
    )
    assert saved.status_code == 200, saved.text


async def verified_recipient(http: httpx.AsyncClient, smtp: SmtpSink, account: Account) -> str:
    """Add `<username>@example.com` as an alert recipient and verify it from the mail received."""
    address = f"{account.username}@example.com"
    added = await http.post(
        "/email_recipients",
        json={"email": address, "name": "Guard", "notification_types": ["alerts"], "active": True},
        headers=account.headers,
    )
    assert added.status_code == 201, added.text
    [mail] = await smtp.wait_for(address, 1, timeout=20)
    verified = await http.get("/email_recipients/verify", params={"token": verification_token(mail)})
    assert verified.status_code == 200
    recipients = (await http.get("/email_recipients", headers=account.headers)).json()["data"]
    assert [r["verified"] for r in recipients] == [True]
    return address


async def wait_for_notifications(
    http: httpx.AsyncClient, account: Account, count: int, timeout: float
) -> list[dict[str, Any]]:
    """The account's notifications once there are `count` (or whatever there is at `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        body = (await http.get("/notifications", headers=account.headers)).json()
        if len(body["data"]) >= count or time.monotonic() > deadline:
            return list(body["data"])
        await asyncio.sleep(0.5)
