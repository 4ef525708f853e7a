"""Pure rules of capture: URL policy, frame-rate cap, capture clock, backoff, JPEG size, settings."""

from __future__ import annotations

import threading
import time

import av
import av.error
import cv2
import numpy as np
import pytest
from pydantic import ValidationError

from services.ingest.capture import JpegEncoder, describe_error
from services.ingest.config import IngestSettings
from services.ingest.sources import SourceRefused, SourceUnreachable, resolve_source
from services.ingest.timing import LiveClock, Pacer, RealtimeTicker, backoff_delay
from visionflow.camera_urls import AddressPolicy


@pytest.mark.parametrize(
    "url",
    [
        "rtsp://192.168.1.20/stream",
        "rtsps://user:pw@localhost:322/stream",
        "http://[::1]:8080/mjpeg",
        "https://localhost/live.m3u8",
        "rtmp://10.0.0.7/live",
    ],
)
def test_network_camera_urls_are_opened_live(url: str) -> None:
    source = resolve_source(url, allow_files=False, read_timeout_s=4)
    # TLS keeps the name (certificates); plain schemes connect to the checked address itself.
    assert source.live and source.target == url
    assert "pw" not in source.display
    if url.startswith("rtmp"):
        assert "timeout" not in source.options, "rtmp's `timeout` would make FFmpeg listen"
    else:
        assert source.options["timeout"] == "4000000"


def test_rtsp_uses_tcp() -> None:
    assert (
        resolve_source("rtsp://127.0.0.1/x", allow_files=False, read_timeout_s=1).options["rtsp_transport"]
        == "tcp"
    )
    http = resolve_source("http://127.0.0.1/x", allow_files=False, read_timeout_s=1).options
    assert "rtsp_transport" not in http and http["max_redirects"] == "0"


def test_a_name_is_pinned_to_the_address_it_was_checked_at() -> None:
    source = resolve_source("rtsp://admin:pw@localhost:8554/cam", allow_files=False, read_timeout_s=1)
    assert source.target in ("rtsp://admin:pw@127.0.0.1:8554/cam", "rtsp://admin:pw@[::1]:8554/cam")
    tls = resolve_source("rtsps://localhost:322/cam", allow_files=False, read_timeout_s=1)
    assert tls.target == "rtsps://localhost:322/cam"


def test_refused_addresses_and_unknown_names() -> None:
    policy = AddressPolicy.from_settings("", "127.0.0.2/32")
    for url in ("http://169.254.169.254/latest/meta-data/", "rtsp://127.0.0.2/cam"):
        with pytest.raises(SourceRefused, match="camera address not allowed"):
            resolve_source(url, allow_files=False, read_timeout_s=1, policy=policy)
    with pytest.raises(SourceUnreachable):
        resolve_source("rtsp://no-such-camera.invalid/x", allow_files=False, read_timeout_s=1)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("ftp://h/x.ts", "unsupported"),
        ("concat:/etc/passwd|/etc/hosts", "unsupported"),
        ("pipe:0", "unsupported"),
        ("/etc/passwd", "unsupported"),
        ("rtsp:///no-host", "no host"),
        ("file:///tmp/video.ts", "not allowed"),
    ],
)
def test_unsafe_or_unsupported_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(SourceRefused) as refused:
        resolve_source(url, allow_files=False, read_timeout_s=1)
    assert reason in refused.value.reason


def test_file_urls_when_allowed_name_local_absolute_paths_only() -> None:
    source = resolve_source("file:///tmp/a%20b.ts", allow_files=True, read_timeout_s=1)
    assert not source.live and source.target == "file:/tmp/a b.ts"
    with pytest.raises(SourceRefused, match="local path"):
        resolve_source("file://otherhost/tmp/a.ts", allow_files=True, read_timeout_s=1)


def test_error_reasons_leave_the_url_out() -> None:
    url = "rtsp://admin:secret@10.0.0.9/cam"
    refused = describe_error(av.error.ConnectionRefusedError(111, "Connection refused", url), live=True)
    assert refused.reason == "Connection refused" and not refused.error
    missing = describe_error(av.error.FileNotFoundError(2, "No such file or directory", url), live=False)
    assert missing.error and "secret" not in missing.reason
    timeout = describe_error(av.error.ExitError(1414092869, "Immediate exit requested", url), live=True)
    assert "timed out" in timeout.reason


