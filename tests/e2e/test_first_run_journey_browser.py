"""A new user's first run, in one browser and in both languages, against the real system:
register, log in, add the demo camera, see it online and its recognized view move, draw and
edit a region, find the notification in the inbox and open its picture, add a mail recipient and
verify it from the mail the test SMTP server received, share the camera with a second account
(who sees it read-only), revoke it (it vanishes there), and log out of this browser.

Everything is done through the pages; REST only checks the outcomes, and the SMTP sink gives the
verification link, which the browser then opens. Visible text comes from the page's catalogue.
"""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.conftest import System
from tests.e2e.helpers import Account, forwarded_for, login, needs_chromium, save_screenshot
from tests.e2e.pages import (
    LOCALES,
    assert_near,
    cameras,
    eventually,
    open_editor,
    open_page,
    points,
    register_in_browser,
    saved_regions,
    screen_xy,
    sign_in,
    take_tokens,
    text,
    text_pattern,
)
from tests.support.smtp import verification_token
from visionflow.demo import WALK_IN

pytestmark = [needs_chromium, pytest.mark.parametrize("locale", list(LOCALES))]

# A notification needs a person to dwell in the demo zone: the clip loops every 20 s, the first
# one comes about 8 s after the camera is added; a region saved meanwhile may cost one loop.
NOTIFICATION_WAIT_MS = 75_000
ONLINE_WAIT_MS = 30_000
MOVING_WAIT_S = 30.0
# A region away from the demo zone (where the person stands), drawn then edited.
DRAWN = [(60.0, 40.0), (260.0, 40.0), (260.0, 180.0)]
EDITED_Y = 200.0

# A hash of the pixels an <img> shows now (a multipart MJPEG <img> draws its latest frame).
PICTURE_HASH = """img => {
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const context = canvas.getContext("2d");
  context.drawImage(img, 0, 0);
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let hash = 0;
  for (let i = 0; i < data.length; i += 53) { hash = (hash * 31 + data[i]) | 0; }
  return hash;
}"""


async def add_the_demo_camera(page: Page, http: httpx.AsyncClient, account: Account, lang: str) -> int:
    """The empty dashboard's demo button adds the camera and its zone; the grid shows it."""
    await expect(page.locator("#empty-state")).to_be_visible()
    await expect(page.locator("#empty-state h2")).to_have_text(text(lang, "dashboard.empty_heading"))
    button = page.locator("#demo-camera-slot #demo-camera")
    await expect(button).to_be_visible()
    await expect(button).to_have_text(text(lang, "demo.button"))
    if lang != "en":
        await save_screenshot(page, f"dashboard-empty-{lang}.png")
    await button.click()
    await expect(page.locator("#demo-camera-result")).to_have_text(text(lang, "demo.added"))
    tile = page.locator("#cameras .camera-tile")
    await expect(tile).to_have_count(1, timeout=15_000)  # the grid refreshes in place
    await expect(page.locator("#empty-state")).to_be_hidden()
    await expect(page.locator("#status")).to_have_text(text(lang, "dashboard.count", count=1))

    await take_tokens(page, account)
    [camera] = await cameras(http, account)
    assert camera["stream_url"] == WALK_IN.url and camera["recognition"] is True
    assert camera["name"] == text(lang, "demo.camera_name")  # named in the page's language
    [zone] = await saved_regions(http, account, camera["id"])
    assert points(zone) == list(WALK_IN.zone) and zone["name"] == WALK_IN.zone_name
    assert zone["alert_duration"] == WALK_IN.alert_duration
    assert zone["detection_classes"] == ["person"] and zone["notification_enabled"] is True
    await expect(tile.locator(".camera-name")).to_have_text(camera["name"])
    camera_id: int = camera["id"]
    return camera_id


