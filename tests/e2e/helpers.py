"""Helpers for end-to-end tests: accounts through the gateway, resource factories, assertions."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from playwright.async_api import Page

from tests.support.processes import ROOT

PASSWORD = "correct-horse-battery-staple"
SCREENSHOTS = ROOT / "docs" / "screenshots"
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
SQUARE = [[100, 100], [300, 100], [300, 300], [100, 300]]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Browser tests skip without Chromium, except under CI=true, where they must fail.
needs_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"), reason="Chromium is not installed"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Account:
    username: str
    email: str
    password: str
    account_uuid: str = ""
    access_token: str = ""
    refresh_token: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def save_screenshot(page: Page, name: str) -> None:
    """With VF_SCREENSHOTS=1 (`make screenshots`), keep the page as docs/screenshots/<name>."""
    if os.environ.get("VF_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def unique_username(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def forwarded_for() -> dict[str, str]:
    """A distinct client address per test, so the login limit per address never spills over."""
    octets = uuid.uuid4().bytes[:2]
    return {"X-Forwarded-For": f"198.18.{octets[0]}.{octets[1]}"}


async def register(http: httpx.AsyncClient, account: Account) -> httpx.Response:
    return await http.post(
        "/register",
        json={"username": account.username, "email": account.email, "password": account.password},
    )


async def login(http: httpx.AsyncClient, username: str, password: str, **kwargs: Any) -> httpx.Response:
    return await http.post("/login", json={"username": username, "password": password}, **kwargs)


async def new_account(http: httpx.AsyncClient, prefix: str = "user") -> Account:
    """Register a fresh account through the gateway and log it in."""
    username = unique_username(prefix)
    account = Account(username=username, email=f"{username}@example.com", password=PASSWORD)
    registered = await register(http, account)
    assert registered.status_code == 201, registered.text
    logged_in = await login(http, username, PASSWORD, headers=forwarded_for())
    assert logged_in.status_code == 200, logged_in.text
    body = logged_in.json()
    account.account_uuid = body["account_uuid"]
    account.access_token = body["access_token"]
    account.refresh_token = body["refresh_token"]
    return account


def camera_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"cam-{uuid.uuid4().hex[:6]}",
        "stream_url": "rtsp://127.0.0.1:9/stream",
        "recognition": True,
        "location": "Front door",
        "model_name": "yolo_v11_detect",
    }
    body.update(overrides)
    return body


async def create_camera(http: httpx.AsyncClient, account: Account, **overrides: Any) -> dict[str, Any]:
    response = await http.post("/cameras", json=camera_body(**overrides), headers=account.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def region_body(name: str = "Entrance", coordinates: Any = None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "coordinates": coordinates if coordinates is not None else [{"x": x, "y": y} for x, y in SQUARE],
        "alert_duration": 5,
        "notification_enabled": True,
        "detection_classes": ["person"],
    }
    body.update(overrides)
    return body


def assert_error(response: httpx.Response, status: int, code: str, message: str | None = None) -> None:
    """The documented error envelope, exactly, with the expected status and code."""
    assert response.status_code == status, f"{response.status_code} {response.text}"
    body = response.json()
    assert set(body) == {"status", "message", "error_code"}, body
    assert body["status"] == "error"
    assert body["error_code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    assert "Traceback" not in body["message"]
    if message is not None:
        assert body["message"] == message, body


async def assert_untouched(http: httpx.AsyncClient, account: Account, camera: dict[str, Any]) -> None:
    """The shared account still owns exactly its one camera, unchanged, and nothing else."""
    cameras = (await http.get("/cameras", headers=account.headers)).json()["data"]
    assert [(c["id"], c["name"], c["recognition"]) for c in cameras] == [(camera["id"], camera["name"], True)]
    for route in ("/email_recipients", "/line_tokens"):
        assert (await http.get(route, headers=account.headers)).json()["total"] == 0, route
    notifications = (await http.get("/notifications", headers=account.headers)).json()
    assert notifications["pagination"]["total_items"] == 0
