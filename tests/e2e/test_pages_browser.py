"""The signed-in pages in Chromium, in detail and in English: the camera grid, the camera page,
notifications, alert targets and the account. Everything is set up through REST.

Traditional Chinese is covered by the first-run journey (test_first_run_journey_browser.py, which
goes through these pages in both languages) and by test_i18n_browser.py (the switch on every page).
"""

from __future__ import annotations

from typing import Any

import httpx
from playwright.async_api import Browser, Page, expect

from tests.e2e.helpers import (
    PASSWORD,
    Account,
    create_camera,
    forwarded_for,
    login,
    needs_chromium,
    new_account,
    save_screenshot,
)
from tests.e2e.pages import cameras, eventually, signed_in_page, text
from tests.support.line_api import LineApiStandIn
from tests.support.smtp import SmtpSink

pytestmark = needs_chromium
LANG = "en"


async def badge_shows_api_status(page: Page, http: httpx.AsyncClient, account: Account, lang: str) -> bool:
    """Every tile's badge says, in the page's language, the status GET /cameras gives now."""
    listed = {c["id"]: c["status"] for c in await cameras(http, account)}
    for camera_id, status in listed.items():
        badge = page.locator(f'#cameras [data-camera-id="{camera_id}"] .camera-status')
        if await badge.count() != 1:
            return False
        if await badge.get_attribute("data-status") != status:
            return False
        if (await badge.inner_text()).strip() != text(lang, f"status.{status}"):
            return False
    return True


async def test_the_camera_grid_follows_the_api(
    browser: Browser, gateway_url: str, http: httpx.AsyncClient
) -> None:
    account = await new_account(http, "grid")
    page, errors = await signed_in_page(browser, gateway_url, account)

    # No camera yet: the empty state explains how to add one and keeps the demo slot.
    await expect(page.locator("#empty-state")).to_be_visible()
    await expect(page.locator("#empty-state h2")).to_have_text(text(LANG, "dashboard.empty_heading"))
    await expect(page.locator("#demo-camera-slot")).to_have_count(1)
    await save_screenshot(page, f"dashboard-empty-{LANG}.png")

    # Cameras made through REST appear without a reload, with their live status.
    porch = await create_camera(http, account, name="Porch", location="Front porch")
    tiles = page.locator("#cameras .camera-tile")
    await expect(tiles).to_have_count(1, timeout=10_000)
    await expect(page.locator("#empty-state")).to_be_hidden()
    await create_camera(http, account, name="Garage", location="Back")
    await expect(tiles).to_have_count(2, timeout=10_000)
    await eventually(lambda: badge_shows_api_status(page, http, account, LANG), what="status badges")
    tile = page.locator(f'#cameras [data-camera-id="{porch["id"]}"]')
    await expect(tile.locator(".camera-name")).to_have_text("Porch")
    await expect(page.locator("#cameras-heading")).to_have_text(text(LANG, "dashboard.heading"))
    await expect(page.locator("#status")).to_have_text(text(LANG, "dashboard.count", count=2))

    # The raw/recognized toggle, kept per camera.
    raw, recognized = tile.locator('.toggle[data-view="raw"]'), tile.locator('.toggle[data-view="annotated"]')
    await expect(raw).to_have_attribute("aria-pressed", "true")
    await expect(recognized).to_have_text(text(LANG, "tile.recognized"))
    await recognized.click()
    await expect(recognized).to_have_attribute("aria-pressed", "true")
    await expect(raw).to_have_attribute("aria-pressed", "false")
    await page.reload()
    await expect(tile.locator('.toggle[data-view="annotated"]')).to_have_attribute("aria-pressed", "true")
    await save_screenshot(page, f"dashboard-{LANG}.png")

    # A phone-sized screen: one tile per row, nothing wider than the screen.
    await page.set_viewport_size({"width": 390, "height": 844})
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    boxes = [await t.bounding_box() for t in await tiles.all()]
    assert all(b is not None for b in boxes)
    assert boxes[0]["y"] < boxes[1]["y"]  # type: ignore[index]
    await save_screenshot(page, f"dashboard-phone-{LANG}.png")

    await page.set_viewport_size({"width": 1200, "height": 860})
    await tile.locator(".tile-link").click()
    await page.wait_for_url(f"{gateway_url}/cameras/{porch['id']}")
    await expect(page.locator("#camera-title")).to_have_text("Porch")
    assert errors == []


