"""Sharing in the browser: Alice shares from the camera page, Bob sees the tile read-only on his
dashboard and the camera page without settings, Alice revokes, and the tile leaves Bob's grid."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, expect

from tests.e2e.helpers import create_camera, needs_chromium, new_account, save_screenshot
from tests.e2e.pages import open_page, sign_in, text

LANGUAGE = "en"


@needs_chromium
async def test_share_view_read_only_and_revoke_across_two_browsers(
    browser: Browser, gateway_url: str, http: httpx.AsyncClient
) -> None:
    alice = await new_account(http, "sharer")
    bob = await new_account(http, "viewer")
    camera = await create_camera(http, alice, name="Garden gate", recognition=False)
    owner_page, owner_errors = await open_page(browser, "en-US")
    viewer_page, viewer_errors = await open_page(browser, "en-US")

    await sign_in(owner_page, gateway_url, alice, LANGUAGE)
    await owner_page.goto(f"{gateway_url}/cameras/{camera['id']}")
    sharing = owner_page.locator("#sharing")
    await expect(sharing.locator("h2")).to_have_text(text(LANGUAGE, "sharing.heading"))
    await expect(owner_page.locator("#no-shares")).to_be_visible()
    await owner_page.fill("#share-grantee", bob.email)
    await owner_page.check("#share-past")
    await owner_page.click("#share-submit")
    await expect(owner_page.locator("#share-result")).to_have_text(
        text(LANGUAGE, "sharing.granted", name=bob.username)
    )
    grant = owner_page.locator("#share-list li")
    await expect(grant).to_have_count(1)
    await expect(grant.locator(".share-grantee")).to_have_text(bob.username)
    await save_screenshot(owner_page, "camera-sharing.png")

    await sign_in(viewer_page, gateway_url, bob, LANGUAGE)
    tile = viewer_page.locator("#shared-cameras .camera-tile")
    await expect(tile).to_have_count(1)
    await expect(tile.locator(".camera-name")).to_have_text("Garden gate")
    await expect(tile.locator(".shared-badge")).to_have_text(
        text(LANGUAGE, "tile.shared_by", owner=alice.username)
    )
    await expect(tile.locator(".link-regions")).to_have_count(0)
    await expect(viewer_page.locator("#cameras .camera-tile")).to_have_count(0)  # "my cameras"

    await tile.locator(".tile-link").click()
    await viewer_page.wait_for_url(f"{gateway_url}/cameras/{camera['id']}")
    await expect(viewer_page.locator("#shared-notice")).to_have_text(
        text(LANGUAGE, "sharing.shared_by", owner=alice.username)
    )
    await expect(viewer_page.locator("#live")).to_be_attached()
    for hidden in ("#settings", "#danger-zone", "#sharing", "#regions-line"):
        await expect(viewer_page.locator(hidden)).to_be_hidden()
    await viewer_page.goto(f"{gateway_url}/dashboard")
    await expect(tile).to_have_count(1)

    await grant.locator(".revoke-share").click()
    await expect(owner_page.locator("#no-shares")).to_be_visible()
    await expect(tile).to_have_count(0)  # the grid's next poll drops it, no reload
    await expect(viewer_page.locator("#shared-section")).to_be_hidden()
    assert owner_errors == [] and viewer_errors == []
