"""Languages in Chromium: picked from the browser's languages, switched on any page, kept."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.e2e.helpers import create_camera, needs_chromium, new_account, save_screenshot
from tests.e2e.pages import LOCALES, open_page, sign_in, text

pytestmark = needs_chromium
PUBLIC_PAGES = ("/", "/login", "/register")
SIGNED_IN_PAGES = ("/dashboard", "/inbox", "/alert_targets", "/account")


@pytest.mark.parametrize(
    ("locale", "language"),
    [("en-US", "en"), ("zh-TW", "zh-TW"), ("zh-HK", "zh-TW"), ("zh-CN", "zh-TW"), ("fr-FR", "en")],
)
async def test_the_language_follows_the_browser(
    browser: Browser, gateway_url: str, locale: str, language: str
) -> None:
    page, errors = await open_page(browser, locale)
    await page.goto(f"{gateway_url}/login")
    assert await page.get_attribute("html", "lang") == language
    await expect(page.locator("h1")).to_have_text(text(language, "login.heading"))
    await expect(page.locator("label[for=password]")).to_have_text(text(language, "field.password"))
    assert await page.title() == text(language, "title.login")
    await expect(page.locator("#language-switch")).to_have_value(language)
    if locale in LOCALES:
        await save_screenshot(page, f"login-{language}.png")
        await page.goto(f"{gateway_url}/register")
        await save_screenshot(page, f"register-{language}.png")
    assert errors == []


async def test_browser_tags_map_to_the_two_catalogues(browser: Browser, gateway_url: str) -> None:
    page, _ = await open_page(browser, "en-US")
    await page.goto(f"{gateway_url}/login")
    picked = await page.evaluate(
        "[['zh-Hant-TW'], ['zh'], ['ZH-tw'], ['fr', 'zh-TW', 'en'], ['de', 'en-GB'], ['ja'], []]"
        ".map(tags => window.VF.i18n.pick(tags))"
    )
    assert picked == ["zh-TW", "zh-TW", "zh-TW", "zh-TW", "en", "en", "en"]


@pytest.mark.parametrize("locale", list(LOCALES))
async def test_the_switch_is_on_every_page_and_sticks_across_reloads(
    browser: Browser, gateway_url: str, http: httpx.AsyncClient, locale: str
) -> None:
    start = LOCALES[locale]
    other = "zh-TW" if start == "en" else "en"
    account = await new_account(http, "lang")
    camera = await create_camera(http, account, name="Door")
    page, errors = await open_page(browser, locale)
    for path in PUBLIC_PAGES:
        await page.goto(f"{gateway_url}{path}")
        await expect(page.locator("select.language-switch")).to_have_count(1)
    await sign_in(page, gateway_url, account, start)
    await expect(page.locator("h1")).to_have_text(text(start, "dashboard.heading"))

    # Switching translates the page in place, the live parts included.
    await page.select_option("#language-switch", other)
    assert await page.get_attribute("html", "lang") == other
    await expect(page.locator("h1")).to_have_text(text(other, "dashboard.heading"))
    await expect(page.locator('header nav a[href="/inbox"]')).to_have_text(text(other, "nav.notifications"))
    status = page.locator(".camera-status").first
    await expect(status).to_have_text(text(other, f"status.{await status.get_attribute('data-status')}"))
    assert await page.title() == text(other, "title.dashboard")

    await page.reload()
    assert await page.get_attribute("html", "lang") == other
    await expect(page.locator("h1")).to_have_text(text(other, "dashboard.heading"))
    expected_heading = {
        "/inbox": "inbox.heading",
        "/alert_targets": "targets.heading",
        "/account": "account.heading",
    }
    for path, key in expected_heading.items():
        await page.goto(f"{gateway_url}{path}")
        assert await page.get_attribute("html", "lang") == other, path
        await expect(page.locator("#language-switch")).to_have_value(other)
        await expect(page.locator("h1")).to_have_text(text(other, key))
    await page.goto(f"{gateway_url}/cameras/{camera['id']}")
    await expect(page.locator("#settings-heading")).to_have_text(text(other, "camera.settings_heading"))
    # The region editor takes the token in its link, which the page fills in once the camera has
    # loaded; the editor's snapshot of an offline camera may hold the "load" event, so the DOM
    # being there is enough.
    regions_link = page.locator("#regions-link")
    await expect(regions_link).to_have_attribute("href", re.compile(r"^/snapshot_ui/\d+\?token="))
    link = await regions_link.get_attribute("href")
    await page.goto(f"{gateway_url}{link}", wait_until="domcontentloaded")
    await expect(page.locator("#save")).to_have_text(text(other, "regions.save"), timeout=15000)
    await page.goto(f"{gateway_url}/login")
    await expect(page.locator("h1")).to_have_text(text(other, "login.heading"))

    # And back: the browser's language is not forced over an explicit choice.
    await page.select_option("#language-switch", start)
    await page.goto(f"{gateway_url}/register")
    await expect(page.locator("h1")).to_have_text(text(start, "register.heading"))
    assert errors == []
