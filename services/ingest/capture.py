"""One reader thread per camera (`capture:<id>`): PyAV demux and decode, frame-rate cap, JPEG.

The thread never touches the event loop's objects: it hands each event to `deliver`, which the
camera's worker makes thread-safe with `loop.call_soon_threadsafe`. A live stream that ends is a
disconnect (PyAV just stops yielding packets when a camera goes away); a file is played at its
native rate and looped. Capture times follow the demuxer (`timing.live_timing`): RTSP frames by
their timestamps, MJPEG over HTTP by arrival (its timestamps are made up), HLS played out at the
pace of its timestamps (its segments come in bursts). The container is opened, read and closed
in this thread only.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import av
import av.container
import av.error
import av.stream
import av.video.frame
import cv2

from services.ingest.frames import Frame
from services.ingest.sources import StreamSource
from services.ingest.timing import LiveClock, LiveTiming, Pacer, Playout, RealtimeTicker, live_timing

log = logging.getLogger(__name__)

_MIN_QUALITY = 30


@dataclass(frozen=True)
class CaptureOptions:
    max_fps: float
    downscale_width: int
    jpeg_quality: int
    open_timeout_s: float
    read_timeout_s: float
    max_jpeg_bytes: int


@dataclass(frozen=True)
class FrameCaptured:
    """A frame to publish, with the work done since the previous one."""

    frame: Frame
    decoded: int  # frames decoded since the previous event, this one included
    skipped: int  # of those, dropped by the frame-rate cap
    decode_ms: float  # mean decode time per decoded frame
    encode_ms: float


@dataclass(frozen=True)
class CaptureEnded:
    """The capture is over; `error` marks a problem of configuration rather than of the network."""

    reason: str
    error: bool = False


CaptureEvent = FrameCaptured | CaptureEnded
Deliver = Callable[[CaptureEvent], None]


class JpegEncoder:
    """Scales (optionally) and JPEG-encodes frames, keeping each under `max_bytes`."""

    def __init__(self, *, quality: int, downscale_width: int, max_bytes: int) -> None:
        self._quality = quality
        self._downscale_width = downscale_width
        self._max_bytes = max_bytes

    def target_size(self, width: int, height: int) -> tuple[int, int]:
        if self._downscale_width <= 0 or width <= self._downscale_width:
            return width, height
        scaled_height = max(2, round(height * self._downscale_width / width / 2) * 2)
        return self._downscale_width, scaled_height

    def encode(self, frame: av.video.frame.VideoFrame) -> tuple[bytes, int, int]:
        width, height = self.target_size(frame.width, frame.height)
        image: cv2.typing.MatLike = frame.to_ndarray(format="bgr24", width=width, height=height)
        quality = self._quality
        while True:
            ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
            if not ok:
                raise RuntimeError("JPEG encoding failed")
            if buffer.nbytes <= self._max_bytes or width <= 16:
                return buffer.tobytes(), width, height
            # Too big for one NATS message: lower the quality, then the size.
            if quality > _MIN_QUALITY:
                quality = max(_MIN_QUALITY, quality - 20)
            else:
                width, height = width // 2, height // 2
                image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)


def _pts_seconds(frame: av.video.frame.VideoFrame) -> float | None:
    return float(frame.pts * frame.time_base) if frame.pts is not None and frame.time_base else None


def describe_error(error: Exception, *, live: bool) -> CaptureEnded:
    """A short reason for a failed open or read, without the URL (it may hold credentials)."""
    if isinstance(error, av.error.ExitError):
        return CaptureEnded("timed out waiting for the stream")
    if isinstance(error, av.error.HTTPClientError):
        return CaptureEnded(f"the camera refused the request: {error.strerror}", error=True)
    if isinstance(error, av.error.FFmpegError) and error.strerror:
        return CaptureEnded(str(error.strerror), error=not live)
    return CaptureEnded(f"{type(error).__name__}: {error}" if str(error) else type(error).__name__, not live)


class CaptureThread(threading.Thread):
    """Reads one camera until stopped or until the stream ends, then delivers `CaptureEnded`."""

    def __init__(
        self, camera_id: int, source: StreamSource, options: CaptureOptions, deliver: Deliver
    ) -> None:
        super().__init__(name=f"capture:{camera_id}", daemon=True)
        self.camera_id = camera_id
        self._source = source
        self._options = options
        self._deliver = deliver
        self._stop_event = threading.Event()
        self._pacer = Pacer(options.max_fps)
        self._encoder = JpegEncoder(
            quality=options.jpeg_quality,
            downscale_width=options.downscale_width,
            max_bytes=options.max_jpeg_bytes,
        )
        self._decoded = 0
        self._skipped = 0
        self._decode_s = 0.0

    def stop(self) -> None:
        """Ask the thread to finish; it does after the current read (at most the read timeout)."""
        self._stop_event.set()

    @property
    def stopping(self) -> bool:
        return self._stop_event.is_set()

    def run(self) -> None:
        try:
            ended = self._capture()
        except Exception as error:  # every failure ends the capture with a reason
            if not isinstance(error, av.error.FFmpegError | OSError):
                log.exception("capture failed camera_id=%s", self.camera_id)
            ended = describe_error(error, live=self._source.live)
        if not self.stopping:
            self._send(ended)

    def _send(self, event: CaptureEvent) -> None:
        try:
            self._deliver(event)
        except RuntimeError:  # the event loop has closed: the service is stopping
            self._stop_event.set()

    def _capture(self) -> CaptureEnded:
        timeout = (self._options.open_timeout_s, self._options.read_timeout_s)
        container = av.open(self._source.target, options=self._source.options, timeout=timeout)
        try:
            if not container.streams.video:
                return CaptureEnded("the stream has no video", error=True)
            stream = container.streams.video[0]
            if self._source.live:
                return self._read_live(container, stream)
            return self._play_file(container, stream)
        finally:
            container.close()

    def _read_live(self, container: av.container.InputContainer, stream: av.stream.Stream) -> CaptureEnded:
        timing = live_timing(container.format.name)
        if timing is LiveTiming.PLAYOUT:
            return self._play_out(container, stream)
        clock = LiveClock()
        for frame in self._decode(container, stream):
            pts_s = _pts_seconds(frame) if timing is LiveTiming.TIMESTAMPS else None
            self._emit(frame, clock.capture_time(pts_s, time.time()))
        return CaptureEnded("the stream ended")

    def _play_out(self, container: av.container.InputContainer, stream: av.stream.Stream) -> CaptureEnded:
        """A segmented stream (HLS): frames held back to the pace of their timestamps."""
        playout = Playout(self._stop_event)
        for frame in self._decode(container, stream):
            capture_time = playout.capture_time(_pts_seconds(frame))
            if capture_time is None:
                return CaptureEnded("stopped")
            self._emit(frame, capture_time)
        return CaptureEnded("the stream ended")

    def _play_file(self, container: av.container.InputContainer, stream: av.stream.Stream) -> CaptureEnded:
        rate = stream.average_rate or stream.guessed_rate or 25
        ticker = RealtimeTicker(float(rate), self._stop_event)
        while not self.stopping:
            played = 0
            for frame in self._decode(container, stream):
                if not ticker.wait():
                    break
                self._emit(frame, time.time())
                played += 1
            if self.stopping:
                break
            if played == 0:
                return CaptureEnded("the file has no video frames", error=True)
            container.seek(0)  # loop the file
        return CaptureEnded("stopped")

    def _decode(
        self, container: av.container.InputContainer, stream: av.stream.Stream
    ) -> Iterator[av.video.frame.VideoFrame]:
        for packet in container.demux(stream):
            if self.stopping:
                return
            started = time.perf_counter()
            try:
                frames = packet.decode()
            except av.error.InvalidDataError:
                continue  # a damaged packet (e.g. before the first keyframe): skip it
            self._decode_s += time.perf_counter() - started
            for frame in frames:
                if isinstance(frame, av.video.frame.VideoFrame):
                    yield frame

    def _emit(self, frame: av.video.frame.VideoFrame, capture_time: float) -> None:
        self._decoded += 1
        if not self._pacer.accept(capture_time) or self.stopping:
            self._skipped += 1
            return
        started = time.perf_counter()
        jpeg, width, height = self._encoder.encode(frame)
        encode_ms = (time.perf_counter() - started) * 1000
        event = FrameCaptured(
            frame=Frame(jpeg=jpeg, capture_time_ns=int(capture_time * 1e9), width=width, height=height),
            decoded=self._decoded,
            skipped=self._skipped,
            decode_ms=self._decode_s * 1000 / self._decoded,
            encode_ms=encode_ms,
        )
        self._decoded, self._skipped, self._decode_s = 0, 0, 0.0
        self._send(event)
