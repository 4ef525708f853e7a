"""A real HTTP camera for tests: an endless MJPEG stream and a live HLS playlist on one port.

`HttpCamera.start()` listens on a free local port (stdlib `ThreadingHTTPServer` in a thread):

- `GET /video.mjpg`: `multipart/x-mixed-replace; boundary=vfcamera`, one JPEG part every
  1/`fps` s for as long as the client stays, as IP cameras serve it (no timestamps, no length).
  The frames are JPEGs of a clip panning over a real photo (`tests/support/media.py`).
- `GET /index.m3u8`: a live HLS playlist (no `#EXT-X-ENDLIST`) with a sliding window of the last
  `HLS_WINDOW` segments, advancing in real time as a live encoder publishes them. `seg-<n>.ts`
  is segment n: H.264 in MPEG-TS, about a second long, cut at keyframes from the same kind of
  clip. The clip repeats with timestamps that keep increasing, so the stream never ends.

`stop()` closes the listener and every open connection (clients see the camera go away);
`start()` again listens on the same port. The HLS clock keeps running while the server is down,
as a live encoder behind a broken network link would, so media sequence numbers move on.
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
import socket
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import av
import av.container
import cv2

from tests.support import media

MJPEG_PATH = "/video.mjpg"
HLS_PATH = "/index.m3u8"
BOUNDARY = "vfcamera"
HLS_WINDOW = 4  # segments in the live playlist
_SEGMENT_MIN_S = 1.0


@dataclass(frozen=True)
class Segment:
    """One MPEG-TS segment of the first pass over the clip; `start_s` is its first timestamp."""

    data: bytes
    start_s: float
    duration_s: float


def jpeg_frames(clip: Path, *, quality: int = 80) -> list[bytes]:
    """Every frame of `clip` as a JPEG."""
    frames = []
    with av.open(str(clip)) as container:
        for frame in container.decode(video=0):
            ok, buffer = cv2.imencode(
                ".jpg", frame.to_ndarray(format="bgr24"), [cv2.IMWRITE_JPEG_QUALITY, quality]
            )
            assert ok
            frames.append(buffer.tobytes())
    return frames


def cut_segments(clip: Path, *, min_s: float = _SEGMENT_MIN_S) -> tuple[list[Segment], float]:
    """Cut an H.264 MPEG-TS clip at keyframes into segments of at least `min_s` seconds.

    Returns the segments and the clip's length in seconds (the offset of each repetition).
    """
    groups: list[list[tuple[int, av.Packet]]] = [[]]
    with av.open(str(clip), mode="r") as source:
        stream = source.streams.video[0]
        time_base = stream.time_base
        assert time_base is not None
        for packet in source.demux(stream):
            if packet.pts is None:
                continue  # the flush packet at the end
            current = groups[-1]
            if packet.is_keyframe and current and (packet.pts - current[0][0]) * time_base >= min_s:
                groups.append([])
            groups[-1].append((packet.pts, packet))
        first_pts = groups[0][0][0]
        frame_s = 1 / float(stream.average_rate or 25)
        clip_s = float((max(pts for group in groups for pts, _ in group) - first_pts) * time_base) + frame_s
        segments = []
        for number, group in enumerate(groups):
            start_s = float((group[0][0] - first_pts) * time_base)
            end_s = (
                float((groups[number + 1][0][0] - first_pts) * time_base)
                if number + 1 < len(groups)
                else clip_s
            )
            packets = [packet for _, packet in group]
            segments.append(Segment(_mux(stream, packets, offset_s=0.0), start_s, end_s - start_s))
    return segments, clip_s


def _mux(template: av.stream.Stream, packets: list[av.Packet], *, offset_s: float) -> bytes:
    """The packets as one MPEG-TS file, their timestamps `offset_s` seconds later."""
    time_base = template.time_base
    assert time_base is not None
    offset = round(offset_s / time_base)
    out = io.BytesIO()
    with av.open(out, mode="w", format="mpegts") as target:
        stream = target.add_stream_from_template(template)
        for packet in packets:
            moved = av.Packet(bytes(packet))
            moved.pts = None if packet.pts is None else packet.pts + offset
            moved.dts = None if packet.dts is None else packet.dts + offset
            moved.time_base = time_base
            moved.is_keyframe = packet.is_keyframe
            moved.stream = stream
            target.mux(moved)
    return out.getvalue()


def _shift_segment(data: bytes, offset_s: float) -> bytes:
    """A segment again with every timestamp `offset_s` later (the clip's next repetition)."""
    with av.open(io.BytesIO(data), mode="r", format="mpegts") as source:
        stream = source.streams.video[0]
        packets = [packet for packet in source.demux(stream) if packet.pts is not None]
        return _mux(stream, packets, offset_s=offset_s)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    camera: HttpCamera

    def process_request(self, request: Any, client_address: Any) -> None:
        self.camera.track(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        self.camera.untrack(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up, or a connection cut by stop(): nothing to report


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        camera = self.server.camera
        path = self.path.split("?", 1)[0]
        camera.count_request(path)
        if path == MJPEG_PATH:
            self._mjpeg(camera)
        elif path == HLS_PATH:
            self._send(camera.playlist().encode(), "application/vnd.apple.mpegurl")
        elif path.startswith("/seg-") and path.endswith(".ts"):
            data = camera.segment(path.removeprefix("/seg-").removesuffix(".ts"))
            if data is None:
                self.send_error(HTTPStatus.NOT_FOUND)
            else:
                self._send(data, "video/mp2t")
        else:
            self.send_error(HTTPStatus.NOT_FOUND)

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.write(body)

    def _mjpeg(self, camera: HttpCamera) -> None:
        self.close_connection = True
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        stop = camera.stop_event
        index, due = 0, time.monotonic()
        with contextlib.suppress(OSError):  # the client left, or the camera stopped
            while not stop.is_set():
                jpeg = camera.frames[index % len(camera.frames)]
                head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
                self.wfile.write(head.encode() + jpeg + b"\r\n")
                self.wfile.flush()
                index += 1
                due += 1 / camera.fps
                stop.wait(max(0.0, due - time.monotonic()))


class HttpCamera:
    """MJPEG and live HLS over HTTP; see the module docstring."""

    def __init__(self, frames: list[bytes], segments: list[Segment], clip_s: float, *, fps: float) -> None:
        self.frames = frames
        self.fps = fps
        self.port = 0
        self.stop_event = threading.Event()
        self._segments = segments
        self._clip_s = clip_s
        self._target_s = math.ceil(max(s.duration_s for s in segments))
        # The stream "began" one window ago, so a full playlist is there from the first request.
        self._epoch = time.monotonic() - HLS_WINDOW * max(s.duration_s for s in segments)
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._shifted: dict[int, bytes] = {}
        self.requests: dict[str, int] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def mjpeg_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{MJPEG_PATH}"

    @property
    def hls_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{HLS_PATH}"

    def start(self, timeout: float = 10.0) -> None:
        """Listen (on the same port as before, once it has one) and serve in a thread."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                server = _Server(("127.0.0.1", self.port), _Handler)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)  # the previous run's sockets may hold the port a moment
        server.camera = self
        self.port = int(server.server_address[1])
        self.stop_event = threading.Event()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name=f"http-camera:{self.port}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop listening and drop every connection, as a camera that went away."""
        server, self._server = self._server, None
        if server is None:
            return
        self.stop_event.set()
        server.shutdown()
        server.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(5)

    def track(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)

    def count_request(self, path: str) -> None:
        with self._lock:
            self.requests[path] = self.requests.get(path, 0) + 1

    def _segment_end_s(self, number: int) -> float:
        """When segment `number` is complete, in seconds of stream time."""
        repetition, index = divmod(number, len(self._segments))
        segment = self._segments[index]
        return repetition * self._clip_s + segment.start_s + segment.duration_s

    def _last_ready(self) -> int:
        now = time.monotonic() - self._epoch
        number = int(now / self._clip_s) * len(self._segments)
        while self._segment_end_s(number + 1) <= now:
            number += 1
        while number > 0 and self._segment_end_s(number) > now:
            number -= 1
        return number

    def playlist(self) -> str:
        last = self._last_ready()
        first = max(0, last - HLS_WINDOW + 1)
        lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:3",
            f"#EXT-X-TARGETDURATION:{self._target_s}",
            f"#EXT-X-MEDIA-SEQUENCE:{first}",
        ]
        for number in range(first, last + 1):
            duration = self._segments[number % len(self._segments)].duration_s
            lines += [f"#EXTINF:{duration:.3f},", f"seg-{number}.ts"]
        return "\n".join(lines) + "\n"

    def segment(self, name: str) -> bytes | None:
        """Segment `name` (its number) once it is published; None for a bad or future one."""
        if not name.isdigit() or int(name) > self._last_ready():
            return None
        number = int(name)
        repetition, index = divmod(number, len(self._segments))
        data = self._segments[index].data
        if repetition == 0:
            return data
        with self._lock:
            cached = self._shifted.get(number)
        if cached is None:
            cached = _shift_segment(data, repetition * self._clip_s)
            with self._lock:
                self._shifted = {n: d for n, d in self._shifted.items() if n > number - 2 * HLS_WINDOW}
                self._shifted[number] = cached
        return cached


@functools.cache
def _prepared(seconds: float) -> tuple[list[bytes], list[Segment], float]:
    clip = media.pan_video(seconds=seconds)
    segments, clip_s = cut_segments(clip)
    return jpeg_frames(clip), segments, clip_s


def start_http_camera(*, fps: float = 20.0, seconds: float = 4.0) -> HttpCamera:
    """A camera serving frames of the bus pan (640x480) on a free port; returns once it listens.

    MJPEG parts go out at `fps`; the HLS segments keep the clip's own 25 fps.
    """
    frames, segments, clip_s = _prepared(seconds)
    camera = HttpCamera(frames, segments, clip_s, fps=fps)
    camera.start()
    return camera
