"""A local stand-in for LINE's Messaging API (push and bot info), recording every request.

Runs a threaded stdlib HTTP server on a free port. `POST /v2/bot/message/push` answers 200 `{}`
unless statuses were queued with `fail_next(status, times)` (e.g. 503 or 429). `GET /v2/bot/info`
answers 200 for tokens in `valid_tokens` (all tokens when that set is empty) and 401 otherwise.
Each recorded request keeps the status it was answered with.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class LineRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int = 0  # what the stand-in answered

    @property
    def bearer(self) -> str:
        return self.headers.get("authorization", "").removeprefix("Bearer ")


class LineApiStandIn:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.requests: list[LineRequest] = []
        self.valid_tokens: set[str] = set()
        self._failures: list[int] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="line-api", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LineApiStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, status: int, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    def pushes(self, to: str | None = None) -> list[LineRequest]:
        with self._lock:
            found = [r for r in self.requests if r.method == "POST" and r.path == "/v2/bot/message/push"]
        return [r for r in found if to is None or r.body.get("to") == to]

    async def wait_for_pushes(self, to: str, count: int = 1, timeout: float = 10.0) -> list[LineRequest]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.pushes(to)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(f"{to} got {len(found)} pushes, expected {count}")
            await asyncio.sleep(0.05)

    def clear_failures(self) -> None:
        with self._lock:
            self._failures.clear()

    def accepted_pushes(self, to: str) -> list[LineRequest]:
        return [r for r in self.pushes(to) if r.status == 200]

    def _record(self, request: LineRequest) -> int:
        with self._lock:
            self.requests.append(request)
            if request.path == "/v2/bot/info":
                ok = not self.valid_tokens or request.bearer in self.valid_tokens
                request.status = 200 if ok else 401
            elif request.path == "/v2/bot/message/push":
                request.status = self._failures.pop(0) if self._failures else 200
            else:
                request.status = 404
            return request.status

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                headers = {key.lower(): value for key, value in self.headers.items()}
                status = stand_in._record(LineRequest(self.command, self.path, headers, body))
                payload = json.dumps({} if status == 200 else {"message": f"status {status}"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = _serve
            do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler
