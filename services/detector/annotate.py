"""Drawing on frames: boxes with class, confidence and track id, and the camera's regions.

Pure OpenCV on numpy images; callers run it off the event loop (it takes milliseconds).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from services.detector.tracking import Detected
from services.detector.zones import ZoneRule

_REGION_COLOUR = (0, 215, 255)  # BGR amber
_UNCONFIRMED_COLOUR = (160, 160, 160)
_PALETTE = (
    (56, 56, 255),
    (151, 157, 255),
    (31, 112, 255),
    (29, 178, 255),
    (49, 210, 207),
    (10, 249, 72),
    (23, 204, 146),
    (134, 219, 61),
    (211, 188, 0),
    (255, 149, 0),
    (255, 55, 0),
    (199, 55, 255),
)
_FONT = cv2.FONT_HERSHEY_SIMPLEX


def _colour(track_id: int) -> tuple[int, int, int]:
    return _UNCONFIRMED_COLOUR if track_id <= 0 else _PALETTE[track_id % len(_PALETTE)]


def _label(image: np.ndarray, text: str, origin: tuple[int, int], colour: tuple[int, int, int]) -> None:
    scale = max(0.4, min(image.shape[:2]) / 1000.0)
    thickness = max(1, round(scale * 2))
    (width, height), baseline = cv2.getTextSize(text, _FONT, scale, thickness)
    x = min(max(origin[0], 0), max(image.shape[1] - width, 0))
    y = max(origin[1], height + baseline)
    cv2.rectangle(image, (x, y - height - baseline), (x + width, y), colour, cv2.FILLED)
    cv2.putText(image, text, (x, y - baseline), _FONT, scale, (255, 255, 255), thickness, cv2.LINE_AA)


def draw(
    image: np.ndarray,
    detections: Sequence[Detected],
    regions: Sequence[ZoneRule],
    *,
    scale: tuple[float, float] = (1.0, 1.0),
) -> np.ndarray:
    """A copy of `image` with the regions outlined and named and every detection boxed.

    Regions and boxes are in main-stream pixels; `scale` maps them to the image's pixels (a
    detect frame from a sub-stream or scaled down is smaller than the main stream).
    """
    sx, sy = scale
    canvas = image.copy()
    line = max(1, round(min(canvas.shape[:2]) / 300))
    for region in regions:
        if len(region.polygon) < 2:
            continue
        points = np.array([[round(x * sx), round(y * sy)] for x, y in region.polygon], dtype=np.int32)
        cv2.polylines(canvas, [points], isClosed=True, color=_REGION_COLOUR, thickness=line)
        top = points[np.argmin(points[:, 1])]
        _label(canvas, region.name, (int(top[0]), int(top[1])), _REGION_COLOUR)
    for detection in detections:
        colour = _colour(detection.track_id)
        bx1, by1, bx2, by2 = detection.box
        x1, y1, x2, y2 = round(bx1 * sx), round(by1 * sy), round(bx2 * sx), round(by2 * sy)
        cv2.rectangle(canvas, (x1, y1), (x2, y2), colour, line)
        track = f" #{detection.track_id}" if detection.track_id > 0 else ""
        _label(canvas, f"{detection.class_name} {detection.confidence:.2f}{track}", (x1, y1), colour)
    return canvas


def encode_jpeg(image: np.ndarray, quality: int = 80) -> bytes:
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buffer.tobytes()


def decode_jpeg(data: bytes) -> np.ndarray | None:
    """BGR image from JPEG bytes, or None when the bytes are not a decodable image."""
    if not data:
        return None
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    return image if image is not None and image.size else None