async def see_it_online_and_moving(page: Page, gateway_url: str, camera_id: int, lang: str) -> None:
    """The tile's badge turns online; on the camera page the recognized view keeps changing."""
    badge = page.locator(f'#cameras [data-camera-id="{camera_id}"] .camera-status')
    await expect(badge).to_have_attribute("data-status", "online", timeout=ONLINE_WAIT_MS)
    await expect(badge).to_have_text(text(lang, "status.online"))
    await page.locator(f'#cameras [data-camera-id="{camera_id}"] .tile-link').click()
    await page.wait_for_url(f"{gateway_url}/cameras/{camera_id}")
    await expect(page.locator("#camera-status")).to_have_text(text(lang, "status.online"))
    await expect(page).to_have_title(text(lang, "title.camera_named", name=text(lang, "demo.camera_name")))

    recognized = page.locator('#camera-body .toggle[data-view="annotated"]')
    await expect(recognized).to_have_text(text(lang, "tile.recognized"))
    await recognized.click()
    await expect(recognized).to_have_attribute("aria-pressed", "true")
    live = page.locator("#live")
    await expect(live).to_have_attribute("src", re.compile(rf"^/recognized_stream/{camera_id}\?token="))
    # (page.wait_for_function would evaluate a string, which the pages' CSP forbids)
    await expect(live).not_to_have_js_property("naturalWidth", 0, timeout=MOVING_WAIT_S * 1000)
    await expect(page.locator("#live-waiting")).to_be_hidden()
    first = await live.evaluate(PICTURE_HASH)

    async def moved() -> bool:
        return bool(await live.evaluate(PICTURE_HASH) != first)

    await eventually(moved, timeout=MOVING_WAIT_S, what="the recognized view shows a new frame")
    if lang != "en":
        await save_screenshot(page, f"camera-{lang}.png")


async def draw_and_edit_a_region(
    page: Page, gateway_url: str, http: httpx.AsyncClient, account: Account, camera_id: int, lang: str
) -> None:
    """Draw a second region beside the demo zone, save, then type one point's y and rename it."""
    await open_editor(page, gateway_url, camera_id, text(lang, "regions.loaded", count=1))
    await expect(page.locator("#overlay polygon.region")).to_have_count(1)
    await page.click("#new-region")
    for x, y in DRAWN:
        await page.mouse.click(*await screen_xy(page, x, y))
    await page.click("#finish-region")
    await expect(page.locator("#region-name")).to_be_focused()
    await page.fill("#region-name", "drawn")
    await expect(page.locator("#dirty")).to_be_visible()
    await page.click("#save")
    saved = text_pattern(lang, "regions.saved", count=2)
    await expect(page.locator("#status")).to_have_text(saved)
    await expect(page.locator("#dirty")).to_be_hidden()
    await expect(page.locator("#overlay polygon.region")).to_have_count(2)
    doorway, drawn = await saved_regions(http, account, camera_id)
    assert drawn["name"] == "drawn"
    assert_near(points(drawn), DRAWN)

    await page.locator("#coordinate-rows tr").nth(2).locator("input").nth(1).fill(str(EDITED_Y))
    await page.fill("#region-name", "edited")
    await expect(page.locator("#dirty")).to_be_visible()
    await page.click("#save")
    await expect(page.locator("#dirty")).to_be_hidden()
    await expect(page.locator("#status")).to_have_text(saved)
    kept, edited = await saved_regions(http, account, camera_id)
    assert edited["name"] == "edited"
    assert_near(points(edited), [*DRAWN[:2], (DRAWN[2][0], EDITED_Y)])
    settings = ("name", "coordinates", "alert_duration", "detection_classes", "notification_enabled")
    assert {k: kept[k] for k in settings} == {k: doorway[k] for k in settings}  # saved again, unchanged


async def open_the_notification(
    page: Page, gateway_url: str, http: httpx.AsyncClient, account: Account, lang: str
) -> None:
    """The demo's notification is listed in the inbox; its picture opens as a JPEG."""
    await page.click('header nav a[href="/inbox"]')
    await page.wait_for_url(f"{gateway_url}/inbox")
    await expect(page.locator("h1")).to_have_text(text(lang, "inbox.heading"))
    item = page.locator("#notification-list li").last  # the oldest: the first alert of the demo
    await expect(item).to_be_visible(timeout=NOTIFICATION_WAIT_MS)  # the page polls
    notifications = (await http.get("/notifications", headers=account.headers)).json()["data"]
    first = notifications[-1]
    assert first["detection_type"] == "person" and first["region_name"] == WALK_IN.zone_name
    item = page.locator(f'#notification-list li[data-notification-id="{first["id"]}"]')
    await expect(item.locator(".notification-camera")).to_have_text(text(lang, "demo.camera_name"))
    await expect(item).to_contain_text(text(lang, "inbox.region", region=WALK_IN.zone_name))
    await expect(item.locator(".badge")).to_have_text(text(lang, "inbox.state_unread"))
    picture = item.locator("img.thumb")
    await expect(picture).to_have_attribute(
        "alt", text(lang, "notifications.snapshot_alt", camera=first["camera_name"])
    )
    await expect(picture).to_have_js_property("complete", True)
    await expect(picture).not_to_have_js_property("naturalWidth", 0)  # the page shows the picture
    if lang != "en":
        await save_screenshot(page, f"notifications-{lang}.png")

    source = await picture.get_attribute("src") or ""
    assert source.startswith(f"/showimage/{first['image_path']}"), source
    opened = await page.goto(f"{gateway_url}{source}")
    assert opened is not None and opened.status == 200
    assert opened.headers["content-type"] == "image/jpeg"
    assert (await opened.body())[:3] == b"\xff\xd8\xff"


