"""Fixtures for the ingest tests: test clips, real RTSP and HTTP cameras, the key server, ingest."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support import media
from tests.support.http_camera import HttpCamera, start_http_camera
from tests.support.keyserver import KeyServer
from tests.support.rtsp import RtspServer, rtsp_missing_skips, start_rtsp_server
from tests.unit.ingest.rig import IngestRig, start_rig


@pytest.fixture(scope="session")
def bus_clip() -> Path:
    """640x480, three people sliding left (H.264 in MPEG-TS)."""
    return media.pan_video(media.BUS_PAN)


@pytest.fixture(scope="session")
def zidane_clip() -> Path:
    """320x240, two people sliding left: a second camera that is easy to tell apart."""
    return media.pan_video(media.ZIDANE_PAN, width=320, height=240)


@pytest.fixture(scope="session")
def work_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ingest")


def _rtsp(clip: Path, log_dir: Path, name: str) -> Iterator[RtspServer]:
    if rtsp_missing_skips():
        pytest.skip("GStreamer RTSP server for the system Python missing: run `make system-deps`")
    server = start_rtsp_server(clip, log_dir, name=name)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def rtsp_bus(bus_clip: Path, work_dir: Path) -> Iterator[RtspServer]:
    yield from _rtsp(bus_clip, work_dir / "logs", "rtsp-bus")


@pytest.fixture(scope="session")
def rtsp_zidane(zidane_clip: Path, work_dir: Path) -> Iterator[RtspServer]:
    yield from _rtsp(zidane_clip, work_dir / "logs", "rtsp-zidane")


@pytest.fixture
def rtsp_flaky(bus_clip: Path, tmp_path: Path) -> Iterator[RtspServer]:
    """A camera of its own, for tests that stop or freeze it."""
    yield from _rtsp(bus_clip, tmp_path, "rtsp-flaky")


@pytest.fixture(scope="session")
def http_camera() -> Iterator[HttpCamera]:
    """MJPEG at 20 fps and live HLS (25 fps, ~1.4 s segments) of the bus pan, 640x480."""
    camera = start_http_camera()
    yield camera
    camera.stop()


@pytest.fixture
def http_flaky() -> Iterator[HttpCamera]:
    """An HTTP camera of its own, for tests that stop it."""
    camera = start_http_camera()
    yield camera
    camera.stop()


@pytest.fixture(scope="session")
async def auth_keys() -> AsyncIterator[KeyServer]:
    keys = KeyServer()
    await keys.start()
    yield keys
    await keys.stop(grace=0)


@pytest.fixture(scope="session")
async def rig(work_dir: Path, auth_keys: KeyServer) -> AsyncIterator[IngestRig]:
    """Ingest as operators run it by default (file:// URLs refused), shared by these tests."""
    running = await start_rig(work_dir, auth_keys)
    yield running
    await running.close()
