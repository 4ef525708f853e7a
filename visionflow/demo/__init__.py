"""Bundled demo scenes: a camera that works without hardware, named by a `demo://<scene>` URL.

A new user has no camera at hand, so VisionFlow ships a short clip made from a real photo
(Ultralytics' bus.jpg, AGPL-3.0 like the rest): a person walks in from the left, stands in a zone
for about ten seconds, walks out to the right, and the clip loops every 20 s. Ingest plays it as a
live camera at its native rate (the `file://` playback path), so every part of the system runs on
it: motion, detection, the zone dwell and a notification within the first minute.

A demo URL names a scene, never a path: `demo://walk-in` maps to the clip in this package and
every other `demo:` URL is refused (by the camera service when it is saved, and by ingest again
when it opens it), so the scheme cannot be used to read any other file of the server. It needs no
operator setting, unlike `file://` (`VF_ALLOW_FILE_URLS`).

This module is what the services import at run time (no OpenCV, no Ultralytics);
`visionflow/demo/scenes.py` draws the clips and rebuilds them (`python -m visionflow.demo.scenes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEMO_SCHEME = "demo"

Point = tuple[float, float]


class DemoRefused(ValueError):
    """The URL names no bundled scene; the message is safe to show."""


@dataclass(frozen=True)
class DemoScene:
    """A bundled clip and the zone to draw on it so that it raises an alert."""

    name: str
    file_name: str
    size: tuple[int, int]  # frame width, height
    seconds: float  # one loop
    zone: tuple[Point, ...]  # frame pixels
    zone_name: str
    zone_classes: tuple[str, ...]
    alert_duration: float  # seconds, short enough for an alert on every loop

    @property
    def url(self) -> str:
        return f"{DEMO_SCHEME}://{self.name}"

    @property
    def path(self) -> Path:
        return Path(__file__).with_name(self.file_name)


WALK_IN = DemoScene(
    name="walk-in",
    file_name="walk-in.mp4",
    size=(640, 360),
    seconds=20.0,
    zone=((370.0, 250.0), (545.0, 250.0), (565.0, 359.0), (350.0, 359.0)),
    zone_name="Doorway",
    zone_classes=("person",),
    alert_duration=3.0,
)

SCENES: dict[str, DemoScene] = {scene.name: scene for scene in (WALK_IN,)}
_BY_URL = {scene.url: scene for scene in SCENES.values()}


def is_demo_url(url: str) -> bool:
    """Whether the URL uses the demo scheme (valid or not)."""
    scheme, separator, _ = url.strip().partition(":")
    return bool(separator) and scheme.lower() == DEMO_SCHEME


def demo_scene(url: str) -> DemoScene:
    """The scene `demo://<name>` names, spelled exactly so; DemoRefused for anything else."""
    scene = _BY_URL.get(url.strip())
    if scene is None:
        known = ", ".join(sorted(_BY_URL))
        raise DemoRefused(f"unknown demo scene; the demo cameras are {known}")
    return scene
