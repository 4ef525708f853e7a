"""The vocabulary and limits the gateway and the services share: one home for each.

Model names, detection classes and the `vehicle` group, the limits of a camera and its regions,
and the per-camera detection settings. The gateway checks requests against these before any
call; the services check them again (gRPC callers skip the gateway), with the same numbers.

`detect_fps` is how many frames per second of a camera are analysed (motion, and inference where
there is motion). A camera is never analysed faster than its own frame rate: ingest takes at most
every frame the stream delivers, so a higher setting simply means "every frame".
"""

from __future__ import annotations

from collections.abc import Iterable

# Models ------------------------------------------------------------------------------------------
DEFAULT_MODEL = "yolo_v11_detect"  # YOLO11n, the 80 COCO classes
BUILTIN_MODEL_NAMES = frozenset({DEFAULT_MODEL})

# Detection classes -------------------------------------------------------------------------------
COCO_CLASSES: tuple[str, ...] = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog",
    "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella",
    "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
    "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
    "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
    "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant",
    "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
    "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
    "teddy bear", "hair drier", "toothbrush",
)  # fmt: skip

# `vehicle` stands for these COCO classes (API.md, Regions).
VEHICLE_GROUP = "vehicle"
VEHICLE_CLASSES: tuple[str, ...] = ("car", "truck", "bus", "motorcycle", "bicycle")
ALLOWED_CLASSES: frozenset[str] = frozenset(COCO_CLASSES) | {VEHICLE_GROUP}


def expand_classes(names: Iterable[str]) -> frozenset[str]:
    """Normalise region class names; `vehicle` stands for its COCO classes."""
    expanded: set[str] = set()
    for raw in names:
        name = raw.strip().lower()
        if name == VEHICLE_GROUP:
            expanded |= set(VEHICLE_CLASSES)
        elif name:
            expanded.add(name)
    return frozenset(expanded)


# Cameras and regions -----------------------------------------------------------------------------
NAME_MAX = 100
LOCATION_MAX = 200
STREAM_URL_MAX = 2048
MAX_REGIONS = 50
MIN_POINTS = 3
MAX_POINTS = 100
MAX_COORDINATE = 16384.0
MAX_ALERT_DURATION = 86400.0
CLASS_NAME_MAX = 64
MAX_CLASSES_PER_REGION = 100
MASK_MAX_SIDE = 8192

# Per-camera detection settings -------------------------------------------------------------------
DEFAULT_DETECT_FPS = 5.0
MIN_DETECT_FPS = 0.1
MAX_DETECT_FPS = 30.0

# The camera fields a partial update (REST PATCH, gRPC UpdateCamera) may change.
UPDATABLE_FIELDS = (
    "name",
    "stream_url",
    "recognition",
    "location",
    "model_name",
    "detect_fps",
    "detect_stream_url",
)
