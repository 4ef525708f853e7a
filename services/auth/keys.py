"""The Ed25519 signing key: loaded from a PEM file, generated (mode 0600) on first start."""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from visionflow.tokens import key_id, public_pem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SigningKey:
    """The private key with its key id and public PEM, as tokens and GetPublicKeys need them."""

    private_key: Ed25519PrivateKey
    kid: str
    public_pem: str
    verify_keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)

    @classmethod
    def of(cls, private_key: Ed25519PrivateKey) -> SigningKey:
        kid = key_id(private_key)
        return cls(private_key, kid, public_pem(private_key), {kid: private_key.public_key()})


def load_or_create_key(path: Path) -> SigningKey:
    """Load the key at `path`; create it first when absent (safe against a concurrent start)."""
    if not path.exists():
        _create_key(path)
    data = path.read_bytes()
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("signing key %s is readable by others (mode %o); use 0600", path, mode)
    key = load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"VF_JWT_PRIVATE_KEY_FILE {path} is not an Ed25519 private key")
    signing = SigningKey.of(key)
    log.info("signing key loaded kid=%s path=%s", signing.kid, path)
    return signing


def _create_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        # link() fails if another process created the key meanwhile; theirs wins.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
            log.info("generated signing key %s", path)
    finally:
        temporary.unlink(missing_ok=True)
