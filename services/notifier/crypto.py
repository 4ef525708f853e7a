"""Secrets at rest: the Fernet key for LINE tokens and hashes of verification tokens."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

log = logging.getLogger(__name__)


def load_or_create_key(path: Path) -> Fernet:
    """Read the key file, or create it (mode 0600) on first start; racing replicas agree."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Fernet.generate_key()
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(key)
            log.info("generated notifier secret key path=%s", path)
    return Fernet(path.read_bytes().strip())


class TokenBox:
    """Encrypts and decrypts LINE channel access tokens."""

    def __init__(self, fernet: Fernet) -> None:
        self._fernet = fernet

    def encrypt(self, token: str) -> str:
        return self._fernet.encrypt(token.encode()).decode()

    def decrypt(self, encrypted: str) -> str:
        try:
            return self._fernet.decrypt(encrypted.encode()).decode()
        except InvalidToken:
            raise ValueError("LINE token cannot be decrypted with the current key") from None


def new_verification_token() -> tuple[str, str]:
    """A one-time token for the mail and the hash to store (the token itself is never stored)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
