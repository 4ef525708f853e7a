"""Signing and checking of the auth service's own tokens (access and refresh JWTs, EdDSA).

Access tokens: `typ=access`, `sub` = account UUID, `username`, `sid` = the session (refresh
family) they were issued for, so that logging that session out ends them too. Refresh tokens: `typ=refresh`,
a fresh `jti` each, and `fam`, the id shared by every token rotated from one login. The server
keeps only the SHA-256 of a refresh token's jti.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.auth.keys import SigningKey
from visionflow.db import utcnow
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.tokens import ACCESS_TYPE, REFRESH_TYPE, SESSION_CLAIM, decode_token, sign_token

FAMILY_CLAIM = "fam"


def hash_jti(jti: str) -> str:
    return hashlib.sha256(jti.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedRefresh:
    token: str
    jti_hash: str
    family_id: str
    expires_at: datetime


class TokenIssuer:
    def __init__(self, key: SigningKey, *, access_ttl_seconds: int, refresh_ttl_seconds: int) -> None:
        self.key = key
        self.access_ttl_seconds = access_ttl_seconds
        self.refresh_ttl_seconds = refresh_ttl_seconds

    def access(self, *, account_uuid: str, username: str, session_id: str) -> str:
        return sign_token(
            self.key.private_key,
            self.key.kid,
            subject=account_uuid,
            token_type=ACCESS_TYPE,
            ttl_seconds=self.access_ttl_seconds,
            extra={"username": username, SESSION_CLAIM: session_id},
        )

    def refresh(self, *, account_uuid: str, family_id: str | None = None) -> IssuedRefresh:
        """A new refresh token: in `family_id`, or the first of a new family."""
        jti = uuid.uuid4().hex
        family = family_id or uuid.uuid4().hex
        token = sign_token(
            self.key.private_key,
            self.key.kid,
            subject=account_uuid,
            token_type=REFRESH_TYPE,
            ttl_seconds=self.refresh_ttl_seconds,
            jti=jti,
            extra={FAMILY_CLAIM: family},
        )
        expires_at = utcnow() + timedelta(seconds=self.refresh_ttl_seconds)
        return IssuedRefresh(token=token, jti_hash=hash_jti(jti), family_id=family, expires_at=expires_at)

    def decode_access(self, token: str) -> dict[str, Any]:
        return decode_token(token, self.key.verify_keys, ACCESS_TYPE)

    def decode_refresh(self, token: str) -> dict[str, Any]:
        claims = decode_token(token, self.key.verify_keys, REFRESH_TYPE)
        if not isinstance(claims.get(FAMILY_CLAIM), str):
            raise VisionFlowError(ErrorCode.INVALID_TOKEN, "Invalid token")
        return claims
