"""Per-camera numbers for GetStats, status messages and Prometheus; updated on the event loop."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

_SMOOTHING = 0.3  # weight of the newest sample in the timing averages
_RATE_WINDOW_TICKS = 5  # frame rates are averaged over the last few watchdog ticks


def _average(previous: float, sample: float) -> float:
    return sample if previous == 0.0 else previous + _SMOOTHING * (sample - previous)


@dataclass
class CameraStats:
    frames_decoded: int = 0
    frames_published: int = 0  # raw JPEG frames (only while someone watches)
    detect_published: int = 0  # detect frames, ticks included
    detect_inference: int = 0  # detect frames sent with pixels for inference
    # Decoded but not needed: no viewer, over the frame-rate cap, between two detect frames.
    frames_unused: int = 0
    # Made but not published: replaced in the slot before the publisher took it, or refused.
    frames_dropped: int = 0
    reconnects: int = 0
    decode_ms: float = 0.0
    encode_ms: float = 0.0
    motion_ms: float = 0.0
    fps_in: float = 0.0
    fps_out: float = 0.0
    _marks: deque[tuple[float, int, int]] = field(
        default_factory=lambda: deque(maxlen=_RATE_WINDOW_TICKS + 1), repr=False
    )

    def add_decoded(self, *, decoded: int, unused: int, decode_ms: float) -> None:
        self.frames_decoded += decoded
        self.frames_unused += unused
        if decoded:
            self.decode_ms = _average(self.decode_ms, decode_ms)

    def add_encoded(self, encode_ms: float) -> None:
        self.encode_ms = _average(self.encode_ms, encode_ms)

    def add_detect(self, motion_ms: float, *, inference: bool) -> None:
        self.motion_ms = _average(self.motion_ms, motion_ms)
        self.detect_inference += int(inference)

    def update_rates(self, now: float) -> None:
        """Frames per second in and out over the last few seconds (on the watchdog's tick)."""
        out = self.frames_published + self.detect_published
        self._marks.append((now, self.frames_decoded, out))
        since, decoded, published = self._marks[0]
        if now > since:
            self.fps_in = (self.frames_decoded - decoded) / (now - since)
            self.fps_out = (out - published) / (now - since)

    def reset_rates(self) -> None:
        self._marks.clear()
        self.fps_in = self.fps_out = 0.0
