"""The registration page in a real browser (Chromium via Playwright): what it refuses.

Registering, the form's reset and logging in afterwards are the first steps of the first-run
journey (test_first_run_journey_browser.py), in both languages."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, Page, expect

from tests.e2e.helpers import PASSWORD, needs_chromium, new_account, unique_username

pytestmark = needs_chromium


async def fill_and_submit(page: Page, username: str, email: str, password: str) -> None:
    await page.fill("#username", username)
    await page.fill("#email", email)
    await page.fill("#password", password)
    await page.click("#submit")


async def test_register_page_shows_the_apis_refusal(
    browser: Browser, gateway_url: str, http: httpx.AsyncClient
) -> None:
    """A taken username: the page shows the API's own message and keeps what was typed."""
    taken = await new_account(http, "taken")
    page = await browser.new_page(viewport={"width": 900, "height": 720})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{gateway_url}/register")
    await expect(page.locator("h1")).to_have_text("Create your account")
    await fill_and_submit(page, taken.username, f"other_{taken.email}", PASSWORD)
    result = page.locator("#result")
    await expect(result).to_have_text("Username already exists")
    await expect(result).to_have_class("result error")
    await expect(page.locator("#username")).to_have_value(taken.username)
    assert errors == []


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
