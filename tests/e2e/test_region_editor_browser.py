"""The /snapshot_ui region editor in Chromium: saved regions drawn, a new polygon clicked and saved."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, expect

from tests.conftest import System
from tests.e2e.helpers import Account, create_camera, needs_chromium, region_body, save_screenshot
from tests.e2e.mjpeg import Publisher
from visionflow import subjects

pytestmark = needs_chromium


async def test_draw_and_save_a_region_over_the_snapshot(
    browser: Browser, system: System, http: httpx.AsyncClient, gateway_url: str, alice: Account
) -> None:
    camera = await create_camera(http, alice, name="Lobby", recognition=False)
    url = f"/rectangles/{camera['id']}"
    await http.post(url, json={"regions": [region_body("door")]}, headers=alice.headers)

    async with Publisher(
        system.nats.url, subjects.frames_raw(alice.account_uuid, camera["id"]), fps=10, size=(640, 360)
    ):
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(f"{gateway_url}/snapshot_ui/{camera['id']}?token={alice.access_token}")
        await expect(page.locator("#status")).to_contain_text("Loaded 1 region")
        await page.wait_for_function("document.getElementById('snapshot').naturalWidth === 640")
        await expect(page.locator("#overlay polygon.saved")).to_have_count(1)
        await expect(page.locator("#regions tbody tr")).to_have_count(1)

        box = await page.locator("#overlay").bounding_box()
        assert box is not None
        for fx, fy in ((0.5, 0.5), (0.9, 0.5), (0.9, 0.9)):
            await page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
        await expect(page.locator("#points")).not_to_have_text("none")
        await page.fill("#region-name", "parking")
        await page.fill("#alert-duration", "3")
        await page.fill("#classes", "person, car")
        await page.click("#add-region")
        await page.click("#save")
        await expect(page.locator("#status")).to_contain_text("Saved 2 region(s)")
        await expect(page.locator("#overlay polygon.saved")).to_have_count(2)
        await save_screenshot(page, "snapshot_ui.png")
        assert errors == []

    regions = (await http.get(url, headers=alice.headers)).json()["data"]["regions"]
    assert [r["name"] for r in regions] == ["door", "parking"]
    parking = regions[1]
    assert parking["alert_duration"] == 3 and parking["detection_classes"] == ["person", "car"]
    points = [(p["x"], p["y"]) for p in parking["coordinates"]]
    expected = [(320, 180), (576, 180), (576, 324)]  # image pixels, whatever the on-screen size
    for (x, y), (ex, ey) in zip(points, expected, strict=True):
        assert abs(x - ex) <= 3 and abs(y - ey) <= 3, points
