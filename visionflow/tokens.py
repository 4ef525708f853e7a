"""Access-token verification shared by every service, without a call per request.

The auth service signs access tokens with Ed25519 (JWT `alg: EdDSA`, `kid` header). Other services
fetch the public keys once through `AuthService.GetPublicKeys`, cache them, and refetch only when a
token names an unknown key id (at most every few seconds).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)

from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.grpctls import GrpcTls
from visionflow.rpc import bearer_from_context

ISSUER = "visionflow"
ALGORITHM = "EdDSA"
ACCESS_TYPE = "access"
REFRESH_TYPE = "refresh"
# The session (refresh family) an access token belongs to; tokens signed before sessions were
# named carry none and stay valid (only "log out everywhere" ends them).
SESSION_CLAIM = "sid"
_REFETCH_INTERVAL_S = 5.0

KeyFetcher = Callable[[], Awaitable[dict[str, str]]]  # kid -> PEM


@dataclass(frozen=True)
class Principal:
    """Who is calling: the account a verified access token names."""

    account_uuid: str
    username: str
    expires_at: float = 0.0  # Unix time the token stops being valid (0: unknown)
    issued_at: float = 0.0  # Unix time the token was signed (0: unknown)
    session_id: str = ""  # the refresh family (login) the token came from; "" for older tokens


def load_public_key(pem: str) -> Ed25519PublicKey:
    key = load_pem_public_key(pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def sign_token(
    private_key: Ed25519PrivateKey,
    kid: str,
    *,
    subject: str,
    token_type: str,
    ttl_seconds: int,
    jti: str | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """Sign a JWT the way every VisionFlow verifier expects it (only the auth service signs)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": subject,
        "typ": token_type,
        "iat": now,
        "exp": now + ttl_seconds,
        "jti": jti or uuid.uuid4().hex,
        **(extra or {}),
    }
    return jwt.encode(claims, private_key, algorithm=ALGORITHM, headers={"kid": kid})


def public_pem(private_key: Ed25519PrivateKey) -> str:
    return private_key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def key_id(private_key: Ed25519PrivateKey) -> str:
    """A stable key id: the first 16 hex digits of the SHA-256 of the raw public key."""
    raw = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def decode_token(token: str, keys: dict[str, Ed25519PublicKey], expected_type: str) -> dict[str, Any]:
    """Verify signature, issuer, expiry and type; raise INVALID_TOKEN on any failure."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise VisionFlowError(ErrorCode.INVALID_TOKEN, "Invalid token") from None
    if header.get("alg") != ALGORITHM:
        raise VisionFlowError(ErrorCode.INVALID_TOKEN, "Invalid token")
    key = keys.get(str(header.get("kid", "")))
    if key is None:
        raise VisionFlowError(ErrorCode.INVALID_TOKEN, "Invalid token")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "typ", "jti"]},
        )
    except jwt.ExpiredSignatureError:
        raise VisionFlowError(ErrorCode.INVALID_TOKEN, "Token has expired") from None
    except jwt.PyJWTError:
        raise VisionFlowError(ErrorCode.INVALID_TOKEN, "Invalid token") from None
    if claims.get("typ") != expected_type:
        raise VisionFlowError(ErrorCode.INVALID_TOKEN, "Wrong token type")
    return claims


class TokenVerifier:
    """Verifies access tokens against cached public keys."""

    def __init__(self, fetch_keys: KeyFetcher) -> None:
        self._fetch_keys = fetch_keys
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def _refresh(self) -> None:
        async with self._lock:
            if self._keys and time.monotonic() - self._fetched_at < _REFETCH_INTERVAL_S:
                return
            try:
                pems = await self._fetch_keys()
            except VisionFlowError:
                if self._keys:
                    return
                raise
            self._keys = {kid: load_public_key(pem) for kid, pem in pems.items()}
            self._fetched_at = time.monotonic()

    async def verify(self, token: str) -> Principal:
        try:
            kid = str(jwt.get_unverified_header(token).get("kid", ""))
        except jwt.PyJWTError:
            raise VisionFlowError(ErrorCode.INVALID_TOKEN, "Invalid token") from None
        if kid not in self._keys:
            await self._refresh()
        claims = decode_token(token, self._keys, ACCESS_TYPE)
        return Principal(
            account_uuid=str(claims["sub"]),
            username=str(claims.get("username", "")),
            expires_at=float(claims.get("exp", 0) or 0),
            issued_at=float(claims.get("iat", 0) or 0),
            session_id=str(claims.get(SESSION_CLAIM, "") or ""),
        )

    async def principal(self, context: grpc.aio.ServicerContext) -> Principal:
        """The caller of an RPC, from its `authorization: Bearer` metadata."""
        token = bearer_from_context(context)
        if token is None:
            raise VisionFlowError(ErrorCode.AUTH_REQUIRED, "Authorization token is required")
        return await self.verify(token)


def auth_service_key_fetcher(auth_address: str, tls: GrpcTls | None = None) -> KeyFetcher:
    """Fetch public keys from the auth service over gRPC (TLS when `tls` is given)."""
    from visionflow.rpc import call, open_channel
    from visionflow.v1 import auth_pb2, auth_pb2_grpc

    channel = open_channel(auth_address, tls)
    stub = auth_pb2_grpc.AuthServiceStub(channel)

    async def fetch() -> dict[str, str]:
        reply = await call(stub.GetPublicKeys, auth_pb2.GetPublicKeysRequest(), timeout=5)
        return {key.kid: key.public_key_pem for key in reply.keys}

    return fetch
