"""Ingest settings (`VF_INGEST_*`, plus the shared `VF_ALLOW_FILE_URLS`)."""

from __future__ import annotations

from pydantic import Field, model_validator

from visionflow.config import CommonSettings


class IngestSettings(CommonSettings):
    """How ingest reads cameras and publishes their frames."""

    ingest_grpc_port: int = 50053
    # Prometheus /metrics: 0 binds a free port (logged), -1 turns it off.
    ingest_metrics_port: int = Field(default=9153, ge=-1, le=65535)
    # Frames per second published per camera at most (frames are dropped by capture time).
    ingest_max_fps: float = Field(default=30.0, gt=0, le=120)
    # Scale frames wider than this down to this width, keeping the aspect ratio; 0 = off.
    ingest_downscale_width: int = Field(default=0, ge=0)
    ingest_jpeg_quality: int = Field(default=80, ge=1, le=100)
    # file:// camera URLs (demo, tests); the camera service shares this variable.
    allow_file_urls: bool = False
    ingest_reconnect_initial_s: float = Field(default=1.0, gt=0)
    ingest_reconnect_max_s: float = Field(default=30.0, gt=0)
    # No frame for this long: the stream counts as stalled and is reopened.
    ingest_stall_timeout_s: float = Field(default=10.0, gt=0)
    # Opening a stream (connect + probe) may take this long.
    ingest_open_timeout_s: float = Field(default=10.0, gt=0)
    # CameraStatus is re-sent this often while a camera is online.
    ingest_status_interval_s: float = Field(default=5.0, gt=0)

    @model_validator(mode="after")
    def _backoff_order(self) -> IngestSettings:
        if self.ingest_reconnect_max_s < self.ingest_reconnect_initial_s:
            raise ValueError("VF_INGEST_RECONNECT_MAX_S must be >= VF_INGEST_RECONNECT_INITIAL_S")
        return self
