"""The one configuration loader: `VF_*` environment variables into typed settings.

Each service subclasses `CommonSettings`; a field `camera_database_url` reads
`VF_CAMERA_DATABASE_URL`. Settings are built once in a service's `__main__` and passed down.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from visionflow.bus import BusLayout, Login
from visionflow.camera_urls import AddressPolicy
from visionflow.grpctls import GrpcTls, load_tls
from visionflow.quotas import Quotas


class CommonSettings(BaseSettings):
    """Settings every service shares."""

    model_config = SettingsConfigDict(env_prefix="VF_", extra="ignore", validate_default=True)

    data_dir: Path = Path("./data")
    nats_url: str = "nats://127.0.0.1:4222"
    # This service's NATS user (visionflow/natsauth.py; default: the service's own name) and its
    # password; no password: connect without credentials (a NATS server without authentication).
    nats_user: str = ""
    nats_password: SecretStr = SecretStr("")
    log_level: str = "INFO"
    log_json: bool = False
    grpc_host: str = "127.0.0.1"
    # gRPC TLS (visionflow/grpctls.py): all three PEM files, or none for plaintext; client_auth
    # makes servers refuse clients without a certificate from the CA (mutual TLS).
    grpc_tls_cert: Path | None = None
    grpc_tls_key: Path | None = None
    grpc_tls_ca: Path | None = None
    grpc_tls_client_auth: bool = False
    # Server reflection (grpcurl, Postman) on every gRPC server; and a plaintext port that
    # answers health checks only (Kubernetes' gRPC probes cannot speak TLS); unset: none.
    grpc_reflection: bool = True
    grpc_health_port: int | None = Field(default=None, ge=0, le=65535)
    auth_address: str = "127.0.0.1:50051"
    camera_address: str = "127.0.0.1:50052"
    ingest_address: str = "127.0.0.1:50053"
    detector_address: str = "127.0.0.1:50054"
    notifier_address: str = "127.0.0.1:50055"
    public_url: str = "http://localhost:5000"
    # Where camera URLs may point (visionflow/camera_urls.py): comma-separated networks; read by
    # the camera service (literal addresses, when a URL is saved) and ingest (on every connect).
    camera_allowed_networks: str = ""
    camera_denied_networks: str = ""
    # Replicas of every stream and bucket (3 on a 3-node JetStream cluster), and the limits of
    # the alert snapshot bucket: pictures older than this go, and it never grows past the cap.
    nats_replicas: int = Field(default=1, ge=1, le=5)
    snapshot_ttl_days: float = Field(default=30.0, gt=0, le=3650)
    snapshot_max_bytes: int = Field(default=5 * 1024**3, ge=1024 * 1024)
    # Replicas of ingest and the detector share the cameras (visionflow/membership.py): each
    # renews its membership this often and is given up after this long without a renewal.
    member_heartbeat_s: float = Field(default=1.0, gt=0, le=60)
    member_ttl_s: float = Field(default=5.0, gt=0, le=600)
    # Per-account quotas (visionflow/quotas.py).
    quota_cameras: int = Field(default=Quotas.cameras, ge=1)
    quota_email_recipients: int = Field(default=Quotas.email_recipients, ge=1)
    quota_line_targets: int = Field(default=Quotas.line_targets, ge=1)
    quota_notifications_per_minute: int = Field(default=Quotas.notifications_per_minute, ge=1)
    quota_shares_per_camera: int = Field(default=Quotas.shares_per_camera, ge=1)
    # HMAC key of signed image links (visionflow/links.py); default `data_dir/image-link.key`.
    image_link_key_file: Path | None = None
    image_link_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=1)

    @model_validator(mode="after")
    def _member_timing(self) -> CommonSettings:
        if self.member_ttl_s <= 2 * self.member_heartbeat_s:
            raise ValueError("VF_MEMBER_TTL_S must be more than twice VF_MEMBER_HEARTBEAT_S")
        return self

    @field_validator("log_level")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"VF_LOG_LEVEL must be DEBUG/INFO/WARNING/ERROR/CRITICAL, not {value!r}")
        return level

    @field_validator("data_dir")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @model_validator(mode="after")
    def _camera_networks(self) -> CommonSettings:
        self.address_policy()  # a bad network fails at start, naming the variable
        return self

    @model_validator(mode="after")
    def _grpc_tls_files(self) -> CommonSettings:
        self.grpc_tls()  # a missing or unreadable file fails at start, naming the variable
        return self

    def grpc_tls(self) -> GrpcTls | None:
        """The gRPC TLS material (read from the files now), or None for plaintext."""
        return load_tls(
            self.grpc_tls_cert, self.grpc_tls_key, self.grpc_tls_ca, client_auth=self.grpc_tls_client_auth
        )

    def address_policy(self) -> AddressPolicy:
        return AddressPolicy.from_settings(self.camera_allowed_networks, self.camera_denied_networks)

    def nats_login(self, service: str) -> Login | None:
        """The credentials `service` connects to NATS with (None: anonymous)."""
        password = self.nats_password.get_secret_value()
        return Login(self.nats_user or service, password) if password else None

    def quotas(self) -> Quotas:
        return Quotas(
            cameras=self.quota_cameras,
            email_recipients=self.quota_email_recipients,
            line_targets=self.quota_line_targets,
            notifications_per_minute=self.quota_notifications_per_minute,
            shares_per_camera=self.quota_shares_per_camera,
        )

    def bus_layout(self) -> BusLayout:
        return BusLayout(
            replicas=self.nats_replicas,
            snapshot_ttl_days=self.snapshot_ttl_days,
            snapshot_max_bytes=self.snapshot_max_bytes,
        )

    def sqlite_url(self, service: str) -> str:
        """Default database URL of a service: a SQLite file in the data directory."""
        return f"sqlite:///{self.data_dir / f'{service}.db'}"


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs given without a driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
