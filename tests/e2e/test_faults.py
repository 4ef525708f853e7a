"""Faults: each service SIGKILLed in turn while the gateway is asked for what it serves.

Meanwhile REST answers the documented 503 envelope at once (never a hang, never a 500); once the
service is back on its address, the same requests succeed and nothing stored is lost. The system
here is its own (killing services must not disturb the session's shared one).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import System, separate_system
from tests.e2e.helpers import new_account
from tests.support.line_api import LineApiStandIn
from tests.support.smtp import SmtpSink

ANSWER_WITHIN_S = 12.0  # the gateway's RPC deadline plus slack: an answer, not a hang


@pytest.fixture(scope="module")
def faulty(
    tmp_path_factory: pytest.TempPathFactory, data_dir: Path, smtp_server: SmtpSink, line_api: LineApiStandIn
) -> Iterator[System]:
    base = tmp_path_factory.mktemp("vf-faults")
    with separate_system(base, data_dir / "models", smtp_server, line_api) as running:
        yield running


@pytest.fixture(scope="module")
async def http(faulty: System) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=faulty.gateway_url, timeout=ANSWER_WITHIN_S + 10) as client:
        yield client


def _unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["status"] == "error" and body["error_code"] == "SERVICE_UNAVAILABLE", body
    assert "Traceback" not in response.text


async def test_each_service_killed_answers_503_then_recovers_with_nothing_lost(
    faulty: System, http: httpx.AsyncClient
) -> None:
    alice = await new_account(http, "faults")
    created = await http.post(
        "/cameras",
        headers=alice.headers,
        json={"name": "Gate", "stream_url": "rtsp://127.0.0.1:9/none", "recognition": False},
    )
    assert created.status_code in (200, 201), created.text
    camera_id = created.json()["data"]["id"]
    note = await http.post(
        "/notifications",
        headers=alice.headers,
        json={
            "camera_id": camera_id,
            "message": "before the fault",
            "detection_type": "person",
            "confidence": 0.9,
        },
    )
    assert note.status_code in (200, 201), note.text

    checks = {
        "camera": lambda: http.get("/cameras", headers=alice.headers),
        "notifier": lambda: http.get("/notifications", headers=alice.headers),
        "auth": lambda: http.post("/login", json={"username": alice.username, "password": alice.password}),
    }
    for service, ask in checks.items():
        process = faulty.services[service]
        process.kill()  # SIGKILL: no goodbye, connections just drop
        started = time.monotonic()
        response = await ask()
        took = time.monotonic() - started
        _unavailable(response)
        assert took < ANSWER_WITHIN_S, f"{service} down: answered after {took:.1f}s"
        await asyncio.to_thread(process.restart)
        deadline = time.monotonic() + 20
        while (response := await ask()).status_code == 503 and time.monotonic() < deadline:
            await asyncio.sleep(0.2)  # the gateway's channel reconnects with backoff
        assert response.status_code == 200, f"{service} back: {response.status_code} {response.text}"

    cameras = (await http.get("/cameras", headers=alice.headers)).json()["data"]
    assert [c["id"] for c in cameras] == [camera_id]
    notes = (await http.get("/notifications", headers=alice.headers)).json()["data"]
    assert [n["message"] for n in notes] == ["before the fault"]
