"""Auth service settings (`VF_AUTH_*`, plus the documented `VF_JWT_PRIVATE_KEY_FILE`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from visionflow.camera_urls import IPNetwork
from visionflow.clientaddr import LOOPBACK, parse_networks
from visionflow.config import CommonSettings


class AuthSettings(CommonSettings):
    """Settings of the auth service; every field reads `VF_<FIELD NAME>`."""

    auth_grpc_port: int = Field(default=50051, ge=0, le=65535)
    auth_database_url: str = ""
    # Ed25519 signing key (PEM, PKCS#8); generated with mode 0600 on first start if absent.
    jwt_private_key_file: Path | None = None
    auth_access_ttl_seconds: int = Field(default=900, ge=1)
    auth_refresh_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=1)
    # Failed logins allowed per username within the sliding window; the next attempt gets 429.
    auth_login_max_attempts: int = Field(default=5, ge=1)
    # Per client address the budget is larger: many people can share one address (NAT, proxies).
    auth_login_max_attempts_per_address: int = Field(default=20, ge=1)
    auth_login_window_seconds: int = Field(default=300, ge=1)
    # Argon2 work (services/auth/hashwork.py): logins hashed at once and allowed to wait; a
    # separate lane for registrations, so that a registration flood never starves logins.
    auth_login_hash_concurrency: int = Field(default=2, ge=1, le=64)
    auth_login_hash_queue: int = Field(default=64, ge=0)
    auth_register_hash_concurrency: int = Field(default=1, ge=1, le=64)
    auth_register_hash_queue: int = Field(default=8, ge=0)
    # Account nkey seed (`SA...`) that signs the NATS auth callout's answers (integrators' token
    # logins, services/auth/callout.py); nats-server trusts its public key. Empty: no callout.
    nats_callout_seed: str = Field(default="", repr=False)
    # Callers (CIDRs) whose `client_address` in Login/Register is believed (the gateways); for
    # any other caller the gRPC peer address counts. Default: loopback, for `make run`.
    auth_trusted_clients: str = LOOPBACK
    # Registrations allowed per client address per hour (sliding); the next one gets 429.
    limit_registrations_per_hour: int = Field(default=10, ge=1)

    @field_validator("auth_trusted_clients")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value, "VF_AUTH_TRUSTED_CLIENTS")
        return value

    @property
    def trusted_clients(self) -> tuple[IPNetwork, ...]:
        return parse_networks(self.auth_trusted_clients, "VF_AUTH_TRUSTED_CLIENTS")

    @property
    def database_url(self) -> str:
        return self.auth_database_url or self.sqlite_url("auth")

    @property
    def private_key_path(self) -> Path:
        if self.jwt_private_key_file is None:
            return self.data_dir / "jwt.pem"
        return self.jwt_private_key_file.expanduser().resolve()
