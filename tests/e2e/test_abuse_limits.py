"""Limits keyed on the client address, through a gateway that trusts no proxy: X-Forwarded-For
from an untrusted peer cannot dodge them. Its own auth service (low limits) keeps the session
system's budgets untouched; camera, notifier and ingest are the session's."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.conftest import System
from tests.e2e.helpers import PASSWORD, assert_error, unique_username
from tests.support.processes import ServiceProcess, start_service

PER_ADDRESS = 3
REGISTRATIONS = 2


@pytest.fixture(scope="module")
def untrusting_gateway(system: System, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    base = tmp_path_factory.mktemp("abuse-limits")
    auth_env = {
        **system.env,
        "VF_DATA_DIR": str(base),
        "VF_AUTH_LOGIN_MAX_ATTEMPTS_PER_ADDRESS": str(PER_ADDRESS),
        "VF_LIMIT_REGISTRATIONS_PER_HOUR": str(REGISTRATIONS),
    }
    auth = start_service("auth", auth_env, base / "logs")
    gateway_env = {**system.env, "VF_AUTH_ADDRESS": auth.address, "VF_GATEWAY_TRUSTED_PROXIES": ""}
    try:
        gateway = start_service("gateway", gateway_env, base / "logs")
        try:
            yield gateway
        finally:
            gateway.stop()
    finally:
        auth.stop()


@pytest.fixture(scope="module")
async def client(untrusting_gateway: ServiceProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"http://{untrusting_gateway.address}", timeout=20) as http:
        yield http


async def test_registrations_per_address_are_limited_even_with_forged_forwarded_for(
    client: httpx.AsyncClient,
) -> None:
    statuses = []
    for n in range(REGISTRATIONS + 1):
        name = unique_username("reg")
        response = await client.post(
            "/register",
            json={"username": name, "email": f"{name}@example.com", "password": PASSWORD},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        )
        statuses.append(response.status_code)
    assert statuses == [201] * REGISTRATIONS + [429]
    assert_error(response, 429, "RATE_LIMIT_EXCEEDED")
    assert 3000 < int(response.headers["retry-after"]) <= 3600


async def test_forwarded_for_from_an_untrusted_peer_does_not_dodge_the_login_limit(
    client: httpx.AsyncClient,
) -> None:
    statuses = []
    for n in range(PER_ADDRESS + 1):  # other users, another claimed address each time
        response = await client.post(
            "/login",
            json={"username": unique_username("nobody"), "password": "wrong-password"},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )
        statuses.append(response.status_code)
    assert statuses == [401] * PER_ADDRESS + [429]
    assert_error(response, 429, "RATE_LIMIT_EXCEEDED")
    assert int(response.headers["retry-after"]) >= 1
