"""The gateway process itself: its ready line, and a clean SIGTERM while a stream is open."""

from __future__ import annotations

import asyncio
import re
import time

import httpx

from tests.conftest import System
from tests.e2e.helpers import Account, create_camera
from tests.e2e.mjpeg import Publisher
from tests.support.mjpeg import PartReader
from tests.support.processes import start_service
from visionflow import subjects


async def test_sigterm_ends_open_streams_and_exits_zero(
    system: System, http: httpx.AsyncClient, alice: Account
) -> None:
    camera = await create_camera(http, alice, recognition=False)
    gateway = start_service("gateway", dict(system.env), system.data_dir / "logs" / "second-gateway")
    try:
        assert re.fullmatch(r"127\.0\.0\.1:\d+", gateway.address)
        async with (
            Publisher(system.nats.url, subjects.frames_raw(alice.account_uuid, camera["id"])),
            httpx.AsyncClient(base_url=f"http://{gateway.address}", timeout=20) as client,
        ):
            request = client.build_request("GET", f"/get_stream/{camera['id']}", headers=alice.headers)
            response = await client.send(request, stream=True)
            reader = PartReader(response)
            await reader.next_part()
            started = time.monotonic()
            # stop() waits for the exit; in a thread, so this loop keeps reading meanwhile.
            stopping = asyncio.create_task(asyncio.to_thread(gateway.stop))
            rest = await reader.read_to_end()  # the response ends cleanly, without an error
            code = await stopping
            elapsed = time.monotonic() - started
            await response.aclose()
        assert code == 0, gateway.tail()
        assert elapsed < 9, elapsed  # well before the 10 s after which stop() would kill it
        assert rest == b"" or rest.startswith(b"--frame")
        log = gateway.log_text()
        assert "stopped service=gateway" in log and "Traceback" not in log
    finally:
        gateway.kill()


async def test_every_response_carries_the_security_headers(http: httpx.AsyncClient) -> None:
    for path in ("/healthz", "/cameras", "/login", "/openapi.json", "/static/login.js", "/no-such-route"):
        response = await http.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["x-frame-options"] == "DENY", path
        assert response.headers["referrer-policy"] == "no-referrer", path
