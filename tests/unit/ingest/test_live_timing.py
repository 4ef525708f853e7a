"""Pure rules of live capture times: which demuxer gets which timing, and HLS playout."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from services.ingest.timing import LiveTiming, Playout, live_timing


@pytest.mark.parametrize(
    ("format_name", "timing"),
    [
        ("rtsp", LiveTiming.TIMESTAMPS),
        ("flv", LiveTiming.TIMESTAMPS),
        ("mpegts", LiveTiming.TIMESTAMPS),
        ("mpjpeg", LiveTiming.ARRIVAL),
        ("jpeg_pipe", LiveTiming.ARRIVAL),
        ("hls", LiveTiming.PLAYOUT),
        ("dash", LiveTiming.PLAYOUT),
        ("applehttp,hls", LiveTiming.PLAYOUT),
    ],
)
def test_each_demuxer_gets_its_timing(format_name: str, timing: LiveTiming) -> None:
    assert live_timing(format_name) is timing


def test_playout_spreads_a_burst_over_its_timestamps() -> None:
    playout = Playout(threading.Event())
    started = time.monotonic()
    stamped = [playout.capture_time(10.0 + i * 0.05) for i in range(5)]  # a segment, all at once
    elapsed = time.monotonic() - started
    times = [t for t in stamped if t is not None]
    assert len(times) == 5
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(0.04 < gap < 0.07 for gap in gaps), gaps
    assert 0.19 < elapsed < 0.3


def test_playout_does_not_hold_frames_after_a_jump_or_a_late_segment() -> None:
    playout = Playout(threading.Event(), max_lag_s=0.2, max_step_s=1.0)
    playout.capture_time(100.0)
    for pts in (50.0, 5000.0):  # back, then far ahead (a discontinuity): no wait either way
        started = time.monotonic()
        assert playout.capture_time(pts) is not None
        assert time.monotonic() - started < 0.05
    time.sleep(0.3)  # the next frame comes late: it goes out at once, and the clock restarts
    started = time.monotonic()
    playout.capture_time(5000.04)
    playout.capture_time(5000.14)
    assert 0.08 < time.monotonic() - started < 0.15


def test_playout_gives_up_waiting_when_stopped() -> None:
    stop = threading.Event()
    playout = Playout(stop)
    playout.capture_time(0.0)
    threading.Timer(0.1, stop.set).start()
    started = time.monotonic()
    assert playout.capture_time(1.5) is None
    assert time.monotonic() - started < 0.5
