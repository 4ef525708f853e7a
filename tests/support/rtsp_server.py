"""A real RTSP server for tests: loops an H.264 MPEG-TS file at its native rate.

Runs under the system Python (`/usr/bin/python3`), which has GStreamer's GObject bindings; the
venv does not. Started by `tests/support/rtsp.py`:

    /usr/bin/python3 tests/support/rtsp_server.py --file clip.ts --port 0 --path /cam
    /usr/bin/python3 tests/support/rtsp_server.py --mount /cam0=a.ts --mount /cam1=b.ts --port 0

Prints `ready port=<port>` once it listens, and `loop path=<mount> t=<unix time>` each time a
mount's file starts playing from its beginning (benchmarks take their ground truth from it).
A reader pipeline plays the file in real time
(`appsink sync=true`) and rewinds it at the end; each access unit is copied, without re-encoding,
into the `appsrc` of every connected client's media (`appsrc ! h264parse ! rtph264pay`). A new
client gets nothing until the next keyframe (the clip has one every half second). SIGTERM or
SIGINT stops the server; clients see the connection close.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from typing import Any

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

H264_CAPS = "video/x-h264,stream-format=byte-stream,alignment=au"
CLIENT_LAUNCH = (
    "( appsrc name=src is-live=true format=time do-timestamp=true ! h264parse "
    "! rtph264pay name=pay0 pt=96 config-interval=1 )"
)


class LoopingFeed:
    """Plays the file in real time, forever, and copies each access unit to every client."""

    def __init__(self, path: str, loop: GLib.MainLoop, mount: str = "/cam") -> None:
        self._loop = loop
        self._mount = mount
        self._announce = True
        self._lock = threading.Lock()
        self._clients: dict[Any, bool] = {}  # appsrc -> has had its first keyframe
        self.pipeline = Gst.parse_launch(
            f'filesrc location="{path}" ! tsdemux ! h264parse config-interval=-1 ! {H264_CAPS} '
            "! appsink name=sink sync=true emit-signals=true max-buffers=4"
        )
        self.pipeline.get_by_name("sink").connect("new-sample", self._on_sample)
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message::eos", self._rewind)
        bus.connect("message::error", self._on_error)

    def start(self) -> None:
        self.pipeline.set_state(Gst.State.PLAYING)

    def stop(self) -> None:
        self.pipeline.set_state(Gst.State.NULL)

    def add_client(self, appsrc: Any) -> None:
        with self._lock:
            self._clients[appsrc] = False

    def remove_client(self, appsrc: Any) -> None:
        with self._lock:
            self._clients.pop(appsrc, None)

    def _rewind(self, _bus: Any, _message: Any) -> None:
        self._announce = True
        self.pipeline.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH | Gst.SeekFlags.KEY_UNIT, 0)

    def _on_error(self, _bus: Any, message: Any) -> None:
        error, debug = message.parse_error()
        sys.stderr.write(f"reader error: {error.message} ({debug})\n")
        self._loop.quit()

    def _on_sample(self, sink: Any) -> Gst.FlowReturn:
        buffer = sink.emit("pull-sample").get_buffer()
        if self._announce:  # the first access unit of a pass through the file is playing now
            self._announce = False
            sys.stdout.write(f"loop path={self._mount} t={time.time():.6f}\n")
            sys.stdout.flush()
        keyframe = not buffer.has_flags(Gst.BufferFlags.DELTA_UNIT)
        with self._lock:
            targets = [src for src, started in self._clients.items() if started or keyframe]
            for src in targets:
                self._clients[src] = True
        for src in targets:
            copy = buffer.copy()
            copy.pts = copy.dts = copy.duration = Gst.CLOCK_TIME_NONE  # appsrc stamps arrival time
            src.emit("push-buffer", copy)
        return Gst.FlowReturn.OK


def serve(mounts: dict[str, str], port: int) -> int:
    """Serve each `mount -> file` pair from one server on `port`."""
    Gst.init(None)
    loop = GLib.MainLoop()
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(port))
    feeds: list[LoopingFeed] = []
    for mount, path in mounts.items():
        feed = LoopingFeed(path, loop, mount)
        feeds.append(feed)

        def on_configure(_factory: Any, media: Any, feed: LoopingFeed = feed) -> None:
            appsrc = media.get_element().get_by_name("src")
            appsrc.set_property("caps", Gst.Caps.from_string(H264_CAPS))
            feed.add_client(appsrc)
            media.connect("unprepared", lambda _media: feed.remove_client(appsrc))

        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(CLIENT_LAUNCH)
        factory.connect("media-configure", on_configure)
        server.get_mount_points().add_factory(mount, factory)
    if server.attach(None) == 0:
        sys.stderr.write(f"could not listen on port {port}\n")
        return 1
    for feed in feeds:
        feed.start()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    sys.stdout.write(f"ready port={server.get_bound_port()}\n")
    sys.stdout.flush()
    loop.run()
    for feed in feeds:
        feed.stop()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", help="H.264 in MPEG-TS, served at --path")
    parser.add_argument("--path", default="/cam")
    parser.add_argument("--mount", action="append", default=[], help="PATH=FILE, repeatable")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    args = parser.parse_args()
    mounts = dict(item.split("=", 1) for item in args.mount)
    if args.file:
        mounts[args.path] = args.file
    if not mounts:
        parser.error("give --file or at least one --mount")
    return serve(mounts, args.port)


if __name__ == "__main__":
    sys.exit(main())
