"""Helpers for the browser tests of the signed-in pages: a page in a language, the catalogue's
text for a key, registering and logging in through the pages, the region editor's geometry, and
polling the page against the API."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

import httpx
from playwright.async_api import Browser, Page, expect

from services.gateway.pages import catalogue
from tests.e2e.helpers import PASSWORD, Account, forwarded_for, unique_username

# Playwright locale -> the catalogue the pages must pick for it.
LOCALES = {"en-US": "en", "zh-TW": "zh-TW"}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# The region editor's tests publish or play frames of this size (source pixels).
FRAME_WIDTH, FRAME_HEIGHT = 640, 360


@cache
def _messages(language: str) -> dict[str, str]:
    return catalogue(language)


def text(language: str, key: str, **args: Any) -> str:
    """The catalogue's message, filled as static/i18n.js fills it."""
    message = _messages(language)[key]
    return PLACEHOLDER.sub(lambda m: str(args[m.group(1)]) if m.group(1) in args else m.group(0), message)


def text_pattern(language: str, key: str, **args: Any) -> re.Pattern[str]:
    """The catalogue's message as a pattern: the placeholders not in `args` match any text."""
    filled = text(language, key, **args)
    parts = PLACEHOLDER.split(filled)  # text, name, text, name, ..., text
    return re.compile(".+".join(re.escape(part) for part in parts[::2]))


async def open_page(
    browser: Browser, locale: str, width: int = 1200, height: int = 860
) -> tuple[Page, list[str]]:
    """A page in the browser language `locale`, with its own client address; records script errors."""
    context = await browser.new_context(locale=locale, viewport={"width": width, "height": height})
    page = await context.new_page()
    await page.set_extra_http_headers(forwarded_for())
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


async def sign_in(page: Page, gateway_url: str, account: Account, language: str) -> None:
    """Log in through the login page, which opens the dashboard."""
    await page.goto(f"{gateway_url}/login")
    await expect(page.locator("h1")).to_have_text(text(language, "login.heading"))
    await page.fill("#username", account.username)
    await page.fill("#password", account.password)
    await page.click("#submit")
    await page.wait_for_url(f"{gateway_url}/dashboard")


async def signed_in_page(
    browser: Browser, gateway_url: str, account: Account, locale: str = "en-US", path: str = ""
) -> tuple[Page, list[str]]:
    """A new page in `locale`, logged in as `account` through the login page, then at `path`."""
    page, errors = await open_page(browser, locale)
    await sign_in(page, gateway_url, account, LOCALES[locale])
    if path:
        await page.goto(f"{gateway_url}{path}")
    return page, errors


async def register_in_browser(page: Page, gateway_url: str, language: str, prefix: str) -> Account:
    """Create a fresh account through the registration page; it shows success and the login link."""
    await page.goto(f"{gateway_url}/register")
    assert await page.get_attribute("html", "lang") == language
    await expect(page.locator("h1")).to_have_text(text(language, "register.heading"))
    username = unique_username(prefix)
    account = Account(username=username, email=f"{username}@example.com", password=PASSWORD)
    await page.fill("#username", account.username)
    await page.fill("#email", account.email)
    await page.fill("#password", account.password)
    await page.click("#submit")
    result = page.locator("#result")
    await expect(result).to_have_class("result success", timeout=15_000)  # the password is hashed
    await expect(result).to_contain_text(text_pattern(language, "register.success"))
    await expect(page.locator("#login-link")).to_have_text(text(language, "register.login_link"))
    await expect(page.locator("#username")).to_have_value("")  # the form was reset
    return account


async def take_tokens(page: Page, account: Account) -> None:
    """Copy the page's session (access and refresh token, account id) into `account` for REST."""
    access, refresh = await page.evaluate(
        "[localStorage.getItem('access_token'), localStorage.getItem('refresh_token')]"
    )
    assert access and refresh
    account.access_token, account.refresh_token = access, refresh
    account.account_uuid = await page.evaluate("window.VF.session.claims().sub")


async def cameras(http: httpx.AsyncClient, account: Account, path: str = "/cameras") -> list[dict[str, Any]]:
    """GET /cameras (or /shared_cameras) as `account`: the list."""
    response = await http.get(path, headers=account.headers)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


async def saved_regions(http: httpx.AsyncClient, account: Account, camera_id: int) -> list[dict[str, Any]]:
    response = await http.get(f"/rectangles/{camera_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    regions: list[dict[str, Any]] = response.json()["data"]["regions"]
    return regions


def points(region: dict[str, Any]) -> list[tuple[float, float]]:
    return [(p["x"], p["y"]) for p in region["coordinates"]]


def assert_near(
    got: list[tuple[float, float]], expected: list[tuple[float, float]], slack: float = 2
) -> None:
    assert len(got) == len(expected), got
    for (x, y), (ex, ey) in zip(got, expected, strict=True):
        assert abs(x - ex) <= slack and abs(y - ey) <= slack, (got, expected)


async def screen_xy(page: Page, x: float, y: float) -> tuple[float, float]:
    """Where the source pixel (x, y) is on the region editor's screen."""
    box = await page.locator("#overlay").bounding_box()
    assert box is not None
    return box["x"] + x * box["width"] / FRAME_WIDTH, box["y"] + y * box["height"] / FRAME_HEIGHT


async def open_editor(page: Page, gateway_url: str, camera_id: int, loaded: str) -> None:
    """From the camera page, through its region link (disabled until the camera has loaded)."""
    await page.goto(f"{gateway_url}/cameras/{camera_id}")
    link = page.locator("#regions-link")
    await expect(link).not_to_have_attribute("aria-disabled", "true")
    await link.click()
    await page.wait_for_url(re.compile(rf"/snapshot_ui/{camera_id}"))
    await expect(page.locator("#status")).to_have_text(loaded, timeout=15000)
    # (not page.wait_for_function: once it polls, it evaluates a string, which the CSP forbids)
    await expect(page.locator("#snapshot")).to_have_js_property("naturalWidth", FRAME_WIDTH)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 15.0, what: str = "") -> None:
    """Poll `check` until it holds, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.25)
