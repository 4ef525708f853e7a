"""Detector throughput: the service's inference path against bare Ultralytics, on the same frames.

300 frames of 640x480, cropped from Ultralytics' sample photos (bus.jpg, zidane.jpg) with a
window that pans, so people move across the frame. Timed on decoded frames (JPEG decoding is
the same for every path and left out):

- service: `services.detector` as it runs (backend auto, batched predict of one frame per
  camera over `CAMERAS` cameras, then each camera's tracker);
- service (torch): the same path with the torch backend, to separate the backend from batching;
- bare: `YOLO(weights).predict(frame)` with torch, one frame at a time, as a script would.

    python -m bench.detector_bench          # or: make bench (python -m bench detector)
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.report import BenchResult
from services.detector.backends import TORCH, InferenceModel, choose_backend, load_model, prepare_ultralytics
from services.detector.config import DetectorSettings
from services.detector.registry import DEFAULT_MODEL, resolve_weights
from services.detector.tracking import CameraTracker, label_detections

FRAMES = 300
WIDTH, HEIGHT = 640, 480
CAMERAS = 4
WARMUP = 8


def _assets() -> Path:
    prepare_ultralytics()
    import ultralytics

    return Path(ultralytics.__file__).parent / "assets"


def make_frames(count: int = FRAMES) -> list[np.ndarray]:
    """`count` 640x480 crops, half from each photo, the window panning across it."""
    import cv2

    frames: list[np.ndarray] = []
    photos = [np.asarray(cv2.imread(str(_assets() / name))) for name in ("bus.jpg", "zidane.jpg")]
    for index in range(count):
        photo = photos[index % 2]
        height, width = photo.shape[:2]
        scale = max(WIDTH / width, HEIGHT / height, 1.0)
        if scale > 1.0:
            photo = cv2.resize(photo, (round(width * scale), round(height * scale)))
            height, width = photo.shape[:2]
        phase = (index // 2) / max(1, count // 2 - 1)
        x = round((width - WIDTH) * phase)
        y = round((height - HEIGHT) * (0.5 + 0.5 * np.sin(phase * np.pi)) / 1.5)
        frames.append(np.ascontiguousarray(photo[y : y + HEIGHT, x : x + WIDTH]))
    return frames


def _service_path(model: InferenceModel, frames: list[np.ndarray], conf: float) -> float:
    """Frames per second through batched predict plus per-camera tracking."""
    trackers = [CameraTracker() for _ in range(CAMERAS)]
    model.predict_sync(frames[:WARMUP], conf)
    started = time.perf_counter()
    for start in range(0, len(frames), CAMERAS):
        batch = frames[start : start + CAMERAS]
        raws = model.predict_sync(batch, min(conf, 0.1))
        timestamp = start / CAMERAS / 10.0
        for camera, raw in enumerate(raws):
            ids = trackers[camera].update(raw, timestamp)
            label_detections(raw, ids, model.classes, conf)
    return len(frames) / (time.perf_counter() - started)


def _bare_path(weights: Path, frames: list[np.ndarray], conf: float) -> float:
    prepare_ultralytics()
    from ultralytics import YOLO

    model = YOLO(str(weights))
    for frame in frames[:WARMUP]:
        model.predict(frame, conf=conf, device="cpu", verbose=False)
    started = time.perf_counter()
    for frame in frames:
        model.predict(frame, conf=conf, device="cpu", verbose=False)
    return len(frames) / (time.perf_counter() - started)


def measure(frame_count: int = FRAMES, *, with_torch_service: bool = True) -> dict[str, Any]:
    """Run the paths; returns frames/s per path and what served them."""
    logging.getLogger("services").setLevel(logging.ERROR)  # the fallback warning is in the notes
    settings = DetectorSettings()
    frames = make_frames(frame_count)
    weights = resolve_weights(DEFAULT_MODEL, settings.weights_dir)
    backend, device = choose_backend(settings.detector_backend, settings.detector_device)

    def load(chosen: str) -> InferenceModel:
        return load_model(
            weights,
            backend=chosen,
            device=device,
            imgsz=settings.detector_imgsz,
            max_batch=settings.detector_max_batch,
            cache_dir=settings.weights_dir,
        )

    conf = settings.detector_confidence
    results: dict[str, Any] = {
        "frames": len(frames),
        "cameras": CAMERAS,
        "weights": weights.path.name,
        "fallback": weights.fallback,
        "device": device,
    }
    auto = load(backend)
    try:
        results["service_backend"] = auto.backend
        results["service_fps"] = _service_path(auto, frames, conf)
    finally:
        auto.close()
    if with_torch_service and auto.backend != TORCH:
        torch_model = load(TORCH)
        try:
            results["service_torch_fps"] = _service_path(torch_model, frames, conf)
        finally:
            torch_model.close()
    results["bare_torch_fps"] = _bare_path(weights.path, frames, conf)
    results["speedup"] = results["service_fps"] / results["bare_torch_fps"]
    return results


GOAL_SPEEDUP = 1.3


def run(frame_count: int = FRAMES) -> BenchResult:
    """The bench for `python -m bench`: a table, metrics and the goal."""
    figures = measure(frame_count)
    rows: list[list[Any]] = [
        [
            "service (auto)",
            figures["service_backend"],
            CAMERAS,
            figures["service_fps"],
            1000.0 / figures["service_fps"],
        ]
    ]
    if "service_torch_fps" in figures:
        fps = figures["service_torch_fps"]
        rows.append(["service (torch)", TORCH, CAMERAS, fps, 1000.0 / fps])
    rows.append(["bare ultralytics", TORCH, 1, figures["bare_torch_fps"], 1000.0 / figures["bare_torch_fps"]])
    met = "met" if figures["speedup"] >= GOAL_SPEEDUP else "not met"
    return BenchResult(
        name="detector",
        title=f"Detector throughput ({figures['frames']} frames, {WIDTH}x{HEIGHT})",
        columns=["path", "backend", "batch", "frames/s", "ms/frame"],
        rows=rows,
        metrics={k: float(v) for k, v in figures.items() if isinstance(v, int | float)},
        goals={
            "speedup": f"service path >= {GOAL_SPEEDUP}x bare Ultralytics: {figures['speedup']:.2f}x ({met})"
        },
        notes=[
            f"weights {figures['weights']} (fallback={figures['fallback']}), device {figures['device']}; "
            "frames decoded beforehand for every path; tracking included in the service paths"
        ],
    )


if __name__ == "__main__":
    result = run()
    print(f"== {result.title} ==\n{result.table()}")
    for goal in result.goals.values():
        print(f"goal: {goal}")
