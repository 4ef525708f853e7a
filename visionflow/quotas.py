"""Per-account quotas: how much one account may hold or create, so one tenant cannot exhaust
the server for the others. The services that store each thing enforce them (the camera service
cameras and the shares of each camera, the notifier recipients, LINE targets and notification
creation); the gateway only translates the answer.

Count quotas answer 422 `VALIDATION_ERROR` naming the quota; rate quotas answer 429
`RATE_LIMIT_EXCEEDED` with `Retry-After`.
"""

from __future__ import annotations

from dataclasses import dataclass

from visionflow.errors import ErrorCode, VisionFlowError


@dataclass(frozen=True)
class Quotas:
    """The limits (`VF_QUOTA_*`; docs/configuration.md)."""

    cameras: int = 32
    email_recipients: int = 20
    line_targets: int = 20
    notifications_per_minute: int = 60
    shares_per_camera: int = 20


def check_count(what: str, current: int, limit: int, *, scope: str = "this account") -> None:
    """Refuse adding one more `what` when `scope` (the account, a camera) already holds `limit`."""
    if current >= limit:
        raise VisionFlowError(ErrorCode.VALIDATION_ERROR, f"{what}: {scope} has reached its limit of {limit}")


def check_rate(what: str, recent: int, limit: int, window_s: int = 60) -> None:
    """Refuse one more `what` when `recent` were made in the last `window_s` seconds."""
    if recent >= limit:
        raise VisionFlowError(
            ErrorCode.RATE_LIMIT_EXCEEDED,
            f"{what}: at most {limit} per minute for this account; try again shortly",
            retry_after=window_s,
        )
