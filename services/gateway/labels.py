"""The classes a region can watch for: the labels of the model the camera's detector serves.

The detector says what it loaded (`DetectorService.ListModels`): YOLO11n's 80 COCO classes, or
only `person` when the offline stand-in serves the default model. The region editor offers those,
plus the `vehicle` group when the model knows all of its classes. Names the camera service would
refuse (a custom model's own labels) are left out, so whatever the page offers can be saved. When
the detector cannot be asked, the page offers the vocabulary of the camera's model instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from services.gateway.clients import Clients
from visionflow.errors import VisionFlowError
from visionflow.v1 import media_pb2
from visionflow.vocabulary import ALLOWED_CLASSES, COCO_CLASSES, DEFAULT_MODEL, VEHICLE_CLASSES, VEHICLE_GROUP

log = logging.getLogger(__name__)

# The editor page must not wait long on a detector that is starting or gone.
LIST_MODELS_TIMEOUT_S = 2.0
# Where the list came from, for the page's hint.
FROM_DETECTOR = "detector"
FROM_STAND_IN = "stand_in"
FROM_VOCABULARY = "vocabulary"


@dataclass(frozen=True)
class RegionClasses:
    """The class names to offer, in the model's order, and where they came from."""

    names: tuple[str, ...]
    source: str


def offered(model_classes: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The model's labels a region may name, with `vehicle` first when all its classes are there."""
    names = [
        name for name in dict.fromkeys(c.strip().lower() for c in model_classes) if name in ALLOWED_CLASSES
    ]
    if set(VEHICLE_CLASSES) <= set(names) and VEHICLE_GROUP not in names:
        names.insert(0, VEHICLE_GROUP)
    return tuple(names)


def pick_model(models: list[media_pb2.ModelInfo], model_name: str) -> media_pb2.ModelInfo | None:
    """The loaded model serving `model_name`; an unknown name is served by the default model."""
    by_name = {model.model_name: model for model in models}
    return by_name.get(model_name or DEFAULT_MODEL) or by_name.get(DEFAULT_MODEL)


async def region_classes(clients: Clients, model_name: str) -> RegionClasses:
    """What the detector detects for a camera of `model_name` (the vocabulary if it cannot say)."""
    if clients.detector is not None:
        try:
            reply = await clients.rpc(
                clients.detector.ListModels, media_pb2.ListModelsRequest(), timeout=LIST_MODELS_TIMEOUT_S
            )
        except VisionFlowError as error:
            log.warning("detector models unavailable (%s); offering the vocabulary", error.code)
        else:
            model = pick_model(list(reply.models), model_name)
            if model is not None and offered(list(model.classes)):
                source = FROM_STAND_IN if model.fallback else FROM_DETECTOR
                return RegionClasses(offered(list(model.classes)), source)
    return RegionClasses(offered(COCO_CLASSES), FROM_VOCABULARY)
