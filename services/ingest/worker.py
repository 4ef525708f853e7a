"""One camera's lifecycle: connect, read, publish, notice stalls, reconnect with backoff.

States (CameraState): CONNECTING until the first frame, ONLINE while frames come, OFFLINE when
the camera went away or cannot be reached (retried with capped exponential backoff and jitter),
ERROR for a problem of configuration (a refused URL, or a refused address an http(s) stream
leads FFmpeg to through the camera's policy proxy, is not retried until the camera changes;
other errors are retried like OFFLINE). Each state change is published on
`vf.camera.status.<id>` at once, and the status is repeated every few seconds while ONLINE.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from services.ingest.capture import (
    CaptureControl,
    CaptureEnded,
    CaptureEvent,
    CaptureOptions,
    CaptureProgress,
    CaptureThread,
    DetectCaptured,
    FrameCaptured,
    JpegEncoder,
)
from services.ingest.frames import DetectFrame, Frame, LatestSlot
from services.ingest.publisher import Publisher
from services.ingest.session import CaptureSession, proxy_for
from services.ingest.sources import SourceRefused, SourceUnreachable, StreamSource, resolve_source
from services.ingest.stats import CameraStats
from services.ingest.timing import backoff_delay
from visionflow import vocabulary
from visionflow.camera_urls import AddressPolicy
from visionflow.logs import scrub_url
from visionflow.v1 import camera_pb2, events_pb2

log = logging.getLogger(__name__)

CONNECTING = camera_pb2.CAMERA_STATE_CONNECTING
ONLINE = camera_pb2.CAMERA_STATE_ONLINE
OFFLINE = camera_pb2.CAMERA_STATE_OFFLINE
ERROR = camera_pb2.CAMERA_STATE_ERROR


def state_name(state: int) -> str:
    """`online`, `connecting`, `offline`, `error` (as the REST API shows them)."""
    return camera_pb2.CameraState.Name(state).removeprefix("CAMERA_STATE_").lower()


@dataclass(frozen=True)
class CameraSpec:
    """What ingest needs to know about a camera."""

    camera_id: int
    account_uuid: str
    stream_url: str
    detect_stream_url: str = ""
    recognition: bool = False
    detect_fps: float = vocabulary.DEFAULT_DETECT_FPS

    @classmethod
    def from_proto(cls, camera: camera_pb2.Camera) -> CameraSpec:
        return cls(
            camera_id=camera.id,
            account_uuid=camera.account_uuid,
            stream_url=camera.stream_url,
            detect_stream_url=camera.detect_stream_url,
            recognition=camera.recognition,
            detect_fps=camera.detect_fps or vocabulary.DEFAULT_DETECT_FPS,
        )

    @property
    def streams(self) -> tuple[str, str]:
        """What needs a reconnect when it changes: the main and the detect stream URLs."""
        return self.stream_url, self.detect_stream_url

    @property
    def analysed_fps(self) -> float:
        """Detect frames per second (0 while recognition is off)."""
        return self.detect_fps if self.recognition else 0.0


@dataclass(frozen=True)
class WorkerOptions:
    capture: CaptureOptions
    allow_file_urls: bool
    reconnect_initial_s: float
    reconnect_max_s: float
    stall_timeout_s: float
    status_interval_s: float
    address_policy: AddressPolicy = field(default_factory=AddressPolicy)


class CameraWorker:
    """Runs one camera; all its state lives on the event loop."""

    def __init__(
        self, spec: CameraSpec, options: WorkerOptions, publisher: Publisher, *, first_seq: int = 0
    ) -> None:
        self.spec = spec
        self.state: int = camera_pb2.CAMERA_STATE_UNSPECIFIED
        self.reason = ""
        self.width = 0
        self.height = 0
        self.last_frame_at: float | None = None  # wall clock
        self.seq = first_seq
        self.stats = CameraStats()
        self.control = CaptureControl(detect_fps=spec.analysed_fps)
        self._options = options
        self._publisher = publisher
        self._slot: LatestSlot[Frame] = LatestSlot()
        self._detect_slot: LatestSlot[DetectFrame] = LatestSlot(keep=DetectFrame.outranks)
        self._snapshot_encoder = JpegEncoder(
            quality=options.capture.jpeg_quality,
            downscale_width=options.capture.downscale_width,
            max_bytes=options.capture.max_jpeg_bytes,
        )
        self._snapshot: tuple[int, Frame] | None = None  # (capture ns, JPEG) of the last snapshot
        self._session: CaptureSession | None = None
        self._sessions = 0
        self._threads: list[threading.Thread] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._background: set[asyncio.Task[None]] = set()
        self._published: tuple[int, str, int, int] | None = None
        self._status_sent_at = 0.0
        self._closed = False

    @property
    def camera_id(self) -> int:
        return self.spec.camera_id

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._run(), name=f"camera:{self.camera_id}"),
            asyncio.create_task(self._publish_frames(), name=f"publish:{self.camera_id}"),
            asyncio.create_task(self._publish_detect_frames(), name=f"detect:{self.camera_id}"),
        ]
        for task in self._tasks:
            task.add_done_callback(self._log_crash)

    def _log_crash(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("camera task crashed camera_id=%s", self.camera_id, exc_info=task.exception())

    async def stop(self) -> None:
        """Stop publishing at once; the reader thread ends after its current read."""
        self._closed = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            self._session.end(CaptureEnded("stopped"))
            await self._session.close()
            self._session = None
        log.info("camera stopped camera_id=%s account=%s", self.camera_id, self.spec.account_uuid)

    def threads(self) -> list[threading.Thread]:
        """Reader threads that may still be running (for a bounded join at shutdown)."""
        self._threads = [thread for thread in self._threads if thread.is_alive()]
        return list(self._threads)

    async def _run(self) -> None:
        attempt = 0
        while True:
            try:
                sources = await asyncio.to_thread(self._sources)  # DNS lookups: off the loop
            except SourceRefused as refused:
                self._set_state(ERROR, refused.reason)
                return  # nothing to retry until the camera's URL changes
            except SourceUnreachable as unreachable:
                self._set_state(OFFLINE, unreachable.reason)
            else:
                if self.state not in (OFFLINE, ERROR):
                    self._set_state(CONNECTING, "")
                session = await self._open(*sources)
                ended = await session.ended
                await session.close()
                self._session = None
                if session.frames:
                    attempt = 0
                self.stats.reset_rates()
                self._set_state(ERROR if ended.error else OFFLINE, ended.reason)
                if ended.refused:
                    return  # the stream led to a refused address: not retried until it changes
            delay = backoff_delay(attempt, self._options.reconnect_initial_s, self._options.reconnect_max_s)
            attempt += 1
            log.info("reconnecting camera_id=%s in %.1f s", self.camera_id, delay)
            await asyncio.sleep(delay)
            self.stats.reconnects += 1

    def _resolve(self, url: str) -> StreamSource:
        return resolve_source(
            url,
            allow_files=self._options.allow_file_urls,
            read_timeout_s=self._options.capture.read_timeout_s,
            policy=self._options.address_policy,
        )

    def _sources(self) -> tuple[StreamSource, StreamSource | None]:
        main = self._resolve(self.spec.stream_url)
        if not self.spec.detect_stream_url:
            return main, None
        try:
            return main, self._resolve(self.spec.detect_stream_url)
        except SourceRefused as refused:
            raise SourceRefused(f"detect stream: {refused.reason}") from None
        except SourceUnreachable as unreachable:
            raise SourceUnreachable(f"detect stream: {unreachable.reason}") from None

    async def _open(self, main: StreamSource, detect: StreamSource | None) -> CaptureSession:
        loop = asyncio.get_running_loop()
        self._sessions += 1
        number = self._sessions
        proxy, main, detect = await proxy_for(
            main,
            detect,
            self._options.address_policy,
            connect_timeout_s=self._options.capture.open_timeout_s,
            on_refused=lambda reason: self._on_refused(number, reason),
        )

        def deliver_from(role: str) -> Callable[[CaptureEvent], None]:
            def deliver(event: CaptureEvent) -> None:
                loop.call_soon_threadsafe(self._on_capture, number, role, event)

            return deliver

        options = self._options.capture
        threads = [
            CaptureThread(
                self.camera_id,
                main,
                options,
                deliver_from("main"),
                control=self.control,
                detect=detect is None,
            )
        ]
        if detect is not None:
            threads.append(
                CaptureThread(
                    self.camera_id, detect, options, deliver_from("detect"), control=self.control, main=False
                )
            )
        session = CaptureSession(number, threads, proxy)
        self._session = session
        self._threads.extend(threads)
        log.info(
            "opening camera_id=%s account=%s url=%s detect_url=%s",
            self.camera_id,
            self.spec.account_uuid,
            main.display,
            detect.display if detect is not None else "",
        )
        for thread in threads:
            thread.start()
        return session

    def _on_refused(self, number: int, reason: str) -> None:
        """The stream led FFmpeg to a refused address (a playlist's segment, a redirect)."""
        session = self._session
        if session is not None and session.number == number:
            session.end(CaptureEnded(f"{reason} (named by the stream)", error=True, refused=True))

    def _on_capture(self, number: int, role: str, event: CaptureEvent) -> None:
        session = self._session
        if self._closed or session is None or session.number != number or session.ended.done():
            return  # from a reader that was replaced, stopped or given up by the watchdog
        if isinstance(event, CaptureEnded):
            if role == "detect":
                event = dataclasses.replace(event, reason=f"detect stream: {event.reason}")
            session.end(event)
            return
        session.last_frame = time.monotonic()
        if isinstance(event, CaptureProgress):
            self.stats.add_decoded(decoded=event.decoded, unused=event.unused, decode_ms=event.decode_ms)
            if role != "main":
                return
            session.frames += 1
            if session.frames == 1:
                self.stats.reset_rates()  # measure rates from the first frame, not from connecting
            self.last_frame_at = time.time()
            self.width, self.height = event.width, event.height
            self._set_state(ONLINE, "")
        elif isinstance(event, FrameCaptured):
            self.stats.add_encoded(event.encode_ms)
            self.seq += 1
            if self._slot.put(dataclasses.replace(event.frame, seq=self.seq)):
                self.stats.frames_dropped += 1
        elif isinstance(event, DetectCaptured):
            self.stats.add_detect(event.motion_ms, inference=event.reason.infer)
            self.seq += 1
            frame = DetectFrame.of(event, seq=self.seq, source_size=(self.width, self.height))
            if self._detect_slot.put(frame):
                self.stats.frames_dropped += 1

    async def _publish_frames(self) -> None:
        while True:
            frame = await self._slot.take()
            if await self._publisher.publish_frame(self.spec.account_uuid, self.camera_id, frame):
                self.stats.frames_published += 1
            else:
                self.stats.frames_dropped += 1

    async def _publish_detect_frames(self) -> None:
        while True:
            frame = await self._detect_slot.take()
            if await self._publisher.publish_detect(self.camera_id, frame):
                self.stats.detect_published += 1
            else:
                self.stats.frames_dropped += 1

    def update(self, spec: CameraSpec) -> None:
        """A change that needs no reconnect (recognition, detect rate): applied to the next frame."""
        self.spec = spec
        self.control.detect_fps = spec.analysed_fps

    def want(self, kind: str, until: float) -> None:
        """Someone watches this camera's `raw` or `annotated` frames until `until` (monotonic)."""
        if kind == "raw":
            self.control.raw_until = max(self.control.raw_until, until)
        elif kind == "annotated":
            self.control.view_until = max(self.control.view_until, until)

    async def snapshot(self) -> Frame | None:
        """The newest frame of the main stream as JPEG (encoded on request, once per frame)."""
        session = self._session
        latest = session.main.latest if session is not None else None
        if latest is None:
            return self._snapshot[1] if self._snapshot is not None else None
        image, capture_ns = latest
        if self._snapshot is not None and self._snapshot[0] == capture_ns:
            return self._snapshot[1]
        jpeg, width, height = await asyncio.to_thread(self._snapshot_encoder.encode, image)
        frame = Frame(jpeg=jpeg, capture_time_ns=capture_ns, width=width, height=height, seq=self.seq)
        self._snapshot = (capture_ns, frame)
        return frame

    def check(self, now: float) -> None:
        """The watchdog's tick: rates, stalled or silent streams, the periodic status."""
        self.stats.update_rates(now)
        session = self._session
        if session is not None and not session.ended.done():
            quiet = now - session.last_frame
            limit = self._options.stall_timeout_s
            if not session.frames:
                limit += self._options.capture.open_timeout_s
            if quiet > limit:
                what = "no frames" if session.frames else "no frames since connecting"
                log.warning("stream stalled camera_id=%s quiet=%.1fs", self.camera_id, quiet)
                session.end(CaptureEnded(f"{what} for {quiet:.0f} s"))
        if self.state == ONLINE and now - self._status_sent_at >= self._options.status_interval_s:
            self._send_status()

    def _set_state(self, state: int, reason: str) -> None:
        self.state = state
        self.reason = self._scrub(reason)
        if self._published != (state, self.reason, self.width, self.height):
            log.info(
                "camera state camera_id=%s account=%s state=%s reason=%s",
                self.camera_id,
                self.spec.account_uuid,
                state_name(state),
                self.reason,
            )
            self._send_status()

    def _scrub(self, text: str) -> str:
        url = self.spec.stream_url
        return scrub_url(text.replace(url, scrub_url(url)) if url else text)

    def _send_status(self) -> None:
        status = events_pb2.CameraStatus(
            camera_id=self.camera_id,
            account_uuid=self.spec.account_uuid,
            state=self.state,  # type: ignore[arg-type]
            reason=self.reason,
            width=self.width,
            height=self.height,
            fps=round(self.stats.fps_out, 2),
        )
        status.observed_at.GetCurrentTime()
        if self.last_frame_at is not None:
            status.last_frame_at.FromNanoseconds(int(self.last_frame_at * 1e9))
        self._published = (self.state, self.reason, self.width, self.height)
        self._status_sent_at = time.monotonic()
        self._spawn(self._publisher.publish_status(status))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
