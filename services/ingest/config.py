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

    # Detect frames (to the detector, at each camera's detect_fps): longer side at most this.
    ingest_detect_max_side: int = Field(default=640, ge=64, le=1280)
    # Inference on a camera's first frames after (re)connecting, as if all of it moved.
    ingest_detect_warmup_s: float = Field(default=1.0, ge=0, le=60)
    # A scene without motion is still analysed this often (someone standing still, a parked car).
    ingest_detect_recheck_s: float = Field(default=10.0, gt=0, le=3600)
    # After this many seconds without motion (and no viewer), decode keyframes only; 0: never.
    ingest_idle_after_s: float = Field(default=3.0, ge=0, le=3600)
    # Motion detection (see services/ingest/motion.py): the small frame's height in pixels, the
    # luma difference a pixel must exceed, the smallest blob in small-frame pixels, the weight of
    # a new frame in the running average, and the moving fraction read as a lighting change.
    ingest_motion_frame_height: int = Field(default=120, ge=32, le=1080)
    ingest_motion_threshold: int = Field(default=25, ge=1, le=255)
    ingest_motion_contour_area: int = Field(default=12, ge=1)
    ingest_motion_frame_alpha: float = Field(default=0.05, gt=0, le=1)
    ingest_motion_lightning_fraction: float = Field(default=0.6, gt=0, le=1)

    @model_validator(mode="after")
    def _backoff_order(self) -> IngestSettings:
        if self.ingest_reconnect_max_s < self.ingest_reconnect_initial_s:
            raise ValueError("VF_INGEST_RECONNECT_MAX_S must be >= VF_INGEST_RECONNECT_INITIAL_S")
        return self
