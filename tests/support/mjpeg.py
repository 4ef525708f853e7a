"""Reads a `multipart/x-mixed-replace; boundary=frame` MJPEG response part by part."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx

BOUNDARY = b"--frame"


@dataclass
class PartReader:
    """Splits an MJPEG body into JPEG parts; `headers` are the newest part's headers."""

    response: httpx.Response
    buffer: bytes = b""
    parts_read: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    _chunks: AsyncIterator[bytes] | None = field(default=None, repr=False)

    async def next_part(self, timeout: float = 10.0) -> bytes:
        deadline = time.monotonic() + timeout
        if self._chunks is None:
            self._chunks = self.response.aiter_raw()
        while True:
            part = self._take()
            if part is not None:
                self.parts_read += 1
                return part
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no complete part in time")
            self.buffer += await asyncio.wait_for(anext(self._chunks), remaining)

    def _take(self) -> bytes | None:
        start = self.buffer.find(BOUNDARY + b"\r\n")
        if start < 0:
            return None
        head_end = self.buffer.find(b"\r\n\r\n", start)
        if head_end < 0:
            return None
        lines = self.buffer[start + len(BOUNDARY) + 2 : head_end].decode().split("\r\n")
        headers = dict(line.split(": ", 1) for line in lines)
        assert headers["Content-Type"] == "image/jpeg"
        length = int(headers["Content-Length"])
        body_start = head_end + 4
        if len(self.buffer) < body_start + length + 2:
            return None
        body = self.buffer[body_start : body_start + length]
        assert self.buffer[body_start + length : body_start + length + 2] == b"\r\n"
        self.buffer = self.buffer[body_start + length + 2 :]
        self.headers = headers
        return body

    async def read_to_end(self, timeout: float = 15.0) -> bytes:
        """Everything left until the server ends the response (TimeoutError if it never does)."""
        deadline = time.monotonic() + timeout
        if self._chunks is None:
            self._chunks = self.response.aiter_raw()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the response did not end in time")
            try:
                self.buffer += await asyncio.wait_for(anext(self._chunks), remaining)
            except StopAsyncIteration:
                break
        rest, self.buffer = self.buffer, b""
        return rest
