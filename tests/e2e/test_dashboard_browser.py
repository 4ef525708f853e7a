"""The login page and the dashboard in a real browser (Chromium via Playwright)."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, Page, expect

from tests.e2e.helpers import (
    Account,
    camera_body,
    create_camera,
    forwarded_for,
    login,
    needs_chromium,
    new_account,
    save_screenshot,
)


async def open_page(browser: Browser) -> tuple[Page, list[str]]:
    """A page with its own client address (login limits) that records script errors."""
    page = await browser.new_page(viewport={"width": 1200, "height": 800})
    await page.set_extra_http_headers(forwarded_for())
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


async def log_in(page: Page, gateway_url: str, account: Account, password: str | None = None) -> None:
    await page.goto(f"{gateway_url}/login")
    await expect(page.locator("h1")).to_have_text("Log in")
    await page.fill("#username", account.username)
    await page.fill("#password", password if password is not None else account.password)
    await page.click("#submit")


async def test_login_and_dashboard_pages_are_html(http: httpx.AsyncClient) -> None:
    for path in ("/login", "/dashboard"):
        response = await http.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert "Content-Security-Policy" in response.headers
    assert '<a href="/login">' in (await http.get("/register")).text


@needs_chromium
async def test_log_in_then_see_and_add_cameras_on_the_dashboard(
    browser: Browser, gateway_url: str, http: httpx.AsyncClient
) -> None:
    alice = await new_account(http, "dash")
    bob = await new_account(http, "dashbob")
    camera = await create_camera(http, alice, name="Porch", location="Front porch")
    await create_camera(http, bob, name="Bobs-garage")
    created = await http.post(
        "/notifications",
        json={
            "camera_id": camera["id"],
            "message": "person in Entrance",
            "detection_type": "person",
            "confidence": 0.91,
        },
        headers=alice.headers,
    )
    assert created.status_code == 201, created.text

    page, errors = await open_page(browser)
    await page.goto(f"{gateway_url}/login")
    await page.fill("#username", alice.username)
    await page.fill("#password", alice.password)
    await save_screenshot(page, "login.png")
    await page.click("#submit")
    await page.wait_for_url(f"{gateway_url}/dashboard")
    stored = await page.evaluate(
        "[localStorage.getItem('access_token'), localStorage.getItem('refresh_token')]"
    )
    assert all(stored)

    rows = page.locator("#cameras .camera-tile")
    await expect(rows).to_have_count(1)  # Bob's camera is not shown
    porch = rows.first
    await expect(porch.locator(".camera-name")).to_have_text("Porch")
    await expect(porch).to_contain_text("Front porch")
    assert await porch.locator(".tile-link").get_attribute("href") == f"/cameras/{camera['id']}"
    links = [await link.get_attribute("href") or "" for link in await porch.locator(".links-inline a").all()]
    assert [link.split("?")[0] for link in links] == [
        f"/recognized_stream/{camera['id']}",
        f"/get_stream/{camera['id']}",
        f"/snapshot_ui/{camera['id']}",
    ]
    assert all(link.endswith("?token=" + stored[0]) for link in links)
    await expect(page.locator("#notifications li")).to_have_count(1)
    await expect(page.locator("#notifications")).to_contain_text("person in Entrance")

    # Add a camera through the form: it is listed and the API has it, as typed.
    await page.fill("#camera-name", "Backyard")
    await page.fill("#stream-url", "rtsp://127.0.0.1:9/backyard")
    await page.fill("#location", "Garden")
    await page.uncheck("#recognition")
    await page.click("#add-camera")
    await expect(page.locator("#camera-result")).to_have_class("result success")
    await expect(rows).to_have_count(2)
    await expect(page.locator("#cameras")).to_contain_text("Backyard")
    listed = (await http.get("/cameras", headers=alice.headers)).json()["data"]
    added = [c for c in listed if c["name"] == "Backyard"]
    assert len(added) == 1
    assert added[0]["stream_url"] == "rtsp://127.0.0.1:9/backyard"
    assert added[0]["location"] == "Garden" and added[0]["recognition"] is False
    assert (await http.get("/cameras", headers=bob.headers)).json()["total"] == 1
    await save_screenshot(page, "dashboard.png")

    # A stream URL the API refuses: the form shows the API's own validation message.
    bad = camera_body(name="Bad", stream_url="ftp://127.0.0.1/x", location="")
    expected = await http.post("/cameras", json=bad, headers=bob.headers)
    assert expected.status_code == 422
    await page.fill("#camera-name", "Bad")
    await page.fill("#stream-url", "ftp://127.0.0.1/x")
    await page.click("#add-camera")
    result = page.locator("#camera-result")
    await expect(result).to_have_class("result error")
    await expect(result).to_have_text(expected.json()["message"])
    await expect(rows).to_have_count(2)
    assert errors == []


@needs_chromium
async def test_wrong_password_shows_the_api_error_and_stays_on_login(
    browser: Browser, gateway_url: str, http: httpx.AsyncClient
) -> None:
    account = await new_account(http, "wrongpw")
    expected = await login(http, account.username, "not-the-password", headers=forwarded_for())
    assert expected.status_code == 401

    page, errors = await open_page(browser)
    await log_in(page, gateway_url, account, password="not-the-password")
    result = page.locator("#result")
    await expect(result).to_have_class("result error")
    await expect(result).to_have_text(expected.json()["message"])
    assert page.url == f"{gateway_url}/login"
    assert await page.evaluate("localStorage.getItem('access_token')") is None
    assert errors == []


@needs_chromium
async def test_dashboard_refreshes_an_expired_token_once_then_falls_back_to_login(
    browser: Browser, gateway_url: str, http: httpx.AsyncClient
) -> None:
    account = await new_account(http, "refresh")
    await create_camera(http, account, name="Hallway")
    page, errors = await open_page(browser)
    await page.goto(f"{gateway_url}/login")
    await page.evaluate(
        "([refresh]) => { localStorage.setItem('access_token', 'expired.or.bad');"
        " localStorage.setItem('refresh_token', refresh); }",
        [account.refresh_token],
    )
    await page.goto(f"{gateway_url}/dashboard")
    await expect(page.locator("#cameras .camera-tile")).to_have_count(1)
    await expect(page.locator("#cameras")).to_contain_text("Hallway")
    fresh = await page.evaluate("localStorage.getItem('access_token')")
    assert fresh != "expired.or.bad"
    assert (await http.get("/cameras", headers={"Authorization": f"Bearer {fresh}"})).status_code == 200

    # A refresh token that no longer works (the one rotated away above): back to the login page.
    await page.evaluate(
        "([refresh]) => { localStorage.setItem('access_token', 'bad');"
        " localStorage.setItem('refresh_token', refresh); }",
        [account.refresh_token],
    )
    await page.goto(f"{gateway_url}/dashboard")
    await page.wait_for_url(f"{gateway_url}/login")
    assert errors == []


@needs_chromium
async def test_a_token_in_a_link_is_used_for_that_page_only_never_stored(
    browser: Browser, gateway_url: str, http: httpx.AsyncClient
) -> None:
    """An attacker's link `/dashboard?token=<attacker's token>` must not log the victim into the
    attacker's account for later visits (login CSRF)."""
    victim = await new_account(http, "victim")
    attacker = await new_account(http, "attacker")
    await create_camera(http, victim, name="Victim-cam")
    await create_camera(http, attacker, name="Attacker-cam")
    page, errors = await open_page(browser)
    await log_in(page, gateway_url, victim)
    await page.wait_for_url(f"{gateway_url}/dashboard")
    stored = await page.evaluate("localStorage.getItem('access_token')")

    await page.goto(f"{gateway_url}/dashboard?token={attacker.access_token}")
    await expect(page.locator("#cameras")).to_contain_text("Attacker-cam")
    assert "token=" not in page.url  # taken out of the address bar
    assert await page.evaluate("localStorage.getItem('access_token')") == stored
    await page.goto(f"{gateway_url}/dashboard")
    await expect(page.locator("#cameras")).to_contain_text("Victim-cam")
    await expect(page.locator("#cameras")).not_to_contain_text("Attacker-cam")
    assert errors == []
