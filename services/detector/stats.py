"""Per-camera counters and rates for GetStats: fps in and out, stage times, dropped frames."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

_WINDOW_S = 5.0
_SMOOTHING = 0.2


def _rate(stamps: deque[float], now: float) -> float:
    while stamps and now - stamps[0] > _WINDOW_S:
        stamps.popleft()
    if len(stamps) < 2:
        return 0.0
    span = now - stamps[0]
    return (len(stamps) - 1) / span if span > 0 else 0.0


@dataclass
class CameraStats:
    """Counters of one camera; updated on the event loop only."""

    frames_in: int = 0
    frames_out: int = 0
    frames_dropped: int = 0
    decode_ms: float = 0.0
    inference_ms: float = 0.0
    encode_ms: float = 0.0
    last_frame_at: float | None = None
    _in: deque[float] = field(default_factory=deque)
    _out: deque[float] = field(default_factory=deque)

    def frame_in(self) -> None:
        now = time.monotonic()
        self.frames_in += 1
        self.last_frame_at = now
        self._in.append(now)

    def dropped(self, count: int = 1) -> None:
        self.frames_dropped += count

    def frame_out(self, *, decode_ms: float, inference_ms: float, encode_ms: float) -> None:
        self.frames_out += 1
        self._out.append(time.monotonic())
        first = self.frames_out == 1
        self.decode_ms = decode_ms if first else self.decode_ms + _SMOOTHING * (decode_ms - self.decode_ms)
        self.inference_ms = (
            inference_ms if first else self.inference_ms + _SMOOTHING * (inference_ms - self.inference_ms)
        )
        self.encode_ms = encode_ms if first else self.encode_ms + _SMOOTHING * (encode_ms - self.encode_ms)

    def fps_in(self) -> float:
        return _rate(self._in, time.monotonic())

    def fps_out(self) -> float:
        return _rate(self._out, time.monotonic())

    def receiving(self) -> bool:
        return self.last_frame_at is not None and time.monotonic() - self.last_frame_at < _WINDOW_S
