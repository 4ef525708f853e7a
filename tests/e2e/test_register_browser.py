"""The registration page in a real browser (Chromium via Playwright): fill, submit, log in."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, Page, expect

from tests.e2e.helpers import (
    PASSWORD,
    forwarded_for,
    login,
    needs_chromium,
    save_screenshot,
    unique_username,
)

pytestmark = needs_chromium


async def fill_and_submit(page: Page, username: str, email: str, password: str) -> None:
    await page.fill("#username", username)
    await page.fill("#email", email)
    await page.fill("#password", password)
    await page.click("#submit")


async def test_register_in_the_browser_then_log_in(
    browser: Browser, gateway_url: str, http: httpx.AsyncClient
) -> None:
    page = await browser.new_page(viewport={"width": 900, "height": 720})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{gateway_url}/register")
    await expect(page.locator("h1")).to_have_text("Create your account")

    username = unique_username("browser")
    await fill_and_submit(page, username, f"{username}@example.com", PASSWORD)
    result = page.locator("#result")
    await expect(result).to_contain_text("User registered successfully")
    await expect(result).to_have_class("result success")
    await expect(page.locator("#username")).to_have_value("")  # the form was reset
    await save_screenshot(page, "register.png")

    # The same username again: the page shows the API's error message.
    await fill_and_submit(page, username, f"other_{username}@example.com", PASSWORD)
    await expect(result).to_have_text("Username already exists")
    await expect(result).to_have_class("result error")
    assert errors == []

    response = await login(http, username, PASSWORD, headers=forwarded_for())
    assert response.status_code == 200
    token = response.json()["access_token"]
    cameras = await http.get("/cameras", headers={"Authorization": f"Bearer {token}"})
    assert cameras.status_code == 200 and cameras.json()["total"] == 0


async def test_browser_form_blocks_a_short_password_before_sending(
    browser: Browser, gateway_url: str
) -> None:
    page = await browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.method + " " + request.url))
    await page.goto(f"{gateway_url}/register")
    await fill_and_submit(page, unique_username("short"), "short@example.com", "short")
    await expect(page.locator("#result")).to_be_hidden()
    assert not any(entry.startswith("POST") for entry in requests)
