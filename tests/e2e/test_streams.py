"""MJPEG relays, snapshots and the region editor page, fed by frames we publish on NATS."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from PIL import Image

from tests.conftest import System
from tests.e2e.helpers import Account, assert_error, create_camera
from tests.e2e.mjpeg import Publisher, frame_number
from tests.support.mjpeg import PartReader
from visionflow import subjects

MJPEG = "multipart/x-mixed-replace; boundary=frame"


@pytest.fixture
async def camera_id(http: httpx.AsyncClient, alice: Account) -> int:
    # recognition off: the running detector must not turn our raw test frames into annotated ones
    return int((await create_camera(http, alice, recognition=False))["id"])


async def wait_for_log(system: System, text: str, timeout: float = 10.0) -> int:
    """Count of `text` in the gateway log, once it appears (polls with a deadline)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = system.services["gateway"].log_text().count(text)
        if count:
            return count
        await asyncio.sleep(0.05)
    raise AssertionError(f"{text!r} not in the gateway log")


async def open_stream(client: httpx.AsyncClient, path: str, **kwargs: object) -> httpx.Response:
    request = client.build_request("GET", path, **kwargs)  # type: ignore[arg-type]
    return await client.send(request, stream=True)


@pytest.fixture
async def viewer_client(gateway_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=20) as client:
        yield client


async def test_raw_stream_relays_decodable_jpeg_parts(
    system: System, viewer_client: httpx.AsyncClient, alice: Account, camera_id: int
) -> None:
    async with Publisher(system.nats.url, subjects.frames_raw(alice.account_uuid, camera_id)) as publisher:
        response = await open_stream(viewer_client, f"/get_stream/{camera_id}", headers=alice.headers)
        try:
            assert response.status_code == 200
            assert response.headers["content-type"] == MJPEG
            reader = PartReader(response)
            numbers = [frame_number(await reader.next_part()) for _ in range(5)]
        finally:
            await response.aclose()
    assert numbers == sorted(numbers) and len(set(numbers)) == 5
    assert numbers[-1] <= publisher.published


async def test_recognized_stream_relays_annotated_frames_only(
    system: System, viewer_client: httpx.AsyncClient, alice: Account, camera_id: int
) -> None:
    raw = Publisher(system.nats.url, subjects.frames_raw(alice.account_uuid, camera_id), size=(160, 120))
    annotated = Publisher(
        system.nats.url, subjects.frames_annotated(alice.account_uuid, camera_id), size=(200, 100)
    )
    async with raw, annotated:
        response = await open_stream(
            viewer_client, f"/recognized_stream/{camera_id}", params={"token": alice.access_token}
        )
        try:
            assert response.status_code == 200 and response.headers["content-type"] == MJPEG
            reader = PartReader(response)
            sizes = set()
            for _ in range(3):
                sizes.add(Image.open(io.BytesIO(await reader.next_part())).size)
        finally:
            await response.aclose()
    assert sizes == {(200, 100)}


async def test_viewers_share_one_subscription_dropped_when_the_last_leaves(
    system: System, viewer_client: httpx.AsyncClient, gateway_url: str, alice: Account, camera_id: int
) -> None:
    subject = subjects.frames_raw(alice.account_uuid, camera_id)
    async with (
        Publisher(system.nats.url, subject),
        httpx.AsyncClient(base_url=gateway_url, timeout=20) as other,
    ):
        first = await open_stream(viewer_client, f"/get_stream/{camera_id}", headers=alice.headers)
        second = await open_stream(other, f"/get_stream/{camera_id}", headers=alice.headers)
        readers = [PartReader(first), PartReader(second)]  # kept: a dropped reader closes its stream
        for reader in readers:
            await reader.next_part()
        assert await wait_for_log(system, f"frame feed opened subject={subject}\n") == 1
        await first.aclose()
        await asyncio.sleep(0.5)
        assert f"frame feed closed subject={subject}\n" not in system.services["gateway"].log_text()
        await second.aclose()
        assert await wait_for_log(system, f"frame feed closed subject={subject}\n") == 1


async def test_a_slow_viewer_does_not_slow_a_fast_one(
    system: System, gateway_url: str, alice: Account, camera_id: int
) -> None:
    subject = subjects.frames_raw(alice.account_uuid, camera_id)
    async with (
        Publisher(system.nats.url, subject, fps=15, noise=True, size=(640, 480)) as publisher,
        httpx.AsyncClient(base_url=gateway_url, timeout=20) as slow_client,
        httpx.AsyncClient(base_url=gateway_url, timeout=20) as fast_client,
    ):
        slow = await open_stream(slow_client, f"/get_stream/{camera_id}", headers=alice.headers)
        fast = await open_stream(fast_client, f"/get_stream/{camera_id}", headers=alice.headers)
        try:
            reader = PartReader(fast)
            lags = []
            started = time.monotonic()
            received = 0
            while time.monotonic() - started < 4.0:  # the slow viewer reads nothing meanwhile
                number = frame_number(await reader.next_part())
                received += 1
                lags.append(publisher.published - number)
            # The fast viewer kept up: most frames arrived, each within a few frames of the newest.
            assert received >= 0.5 * 15 * 4.0, received
            assert max(lags[-10:]) <= 5, lags

            # The slow viewer's backlog is bounded by socket buffers: it skips to recent frames
            # instead of replaying every frame it missed.
            slow_reader = PartReader(slow)
            target = publisher.published
            seen: list[int] = []
            while not seen or seen[-1] < target:
                seen.append(frame_number(await slow_reader.next_part()))
            assert len(seen) < target - 5, (len(seen), target)
        finally:
            await slow.aclose()
            await fast.aclose()


async def test_another_account_cannot_watch(http: httpx.AsyncClient, bob: Account, camera_id: int) -> None:
    for path in (f"/get_stream/{camera_id}", f"/recognized_stream/{camera_id}"):
        assert_error(await http.get(path, headers=bob.headers), 404, "CAMERA_NOT_FOUND")
        assert_error(await http.get(path, params={"token": bob.access_token}), 404, "CAMERA_NOT_FOUND")


async def test_snapshot_is_the_current_frame(
    system: System, http: httpx.AsyncClient, alice: Account, bob: Account, camera_id: int
) -> None:
    async with Publisher(system.nats.url, subjects.frames_raw(alice.account_uuid, camera_id)) as publisher:
        response = await http.get(f"/snapshot/{camera_id}.jpg", params={"token": alice.access_token})
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/jpeg"
        assert 1 <= frame_number(response.content) <= publisher.published
        assert_error(
            await http.get(f"/snapshot/{camera_id}.jpg", headers=bob.headers), 404, "CAMERA_NOT_FOUND"
        )


async def test_snapshot_without_frames_is_404(
    http: httpx.AsyncClient, alice: Account, camera_id: int
) -> None:
    response = await http.get(f"/snapshot/{camera_id}.jpg", headers=alice.headers)
    assert_error(response, 404, "RESOURCE_NOT_FOUND")


async def test_snapshot_ui_page_draws_regions_over_the_snapshot(
    http: httpx.AsyncClient, alice: Account, camera_id: int
) -> None:
    response = await http.get(f"/snapshot_ui/{camera_id}", params={"token": alice.access_token})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert f'data-camera-id="{camera_id}"' in response.text
    assert 'id="overlay"' in response.text and "/static/snapshot_ui.js" in response.text
    assert alice.access_token not in response.text  # the page reads it from the URL itself
    script = (await http.get("/static/snapshot_ui.js")).text
    assert "/rectangles/" in script and "/snapshot/" in script
