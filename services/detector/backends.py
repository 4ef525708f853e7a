"""Inference backends: Ultralytics YOLO on torch, or exported once to ONNX and run by ONNX Runtime.

Each loaded model owns one inference executor (a single worker thread): Ultralytics predictors
are not thread-safe, and one thread per model keeps the event loop free. A batch of frames from
several cameras goes through one `predict` call, at most `max_batch` frames at a time.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from services.detector.registry import ResolvedWeights

log = logging.getLogger(__name__)

TORCH = "torch"
ONNXRUNTIME = "onnxruntime"


def prepare_ultralytics() -> None:
    """Keep Ultralytics off the network and pip; call before importing `ultralytics`."""
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ["YOLO_AUTOINSTALL"] = "false"
    os.environ.setdefault("YOLO_VERBOSE", "false")


def _yolo(weights: str | Path, task: str | None = None) -> Any:
    prepare_ultralytics()
    from ultralytics import YOLO

    return YOLO(str(weights), task=task)


@dataclass(frozen=True)
class RawDetections:
    """One frame's boxes as plain arrays: xyxy (N, 4) pixels, conf (N,), cls (N,) class ids."""

    xyxy: np.ndarray
    conf: np.ndarray
    cls: np.ndarray

    def __len__(self) -> int:
        return len(self.conf)

    @classmethod
    def empty(cls) -> RawDetections:
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64))


def cuda_available() -> bool:
    prepare_ultralytics()
    import torch

    return bool(torch.cuda.is_available())


def choose_backend(requested: str, device: str) -> tuple[str, str]:
    """(backend, device): auto = torch on CUDA when present, else ONNX Runtime when importable."""
    if device == "auto":
        device = "cuda:0" if cuda_available() else "cpu"
    elif device == "cuda":
        device = "cuda:0"
    onnx_ok = importlib.util.find_spec("onnxruntime") is not None
    if requested == "auto":
        backend = TORCH if device.startswith("cuda") or not onnx_ok else ONNXRUNTIME
    elif requested == "onnx":
        if not onnx_ok:
            raise RuntimeError("VF_DETECTOR_BACKEND=onnx but onnxruntime is not installed")
        backend = ONNXRUNTIME
    else:
        backend = TORCH
    return backend, device


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export_onnx(weights: Path, cache_dir: Path, imgsz: int) -> Path:
    """Export `weights` to ONNX once (dynamic batch), cached as `<stem>-<sha12>.onnx`.

    The export runs on a copy in a private folder, then moves into place atomically, so the
    package folder the weights come from is never written and two processes never clash.
    """
    target = cache_dir / f"{weights.stem}-{file_sha256(weights)[:12]}.onnx"
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=cache_dir))
    try:
        copy = work / weights.name
        shutil.copyfile(weights, copy)
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # torch's legacy ONNX exporter
            exported = Path(_yolo(copy).export(format="onnx", imgsz=imgsz, dynamic=True, device="cpu"))
        os.replace(exported, target)
        log.info("exported %s to %s in %.1f s", weights, target, time.perf_counter() - started)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


@dataclass
class InferenceModel:
    """A loaded model with its own single-thread executor."""

    name: str
    weights: ResolvedWeights
    loaded_file: Path
    backend: str
    device: str
    task: str
    classes: tuple[str, ...]
    imgsz: int
    max_batch: int
    _yolo: Any = field(repr=False)
    _executor: ThreadPoolExecutor = field(repr=False)

    def class_name(self, class_id: int) -> str:
        return self.classes[class_id] if 0 <= class_id < len(self.classes) else str(class_id)

    def predict_sync(self, images: list[np.ndarray], conf: float) -> list[RawDetections]:
        """Run the model on BGR images, `max_batch` at a time (call from the executor)."""
        out: list[RawDetections] = []
        for start in range(0, len(images), self.max_batch):
            chunk = images[start : start + self.max_batch]
            results = self._yolo.predict(
                chunk, imgsz=self.imgsz, conf=conf, device=self.device, verbose=False
            )
            for result in results:
                boxes = result.boxes
                if boxes is None or len(boxes) == 0:
                    out.append(RawDetections.empty())
                    continue
                out.append(
                    RawDetections(
                        xyxy=boxes.xyxy.cpu().numpy().astype(np.float32),
                        conf=boxes.conf.cpu().numpy().astype(np.float32),
                        cls=boxes.cls.cpu().numpy().astype(np.int64),
                    )
                )
        return out

    async def predict(self, images: list[np.ndarray], conf: float) -> tuple[list[RawDetections], float]:
        """Predict on the model's executor; returns the detections and the elapsed milliseconds."""
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        detections = await loop.run_in_executor(self._executor, self.predict_sync, images, conf)
        return detections, (time.perf_counter() - started) * 1000.0

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


def load_model(
    weights: ResolvedWeights,
    *,
    backend: str,
    device: str,
    imgsz: int,
    max_batch: int,
    cache_dir: Path,
) -> InferenceModel:
    """Load (and for ONNX export once) a model and warm it up. Blocking: run it off the loop."""
    prepare_ultralytics()
    torch_model = _yolo(weights.path)
    task = str(torch_model.task)
    names = torch_model.names
    classes = tuple(str(names[index]) for index in sorted(names))
    loaded_file = weights.path
    model = torch_model
    if backend == ONNXRUNTIME:
        try:
            loaded_file = export_onnx(weights.path, cache_dir, imgsz)
            model = _yolo(loaded_file, task=task)
        except Exception:
            log.exception("ONNX export of %s into %s failed; using torch", weights.path, cache_dir)
            backend, loaded_file = TORCH, weights.path
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"infer:{weights.model_name}")
    loaded = InferenceModel(
        name=weights.model_name,
        weights=weights,
        loaded_file=loaded_file,
        backend=backend,
        device=device,
        task=task,
        classes=classes,
        imgsz=imgsz,
        max_batch=max_batch,
        _yolo=model,
        _executor=executor,
    )
    # Warm up on the executor's own thread: the first call builds the predictor.
    executor.submit(loaded.predict_sync, [np.zeros((480, 640, 3), np.uint8)], 0.25).result()
    log.info(
        "model %s served by %s (from %s; backend=%s device=%s task=%s fallback=%s) classes=%s",
        weights.model_name,
        loaded_file.name,
        weights.path,
        backend,
        device,
        task,
        weights.fallback,
        ",".join(classes)
        if len(classes) <= 10
        else f"{len(classes)} classes ({', '.join(classes[:5])}, ...)",
    )
    if weights.fallback:
        log.warning("model %s: %s", weights.model_name, weights.note)
    return loaded
