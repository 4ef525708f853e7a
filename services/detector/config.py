"""Settings of the detector service (`VF_*` environment variables)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import field_validator

from visionflow.config import CommonSettings

Backend = Literal["auto", "torch", "onnx"]


class DetectorSettings(CommonSettings):
    """Detector settings; see DESIGN.md for the shared ones."""

    detector_grpc_port: int = 50054
    # VF_MODELS_DIR: folder searched first for weights and where ONNX exports are cached.
    models_dir: Path | None = None
    # VF_DETECTOR_BACKEND: auto = ONNX Runtime on CPU when importable, torch when CUDA is present.
    detector_backend: Backend = "auto"
    # VF_DETECTOR_DEVICE: auto, cpu, cuda, cuda:0, ...
    detector_device: str = "auto"
    detector_imgsz: int = 640
    detector_confidence: float = 0.25
    detector_max_batch: int = 8
    # VF_DETECTOR_GRACE_SECONDS: a gap in a dwell shorter than this (missed frames, a brief
    # step outside) does not restart the dwell.
    detector_grace_seconds: float = 1.0
    # VF_DETECTOR_TRACK_BUFFER_SECONDS: how long a lost track may come back with its id.
    detector_track_buffer_seconds: float = 1.0
    # VF_DETECTOR_SAME_OBJECT_SECONDS: a new track whose box overlaps where an object of the same
    # class was (in a region) at most this long ago continues that object's dwell and alert.
    detector_same_object_seconds: float = 10.0
    # VF_DETECTOR_METRICS_PORT: Prometheus /metrics; 0 picks a free port, -1 turns it off.
    detector_metrics_port: int = 9154
    detector_jpeg_quality: int = 80

    @field_validator("models_dir")
    @classmethod
    def _absolute_models_dir(cls, value: Path | None) -> Path | None:
        return value.expanduser().resolve() if value is not None else None

    @field_validator("detector_device")
    @classmethod
    def _known_device(cls, value: str) -> str:
        device = value.strip().lower()
        if device in {"auto", "cpu", "cuda", "mps"} or device.startswith("cuda:"):
            return device
        raise ValueError(f"VF_DETECTOR_DEVICE must be auto, cpu, cuda or cuda:N, not {value!r}")

    @field_validator("detector_imgsz")
    @classmethod
    def _valid_imgsz(cls, value: int) -> int:
        if value < 32 or value > 4096 or value % 32:
            raise ValueError(f"VF_DETECTOR_IMGSZ must be a multiple of 32 in [32, 4096], not {value!r}")
        return value

    @field_validator("detector_confidence")
    @classmethod
    def _valid_confidence(cls, value: float) -> float:
        if not 0 < value < 1:
            raise ValueError(f"VF_DETECTOR_CONFIDENCE must be in (0, 1), not {value!r}")
        return value

    @field_validator("detector_max_batch")
    @classmethod
    def _valid_batch(cls, value: int) -> int:
        if not 1 <= value <= 64:
            raise ValueError(f"VF_DETECTOR_MAX_BATCH must be in [1, 64], not {value!r}")
        return value

    @field_validator(
        "detector_grace_seconds", "detector_track_buffer_seconds", "detector_same_object_seconds"
    )
    @classmethod
    def _valid_seconds(cls, value: float) -> float:
        if not 0 <= value <= 60:
            raise ValueError(f"grace/buffer seconds must be in [0, 60], not {value!r}")
        return value

    @field_validator("detector_metrics_port")
    @classmethod
    def _valid_metrics_port(cls, value: int) -> int:
        if not -1 <= value <= 65535:
            raise ValueError(f"VF_DETECTOR_METRICS_PORT must be -1 (off), 0 (free) or a port, not {value!r}")
        return value

    @field_validator("detector_jpeg_quality")
    @classmethod
    def _valid_quality(cls, value: int) -> int:
        if not 10 <= value <= 100:
            raise ValueError(f"VF_DETECTOR_JPEG_QUALITY must be in [10, 100], not {value!r}")
        return value

    @property
    def weights_dir(self) -> Path:
        """VF_MODELS_DIR, or `models` in the data directory."""
        return self.models_dir if self.models_dir is not None else self.data_dir / "models"
