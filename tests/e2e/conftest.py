"""End-to-end fixtures: an HTTP client on the running gateway, and accounts registered through it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, async_playwright

from tests.conftest import System
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, Account, create_camera, new_account


@pytest.fixture(scope="session")
def gateway_url(system: System) -> str:
    return system.gateway_url


@pytest.fixture(scope="session")
async def http(gateway_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=20) as client:
        yield client


@pytest.fixture
async def alice(http: httpx.AsyncClient) -> Account:
    return await new_account(http, "alice")


@pytest.fixture
async def bob(http: httpx.AsyncClient) -> Account:
    return await new_account(http, "bob")


@pytest.fixture(scope="session")
async def shared(http: httpx.AsyncClient) -> Account:
    """One account for the many bad-input cases: they must leave it exactly as it was made.

    It owns one camera (`shared_camera`) and nothing else; tests assert that stays so.
    """
    return await new_account(http, "shared")


@pytest.fixture(scope="session")
async def shared_camera(http: httpx.AsyncClient, shared: Account) -> dict[str, Any]:
    return await create_camera(http, shared, name="shared-cam")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium driven by Playwright (no downloaded browser)."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()