def _frames_kept(pacer: Pacer, times: list[float]) -> int:
    return sum(pacer.accept(t) for t in times)


def test_pacer_caps_the_rate_by_capture_time() -> None:
    source = [i / 25 for i in range(250)]  # 10 s at 25 fps
    assert _frames_kept(Pacer(10), source) in range(98, 103)
    assert _frames_kept(Pacer(30), source) == 250


def test_pacer_tolerates_jitter_and_does_not_burst_after_a_gap() -> None:
    rng = np.random.default_rng(7)
    jittery = np.cumsum(rng.normal(1 / 30, 0.004, 300)).tolist()
    assert _frames_kept(Pacer(30), jittery) >= 290
    pacer = Pacer(10)
    assert pacer.accept(0.0)
    assert pacer.accept(5.0)  # after a gap the schedule restarts...
    assert not pacer.accept(5.04)  # ...rather than letting old slots through
    assert pacer.accept(5.1)


def test_live_clock_follows_timestamps_and_never_runs_ahead() -> None:
    clock = LiveClock()
    assert clock.capture_time(None, 100.0) == 100.0
    assert clock.capture_time(10.0, 100.0) == 100.0
    # A burst of buffered frames arriving at once is not dated in the future.
    assert clock.capture_time(10.04, 100.001) == 100.001
    assert clock.capture_time(10.08, 100.002) == 100.002
    # Then frames arrive in real time: their spacing comes from the timestamps.
    assert clock.capture_time(10.12, 100.06) == pytest.approx(100.042)
    # A timestamp that jumps back (stream restarted) re-anchors the clock.
    assert clock.capture_time(0.0, 101.0) == 101.0


def test_backoff_grows_to_its_cap_with_jitter() -> None:
    delays = [backoff_delay(n, 1.0, 30.0) for n in range(10)]
    assert 0.8 <= delays[0] <= 1.2
    assert 3.2 <= delays[2] <= 4.8
    assert all(d <= 30.0 for d in delays) and delays[-1] >= 24.0
    assert len({backoff_delay(3, 1.0, 30.0) for _ in range(20)}) > 1, "jittered"


def test_realtime_ticker_wakes_when_stopped() -> None:
    stop = threading.Event()
    ticker = RealtimeTicker(0.5, stop)  # one frame every 2 s
    assert ticker.wait()
    threading.Timer(0.1, stop.set).start()
    started = time.monotonic()
    assert not ticker.wait()
    assert time.monotonic() - started < 1.0


def _noisy_frame(width: int, height: int) -> av.VideoFrame:
    rng = np.random.default_rng(1)
    image = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
    return av.VideoFrame.from_ndarray(image, format="bgr24")


def test_jpeg_encoder_downscales_and_stays_under_the_size_limit() -> None:
    frame = _noisy_frame(1280, 720)
    jpeg, width, height = JpegEncoder(quality=90, downscale_width=640, max_bytes=10**7).encode(frame)
    assert (width, height) == (640, 360)
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape == (360, 640, 3)
    small, width, height = JpegEncoder(quality=95, downscale_width=0, max_bytes=60_000).encode(frame)
    assert len(small) <= 60_000 and width <= 1280


def test_settings_read_vf_variables_and_refuse_bad_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VF_ALLOW_FILE_URLS", "true")
    monkeypatch.setenv("VF_INGEST_MAX_FPS", "12.5")
    settings = IngestSettings()
    assert settings.allow_file_urls and settings.ingest_max_fps == 12.5
    assert settings.ingest_grpc_port == 50053 and settings.ingest_metrics_port == 9153
    monkeypatch.setenv("VF_INGEST_MAX_FPS", "0")
    with pytest.raises(ValidationError, match="ingest_max_fps"):
        IngestSettings()
    monkeypatch.delenv("VF_INGEST_MAX_FPS")
    monkeypatch.setenv("VF_INGEST_RECONNECT_MAX_S", "0.5")
    with pytest.raises(ValidationError, match="VF_INGEST_RECONNECT_MAX_S"):
        IngestSettings()