async def test_camera_page_edits_validates_and_deletes(
    browser: Browser, gateway_url: str, http: httpx.AsyncClient
) -> None:
    account = await new_account(http, "campage")
    camera = await create_camera(http, account, name="Lobby", location="Hall")
    page, errors = await signed_in_page(browser, gateway_url, account, path=f"/cameras/{camera['id']}")
    await expect(page.locator("#camera-title")).to_have_text("Lobby")
    assert await page.title() == text(LANG, "title.camera_named", name="Lobby")
    await expect(page.locator("#settings-heading")).to_have_text(text(LANG, "camera.settings_heading"))
    await expect(page.locator("label[for=field-detect-fps]")).to_have_text(text(LANG, "field.detect_fps"))
    await expect(page.locator("#field-stream-url")).to_have_value(camera["stream_url"])
    link = await page.locator("#regions-link").get_attribute("href") or ""
    assert link.startswith(f"/snapshot_ui/{camera['id']}?token=")
    live = await page.locator("#live").get_attribute("src") or ""
    assert live.startswith(f"/get_stream/{camera['id']}?token=")

    # A change is saved through PATCH.
    await page.fill("#field-name", "Lobby east")
    await page.fill("#field-detect-fps", "2.5")
    await page.click("#save-settings")
    await expect(page.locator("#settings-result")).to_have_text(text(LANG, "camera.saved"))
    saved = next(c for c in await cameras(http, account) if c["id"] == camera["id"])
    assert saved["name"] == "Lobby east" and saved["detect_fps"] == 2.5
    await expect(page.locator("#camera-title")).to_have_text("Lobby east")

    # A value the API refuses: its reason appears under that field, nowhere else.
    refused = await http.patch(f"/cameras/{camera['id']}", json={"detect_fps": 100}, headers=account.headers)
    assert refused.status_code == 422
    reason = refused.json()["message"].removeprefix("detect_fps: ")
    await page.fill("#field-detect-fps", "100")
    await page.click("#save-settings")
    error = page.locator("#error-detect_fps")
    await expect(error).to_be_visible()
    await expect(error).to_have_text(text(LANG, "field.invalid", reason=reason))
    await expect(page.locator("#field-detect-fps")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#error-name")).to_be_hidden()
    await expect(page.locator("#settings-result")).to_have_text(text(LANG, "camera.fix_fields"))
    await save_screenshot(page, f"camera-{LANG}.png")

    # Delete asks first; cancelling keeps the camera.
    await page.click("#delete-camera")
    dialog = page.locator("#delete-dialog")
    await expect(dialog).to_be_visible()
    await expect(page.locator("#delete-dialog-title")).to_have_text(
        text(LANG, "camera.delete_question", name="Lobby east")
    )
    await save_screenshot(page, f"camera-delete-{LANG}.png")
    await page.click("#cancel-delete")
    await expect(dialog).to_be_hidden()
    assert len(await cameras(http, account)) == 1
    await page.click("#delete-camera")
    await page.click("#confirm-delete")
    await page.wait_for_url(f"{gateway_url}/dashboard")
    assert await cameras(http, account) == []
    await expect(page.locator("#empty-state")).to_be_visible()
    assert errors == []


async def notify(
    http: httpx.AsyncClient, account: Account, camera_id: int, message: str, **extra: Any
) -> int:
    body = {
        "camera_id": camera_id,
        "message": message,
        "detection_type": "person",
        "confidence": 0.87,
        **extra,
    }
    response = await http.post("/notifications", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    created: int = response.json()["data"]["id"]
    return created


async def test_notifications_page_pages_filters_and_marks_read(
    browser: Browser, gateway_url: str, http: httpx.AsyncClient
) -> None:
    account = await new_account(http, "inbox")
    camera = await create_camera(http, account, name="Gate")
    ids = [await notify(http, account, camera["id"], f"alert {n}") for n in range(1, 13)]
    page, errors = await signed_in_page(browser, gateway_url, account, path="/inbox")
    items = page.locator("#notification-list li")
    messages = page.locator("#notification-list .notification-message")
    await expect(items).to_have_count(10)
    await expect(messages.first).to_have_text("alert 12")  # newest on top
    await expect(page.locator("h1")).to_have_text(text(LANG, "inbox.heading"))
    await expect(page.locator("#status")).to_have_text(text(LANG, "inbox.count", count=12))
    await expect(page.locator("#page-info")).to_have_text(text(LANG, "inbox.page_of", page=1, pages=2))
    await expect(items.first.locator(".badge")).to_have_text(text(LANG, "inbox.state_unread"))
    await page.click("#next-page")
    await expect(messages).to_have_text(["alert 2", "alert 1"])
    await page.click("#previous-page")
    await expect(messages.first).to_have_text("alert 12")

    # Mark one read: the page and the API agree.
    await items.first.locator(".mark-read").click()
    await expect(items.first.locator(".badge")).to_have_text(text(LANG, "inbox.state_read"))
    read = (await http.get("/notifications?status=read", headers=account.headers)).json()["data"]
    assert [n["id"] for n in read] == [ids[-1]]
    await page.select_option("#filter", "read")
    await expect(messages).to_have_text(["alert 12"])
    await page.select_option("#filter", "unread")
    await expect(items).to_have_count(10)
    await expect(messages.first).to_have_text("alert 11")
    await save_screenshot(page, f"notifications-{LANG}.png")

    # A new notification arrives without a reload, on top.
    await page.select_option("#filter", "all")
    await notify(http, account, camera["id"], "alert 13")
    await expect(messages.first).to_have_text("alert 13", timeout=10_000)

    await page.click("#mark-all-read")
    await expect(page.locator("#notification-list .mark-read")).to_have_count(0)
    unread = (await http.get("/notifications?status=unread", headers=account.headers)).json()
    assert unread["pagination"]["total_items"] == 0
    await page.select_option("#filter", "unread")
    await expect(items).to_have_count(0)
    await expect(page.locator("#status")).to_have_text(text(LANG, "inbox.none_unread"))
    assert errors == []


async def test_alert_targets_page_adds_and_removes_email_and_line(
    browser: Browser,
    gateway_url: str,
    http: httpx.AsyncClient,
    smtp_server: SmtpSink,
    line_api: LineApiStandIn,
) -> None:
    account = await new_account(http, "targets")
    page, errors = await signed_in_page(browser, gateway_url, account, path="/alert_targets")
    await expect(page.locator("#no-emails")).to_have_text(text(LANG, "targets.no_emails"))
    await expect(page.locator("#no-lines")).to_be_visible()

    # A bad address: the API's reason under the field, nothing added.
    await page.fill("#email-address", "not-an-address")
    await page.click("#add-email")
    await expect(page.locator("#email-error-email")).to_be_visible()
    await expect(page.locator("#email-address")).to_have_attribute("aria-invalid", "true")

    address = f"{account.username}@example.org"
    await page.fill("#email-address", address)
    await page.fill("#email-name", "Night shift")
    await page.click("#add-email")
    await expect(page.locator("#email-result")).to_have_text(text(LANG, "targets.email_added", email=address))
    await expect(page.locator("#email-error-email")).to_be_hidden()
    recipient = page.locator("#email-list li")
    await expect(recipient).to_have_count(1)
    await expect(recipient.locator(".target-email")).to_have_text(address)
    badge = recipient.locator(".verification")
    await expect(badge).to_have_attribute("data-state", "unverified")
    await expect(badge).to_have_text(text(LANG, "targets.unverified"))

    before = (await http.get("/email_recipients", headers=account.headers)).json()["data"]
    await recipient.locator(".resend").click()
    await expect(page.locator("#email-result")).to_have_text(text(LANG, "targets.resent", email=address))
    listed = (await http.get("/email_recipients", headers=account.headers)).json()["data"]
    assert [(r["email"], r["name"], r["verified"]) for r in listed] == [(address, "Night shift", False)]
    assert listed[0]["id"] == before[0]["id"]  # resent to the same recipient (POST .../resend)
    await smtp_server.wait_for(address, count=2)

    # LINE: the token is listed masked, as the API gives it.
    raw_token = "line-secret-token-0123456789abcdef"
    await page.fill("#line-token", raw_token)
    line_to = f"U{account.account_uuid.replace('-', '')}"
    await page.fill("#line-target", line_to)
    await page.fill("#line-name", "Family")
    await page.click("#add-line")
    await expect(page.locator("#line-result")).to_have_text(text(LANG, "targets.line_added", name="Family"))
    line = page.locator("#line-list li")
    await expect(line).to_have_count(1)
    masked = (await http.get("/line_tokens", headers=account.headers)).json()["data"][0]["token"]
    assert masked != raw_token
    await expect(line.locator(".target-token")).to_have_text(masked)
    assert raw_token not in await page.content()
    await save_screenshot(page, f"alert-targets-{LANG}.png")
    await line.locator(".line-test").click()
    await expect(page.locator("#line-result")).to_have_text(text(LANG, "targets.line_tested", name="Family"))
    [push] = await line_api.wait_for_pushes(line_to)
    assert push.bearer == raw_token

    await recipient.locator(".remove").click()
    await expect(page.locator("#remove-dialog-title")).to_have_text(
        text(LANG, "targets.remove_question", name=address)
    )
    await page.click("#confirm-remove")
    await expect(recipient).to_have_count(0)
    assert (await http.get("/email_recipients", headers=account.headers)).json()["total"] == 0
    await line.locator(".remove").click()
    await page.click("#confirm-remove")
    await expect(line).to_have_count(0)
    assert (await http.get("/line_tokens", headers=account.headers)).json()["total"] == 0
    assert errors == []


async def test_account_page_shows_the_user_and_logs_out_everywhere(
    browser: Browser, gateway_url: str, http: httpx.AsyncClient
) -> None:
    """Log out everywhere; "log out" of this browser only is the first-run journey's last step."""
    account = await new_account(http, "acct")
    page, errors = await signed_in_page(browser, gateway_url, account, path="/account")
    await expect(page.locator("#account-username")).to_have_text(account.username)
    await expect(page.locator("#account-id")).to_have_text(account.account_uuid)
    await expect(page.locator("#account-logout")).to_have_text(text(LANG, "account.logout"))
    nav = page.locator("header nav a")
    assert [await a.get_attribute("href") for a in await nav.all()] == [
        "/dashboard",
        "/inbox",
        "/alert_targets",
        "/account",
    ]
    await expect(page.locator('header nav a[aria-current="page"]')).to_have_text(text(LANG, "nav.account"))
    await save_screenshot(page, f"account-{LANG}.png")
    refresh = await page.evaluate("localStorage.getItem('refresh_token')")
    await expect(page.locator("#account-logout-all")).to_have_text(text(LANG, "account.logout_all"))
    other = (await login(http, account.username, PASSWORD, headers=forwarded_for())).json()

    await page.click("#account-logout-all")
    await page.wait_for_url(f"{gateway_url}/login")
    assert await page.evaluate(
        "[localStorage.getItem('access_token'), localStorage.getItem('refresh_token')]"
    ) == [None, None]
    revoked = await http.post("/token/refresh", json={"refresh_token": refresh})
    assert revoked.status_code == 401
    # The other session ended too: its refresh and its access token.
    gone = await http.post("/token/refresh", json={"refresh_token": other["refresh_token"]})
    assert gone.status_code == 401

    async def refused() -> bool:
        answer = await http.get("/cameras", headers={"Authorization": f"Bearer {other['access_token']}"})
        return answer.status_code == 401

    await eventually(refused, timeout=10, what="the other session's access token refused")
    await page.goto(f"{gateway_url}/inbox")
    await page.wait_for_url(f"{gateway_url}/login")
    assert errors == []
