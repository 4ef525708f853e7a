"""Mask rendering: size rules and polygon pixels."""

from __future__ import annotations

import io

from PIL import Image

from services.camera.mask import mask_size, render_mask


def test_mask_size_prefers_request_then_camera_then_default() -> None:
    assert mask_size((320, 200), (1920, 1080)) == (320, 200)
    assert mask_size((0, 0), (1920, 1080)) == (1920, 1080)
    assert mask_size((0, 0), (0, 0)) == (640, 480)


def test_polygons_are_white_on_black() -> None:
    png = render_mask(200, 100, [((10, 10), (60, 10), (60, 60), (10, 60)), ((100, 50), (190, 50), (145, 95))])
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (200, 100)
    assert image.getpixel((30, 30)) == 255
    assert image.getpixel((145, 70)) == 255
    assert image.getpixel((5, 5)) == 0
    assert image.getpixel((80, 30)) == 0
    assert image.getpixel((199, 99)) == 0


def test_no_regions_gives_an_all_black_mask() -> None:
    image = Image.open(io.BytesIO(render_mask(64, 48, [])))
    assert image.size == (64, 48)
    assert image.getextrema() == (0, 0)
