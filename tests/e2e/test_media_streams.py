"""A camera added through the REST API streams live: RTSP → ingest → detector → gateway MJPEG.

Real parts: a GStreamer RTSP server serving an H.264 clip made from Ultralytics' bus.jpg, the
ingest and detector processes (offline person model), NATS, and the gateway over HTTP.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from PIL import Image

from tests.conftest import System
from tests.e2e.helpers import Account
from tests.support.media import BUS_PAN, pan_video
from tests.support.mjpeg import PartReader
from tests.support.rtsp import RtspServer, needs_rtsp, start_rtsp_server
from visionflow import subjects
from visionflow.v1 import media_pb2

pytestmark = needs_rtsp


@pytest.fixture
def bus_camera(data_dir: Path) -> Iterator[RtspServer]:
    server = start_rtsp_server(pan_video(BUS_PAN, seconds=10), data_dir / "logs", name="rtsp-bus")
    yield server
    server.stop()


async def _add_camera(http: httpx.AsyncClient, account: Account, url: str) -> dict[str, Any]:
    body = {"name": "Bus stop", "stream_url": url, "recognition": True, "location": "Street"}
    response = await http.post("/cameras", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    assert data["status"] == "connecting"
    assert data["model_name"] == "yolo_v11_detect"
    return data


async def _jpeg_parts(
    http: httpx.AsyncClient, url: str, count: int, headers: dict[str, str] | None = None
) -> list[tuple[bytes, dict[str, str]]]:
    async with http.stream("GET", url, headers=headers, timeout=60) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "multipart/x-mixed-replace; boundary=frame"
        reader = PartReader(response)
        return [(await reader.next_part(timeout=60), dict(reader.headers)) for _ in range(count)]


async def _camera(http: httpx.AsyncClient, account: Account, camera_id: int) -> dict[str, Any]:
    cameras = (await http.get("/cameras", headers=account.headers)).json()["data"]
    [camera] = [c for c in cameras if c["id"] == camera_id]
    return dict(camera)


async def _eventually(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"{what} not seen within {timeout}s"
        await asyncio.sleep(0.3)


async def _falls_quiet(seen: list[Any], what: str, quiet_s: float = 2.0, within_s: float = 20.0) -> None:
    """Until nothing new arrives in `seen` for `quiet_s` (a stop reaches a loaded machine late,
    but it must arrive)."""
    deadline = time.monotonic() + within_s
    while True:
        count = len(seen)
        await asyncio.sleep(quiet_s)
        if len(seen) == count:
            return
        assert time.monotonic() < deadline, f"{what} still arriving after {within_s}s"


async def test_rtsp_camera_streams_live_with_people_detected(
    http: httpx.AsyncClient, system: System, alice: Account, bus_camera: RtspServer
) -> None:
    camera_id = (await _add_camera(http, alice, bus_camera.url))["id"]
    nc = await nats.connect(system.nats.url)
    batches: list[media_pb2.DetectionBatch] = []
    raw_frames: list[float] = []

    async def on_batch(msg: Any) -> None:
        batches.append(media_pb2.DetectionBatch.FromString(msg.data))

    async def on_raw(msg: Any) -> None:
        raw_frames.append(time.monotonic())

    await nc.subscribe(subjects.detections(alice.account_uuid, camera_id), cb=on_batch)
    await nc.subscribe(subjects.frames_raw(alice.account_uuid, camera_id), cb=on_raw)
    try:
        raw = await _jpeg_parts(http, f"/get_stream/{camera_id}?token={alice.access_token}", 5)
        for jpeg, headers in raw:
            assert Image.open(io.BytesIO(jpeg)).size == (640, 480)
            assert int(headers["X-Capture-Time"]) > 0
        recognized = await _jpeg_parts(http, f"/recognized_stream/{camera_id}", 3, alice.headers)
        for jpeg, _ in recognized:
            assert Image.open(io.BytesIO(jpeg)).size == (640, 480)

        def people(batch: media_pb2.DetectionBatch) -> list[media_pb2.Detection]:
            return [d for d in batch.detections if d.class_name == "person" and d.track_id > 0]

        async def people_tracked() -> bool:
            return any(len(people(batch)) >= 2 for batch in batches)

        await _eventually(people_tracked, 60, "two tracked people")
        best = max(batches, key=lambda batch: len(people(batch)))
        for person in people(best):
            box = person.box
            assert 0 <= box.x1 < box.x2 <= 640 and 0 <= box.y1 < box.y2 <= 480
            assert box.y2 - box.y1 > 100  # people in this clip are tall, not specks

        async def online() -> bool:
            camera = await _camera(http, alice, camera_id)
            return camera["status"] == "online" and camera["last_active"] is not None

        await _eventually(online, 30, "status online")
        snapshots: list[httpx.Response] = []

        async def snapshot_served() -> bool:
            # Right after a reconnect ingest may hold no frame yet (404 "no frame yet"); it comes.
            snapshots.append(await http.get(f"/snapshot/{camera_id}.jpg", headers=alice.headers))
            return snapshots[-1].status_code == 200

        await _eventually(snapshot_served, 20, "a snapshot")
        assert Image.open(io.BytesIO(snapshots[-1].content)).size == (640, 480)

        # recognition off: the detector lets go of the camera live.
        patched = await http.patch(
            f"/cameras/{camera_id}", json={"recognition": False}, headers=alice.headers
        )
        assert patched.status_code == 200
        await _falls_quiet(batches, "detections after recognition off")

        # deleted: ingest stops the stream.
        deleted = await http.delete(f"/cameras/{camera_id}", headers=alice.headers)
        assert deleted.status_code == 200
        await _falls_quiet(raw_frames, "raw frames after the camera was deleted")
        gone = await http.get(f"/get_stream/{camera_id}", headers=alice.headers)
        assert gone.status_code == 404
    finally:
        await nc.drain()


async def test_streams_need_the_owner(
    http: httpx.AsyncClient, alice: Account, bob: Account, bus_camera: RtspServer
) -> None:
    camera_id = (await _add_camera(http, alice, bus_camera.url))["id"]
    for route in ("get_stream", "recognized_stream"):
        foreign = await http.get(f"/{route}/{camera_id}", headers=bob.headers)
        assert foreign.status_code == 404
        assert foreign.json()["error_code"] == "CAMERA_NOT_FOUND"
        anonymous = await http.get(f"/{route}/{camera_id}")
        assert anonymous.status_code == 401
    snapshot = await http.get(f"/snapshot/{camera_id}.jpg", headers=bob.headers)
    assert snapshot.status_code == 404
