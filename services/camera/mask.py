"""Region masks: a PNG with a black background and every region polygon filled white.

Coordinates are pixels of the camera's frame and are drawn as they are (no scaling). CPU work:
call `render_mask` through `asyncio.to_thread`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from PIL import Image, ImageDraw

from services.camera.models import Point

DEFAULT_WIDTH = 640
DEFAULT_HEIGHT = 480
MAX_SIDE = 8192


def mask_size(requested: tuple[int, int], known: tuple[int, int]) -> tuple[int, int]:
    """Request values first, then the camera's known resolution, then 640×480 (per side)."""
    width = requested[0] or known[0] or DEFAULT_WIDTH
    height = requested[1] or known[1] or DEFAULT_HEIGHT
    return min(width, MAX_SIDE), min(height, MAX_SIDE)


def render_mask(width: int, height: int, polygons: Iterable[Iterable[Point]]) -> bytes:
    """A single-channel PNG: 0 outside every polygon, 255 inside (edges included)."""
    image = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(image)
    for polygon in polygons:
        points = list(polygon)
        if len(points) >= 3:
            draw.polygon(points, fill=255, outline=255)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
