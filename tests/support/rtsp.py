"""A real RTSP server for tests, as a subprocess of the system Python (which has GStreamer).

`start_rtsp_server(clip, log_dir)` serves an H.264 MPEG-TS clip (see `tests/support/media.py`) on
a loop at `rtsp://127.0.0.1:<free port>/cam`. `stop()` ends it (clients see the connection close),
`start()` again listens on the same port (a camera that comes back), and `freeze()`/`thaw()`
(SIGSTOP/SIGCONT) keep its connections open but silent (a camera that hangs).

Needs Debian's `gir1.2-gst-rtsp-server-1.0`, GStreamer's base/good/ugly plugins and `python3-gi`
(`make system-deps`); `rtsp_available()` says whether they are there.
"""

from __future__ import annotations

import functools
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.processes import ManagedProcess

SYSTEM_PYTHON = "/usr/bin/python3"
SERVER_SCRIPT = Path(__file__).with_name("rtsp_server.py")
_READY = re.compile(r"^ready port=(?P<port>\d+)$", re.M)
_LOOP = re.compile(r"^loop path=(?P<path>\S+) t=(?P<t>[\d.]+)$", re.M)


@functools.cache
def rtsp_available() -> bool:
    """True when the system Python can load GStreamer's RTSP server."""
    probe = "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"
    try:
        result = subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def rtsp_missing_skips() -> bool:
    """Skip RTSP tests when GStreamer is missing, except under CI=true, where they must fail."""
    return not rtsp_available() and not os.environ.get("CI")


# For a module or test that needs the RTSP server (`pytestmark = needs_rtsp`).
needs_rtsp = pytest.mark.skipif(rtsp_missing_skips(), reason="GStreamer RTSP server not installed")


def _system_env() -> dict[str, str]:
    # The venv's variables must not leak into the system interpreter.
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "GST_DEBUG")
    return {key: os.environ[key] for key in keep if key in os.environ}


@dataclass
class RtspServer(ManagedProcess):
    clip: Path = Path()
    mount: str = "/cam"
    port: int = 0
    extra_mounts: dict[str, Path] = field(default_factory=dict)  # more mounts of the same server
    _starts: int = 0

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}{self.mount}"

    def url_of(self, mount: str) -> str:
        return f"rtsp://127.0.0.1:{self.port}{mount}"

    def loop_starts(self) -> dict[str, list[float]]:
        """Unix times at which each mount's file started playing from its beginning."""
        starts: dict[str, list[float]] = {}
        for found in _LOOP.finditer(self.log_text()):
            starts.setdefault(found["path"], []).append(float(found["t"]))
        return starts

    def start(self, timeout: float = 20.0) -> None:
        """Start (or start again, on the same port once it has one) and wait until it listens."""
        self._starts += 1
        self.log_path = self.log_path.with_name(f"{self.name}-{self._starts}.log")
        self.argv = [
            SYSTEM_PYTHON,
            str(SERVER_SCRIPT),
            "--file",
            str(self.clip),
            "--port",
            str(self.port),
            "--path",
            self.mount,
        ]
        for mount, clip in self.extra_mounts.items():
            self.argv += ["--mount", f"{mount}={clip}"]
        deadline = time.monotonic() + timeout
        while True:
            super().start()
            try:
                found = self.wait_for(_READY, max(deadline - time.monotonic(), 0.1))
            except RuntimeError:
                # The port may still be held by the previous run's sockets for a moment.
                if self.port == 0 or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
                continue
            self.port = int(found["port"])
            return

    def freeze(self) -> None:
        """Stop the process without closing its sockets: clients see a silent stream."""
        if self.process is not None:
            self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)

    def stop(self, grace: float = 10.0) -> int | None:
        self.thaw()  # a frozen process cannot handle SIGTERM
        return super().stop(grace)


def start_multi_rtsp_server(mounts: dict[str, Path], log_dir: Path, *, name: str = "rtsp") -> RtspServer:
    """One server process for many mounts (`{"/cam0": clip, ...}`), so many cameras cost little."""
    (first, clip), *rest = mounts.items()
    server = RtspServer(
        name=name,
        argv=[],
        log_path=log_dir / f"{name}.log",
        env=_system_env(),
        clip=clip,
        mount=first,
        extra_mounts=dict(rest),
    )
    server.start()
    return server


def start_rtsp_server(clip: Path, log_dir: Path, *, name: str = "rtsp", mount: str = "/cam") -> RtspServer:
    """Serve `clip` (H.264 in MPEG-TS) on a loop on a free port; returns once it listens."""
    server = RtspServer(
        name=name, argv=[], log_path=log_dir / f"{name}.log", env=_system_env(), clip=clip, mount=mount
    )
    server.start()
    return server
