"""The policy proxy with real FFmpeg (PyAV) in front of it: `https` goes through `CONNECT` to
the checked address and plays; a denied address is refused before any connection reaches it;
one request per connection, so a kept-alive connection cannot carry a second, unchecked one."""

from __future__ import annotations

import asyncio
import http.server
import ssl
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from services.ingest.urlproxy import PolicyProxy
from tests.support.certs import CertificateAuthority
from tests.support.http_camera import HttpCamera
from tests.unit.ingest.test_address_policy import DENIED, Listener
from visionflow.camera_urls import AddressPolicy

POLICY = AddressPolicy.from_settings("", f"{DENIED}/32")


class HttpsRelay(http.server.ThreadingHTTPServer):
    """The camera's live HLS over https (a self-signed certificate, as many cameras have)."""

    def __init__(self, camera: HttpCamera, certs: Path) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = f"http://127.0.0.1:{camera.port}{self.path}"
                with urllib.request.urlopen(url, timeout=5) as reply:
                    body = reply.read()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        super().__init__(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certs / "tls.crt", certs / "tls.key")
        self.socket = context.wrap_socket(self.socket, server_side=True)
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture
def relay(http_camera: HttpCamera, tmp_path: Path) -> Iterator[HttpsRelay]:
    CertificateAuthority().issue("camera", ips=("127.0.0.1",)).write(tmp_path)
    server = HttpsRelay(http_camera, tmp_path)
    yield server
    server.shutdown()
    server.server_close()


def _decode(url: str, proxy: str, frames: int) -> int:
    options = {"http_proxy": proxy, "timeout": "5000000"}
    with av.open(url, options=options, timeout=(5, 5)) as container:
        for count, _ in enumerate(container.decode(video=0), start=1):
            if count >= frames:
                return count
    return 0


async def test_https_tunnels_to_the_checked_address_and_a_denied_one_is_refused(relay: HttpsRelay) -> None:
    refusals: list[str] = []
    proxy = PolicyProxy(POLICY, connect_timeout_s=5, on_refused=refusals.append)
    url = await proxy.start()
    listener = Listener()
    try:
        port = relay.server_address[1]
        assert await asyncio.to_thread(_decode, f"https://127.0.0.1:{port}/index.m3u8", url, 10) == 10
        assert proxy.relayed >= 2 and not refusals  # the playlist and its segments, tunnelled
        with pytest.raises(av.error.FFmpegError):
            await asyncio.to_thread(_decode, f"https://{DENIED}:{listener.port}/index.m3u8", url, 1)
        assert refusals and DENIED in refusals[0]
        assert listener.accepted == 0
    finally:
        listener.close()
        await proxy.close()


async def test_one_request_per_connection(http_camera: HttpCamera) -> None:
    listener = Listener()
    proxy = PolicyProxy(POLICY, connect_timeout_s=5, on_refused=lambda _reason: None)
    port = int((await proxy.start()).rsplit(":", 1)[1])
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        allowed = f"GET http://127.0.0.1:{http_camera.port}/index.m3u8 HTTP/1.1\r\nHost: x\r\n\r\n"
        smuggled = f"GET http://{DENIED}:{listener.port}/ HTTP/1.1\r\nHost: x\r\n\r\n"
        writer.write((allowed + smuggled).encode())
        answer = await asyncio.wait_for(reader.read(), 10)  # until the proxy closes
        writer.close()
        head = answer.split(b"\r\n\r\n", 1)[0].lower()
        assert head.startswith(b"http/1.1 200") and b"connection: close" in head
        assert answer.count(b"HTTP/1.") == 1 and listener.accepted == 0
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST http://127.0.0.1/ HTTP/1.1\r\n\r\n")
        assert (await asyncio.wait_for(reader.read(), 10)).startswith(b"HTTP/1.1 405")
        writer.close()
    finally:
        listener.close()
        await proxy.close()
