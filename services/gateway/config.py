"""Gateway settings: the HTTP listener, request limits and CORS, from `VF_*` variables."""

from __future__ import annotations

from pydantic import field_validator

from visionflow.camera_urls import IPNetwork
from visionflow.clientaddr import parse_networks
from visionflow.config import CommonSettings

MIB = 1024 * 1024


class GatewaySettings(CommonSettings):
    """`VF_GATEWAY_PORT` (0 = a free port), `VF_GATEWAY_HOST`, `VF_MAX_BODY_BYTES`, CORS origins."""

    gateway_port: int = 5000
    gateway_host: str = "0.0.0.0"
    max_body_bytes: int = MIB
    # Comma-separated origins allowed by CORS; empty (the default) turns CORS off.
    cors_origins: str = ""
    # Seconds a stream viewer waits for a frame before it checks the connection again.
    stream_idle_seconds: float = 5.0
    # Seconds /snapshot waits for a live frame when the ingest service has none to give.
    snapshot_wait_seconds: float = 2.0
    rpc_timeout_seconds: float = 10.0
    # Proxies (comma-separated CIDRs) whose X-Forwarded-For names the client, for the limits
    # keyed on the client address (logins, registrations); empty (the default) trusts none, so
    # the socket peer counts. Set it to your ingress controller's pod network.
    gateway_trusted_proxies: str = ""

    @field_validator("gateway_port")
    @classmethod
    def _port_in_range(cls, value: int) -> int:
        if not 0 <= value <= 65535:
            raise ValueError(f"VF_GATEWAY_PORT must be 0..65535, not {value}")
        return value

    @field_validator("max_body_bytes")
    @classmethod
    def _positive_limit(cls, value: int) -> int:
        if value < 1024:
            raise ValueError(f"VF_MAX_BODY_BYTES must be at least 1024, not {value}")
        return value

    @field_validator("gateway_trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        parse_networks(value, "VF_GATEWAY_TRUSTED_PROXIES")
        return value

    @property
    def trusted_proxies(self) -> tuple[IPNetwork, ...]:
        return parse_networks(self.gateway_trusted_proxies, "VF_GATEWAY_TRUSTED_PROXIES")

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]
