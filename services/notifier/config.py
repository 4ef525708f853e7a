"""Notifier settings: database, SMTP, LINE, the token-encryption key and delivery tuning."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from services.notifier.mailbudget import MailLimits
from visionflow.config import CommonSettings


class NotifierSettings(CommonSettings):
    """`VF_*` settings of the notifier (e.g. `VF_SMTP_HOST`, `VF_NOTIFIER_GRPC_PORT`)."""

    notifier_grpc_port: int = 50055
    notifier_database_url: str = ""

    smtp_host: str = "localhost"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: str = Field(default="", repr=False)
    smtp_from: str = "visionflow@localhost"
    smtp_tls: Literal["none", "starttls", "ssl"] = "none"
    smtp_timeout_s: float = Field(default=10.0, gt=0)
    # PEM bundle to trust for the SMTP server's certificate instead of the system CAs.
    smtp_ca_file: str = ""

    line_api_base: str = "https://api.line.me"

    # Fernet key that encrypts stored LINE channel access tokens; generated on first start.
    notifier_secret_key_file: Path | None = None

    # Delivery: per-account outgoing messages per minute (excess is delayed, never dropped),
    # exponential backoff between attempts, and how long a claimed row is reserved for one sender.
    notifier_rate_limit_per_minute: int = Field(default=30, ge=1)
    notifier_retry_base_s: float = Field(default=1.0, gt=0)
    notifier_retry_max_s: float = Field(default=300.0, gt=0)
    notifier_max_attempts: int = Field(default=50, ge=1)
    notifier_delivery_lease_s: float = Field(default=60.0, gt=0)
    notifier_delivery_concurrency: int = Field(default=8, ge=1)
    # How long CreateNotification and AddEmailRecipient wait for a send before answering.
    notifier_inline_timeout_s: float = Field(default=3.0, ge=0)
    notifier_verification_ttl_hours: float = Field(default=48.0, gt=0)
    # Verification mails (first and resent) per hour to one recipient address, and per account:
    # the operator's SMTP server must not become a way to mail strangers (services/notifier/mailbudget.py).
    limit_verification_mails_per_hour: int = Field(default=3, ge=1)
    limit_verification_mails_per_account_per_hour: int = Field(default=10, ge=1)
    # JetStream redelivers an alert not acked within this time (e.g. the process died mid-way).
    notifier_alert_ack_wait_s: float = Field(default=30.0, gt=0)

    @field_validator("smtp_tls", mode="before")
    @classmethod
    def _lower_tls(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("line_api_base", "public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def mail_limits(self) -> MailLimits:
        return MailLimits(
            per_address=self.limit_verification_mails_per_hour,
            per_account=self.limit_verification_mails_per_account_per_hour,
        )

    @property
    def database_url(self) -> str:
        return self.notifier_database_url or self.sqlite_url("notifier")

    @property
    def secret_key_path(self) -> Path:
        return self.notifier_secret_key_file or self.data_dir / "notifier.key"
