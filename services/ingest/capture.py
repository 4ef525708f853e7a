"""One reader thread per camera stream (`capture:<id>`): PyAV demux and decode, detect frames, JPEG.

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
from dataclasses import dataclass, field

import av
import av.container
import av.error
import av.stream
import av.video.frame
import cv2

from services.ingest.detectframes import DetectGate, DetectOptions, Reason, detect_size, i420_of, luma_of
from services.ingest.frames import Frame
from services.ingest.motion import MotionDetector, MotionOptions
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
    detect: DetectOptions = field(default_factory=DetectOptions)
    motion: MotionOptions = field(default_factory=MotionOptions)
    # After this long with nothing to analyse, a live stream decodes keyframes only (0: never).
    idle_after_s: float = 3.0


@dataclass
class CaptureControl:
    """What the camera's worker asks of a reader thread, changed live from the event loop.

    The thread reads these attributes on every frame (plain attribute reads: atomic in CPython).
    """

    raw_until: float = 0.0  # monotonic time until which someone watches the raw stream
    view_until: float = 0.0  # ... the annotated stream (detect frames then always carry pixels)
    detect_fps: float = 0.0  # 0: no detect frames (recognition off)

    def raw_wanted(self, now: float) -> bool:
        return self.raw_until > now


@dataclass(frozen=True)
class FrameCaptured:
    """A JPEG frame for the raw relay (made only while someone watches it)."""

    frame: Frame
    encode_ms: float


@dataclass(frozen=True)
class DetectCaptured:
    """A detect frame: I420 pixels at `width` x `height`, or none for a tick."""

    capture_time_ns: int
    width: int
    height: int
    reason: Reason
    i420: bytes | None
    motion_ms: float
    # The main stream's frame size (regions and published boxes use it); 0 when this is a
    # sub-stream, whose worker knows the main stream's size.
    source_width: int = 0
    source_height: int = 0


@dataclass(frozen=True)
class CaptureProgress:
    """The reader is alive: the work done since the previous report (about twice a second)."""

    decoded: int  # frames decoded
    unused: int  # of those, neither published nor analysed
    decode_ms: float  # mean decode time per decoded frame
    width: int
    height: int


@dataclass(frozen=True)
class CaptureEnded:
    """The capture is over; `error` marks a problem of configuration rather than of the network,
    `refused` an address the policy refuses (not retried until the camera changes)."""

    reason: str
    error: bool = False
    refused: bool = False


CaptureEvent = FrameCaptured | DetectCaptured | CaptureProgress | CaptureEnded
Deliver = Callable[[CaptureEvent], None]

_PROGRESS_INTERVAL_S = 0.5


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
    """Reads one camera until stopped or until the stream ends, then delivers `CaptureEnded`.

    `main`: this is the camera's main stream (raw relay, snapshots); `detect`: it also makes
    detect frames (a camera with a sub-stream has one thread of each kind). Frames nobody needs
    are not decoded: with neither raw viewers nor detection, a live stream decodes only its
    keyframes (enough for snapshots and to know the camera is alive).
    """

    def __init__(
        self,
        camera_id: int,
        source: StreamSource,
        options: CaptureOptions,
        deliver: Deliver,
        *,
        control: CaptureControl,
        main: bool = True,
        detect: bool = True,
    ) -> None:
        super().__init__(name=f"capture:{camera_id}" + ("" if main else ":detect"), daemon=True)
        self.camera_id = camera_id
        self.control = control
        self._source = source
        self._options = options
        self._deliver = deliver
        self._main = main
        self._detect = detect
        self._stop_event = threading.Event()
        self._raw_pacer = Pacer(options.max_fps)
        self._detect_pacer: Pacer | None = None
        self._motion = MotionDetector(options.motion)
        self._gate = DetectGate(options.detect)
        self._encoder = JpegEncoder(
            quality=options.jpeg_quality,
            downscale_width=options.downscale_width,
            max_bytes=options.max_jpeg_bytes,
        )
        self._decoded = 0
        self._unused = 0
        self._decode_s = 0.0
        self._size = (0, 0)
        self._progress_at = 0.0
        self._awaiting_keyframe = False
        self._busy_until = 0.0  # capture time until which every frame is decoded for detection
        self._last_capture = 0.0
        # The newest decoded frame of the main stream, for snapshots (read from other threads).
        self.latest: tuple[av.video.frame.VideoFrame, int] | None = None

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
        for frame in self._decode(container, stream, skip_unneeded=True):
            pts_s = _pts_seconds(frame) if timing is LiveTiming.TIMESTAMPS else None
            self._emit(frame, clock.capture_time(pts_s, time.time()))
        return CaptureEnded("the stream ended")

    def _play_out(self, container: av.container.InputContainer, stream: av.stream.Stream) -> CaptureEnded:
        """A segmented stream (HLS): frames held back to the pace of their timestamps."""
        playout = Playout(self._stop_event)
        for frame in self._decode(container, stream, skip_unneeded=True):
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
            for frame in self._decode(container, stream, skip_unneeded=False):
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

    def _every_frame_needed(self, now: float) -> bool:
        return (self._detect and self.control.detect_fps > 0) or (self._main and self.control.raw_wanted(now))

    def _skip(self, packet: av.Packet, now: float) -> bool:
        """Whether to pass over a packet undecoded: keyframes only while no frame is needed.

        After skipping, decoding resumes at a keyframe (a frame in between would reference
        pictures that were never decoded).
        """
        if self._every_frame_needed(now):
            if self._awaiting_keyframe and not packet.is_keyframe:
                return True
            self._awaiting_keyframe = False
            return False
        if packet.is_keyframe:
            self._awaiting_keyframe = False  # decoded: the frames after it can be decoded too
            return False
        self._awaiting_keyframe = True
        return True

    def _decode(
        self, container: av.container.InputContainer, stream: av.stream.Stream, *, skip_unneeded: bool
    ) -> Iterator[av.video.frame.VideoFrame]:
        for packet in container.demux(stream):
            if self.stopping:
                return
            now = time.monotonic()
            if now - self._progress_at >= _PROGRESS_INTERVAL_S:
                self._report_progress(now)
            if skip_unneeded and packet.size and self._skip(packet, now):
                continue
            started = time.perf_counter()
            try:
                frames = packet.decode()
            except av.error.InvalidDataError:
                continue  # a damaged packet (e.g. before the first keyframe): skip it
            self._decode_s += time.perf_counter() - started
            for frame in frames:
                if isinstance(frame, av.video.frame.VideoFrame):
                    yield frame

    def _report_progress(self, now: float) -> None:
        self._progress_at = now
        if not self._decoded and self._size == (0, 0):
            return  # nothing decoded yet: not online
        decode_ms = self._decode_s * 1000 / self._decoded if self._decoded else 0.0
        self._send(
            CaptureProgress(
                decoded=self._decoded,
                unused=self._unused,
                decode_ms=decode_ms,
                width=self._size[0],
                height=self._size[1],
            )
        )
        self._decoded, self._unused, self._decode_s = 0, 0, 0.0

    def _emit(self, frame: av.video.frame.VideoFrame, capture_time: float) -> None:
        self._decoded += 1
        if self.stopping:
            return
        now = time.monotonic()
        capture_ns = int(capture_time * 1e9)
        if capture_time < self._last_capture - 60:
            self._busy_until = 0.0  # the source clock went back (a file looped)
        self._last_capture = capture_time
        used = False
        if self._main:
            first = self.latest is None
            self.latest = (frame, capture_ns)
            self._size = self._encoder.target_size(frame.width, frame.height)
            if first:
                self._report_progress(now)  # online from the first frame
            if self.control.raw_wanted(now) and self._raw_pacer.accept(capture_time):
                self._send_raw(frame, capture_ns)
                used = True
        elif self._size == (0, 0):
            self._size = (frame.width, frame.height)
            self._report_progress(now)
        fps = self.control.detect_fps
        if self._detect and fps > 0:
            if self._detect_pacer is None or self._detect_pacer.interval != 1.0 / fps:
                self._detect_pacer = Pacer(fps)
            if self._detect_pacer.accept(capture_time):
                self._send_detect(frame, capture_ns, viewing=self.control.view_until > now)
                used = True
        if not used:
            self._unused += 1

    def _send_raw(self, frame: av.video.frame.VideoFrame, capture_ns: int) -> None:
        started = time.perf_counter()
        jpeg, width, height = self._encoder.encode(frame)
        encode_ms = (time.perf_counter() - started) * 1000
        self._send(
            FrameCaptured(
                frame=Frame(jpeg=jpeg, capture_time_ns=capture_ns, width=width, height=height),
                encode_ms=encode_ms,
            )
        )

    def _send_detect(self, frame: av.video.frame.VideoFrame, capture_ns: int, *, viewing: bool) -> None:
        started = time.perf_counter()
        motion = self._motion.detect(luma_of(frame))
        reason = self._gate.decide(capture_ns / 1e9, motion, viewing=viewing)
        if reason is not Reason.TICK and reason is not Reason.RECHECK:  # a re-check is one look
            self._busy_until = capture_ns / 1e9 + self._options.idle_after_s
        width, height = detect_size(frame.width, frame.height, self._options.detect.max_side)
        pixels = None if reason is Reason.TICK else i420_of(frame, width, height)
        source = self._encoder.target_size(frame.width, frame.height) if self._main else (0, 0)
        self._send(
            DetectCaptured(
                capture_time_ns=capture_ns,
                width=width,
                height=height,
                reason=reason,
                i420=pixels,
                motion_ms=(time.perf_counter() - started) * 1000,
                source_width=source[0],
                source_height=source[1],
            )
        )
