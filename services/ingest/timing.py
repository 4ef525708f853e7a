"""Time rules of capture: capture times, frame-rate caps, real-time file playback, backoff."""

from __future__ import annotations

import enum
import random
import threading
import time

# Demuxers that number frames at an assumed rate instead of timing them: MJPEG over HTTP
# (`multipart/x-mixed-replace`) says 25 fps whatever the camera sends.
_UNTIMED_FORMATS = frozenset({"mpjpeg", "mjpeg", "jpeg_pipe"})
# Demuxers that hand over whole segments at once (a second or more of frames in one burst).
_SEGMENTED_FORMATS = frozenset({"hls", "dash"})


class LiveTiming(enum.Enum):
    """How a live stream's capture times are found, by the demuxer that reads it."""

    TIMESTAMPS = "timestamps"  # RTSP and the like: frame timestamps, anchored (LiveClock)
    ARRIVAL = "arrival"  # timestamps made up by the demuxer: the time each frame arrives
    PLAYOUT = "playout"  # segmented (HLS): held back and played at the pace of the timestamps


def live_timing(format_name: str) -> LiveTiming:
    """The timing for a demuxer, by its FFmpeg name (which may list aliases: `a,b`)."""
    names = set(format_name.split(","))
    if names & _SEGMENTED_FORMATS:
        return LiveTiming.PLAYOUT
    if names & _UNTIMED_FORMATS:
        return LiveTiming.ARRIVAL
    return LiveTiming.TIMESTAMPS


class LiveClock:
    """Capture times of a live stream's frames, from their timestamps.

    A camera sends frames at its own pace, but the first second after connecting arrives as a
    burst. The frame timestamps keep the real spacing, so capture time = anchor + pts, anchored
    at the first frame. A capture time is never later than arrival: such a frame re-anchors the
    clock (the burst collapses to "now"), as does a timestamp that jumps back or lags too far.
    """

    def __init__(self, max_lag_s: float = 2.0) -> None:
        self._anchor: float | None = None
        self._last_pts: float | None = None
        self._max_lag_s = max_lag_s

    def capture_time(self, pts_s: float | None, now: float) -> float:
        if pts_s is None:
            return now
        jumped_back = self._last_pts is not None and pts_s < self._last_pts
        self._last_pts = pts_s
        if self._anchor is None or jumped_back:
            self._anchor = now - pts_s
        at = self._anchor + pts_s
        if at > now or now - at > self._max_lag_s:
            self._anchor = now - pts_s
            at = now
        return at


class Playout:
    """Plays a segmented live stream (HLS) in real time, as a player does.

    An HLS client downloads a whole segment at a time, so its frames come in bursts, a segment
    apart. Anchored at the first frame, each frame is held until `anchor + pts` and stamped with
    the wall clock then. A frame more than `max_lag_s` late (a segment came late) re-anchors on
    it, as does a timestamp that goes back or leaps ahead by more than `max_step_s` (a
    discontinuity), so no frame is ever held long.
    """

    def __init__(self, stop: threading.Event, *, max_lag_s: float = 2.0, max_step_s: float = 2.0) -> None:
        self._stop = stop
        self._max_lag_s = max_lag_s
        self._max_step_s = max_step_s
        self._anchor: float | None = None  # monotonic time of pts 0
        self._last_pts: float | None = None

    def capture_time(self, pts_s: float | None) -> float | None:
        """Wait until the frame is due; its capture time (wall clock), or None when stopped."""
        if pts_s is None:
            return None if self._stop.is_set() else time.time()
        now = time.monotonic()
        last, self._last_pts = self._last_pts, pts_s
        if self._anchor is None or last is None or not 0 <= pts_s - last <= self._max_step_s:
            self._anchor = now - pts_s
        due = self._anchor + pts_s
        if now - due > self._max_lag_s:
            self._anchor = now - pts_s
            due = now
        if due > now and self._stop.wait(due - now):
            return None
        return None if self._stop.is_set() else time.time()


class Pacer:
    """Lets through at most `max_fps` frames per second of capture time.

    A frame passes when it is due (a quarter interval of jitter allowed); after a gap longer than
    one interval the schedule restarts instead of letting a burst catch up.
    """

    def __init__(self, max_fps: float) -> None:
        self.interval = 1.0 / max_fps
        self._tolerance = self.interval / 4
        self._next_due: float | None = None

    def accept(self, capture_time: float) -> bool:
        if self._next_due is not None and capture_time + self._tolerance < self._next_due:
            return False
        if self._next_due is None or capture_time - self._next_due >= self.interval:
            self._next_due = capture_time + self.interval
        else:
            self._next_due += self.interval
        return True


class RealtimeTicker:
    """Plays frames at a fixed rate in real time (file sources); wakes early when stopped."""

    def __init__(self, fps: float, stop: threading.Event) -> None:
        self._period = 1.0 / fps
        self._stop = stop
        self._next_due: float | None = None

    def wait(self) -> bool:
        """Sleep until the next frame is due; False when stopped meanwhile."""
        now = time.monotonic()
        if self._next_due is None or now - self._next_due > 1.0:
            self._next_due = now  # first frame, or fell far behind: do not burst
        delay = self._next_due - now
        self._next_due += self._period
        if delay > 0:
            return not self._stop.wait(delay)
        return not self._stop.is_set()


def backoff_delay(attempt: int, initial_s: float, max_s: float, *, jitter: float = 0.2) -> float:
    """Capped exponential backoff with ±`jitter` randomness: attempt 0 waits about `initial_s`."""
    base = min(max_s, initial_s * 2 ** min(attempt, 30))
    return min(max_s, base * random.uniform(1 - jitter, 1 + jitter))
