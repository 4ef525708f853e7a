"""One open attempt of a camera: its reader threads, its policy proxy, and how it ended.

A camera with a sub-stream reads it in a second thread; either thread ending ends the session.
An `http(s)` stream gets a policy proxy (services/ingest/urlproxy.py) for the session's life, so
every request FFmpeg makes for it is checked against the camera address policy.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from services.ingest.capture import CaptureEnded, CaptureThread
from services.ingest.sources import StreamSource, through_proxy
from services.ingest.urlproxy import PolicyProxy
from visionflow.camera_urls import AddressPolicy


class CaptureSession:
    """The reader threads of one open attempt and the future that resolves when either ends."""

    def __init__(self, number: int, threads: list[CaptureThread], proxy: PolicyProxy | None) -> None:
        self.number = number
        self.threads = threads
        self.proxy = proxy
        self.frames = 0
        self.last_frame = time.monotonic()  # the open time until the first frame
        self.ended: asyncio.Future[CaptureEnded] = asyncio.get_running_loop().create_future()

    @property
    def main(self) -> CaptureThread:
        return self.threads[0]

    def end(self, ended: CaptureEnded) -> None:
        for thread in self.threads:
            thread.stop()
        if not self.ended.done():
            self.ended.set_result(ended)

    async def close(self) -> None:
        """Close the proxy (a reader still inside FFmpeg then fails its next request at once)."""
        if self.proxy is not None:
            await self.proxy.close()


async def proxy_for(
    main: StreamSource,
    detect: StreamSource | None,
    policy: AddressPolicy,
    *,
    connect_timeout_s: float,
    on_refused: Callable[[str], None],
) -> tuple[PolicyProxy | None, StreamSource, StreamSource | None]:
    """A started proxy for the session's `http(s)` streams (None without any) and the sources
    pointed at it."""
    if not (main.http or (detect is not None and detect.http)):
        return None, main, detect
    proxy = PolicyProxy(policy, connect_timeout_s=connect_timeout_s, on_refused=on_refused)
    url = await proxy.start()
    main = through_proxy(main, url) if main.http else main
    detect = through_proxy(detect, url) if detect is not None and detect.http else detect
    return proxy, main, detect
