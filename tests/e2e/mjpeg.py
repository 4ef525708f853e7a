"""MJPEG test tools: numbered JPEG frames and a NATS frame publisher (reader: tests.support.mjpeg)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
from dataclasses import dataclass, field

import nats
from PIL import Image

BOUNDARY = b"--frame"


def numbered_jpeg(number: int, *, noise: bool = False, size: tuple[int, int] = (160, 120)) -> bytes:
    """A JPEG whose comment says `frame-<number>`; `noise` makes it large (poorly compressible)."""
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, ((number * 37) % 256, 90, 160))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, comment=f"frame-{number}".encode())
    return out.getvalue()


def frame_number(jpeg: bytes) -> int:
    image = Image.open(io.BytesIO(jpeg))
    image.load()  # fully decodable, not just a header
    comment = image.info["comment"]
    return int(comment.decode().removeprefix("frame-"))


@dataclass
class Publisher:
    """Publishes numbered frames on a subject at a steady rate until stopped."""

    nats_url: str
    subject: str
    fps: float = 20.0
    noise: bool = False
    size: tuple[int, int] = (160, 120)
    published: int = 0
    _task: asyncio.Task[None] | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def _run(self) -> None:
        # Stopped by an event, not by cancel: nats-py can swallow a CancelledError that lands
        # inside publish/flush, which left this loop running and the test hanging in __aexit__.
        nc = await nats.connect(self.nats_url)
        try:
            while not self._stop.is_set():
                self.published += 1
                await nc.publish(
                    self.subject, numbered_jpeg(self.published, noise=self.noise, size=self.size)
                )
                await nc.flush()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), 1 / self.fps)
        finally:
            await nc.close()

    async def __aenter__(self) -> Publisher:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._stop.set()
        await asyncio.wait_for(self._task, 10)
