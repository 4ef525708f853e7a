"""A forward proxy on 127.0.0.1 that puts every HTTP request FFmpeg makes under the URL policy.

An `http(s)://` camera is more than its first URL: an HLS playlist names variant playlists and
segments on any host, a live playlist is fetched again and again, and a segment may redirect.
FFmpeg opens all of these itself, so ingest points FFmpeg's `http_proxy` option at one of these
proxies per open camera (the HLS and DASH demuxers pass that option on to every nested request;
`https` goes through `CONNECT`). For each request the proxy resolves the host, checks every
address against the camera address policy (visionflow/camera_urls.py) and connects to the
checked address itself, so no second DNS answer can lead elsewhere; a refused host gets
`403` and the camera's worker is told why (the camera shows `error`).

One request per connection: the proxy asks both sides for `Connection: close` and reads nothing
more from the client, so a kept-alive connection cannot carry a second request to an unchecked
host. Only `GET`, `HEAD` and `CONNECT` are relayed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlsplit

from visionflow.camera_urls import AddressPolicy, AddressRefused

log = logging.getLogger(__name__)

_HEAD_LIMIT = 64 * 1024
_HEAD_TIMEOUT_S = 10.0
_CHUNK = 64 * 1024
_HOP_HEADERS = (b"connection", b"keep-alive", b"proxy-connection", b"proxy-authorization", b"te", b"upgrade")


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _without_hop_headers(lines: list[bytes]) -> list[bytes]:
    return [line for line in lines if line.split(b":", 1)[0].strip().lower() not in _HOP_HEADERS]


class PolicyProxy:
    """One camera's proxy: `start()` gives the `http_proxy` URL; `on_refused` hears each refusal."""

    def __init__(
        self, policy: AddressPolicy, *, connect_timeout_s: float, on_refused: Callable[[str], None]
    ) -> None:
        self._policy = policy
        self._connect_timeout_s = connect_timeout_s
        self._on_refused = on_refused
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self.url = ""
        self.relayed = 0  # requests (and CONNECT tunnels) let through

    async def start(self) -> str:
        # FFmpeg skips the proxy for hosts named in the `no_proxy` environment variable.
        os.environ.pop("no_proxy", None)
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=_HEAD_LIMIT)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            await self._relay(reader, writer)
        except _Refused as refused:
            body = refused.reason.encode()
            head = (
                f"HTTP/1.1 {refused.status} Refused\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            with contextlib.suppress(OSError):
                writer.write(head.encode() + body)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError):
            pass  # a client or camera that went away, or a request too garbled to answer
        except asyncio.CancelledError:
            pass  # close(): the handler task ends here (asyncio logs a cancelled handler as an error)
        finally:
            self._handlers.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _HEAD_TIMEOUT_S)
        request_line, *headers = head[:-4].split(b"\r\n")
        method, target, _version = request_line.decode("latin-1").split(" ", 2)
        if method == "CONNECT":
            host, _, port_text = target.rpartition(":")
            upstream_reader, upstream_writer = await self._connect(host, int(port_text))
            try:
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                await writer.drain()
                await _until_either(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
            finally:
                upstream_writer.close()
            return
        if method not in ("GET", "HEAD"):
            raise _Refused(405, f"{method} is not relayed")
        parts = urlsplit(target)
        if parts.scheme != "http" or not parts.hostname:
            raise _Refused(400, "the proxy relays absolute http:// URLs only")
        upstream_reader, upstream_writer = await self._connect(parts.hostname, parts.port or 80)
        try:
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            request = [
                f"{method} {path} HTTP/1.1".encode(),
                *_without_hop_headers(headers),
                b"Connection: close",
            ]
            upstream_writer.write(b"\r\n".join(request) + b"\r\n\r\n")
            await upstream_writer.drain()
            response = await upstream_reader.readuntil(b"\r\n\r\n")
            status_line, *response_headers = response[:-4].split(b"\r\n")
            lines = [status_line, *_without_hop_headers(response_headers), b"Connection: close"]
            writer.write(b"\r\n".join(lines) + b"\r\n\r\n")
            # Until the camera closes (it was asked to) or FFmpeg hangs up (it has its bytes);
            # whatever else FFmpeg sends on this connection is read and dropped, never relayed.
            await _until_either(_pipe(upstream_reader, writer), _discard_until_eof(reader))
        finally:
            upstream_writer.close()

    async def _connect(self, host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A connection to the checked address of `host`, or `_Refused` saying why not."""
        try:
            address = await asyncio.to_thread(self._policy.resolve, host, port)
        except AddressRefused as refused:
            log.warning("proxy refused host=%s: %s", host, refused)
            self._on_refused(str(refused))
            raise _Refused(403, str(refused)) from None
        except (OSError, UnicodeError) as error:
            raise _Refused(502, f"{host} does not resolve: {error}") from None
        try:
            connection = await asyncio.wait_for(
                asyncio.open_connection(str(address), port, family=socket.AF_UNSPEC), self._connect_timeout_s
            )
        except (OSError, TimeoutError) as error:
            raise _Refused(502, f"cannot connect to {host}: {error}") from None
        self.relayed += 1
        return connection


async def _until_either(*coroutines: Coroutine[Any, Any, None]) -> None:
    """Run both directions of a relay until one ends (a side hung up), then stop the other."""
    tasks = [asyncio.ensure_future(coroutine) for coroutine in coroutines]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _discard_until_eof(reader: asyncio.StreamReader) -> None:
    """Read what the client still sends (a pipelined request is never relayed) until it hangs up."""
    while await reader.read(_CHUNK):
        pass


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while chunk := await reader.read(_CHUNK):
        writer.write(chunk)
        await writer.drain()
    if writer.can_write_eof():
        with contextlib.suppress(OSError):
            writer.write_eof()
