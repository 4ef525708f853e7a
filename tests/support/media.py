"""Short H.264 test videos made from Ultralytics' sample photos, with known people positions.

Two kinds of clip, both encoded with PyAV (libx264 ultrafast, no B-frames, a keyframe every
half second so an RTSP client can join quickly):

- `pan_video(BUS_PAN)`: a crop window slides across a real photo, so the people in it move
  across the frame. `Pan.people_at(t, ...)` gives their boxes in frame pixels at time t.
- `walk_in_video()`: one person (cut from bus.jpg) walks in from the left edge of an empty street
  and stops inside the frame. `walk_in_box(t)` gives the box; in a 640x480 frame the person enters
  at t=0, stops at t=WALK_IN_ARRIVES_S=4.0 s and stays at WALK_IN_STOP_BOX=(400, 140, 503, 440)
  until the end. The box's bottom-centre (the point zones test) ends at (451, 440).

The drawing and encoding are visionflow/demo/scenes.py's (the demo camera is a walk-in too).
Files are generated once per test session into a temporary folder (removed at exit), keyed by
their parameters, so asking twice for the same clip costs nothing.

People in the photos (pixels of the original photo; yolo11n-pose, confidence >= 0.84):
- bus.jpg (810x1080): (48, 400, 244, 906), (223, 405, 344, 859), (669, 388, 810, 878)
- zidane.jpg (1280x720): (140, 204, 1042, 714), (744, 37, 1142, 710)
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from visionflow.demo.scenes import Box, Image, Walk, clip_box, encode_video, load_photo
from visionflow.demo.scenes import photo_path as photo_path

PHOTO_PEOPLE: dict[str, tuple[Box, ...]] = {
    "bus.jpg": ((48, 400, 244, 906), (223, 405, 344, 859), (669, 388, 810, 878)),
    "zidane.jpg": ((140, 204, 1042, 714), (744, 37, 1142, 710)),
}

WALK_IN_SIZE = (640, 480)
WALK_IN_PERSON = (48, 400, 222, 906)  # the left bus.jpg person (without the neighbour)
WALK_IN_STREET = (0, 0, 507, 380)  # the people-free top of bus.jpg used as the background
WALK_IN_ARRIVES_S = 4.0
WALK_IN_STOP_BOX: Box = (400, 140, 503, 440)
WALK_IN = Walk(
    photo="bus.jpg",
    size=WALK_IN_SIZE,
    street=WALK_IN_STREET,
    person=WALK_IN_PERSON,
    stop=WALK_IN_STOP_BOX,
    arrive_s=WALK_IN_ARRIVES_S,
)

_lock = threading.Lock()
_cache_dir: Path | None = None


@dataclass(frozen=True)
class Pan:
    """A crop window of `size` photo pixels moving from `start` to `end` (top-left corners)."""

    photo: str
    size: tuple[int, int]
    start: tuple[int, int]
    end: tuple[int, int]

    def window_at(self, t: float, duration: float) -> tuple[float, float]:
        f = min(max(t / duration, 0.0), 1.0) if duration > 0 else 0.0
        return (
            self.start[0] + (self.end[0] - self.start[0]) * f,
            self.start[1] + (self.end[1] - self.start[1]) * f,
        )

    def people_at(self, t: float, duration: float, frame_size: tuple[int, int]) -> list[Box]:
        """Boxes (frame pixels, clipped) of the people visible at time t."""
        x0, y0 = self.window_at(t, duration)
        sx, sy = frame_size[0] / self.size[0], frame_size[1] / self.size[1]
        boxes = []
        for x1, y1, x2, y2 in PHOTO_PEOPLE[self.photo]:
            box = clip_box(
                (round((x1 - x0) * sx), round((y1 - y0) * sy), round((x2 - x0) * sx), round((y2 - y0) * sy)),
                frame_size,
            )
            if box is not None:
                boxes.append(box)
        return boxes


# Three people in full height, sliding 80 px left in a 640x480 frame.
BUS_PAN = Pan("bus.jpg", size=(720, 540), start=(0, 376), end=(90, 376))
# Two people sliding 213 px left; the right one (Zidane) comes fully into view.
ZIDANE_PAN = Pan("zidane.jpg", size=(960, 720), start=(0, 0), end=(320, 0))


def walk_in_box(t: float, frame_size: tuple[int, int] = WALK_IN_SIZE) -> Box | None:
    """The walker's box at time t in frame pixels (None while fully outside the frame)."""
    x1, y1, x2, y2 = WALK_IN.full_box(t)
    sx, sy = frame_size[0] / WALK_IN_SIZE[0], frame_size[1] / WALK_IN_SIZE[1]
    return clip_box((round(x1 * sx), round(y1 * sy), round(x2 * sx), round(y2 * sy)), frame_size)


def _pan_frames(pan: Pan, size: tuple[int, int], duration: float) -> Callable[[float], Image]:
    photo = load_photo(pan.photo)

    def render(t: float) -> Image:
        x0, y0 = pan.window_at(t, duration)
        # An affine warp gives sub-pixel window positions, so the motion is smooth.
        sx, sy = size[0] / pan.size[0], size[1] / pan.size[1]
        matrix = np.array([[sx, 0.0, -x0 * sx], [0.0, sy, -y0 * sy]], dtype=np.float64)
        return np.asarray(cv2.warpAffine(photo, matrix, size, flags=cv2.INTER_AREA), dtype=np.uint8)

    return render


def _walk_in_frames(size: tuple[int, int]) -> Callable[[float], Image]:
    return WALK_IN.renderer(size)


def _cached(name: str, make: Callable[[Path], Path]) -> Path:
    global _cache_dir
    with _lock:
        if _cache_dir is None:
            _cache_dir = Path(tempfile.mkdtemp(prefix="vf-media-"))
            atexit.register(shutil.rmtree, _cache_dir, ignore_errors=True)
        path = _cache_dir / name
        return path if path.exists() else make(path)


def pan_video(
    pan: Pan = BUS_PAN,
    *,
    width: int = 640,
    height: int = 480,
    fps: int = 25,
    seconds: float = 10.0,
    fmt: str = "ts",
) -> Path:
    """A clip of `pan` over its photo (cached per session). `fmt`: "ts" or "mp4"."""
    name = f"pan-{Path(pan.photo).stem}-{width}x{height}-{fps}-{seconds:g}.{fmt}"
    return _cached(
        name,
        lambda path: encode_video(path, _pan_frames(pan, (width, height), seconds), fps=fps, seconds=seconds),
    )


def walk_in_video(
    *, width: int = 640, height: int = 480, fps: int = 25, seconds: float = 10.0, fmt: str = "ts"
) -> Path:
    """A person walks in from the left and stays (see `walk_in_box`); cached per session."""
    name = f"walk-in-{width}x{height}-{fps}-{seconds:g}.{fmt}"
    return _cached(
        name, lambda path: encode_video(path, _walk_in_frames((width, height)), fps=fps, seconds=seconds)
    )
