"""Ultralytics' sample photos (bus.jpg, zidane.jpg), shipped in its wheel, as images or JPEG bytes."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def assets() -> Path:
    import ultralytics

    return Path(ultralytics.__file__).parent / "assets"


def read(name: str) -> np.ndarray:
    """A BGR image of one of the sample photos."""
    image = cv2.imread(str(assets() / name))
    assert image is not None, f"missing sample photo {name}"
    return np.asarray(image)


def decode(data: bytes) -> np.ndarray:
    """A BGR image from JPEG bytes; fails the test when they do not decode."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "not a decodable JPEG"
    return np.asarray(image)
