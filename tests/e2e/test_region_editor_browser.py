"""The /snapshot_ui region editor in Chromium, against the real system: draw, reshape, edit, save.

Coordinates are checked through REST in the camera's source pixels (the Publisher's 640x360
frames), whatever size the picture has on screen.
"""

from __future__ import annotations

import re

import httpx
from playwright.async_api import Browser, expect

from tests.conftest import System
from tests.e2e.helpers import Account, create_camera, needs_chromium, region_body, save_screenshot
from tests.e2e.mjpeg import Publisher
from tests.e2e.pages import (
    FRAME_HEIGHT,
    FRAME_WIDTH,
    assert_near,
    open_editor,
    open_page,
    points,
    saved_regions,
    screen_xy,
    sign_in,
    text,
)
from visionflow import subjects

pytestmark = needs_chromium


async def test_draw_reshape_edit_and_save_regions(
    browser: Browser, system: System, http: httpx.AsyncClient, gateway_url: str, alice: Account
) -> None:
    camera = await create_camera(http, alice, name="Lobby", recognition=False)
    door = region_body("door", detection_classes=["person", "car"])
    await http.post(f"/rectangles/{camera['id']}", json={"regions": [door]}, headers=alice.headers)

    async with Publisher(
        system.nats.url,
        subjects.frames_raw(alice.account_uuid, camera["id"]),
        fps=10,
        size=(FRAME_WIDTH, FRAME_HEIGHT),
    ):
        page, errors = await open_page(browser, "en-US", width=1280, height=900)
        await sign_in(page, gateway_url, alice, "en")
        await open_editor(page, gateway_url, camera["id"], text("en", "regions.loaded", count=1))
        await expect(page.locator("#overlay polygon.region")).to_have_count(1)
        await expect(page.locator("#overlay rect.mask")).to_have_count(1)
        # The offline stand-in model detects people only; the saved "car" stays offered.
        await expect(page.locator("#classes-source")).to_have_text(
            text("en", "regions.classes_from_stand_in")
        )

        # Draw a new region: three clicks, then Finish; it is selected for naming.
        await page.click("#new-region")
        for x, y in ((320, 180), (576, 180), (576, 324)):
            await page.mouse.click(*await screen_xy(page, x, y))
        await page.click("#finish-region")
        await expect(page.locator("#region-name")).to_be_focused()
        await page.fill("#region-name", "parking")
        await expect(page.locator("#dirty")).to_be_visible()
        await page.click("#save")
        await expect(page.locator("#status")).to_contain_text("Saved 2 region(s)")
        await expect(page.locator("#dirty")).to_be_hidden()
        await open_editor(page, gateway_url, camera["id"], text("en", "regions.loaded", count=2))
        await expect(page.locator("#region-list .region-item")).to_have_text(
            [re.compile("door"), re.compile("parking")]
        )
        await expect(page.locator("#overlay polygon.region")).to_have_count(2)
        parking = (await saved_regions(http, alice, camera["id"]))[1]
        assert parking["name"] == "parking" and parking["detection_classes"] == ["person"]
        assert_near(points(parking), [(320, 180), (576, 180), (576, 324)])

        # Select "door" by clicking inside its polygon; drag its first point with the mouse.
        await page.mouse.click(*await screen_xy(page, 200, 200))
        await expect(page.locator("#region-name")).to_have_value("door")
        await page.mouse.move(*await screen_xy(page, 100, 100))
        await page.mouse.down()
        await page.mouse.move(*await screen_xy(page, 130, 110), steps=4)
        await page.mouse.move(*await screen_xy(page, 150, 120), steps=4)
        await page.mouse.up()
        first_x = page.locator("#coordinate-rows tr").nth(0).locator("input").nth(0)
        assert abs(float(await first_x.input_value()) - 150) <= 2

        # Insert a point on the top edge (its midpoint handle), move it with the keyboard.
        await page.locator('#overlay circle.middle[data-edge="0"]').click()
        await expect(page.locator("#coordinate-rows tr")).to_have_count(5)
        inserted = page.locator('#overlay circle.point[data-point="1"]')
        await expect(inserted).to_be_focused()
        for key in ("ArrowRight", "ArrowRight", "ArrowRight", "Shift+ArrowDown"):
            await page.keyboard.press(key)
        # Delete the fourth point (300, 300) with the Delete key, and the button refuses below 3.
        await page.locator('#overlay circle.point[data-point="3"]').focus()
        await page.keyboard.press("Delete")
        await expect(page.locator("#coordinate-rows tr")).to_have_count(4)
        # The exact coordinates are editable numbers: type the last point's y.
        await page.locator("#coordinate-rows tr").nth(3).locator("input").nth(1).fill("290")

        # Rename, classes from the model's labels, duration, notification switch.
        await page.fill("#region-name", "front door")
        await page.locator('#class-options input[value="car"]').uncheck()
        await expect(page.locator('#class-options input[value="person"]')).to_be_checked()
        await page.fill("#alert-duration", "7.5")
        await page.locator("#notify").uncheck()
        await page.click("#save")
        await expect(page.locator("#status")).to_contain_text("Saved 2 region(s)")
        await save_screenshot(page, "regions-en.png")

        # A value the API refuses: shown under its field, nothing stored.
        await page.fill("#alert-duration", "-1")
        await page.click("#save")
        await expect(page.locator("#error-alert_duration")).to_contain_text("greater than or equal to 0")
        await expect(page.locator("#alert-duration")).to_have_attribute("aria-invalid", "true")
        await expect(page.locator("#status")).to_have_text(text("en", "regions.not_saved"))
        await expect(page.locator("#dirty")).to_be_visible()
        assert errors == []

    door_saved, parking_saved = await saved_regions(http, alice, camera["id"])
    assert door_saved["name"] == "front door"
    assert door_saved["alert_duration"] == 7.5 and door_saved["notification_enabled"] is False
    assert door_saved["detection_classes"] == ["person"]
    # (150, 120) dragged; (225, 110) inserted and moved by (+3, +10); (300, 300) deleted; y typed.
    assert_near(points(door_saved), [(150, 120), (228, 120), (300, 100), (100, 290)])
    assert parking_saved["name"] == "parking"


