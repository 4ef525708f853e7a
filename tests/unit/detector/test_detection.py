"""Real detection on Ultralytics' sample photos with both backends (torch, ONNX Runtime).

The ONNX model is exported once per test session into a temporary models folder.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from services.detector.backends import (
    ONNXRUNTIME,
    TORCH,
    InferenceModel,
    RawDetections,
    choose_backend,
    export_onnx,
    load_model,
)
from services.detector.registry import DEFAULT_MODEL, fallback_weights, resolve_weights
from tests.unit.detector import photos

# Where the people are (x1, y1, x2, y2), read off the photos.
BUS_PEOPLE = [(48, 398, 245, 906), (669, 390, 810, 877), (222, 405, 344, 859)]
ZIDANE_PEOPLE = [(140, 204, 1042, 714), (744, 37, 1142, 710)]


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


def people(raw: RawDetections, model: InferenceModel, min_conf: float = 0.25) -> list[tuple[float, ...]]:
    return [
        tuple(float(v) for v in raw.xyxy[i])
        for i in range(len(raw))
        if model.class_name(int(raw.cls[i])) == "person" and raw.conf[i] >= min_conf
    ]


def assert_found(found: list[tuple[float, ...]], expected: list[tuple[int, int, int, int]]) -> None:
    for box in expected:
        best = max((iou(box, candidate) for candidate in found), default=0.0)
        assert best >= 0.7, f"no detection at {box}; found {found}"


@pytest.fixture(scope="module")
def onnx_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models-onnx")


def _load(models_dir: Path, backend: str) -> InferenceModel:
    return load_model(
        resolve_weights(DEFAULT_MODEL, models_dir),
        backend=backend,
        device="cpu",
        imgsz=640,
        max_batch=4,
        cache_dir=models_dir,
    )


@pytest.fixture(scope="module")
def torch_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InferenceModel]:
    # Weights present under the full model's name: loaded as they are, not as the fallback.
    models_dir = tmp_path_factory.mktemp("models-torch")
    shutil.copyfile(fallback_weights(), models_dir / "yolo11n.pt")  # type: ignore[arg-type]
    loaded = _load(models_dir, TORCH)
    yield loaded
    loaded.close()


@pytest.fixture(scope="module")
def onnx_model(onnx_models_dir: Path) -> Iterator[InferenceModel]:
    loaded = _load(onnx_models_dir, ONNXRUNTIME)  # empty folder: the fallback, exported once
    yield loaded
    loaded.close()


@pytest.fixture(params=[TORCH, ONNXRUNTIME])
def model(request: pytest.FixtureRequest) -> InferenceModel:
    fixture = "torch_model" if request.param == TORCH else "onnx_model"
    loaded: InferenceModel = request.getfixturevalue(fixture)
    return loaded


def test_model_reports_what_serves_it(model: InferenceModel) -> None:
    assert model.name == DEFAULT_MODEL
    assert model.classes == ("person",)
    assert model.device == "cpu"
    if model.backend == TORCH:
        assert model.loaded_file.name == "yolo11n.pt" and not model.weights.fallback
    else:
        assert model.loaded_file.suffix == ".onnx" and model.weights.fallback
        assert "yolo11n.pt" in model.weights.note


def test_bus_photo_has_at_least_three_people_where_they_stand(model: InferenceModel) -> None:
    raws = model.predict_sync([photos.read("bus.jpg")], 0.25)
    found = people(raws[0], model)
    assert len(found) >= 3
    assert_found(found, BUS_PEOPLE)


def test_zidane_photo_has_two_people_where_they_stand(model: InferenceModel) -> None:
    raws = model.predict_sync([photos.read("zidane.jpg")], 0.25)
    found = people(raws[0], model)
    assert len(found) >= 2
    assert_found(found, ZIDANE_PEOPLE)


async def test_one_batch_of_mixed_frames_keeps_each_frame_apart(model: InferenceModel) -> None:
    bus = photos.read("bus.jpg")
    zidane = photos.read("zidane.jpg")
    blank = np.zeros((480, 640, 3), np.uint8)
    frames = [bus, zidane, blank, bus, zidane, blank]  # more than max_batch=4: two chunks
    raws, elapsed_ms = await model.predict(frames, 0.25)
    assert elapsed_ms > 0
    assert [len(people(r, model)) >= n for r, n in zip(raws, [3, 2, 0, 3, 2, 0], strict=True)] == [True] * 6
    assert len(raws[2]) == 0 and len(raws[5]) == 0
    assert_found(people(raws[3], model), BUS_PEOPLE)
    assert_found(people(raws[4], model), ZIDANE_PEOPLE)


def test_onnx_export_is_cached_by_weights_hash(onnx_models_dir: Path, onnx_model: InferenceModel) -> None:
    exported = sorted(onnx_models_dir.glob("*.onnx"))
    assert [p.name for p in exported] == [onnx_model.loaded_file.name]
    assert exported[0].name.startswith("yolo11n-pose-869e83fcdffd")
    before = exported[0].stat().st_mtime_ns
    assert export_onnx(fallback_weights(), onnx_models_dir, 640) == exported[0]  # type: ignore[arg-type]
    assert exported[0].stat().st_mtime_ns == before
    assert not [p for p in onnx_models_dir.iterdir() if p.name.startswith(".export-")]


def test_backend_choice_on_this_machine() -> None:
    assert choose_backend("torch", "cpu") == (TORCH, "cpu")
    assert choose_backend("onnx", "cpu") == (ONNXRUNTIME, "cpu")
    assert choose_backend("auto", "cpu") == (ONNXRUNTIME, "cpu")  # onnxruntime is installed
    assert choose_backend("auto", "cuda:0") == (TORCH, "cuda:0")
    assert choose_backend("torch", "cuda") == (TORCH, "cuda:0")
