"""The camera address policy in ingest, played as an attacker would: a denied loopback network
with a listener on it sees no connection, neither directly nor through a redirect from an allowed
server, nor through an HLS playlist on an allowed server naming segments there (directly or by
redirect). All traffic stays on loopback; the metadata address is refused without any traffic."""

from __future__ import annotations

import http.server
import re
import socket
import threading
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.http_camera import HttpCamera
from tests.support.keyserver import KeyServer
from tests.unit.ingest.rig import ERROR, ONLINE, IngestRig, new_account, new_camera_id, start_rig

DENIED = "127.0.0.2"


class Listener:
    """A TCP listener on the denied address that counts who connects."""

    def __init__(self) -> None:
        self.accepted = 0
        self.socket = socket.create_server((DENIED, 0))
        self.socket.settimeout(0.2)
        self.port = int(self.socket.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.socket.close()


class Redirector(http.server.ThreadingHTTPServer):
    """An allowed camera address that answers every request with a redirect to the denied one."""

    def __init__(self, location: str) -> None:
        self.requests = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests += 1
                self.send_response(302)
                self.send_header("Location", location)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


class PlaylistHost(http.server.ThreadingHTTPServer):
    """An allowed server with the camera's live playlist, its segments named elsewhere.

    `/<base>/index.m3u8`: the camera's playlist with each segment an absolute URL on `base`
    (`camera`: the real camera, `denied`: the listener on the denied address, `redirected`:
    this server's `/hop/...`, which answers with a redirect to the denied address)."""

    def __init__(self, camera: HttpCamera, denied_port: int) -> None:
        self.bases = {
            "camera": f"http://127.0.0.1:{camera.port}",
            "denied": f"http://{DENIED}:{denied_port}",
        }
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.startswith("/hop/"):
                    self.send_response(302)
                    self.send_header("Location", outer.bases["denied"] + self.path.removeprefix("/hop"))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                base = outer.bases.get(self.path.split("/")[1], "")
                with urllib.request.urlopen(camera.hls_url, timeout=5) as reply:  # noqa: S310 (http://)
                    playlist = reply.read().decode()
                body = re.sub(r"^(seg-\d+\.ts)$", rf"{base}/\1", playlist, flags=re.M).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/vnd.apple.mpegurl")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        super().__init__(("127.0.0.1", 0), Handler)
        self.bases["redirected"] = f"http://127.0.0.1:{self.server_address[1]}/hop"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self, base: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{base}/index.m3u8"


@pytest.fixture(scope="module")
async def policed(tmp_path_factory: pytest.TempPathFactory, auth_keys: KeyServer) -> AsyncIterator[IngestRig]:
    work: Path = tmp_path_factory.mktemp("ingest-policy")
    running = await start_rig(work, auth_keys, VF_CAMERA_DENIED_NETWORKS=f"{DENIED}/32")
    yield running
    await running.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    opened = Listener()
    yield opened
    opened.close()


async def test_a_denied_address_is_never_connected_to_directly_or_by_redirect(
    policed: IngestRig, listener: Listener
) -> None:
    account = new_account()
    redirector = Redirector(f"http://{DENIED}:{listener.port}/secret")
    try:
        cameras = {
            new_camera_id(): f"rtsp://{DENIED}:{listener.port}/cam",
            new_camera_id(): f"http://{DENIED}:{listener.port}/mjpeg",
            new_camera_id(): f"http://2130706434:{listener.port}/decimal",  # 127.0.0.2 spelled as a number
            new_camera_id(): f"http://127.0.0.1:{redirector.server_address[1]}/cam",  # redirects there
            new_camera_id(): "http://169.254.169.254/latest/meta-data/",
        }
        watchers = {camera_id: await policed.watch_status(camera_id) for camera_id in cameras}
        for camera_id, url in cameras.items():
            await policed.publish_camera(camera_id, url, account)
        ids = list(cameras)
        refused_ids, redirected = [*ids[:3], ids[4]], ids[3]
        for camera_id in refused_ids:
            refused = await watchers[camera_id].wait_state(ERROR, timeout=10)
            assert "camera address not allowed" in refused.reason
        # The allowed server was asked (and asked again on reconnect) but never followed.
        await watchers[redirected].wait_for(lambda: redirector.requests >= 2, 15, "reconnect attempts")
        assert listener.accepted == 0
        assert policed.process.is_alive()
    finally:
        redirector.shutdown()
        redirector.server_close()


async def test_hls_segments_on_a_denied_address_are_refused_and_allowed_ones_play(
    policed: IngestRig, listener: Listener, http_camera: HttpCamera
) -> None:
    account = new_account()
    host = PlaylistHost(http_camera, listener.port)
    try:
        refused = {new_camera_id(): host.url("denied"), new_camera_id(): host.url("redirected")}
        allowed = new_camera_id()
        watchers = {camera_id: await policed.watch_status(camera_id) for camera_id in [*refused, allowed]}
        frames = await policed.watch_frames(allowed)
        for camera_id, url in [*refused.items(), (allowed, host.url("camera"))]:
            await policed.publish_camera(camera_id, url, account)
        for camera_id in refused:
            status = await watchers[camera_id].wait_state(ERROR, timeout=15)
            assert "camera address not allowed" in status.reason and DENIED in status.reason
        await watchers[allowed].wait_state(ONLINE, timeout=15)
        await frames.wait_frames(3, timeout=15)
        await frames.close()
        assert listener.accepted == 0
    finally:
        host.shutdown()
        host.server_close()
