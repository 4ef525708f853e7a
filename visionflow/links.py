"""Expiring signed image links: `/showimage/<key>?exp=<unix>&sig=<hmac>` that need no token.

LINE's servers and a mail reader fetch alert pictures without a VisionFlow token, so the
notifier signs each link with an HMAC-SHA256 key and the gateway serves exactly that object key
until `exp`. Both read one key file (`VF_IMAGE_LINK_KEY_FILE`, default `VF_DATA_DIR/image-link.key`),
created on first start by whichever service comes first.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import logging
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlencode

from visionflow.config import CommonSettings

log = logging.getLogger(__name__)

KEY_BYTES = 32
SHOWIMAGE_PATH = "/showimage/"


def link_key_path(settings: CommonSettings) -> Path:
    """Where the link key lives: `VF_IMAGE_LINK_KEY_FILE`, else `VF_DATA_DIR/image-link.key`."""
    return settings.image_link_key_file or settings.data_dir / "image-link.key"


def load_or_create_link_key(path: Path) -> bytes:
    """Read the key file, or create it with 32 random bytes (mode 0600) when it is missing.

    The key is written to a private temporary file first (O_CREAT|O_EXCL, 0600) and then hard
    linked into place, which fails when the file already exists: two services starting together
    both end up reading the one key that won, and nobody ever reads a half-written file.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(KEY_BYTES))
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
                log.info("generated image link key path=%s", path)
        finally:
            temporary.unlink(missing_ok=True)
    key = path.read_bytes()
    if len(key) < KEY_BYTES:
        raise ValueError(f"image link key {path} holds {len(key)} bytes; it needs at least {KEY_BYTES}")
    return key


class ImageLinkSigner:
    """Signs and checks `(object key, expiry)` pairs with HMAC-SHA256."""

    def __init__(self, secret: bytes, *, clock: Callable[[], float] = time.time) -> None:
        if len(secret) < KEY_BYTES:
            raise ValueError(f"image link key needs at least {KEY_BYTES} bytes")
        self._secret = secret
        self._clock = clock

    def sign(self, key: str, expires_at: int) -> str:
        """The URL-safe base64 (unpadded) HMAC of `f"{key}\\n{expires_at}"`."""
        digest = hmac.new(self._secret, f"{key}\n{expires_at}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def url(self, public_url: str, key: str, ttl_seconds: int) -> str:
        """`{public_url}/showimage/<key>?exp=<now + ttl>&sig=<signature>`."""
        expires_at = int(self._clock()) + ttl_seconds
        query = urlencode({"exp": expires_at, "sig": self.sign(key, expires_at)})
        return f"{public_url.rstrip('/')}{SHOWIMAGE_PATH}{quote(key)}?{query}"

    def verify(self, key: str, exp: int, sig: str) -> bool:
        """True when `sig` signs exactly this key and expiry and `exp` has not passed."""
        if exp < self._clock():
            return False
        expected = self.sign(key, exp)
        return hmac.compare_digest(expected.encode("ascii"), sig.encode("utf-8", "replace"))
