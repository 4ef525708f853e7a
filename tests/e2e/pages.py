"""Helpers for the browser tests of the signed-in pages: a page in a language, the catalogue's
text for a key, logging in through the login page, and polling the page against the API."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

from playwright.async_api import Browser, Page, expect

from services.gateway.pages import catalogue
from tests.e2e.helpers import Account, forwarded_for

# Playwright locale -> the catalogue the pages must pick for it.
LOCALES = {"en-US": "en", "zh-TW": "zh-TW"}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@cache
def _messages(language: str) -> dict[str, str]:
    return catalogue(language)


def text(language: str, key: str, **args: Any) -> str:
    """The catalogue's message, filled as static/i18n.js fills it."""
    message = _messages(language)[key]
    return PLACEHOLDER.sub(lambda m: str(args[m.group(1)]) if m.group(1) in args else m.group(0), message)


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


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 15.0, what: str = "") -> None:
    """Poll `check` until it holds, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.25)
