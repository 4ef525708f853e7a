"""NATS JWTs (the nats-io/jwt v2 format): claims signed with an nkey, and the check of a JWT the
NATS server signed.

A NATS JWT is `base64url(header).base64url(claims).base64url(ed25519 signature)` with the header
`{"typ":"JWT","alg":"ed25519-nkey"}`; `iss` is the signer's public nkey (base32 of a role prefix
byte, the 32-byte key and a CRC-16). The `nkeys` package (the NATS project's own) holds the keys;
this module only frames the claims.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import time
from typing import Any

import nkeys
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

HEADER = {"typ": "JWT", "alg": "ed25519-nkey"}


class InvalidNatsJwt(ValueError):
    """A JWT that is malformed, wrongly signed, expired, or from the wrong kind of signer."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def new_account_key() -> nkeys.KeyPair:
    """A fresh account nkey (seed `SA...`, public key `A...`): what an auth callout signs with."""
    return nkeys.from_seed(nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_ACCOUNT))


def account_key(seed: str) -> nkeys.KeyPair:
    """The account nkey of a `SA...` seed; ValueError when it is not one."""
    try:
        pair = nkeys.from_seed(seed.strip().encode())
        public = pair.public_key.decode()
    except (nkeys.NkeysError, binascii.Error, ValueError) as error:
        raise ValueError("not an nkey seed") from error
    if not public.startswith("A"):
        raise ValueError("not an account nkey seed (it must start with SA)")
    return pair


def encode(claims: dict[str, Any], signer: nkeys.KeyPair) -> str:
    """Sign `claims` (with `iss` set to the signer and `jti` to the claims' hash)."""
    body = {**claims, "iss": signer.public_key.decode(), "jti": ""}
    body["jti"] = base64.b32encode(hashlib.sha256(_json(body)).digest()).decode().rstrip("=")
    signing_input = f"{_b64(_json(HEADER))}.{_b64(_json(body))}"
    return f"{signing_input}.{_b64(signer.sign(signing_input.encode()))}"


def public_key_bytes(public_key: str, prefix: int) -> bytes:
    """The raw Ed25519 key inside a public nkey of the given role prefix (checksum checked)."""
    try:
        raw = base64.b32decode(public_key + "=" * (-len(public_key) % 8))
    except (binascii.Error, ValueError) as error:
        raise InvalidNatsJwt("issuer is not an nkey") from error
    if len(raw) != 35 or raw[0] != prefix:
        raise InvalidNatsJwt("issuer is not the expected kind of nkey")
    if nkeys.crc16(bytearray(raw[:-2])) != int.from_bytes(raw[-2:], "little"):
        raise InvalidNatsJwt("issuer nkey checksum mismatch")
    return raw[1:-2]


def decode_verified(token: str, *, issuer_prefix: int) -> dict[str, Any]:
    """The claims of a JWT signed by its own `iss`, a public nkey of `issuer_prefix`; unexpired."""
    try:
        header_b64, claims_b64, signature_b64 = token.strip().split(".")
        header = json.loads(_unb64(header_b64))
        claims = json.loads(_unb64(claims_b64))
        signature = _unb64(signature_b64)
    except (ValueError, binascii.Error) as error:
        raise InvalidNatsJwt("malformed JWT") from error
    if not isinstance(header, dict) or header.get("alg") != HEADER["alg"] or not isinstance(claims, dict):
        raise InvalidNatsJwt("not a NATS JWT")
    key = Ed25519PublicKey.from_public_bytes(public_key_bytes(str(claims.get("iss", "")), issuer_prefix))
    try:
        key.verify(signature, f"{header_b64}.{claims_b64}".encode())
    except InvalidSignature as error:
        raise InvalidNatsJwt("bad signature") from error
    expires = claims.get("exp")
    if isinstance(expires, int) and expires and expires < time.time():
        raise InvalidNatsJwt("expired")
    return claims
