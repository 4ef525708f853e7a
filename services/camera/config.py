"""Settings of the camera service (`VF_*` environment variables)."""

from __future__ import annotations

from pydantic import Field, field_validator

from visionflow.config import CommonSettings
from visionflow.vocabulary import BUILTIN_MODEL_NAMES, DEFAULT_MODEL


class CameraSettings(CommonSettings):
    """Camera service settings; see DESIGN.md for the shared ones."""

    camera_grpc_port: int = 50052
    camera_database_url: str = ""
    # VF_ALLOW_FILE_URLS: accept file:// stream URLs (demo and tests only).
    allow_file_urls: bool = False
    default_model_name: str = DEFAULT_MODEL
    # VF_CAMERA_MODEL_NAMES: extra model names a camera may use, comma-separated.
    camera_model_names: str = ""
    # VF_CAMERA_STATUS_FLUSH_S: at most one batch of status writes per this many seconds.
    camera_status_flush_s: float = 0.5
    # Mask PNGs (up to 8192x8192) rendered at once, and how many may wait; past that 429.
    camera_mask_concurrency: int = Field(default=2, ge=1, le=32)
    camera_mask_queue: int = Field(default=8, ge=0)

    @field_validator("camera_status_flush_s")
    @classmethod
    def _positive_flush(cls, value: float) -> float:
        if not 0 < value <= 60:
            raise ValueError(f"VF_CAMERA_STATUS_FLUSH_S must be in (0, 60], not {value!r}")
        return value

    @field_validator("default_model_name")
    @classmethod
    def _non_blank_model(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("VF_DEFAULT_MODEL_NAME must not be blank")
        return value.strip()

    @property
    def database_url(self) -> str:
        return self.camera_database_url or self.sqlite_url("camera")

    @property
    def known_model_names(self) -> frozenset[str]:
        configured = {name.strip() for name in self.camera_model_names.split(",") if name.strip()}
        return BUILTIN_MODEL_NAMES | configured | {self.default_model_name}