async def verify_a_mail_recipient(
    page: Page, gateway_url: str, http: httpx.AsyncClient, system: System, account: Account, lang: str
) -> None:
    """Add a recipient on the alert targets page and open the link of the mail it received."""
    await page.goto(f"{gateway_url}/alert_targets")
    await expect(page.locator("h1")).to_have_text(text(lang, "targets.heading"))
    await expect(page.locator("#no-emails")).to_have_text(text(lang, "targets.no_emails"))
    address = f"{account.username}@example.org"
    await page.fill("#email-address", address)
    await page.fill("#email-name", "Night shift")
    await page.click("#add-email")
    await expect(page.locator("#email-result")).to_have_text(text(lang, "targets.email_added", email=address))
    recipient = page.locator("#email-list li")
    await expect(recipient).to_have_count(1)
    badge = recipient.locator(".verification")
    await expect(badge).to_have_attribute("data-state", "unverified")
    await expect(badge).to_have_text(text(lang, "targets.unverified"))

    mail = (await system.smtp.wait_for(address, 1, timeout=20))[0]
    await page.goto(f"{gateway_url}/email_recipients/verify?token={verification_token(mail)}")
    await expect(page.locator("h1")).to_have_text(text(lang, "verify.ok_heading"))
    await expect(page.locator("#verify-result")).to_have_text(text(lang, "verify.ok_text", email=address))
    await page.goto(f"{gateway_url}/alert_targets")
    await expect(badge).to_have_attribute("data-state", "verified")
    await expect(badge).to_have_text(text(lang, "targets.verified"))
    listed = (await http.get("/email_recipients", headers=account.headers)).json()["data"]
    assert [(r["email"], r["name"], r["verified"]) for r in listed] == [(address, "Night shift", True)]
    if lang != "en":
        await save_screenshot(page, f"alert-targets-{lang}.png")


async def share_view_and_revoke(
    browser: Browser,
    page: Page,
    gateway_url: str,
    http: httpx.AsyncClient,
    owner: Account,
    camera_id: int,
    locale: str,
) -> None:
    """Share with a second account (registered in its own browser), which watches read-only and
    loses the camera without a reload once the owner revokes it."""
    lang = LOCALES[locale]
    viewer_page, viewer_errors = await open_page(browser, locale)
    viewer = await register_in_browser(viewer_page, gateway_url, lang, "viewer")

    await page.goto(f"{gateway_url}/cameras/{camera_id}")
    await expect(page.locator("#sharing h2")).to_have_text(text(lang, "sharing.heading"))
    await expect(page.locator("#no-shares")).to_be_visible()
    await page.fill("#share-grantee", viewer.email)
    await page.check("#share-past")
    await page.click("#share-submit")
    await expect(page.locator("#share-result")).to_have_text(
        text(lang, "sharing.granted", name=viewer.username)
    )
    grant = page.locator("#share-list li")
    await expect(grant).to_have_count(1)
    await expect(grant.locator(".share-grantee")).to_have_text(viewer.username)
    if lang == "en":
        await save_screenshot(page, "camera-sharing.png")
    shares = (await http.get(f"/cameras/{camera_id}/shares", headers=owner.headers)).json()["data"]
    assert [(s["grantee_username"], s["include_past_notifications"]) for s in shares] == [
        (viewer.username, True)
    ]

    await sign_in(viewer_page, gateway_url, viewer, lang)
    await take_tokens(viewer_page, viewer)
    await expect(viewer_page.locator("#shared-heading")).to_have_text(text(lang, "dashboard.shared_heading"))
    tile = viewer_page.locator("#shared-cameras .camera-tile")
    await expect(tile).to_have_count(1)
    await expect(tile.locator(".camera-name")).to_have_text(text(lang, "demo.camera_name"))
    shared_by = text(lang, "tile.shared_by", owner=owner.username)
    await expect(tile.locator(".shared-badge")).to_have_text(shared_by)
    await expect(tile.locator(".link-regions")).to_have_count(0)
    await expect(viewer_page.locator("#cameras .camera-tile")).to_have_count(0)  # "my cameras"
    # Past notifications were included: the owner's alert is listed, marked as shared.
    await expect(viewer_page.locator("#notifications .shared-badge").first).to_have_text(shared_by)
    [seen] = await cameras(http, viewer, "/shared_cameras")
    assert seen["id"] == camera_id and seen["access"] == "viewer"

    await tile.locator(".tile-link").click()
    await viewer_page.wait_for_url(f"{gateway_url}/cameras/{camera_id}")
    await expect(viewer_page.locator("#shared-notice")).to_have_text(
        text(lang, "sharing.shared_by", owner=owner.username)
    )
    await expect(viewer_page.locator("#live")).to_be_attached()
    for hidden in ("#settings", "#danger-zone", "#sharing", "#regions-line"):
        await expect(viewer_page.locator(hidden)).to_be_hidden()
    await viewer_page.goto(f"{gateway_url}/dashboard")
    await expect(tile).to_have_count(1)

    await grant.locator(".revoke-share").click()
    await expect(page.locator("#no-shares")).to_have_text(text(lang, "sharing.none"))
    await expect(tile).to_have_count(0)  # the grid's next poll drops it, no reload
    await expect(viewer_page.locator("#shared-section")).to_be_hidden()
    assert (await http.get(f"/cameras/{camera_id}/shares", headers=owner.headers)).json()["total"] == 0
    assert await cameras(http, viewer, "/shared_cameras") == []
    assert viewer_errors == []
    await viewer_page.context.close()


async def log_out_of_this_browser(page: Page, gateway_url: str, http: httpx.AsyncClient, lang: str) -> None:
    """The account page's "log out" ends this browser's session only."""
    await page.goto(f"{gateway_url}/account")
    await expect(page.locator("h1")).to_have_text(text(lang, "account.heading"))
    await expect(page.locator('header nav a[aria-current="page"]')).to_have_text(text(lang, "nav.account"))
    if lang != "en":
        await save_screenshot(page, f"account-{lang}.png")
    refresh = await page.evaluate("localStorage.getItem('refresh_token')")
    await expect(page.locator("#account-logout")).to_have_text(text(lang, "account.logout"))
    await page.click("#account-logout")
    await page.wait_for_url(f"{gateway_url}/login")
    stored = await page.evaluate(
        "[localStorage.getItem('access_token'), localStorage.getItem('refresh_token')]"
    )
    assert stored == [None, None]
    assert (await http.post("/token/refresh", json={"refresh_token": refresh})).status_code == 401
    await page.goto(f"{gateway_url}/inbox")
    await page.wait_for_url(f"{gateway_url}/login")


async def stop_the_demo(http: httpx.AsyncClient, account: Account) -> None:
    """Delete the account's cameras, so the demo clip no longer takes CPU from later tests."""
    logged_in = await login(http, account.username, account.password, headers=forwarded_for())
    if logged_in.status_code != 200:
        return  # not registered: nothing was added
    headers = {"Authorization": f"Bearer {logged_in.json()['access_token']}"}
    for camera in (await http.get("/cameras", headers=headers)).json()["data"]:
        await http.delete(f"/cameras/{camera['id']}", headers=headers)


async def test_first_run_journey(
    browser: Browser, gateway_url: str, http: httpx.AsyncClient, system: System, locale: str
) -> None:
    lang = LOCALES[locale]
    page, errors = await open_page(browser, locale)
    account = await register_in_browser(page, gateway_url, lang, "journey")
    try:
        await page.click("#login-link")
        await page.wait_for_url(f"{gateway_url}/login")
        await sign_in(page, gateway_url, account, lang)
        await expect(page.locator("#cameras-heading")).to_have_text(text(lang, "dashboard.heading"))

        camera_id = await add_the_demo_camera(page, http, account, lang)
        await see_it_online_and_moving(page, gateway_url, camera_id, lang)
        await draw_and_edit_a_region(page, gateway_url, http, account, camera_id, lang)
        await open_the_notification(page, gateway_url, http, account, lang)
        await verify_a_mail_recipient(page, gateway_url, http, system, account, lang)
        await share_view_and_revoke(browser, page, gateway_url, http, account, camera_id, locale)

        await page.goto(f"{gateway_url}/dashboard")
        badge = page.locator(f'#cameras [data-camera-id="{camera_id}"] .camera-status')
        await expect(badge).to_have_text(text(lang, "status.online"))
        await expect(page.locator("#notifications li").first).to_contain_text(text(lang, "demo.camera_name"))
        if lang != "en":
            await save_screenshot(page, f"dashboard-{lang}.png")
        await log_out_of_this_browser(page, gateway_url, http, lang)
        assert errors == []
    finally:
        await stop_the_demo(http, account)
