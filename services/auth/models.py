"""The auth service's tables: accounts, refresh tokens (by hash of their jti) and login failures."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from visionflow.db import utcnow


class Account(SQLModel, table=True):
    """A user account. Never leaves the service: replies carry only the account UUID."""

    __tablename__ = "account"

    id: int | None = Field(default=None, primary_key=True)
    account_uuid: str = Field(max_length=36, unique=True, index=True)
    username: str = Field(max_length=32)
    username_lower: str = Field(max_length=32, unique=True, index=True)
    email: str = Field(max_length=254)
    email_lower: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow)


class RefreshToken(SQLModel, table=True):
    """One issued refresh token. Tokens of one login share a family; reuse revokes the family."""

    __tablename__ = "refresh_token"

    id: int | None = Field(default=None, primary_key=True)
    jti_hash: str = Field(max_length=64, unique=True, index=True)  # SHA-256 hex of the jti
    family_id: str = Field(max_length=64, index=True)
    account_uuid: str = Field(max_length=36, index=True)
    issued_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    used_at: datetime | None = None
    revoked_at: datetime | None = None


class LoginFailure(SQLModel, table=True):
    """One failed login, counted in a sliding window per key (hashed username or client address)."""

    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(max_length=64, index=True)
    failed_at: datetime = Field(default_factory=utcnow, index=True)


AUTH_TABLES = (Account.__table__, RefreshToken.__table__, LoginFailure.__table__)  # type: ignore[attr-defined]
# The tables visionflow/migrations/env.py compares against (this service's, nothing else).
MIGRATED_TABLES = AUTH_TABLES
