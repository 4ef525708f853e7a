"""Structured logging set-up and credential scrubbing for log lines."""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import Any

# Userinfo runs to the last `@` of the authority: a password may contain `@` itself.
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s?#]*@")
# Query parameters cameras take credentials in (`snapshot.cgi?user=admin&pwd=...`).
_QUERY_CREDENTIALS = re.compile(
    r"(?P<key>[?&;](?:pwd|pass|passwd|password|user|usr|username|login|token|auth|key|secret|sig|signature)=)"
    r"[^&;#\s]*",
    re.IGNORECASE,
)


def scrub_url(url: str) -> str:
    """`rtsp://user:pass@host/x?pwd=1` -> `rtsp://***@host/x?pwd=***`, for logs and messages."""
    return _QUERY_CREDENTIALS.sub(r"\g<key>***", _URL_CREDENTIALS.sub(r"\g<scheme>***@", url))


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


def setup_logging(service: str, level: str = "INFO", *, json_lines: bool = False) -> None:
    """Log to stderr, one line per record, tagged with the service name."""
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "aiosqlite", "multipart"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