async def test_the_editor_in_traditional_chinese_on_a_phone(
    browser: Browser, system: System, http: httpx.AsyncClient, gateway_url: str, alice: Account
) -> None:
    camera = await create_camera(http, alice, name="大門", recognition=False)
    await http.post(
        f"/rectangles/{camera['id']}", json={"regions": [region_body("門口")]}, headers=alice.headers
    )
    async with Publisher(
        system.nats.url,
        subjects.frames_raw(alice.account_uuid, camera["id"]),
        fps=10,
        size=(FRAME_WIDTH, FRAME_HEIGHT),
    ):
        page, errors = await open_page(browser, "zh-TW", width=390, height=844)
        await page.goto(f"{gateway_url}/snapshot_ui/{camera['id']}?token={alice.access_token}")
        await expect(page.locator("#status")).to_have_text(text("zh-TW", "regions.loaded", count=1))
        await expect(page.locator("#snapshot")).to_have_js_property("naturalWidth", FRAME_WIDTH)
        await page.locator("#region-list .region-item").first.click()
        for selector, key in (
            ("#save", "regions.save"),
            ("#new-region", "regions.new"),
            ("#classes legend", "regions.classes"),
            ("#coordinates legend", "regions.coordinates"),
            ("label[for=region-name]", "regions.name"),
            ('#class-options label:has(input[value="person"]) span', "class.person"),
        ):
            await expect(page.locator(selector)).to_have_text(text("zh-TW", key))
        label = await page.locator('#overlay circle.point[data-point="0"]').get_attribute("aria-label")
        assert label == text("zh-TW", "regions.point_label", n=1, x=100, y=100, region="門口")
        # Without a pointer: a square in the middle, then a point inserted from the keyboard.
        await page.click("#new-region")
        await page.click("#place-square")
        await expect(page.locator("#region-list .region-item")).to_have_count(2)
        await expect(page.locator("#coordinate-rows tr").nth(0).locator("input").nth(0)).to_have_value("240")
        await page.locator('#overlay circle.point[data-point="0"]').focus()
        await page.keyboard.press("Insert")
        await expect(page.locator("#coordinate-rows tr")).to_have_count(5)
        await expect(page.locator("#coordinate-rows tr").nth(1).locator("input").nth(0)).to_have_value("320")
        # The picture fits the phone's width: no sideways scrolling.
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        await save_screenshot(page, "regions-zh-TW.png")
        assert errors == []
