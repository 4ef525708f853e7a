"""Draw and encode the demo clips (and the walk-in test clips, tests/support/media.py).

A `Walk` is one person cut out of a real photo moving over a people-free part of a photo: in from
the left edge, standing still, and (optionally) out over the right edge. Its `box_at(t)` is the
person's box in frame pixels, so a test knows where the detector must find them. `encode_video`
writes H.264 with PyAV (no B-frames).

The photos ship inside the ultralytics wheel, so this module is for building clips (and tests),
never imported by a service at run time. Rebuild the bundled clip after changing its scene:

    .venv/bin/python -m visionflow.demo.scenes
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt

from visionflow.demo import SCENES, WALK_IN, DemoScene

log = logging.getLogger(__name__)

Box = tuple[int, int, int, int]  # x1, y1, x2, y2
Image = npt.NDArray[np.uint8]


def photo_path(name: str) -> Path:
    """A sample photo shipped inside the ultralytics wheel (bus.jpg, zidane.jpg)."""
    import ultralytics

    return Path(ultralytics.__file__).parent / "assets" / name


def load_photo(name: str) -> Image:
    image = cv2.imread(str(photo_path(name)))
    if image is None:
        raise FileNotFoundError(photo_path(name))
    return np.asarray(image, dtype=np.uint8)


def clip_box(box: Box, frame_size: tuple[int, int]) -> Box | None:
    """The part of `box` inside the frame, or None when nothing of it is."""
    x1, y1 = max(box[0], 0), max(box[1], 0)
    x2, y2 = min(box[2], frame_size[0]), min(box[3], frame_size[1])
    return (x1, y1, x2, y2) if x2 > x1 and y2 > y1 else None


def person_mask(photo: Image, box: Box, pad: int = 20) -> npt.NDArray[np.float32]:
    """How much each pixel of `box` is the person (0..1, soft edges), cut out with GrabCut."""
    x1, y1, x2, y2 = box
    height, width = photo.shape[:2]
    px1, py1, px2, py2 = max(x1 - pad, 0), max(y1 - pad, 0), min(x2 + pad, width), min(y2 + pad, height)
    area = np.ascontiguousarray(photo[py1:py2, px1:px2])
    mask = np.zeros(area.shape[:2], np.uint8)
    models = (np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64))
    cv2.setRNGSeed(0)
    cv2.grabCut(area, mask, (x1 - px1, y1 - py1, x2 - x1, y2 - y1), *models, 5, cv2.GC_INIT_WITH_RECT)
    person = np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 1.0, 0.0).astype(np.float32)
    soft = cv2.GaussianBlur(person, (5, 5), 0)
    return np.asarray(soft[y1 - py1 : y2 - py1, x1 - px1 : x2 - px1], dtype=np.float32)


def _progress(t: float, start: float, end: float) -> float:
    return min(max((t - start) / (end - start), 0.0), 1.0) if end > start else float(t >= start)


@dataclass(frozen=True)
class Walk:
    """A person (photo pixels `person`) over a background (photo pixels `street`) in `size` frames.

    They enter over the left edge at `enter_s`, stand at `stop` (frame pixels) from `arrive_s`,
    and, when `leave_s` is set, walk out over the right edge, fully gone at `gone_s`.
    """

    photo: str
    size: tuple[int, int]
    street: Box
    person: Box
    stop: Box
    enter_s: float = 0.0
    arrive_s: float = 4.0
    leave_s: float | None = None
    gone_s: float | None = None
    cut_out: bool = False  # paste only the person (GrabCut), not the rectangle around them

    def full_box(self, t: float) -> Box:
        """The person's box at time t, not clipped to the frame."""
        stop = self.stop
        width = stop[2] - stop[0]
        if self.leave_s is not None and self.gone_s is not None and t > self.leave_s:
            x1 = round(stop[0] + (self.size[0] - stop[0]) * _progress(t, self.leave_s, self.gone_s))
        else:
            x1 = round(-width + (stop[0] + width) * _progress(t, self.enter_s, self.arrive_s))
        return (x1, stop[1], x1 + width, stop[3])

    def box_at(self, t: float) -> Box | None:
        """The person's box at time t in frame pixels (None while they are outside the frame)."""
        return clip_box(self.full_box(t), self.size)

    def renderer(self, size: tuple[int, int] | None = None) -> Callable[[float], Image]:
        """`render(t)`: the frame at time t (drawn at `self.size`, then scaled to `size`)."""
        photo = load_photo(self.photo)
        sx1, sy1, sx2, sy2 = self.street
        street: Image = np.asarray(
            cv2.resize(photo[sy1:sy2, sx1:sx2], self.size, interpolation=cv2.INTER_AREA), dtype=np.uint8
        )
        px1, py1, px2, py2 = self.person
        stop = self.stop
        person_size = (stop[2] - stop[0], stop[3] - stop[1])
        person = cv2.resize(photo[py1:py2, px1:px2], person_size, interpolation=cv2.INTER_AREA)
        alpha = None
        if self.cut_out:
            mask = cv2.resize(person_mask(photo, self.person), person_size, interpolation=cv2.INTER_AREA)
            alpha = np.asarray(mask, dtype=np.float32)[:, :, np.newaxis]

        def render(t: float) -> Image:
            frame = street.copy()
            box = self.box_at(t)
            if box is not None:
                x1, y1, x2, y2 = box
                left = self.full_box(t)[0]  # cut what is outside the frame off the person
                cut = person[:, x1 - left : x2 - left]
                if alpha is None:
                    frame[y1:y2, x1:x2] = cut
                else:
                    part = alpha[:, x1 - left : x2 - left]
                    blend = cut * part + frame[y1:y2, x1:x2] * (1.0 - part)
                    frame[y1:y2, x1:x2] = np.clip(blend + 0.5, 0, 255).astype(np.uint8)
            if size is not None and size != self.size:
                frame = np.asarray(cv2.resize(frame, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
            return frame

        return render


# The demo camera (demo://walk-in): in at 1-5 s, standing until 14 s, out by 17 s, 20 s a loop.
DEMO_WALKS: dict[str, Walk] = {
    WALK_IN.name: Walk(
        photo="bus.jpg",
        size=WALK_IN.size,
        street=(0, 0, 675, 380),  # the people-free top of bus.jpg (a facade, the bus's roof)
        person=(48, 400, 222, 906),  # the left bus.jpg person (without the neighbour)
        stop=(410, 78, 503, 348),
        enter_s=1.0,
        arrive_s=5.0,
        leave_s=14.0,
        gone_s=17.0,
        cut_out=True,
    )
}


def encode_video(
    path: Path,
    render: Callable[[float], Image],
    *,
    fps: int,
    seconds: float,
    keyframe_s: float = 0.5,
    preset: str = "ultrafast",
    crf: int | None = None,
) -> Path:
    """Encode `render(t)` frames to H.264 in MPEG-TS (`.ts`) or MP4 (`.mp4`), written atomically."""
    container_format = {".ts": "mpegts", ".mp4": "mp4"}[path.suffix]
    first = render(0.0)
    height, width = first.shape[:2]
    options = {"preset": preset, "bf": "0"} | ({"crf": str(crf)} if crf is not None else {})
    partial = path.with_name(path.name + ".part")
    with av.open(str(partial), mode="w", format=container_format) as container:
        stream = container.add_stream("libx264", rate=fps, options=options)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.gop_size = max(1, round(fps * keyframe_s))
        stream.codec_context.time_base = Fraction(1, fps)
        for index in range(round(seconds * fps)):
            image = first if index == 0 else render(index / fps)
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    partial.replace(path)
    return path


DEMO_FPS = 25


def build(scene: DemoScene, path: Path | None = None) -> Path:
    """Encode a demo scene's clip (to the file the services play, unless told otherwise)."""
    walk = DEMO_WALKS[scene.name]
    return encode_video(
        path or scene.path,
        walk.renderer(),
        fps=DEMO_FPS,
        seconds=scene.seconds,
        keyframe_s=2.0,
        preset="slow",
        crf=26,
    )


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for name in DEMO_WALKS:
        written = build(SCENES[name])
        log.info("wrote %s (%d bytes)", written, written.stat().st_size)


if __name__ == "__main__":
    main()
