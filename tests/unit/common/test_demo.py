"""The bundled demo scene: its URL names it and nothing else, and the committed clip is the scene."""

from __future__ import annotations

import json
import re
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from services.detector.zones import anchor_of, point_in_polygon
from visionflow import demo
from visionflow.demo import WALK_IN
from visionflow.demo.scenes import DEMO_FPS, DEMO_WALKS

ROOT = Path(__file__).resolve().parents[3]


def test_demo_url_names_the_bundled_clip() -> None:
    scene = demo.demo_scene("demo://walk-in")
    assert scene is WALK_IN and scene.url == "demo://walk-in"
    assert scene.path.parent.name == "demo" and scene.path.is_file()
    assert demo.is_demo_url("DEMO://anything") and not demo.is_demo_url("rtsp://cam/x")


@pytest.mark.parametrize("url", ["demo://nope", "demo://walk-in/x", "demo://walk-in#x", "file:///x"])
def test_any_other_url_is_refused_with_the_known_names(url: str) -> None:
    with pytest.raises(demo.DemoRefused, match="demo://walk-in"):
        demo.demo_scene(url)


def test_committed_clip_is_small_and_has_the_scene_format() -> None:
    assert WALK_IN.path.stat().st_size < 2_000_000
    with av.open(str(WALK_IN.path)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.width, stream.height) == ("h264", *WALK_IN.size)
        assert stream.average_rate == DEMO_FPS
        assert sum(1 for _ in container.decode(stream)) == round(WALK_IN.seconds * DEMO_FPS)


def test_committed_clip_shows_what_the_scene_draws() -> None:
    """Rebuild with `python -m visionflow.demo.scenes` when this fails after a scene change."""
    render = DEMO_WALKS[WALK_IN.name].renderer()
    with av.open(str(WALK_IN.path)) as container:
        for index, frame in enumerate(container.decode(container.streams.video[0])):
            if index % 50:
                continue
            expected = render(index / DEMO_FPS)
            psnr = cv2.PSNR(frame.to_ndarray(format="bgr24"), expected)
            assert psnr > 30, f"frame {index}: PSNR {psnr:.1f} dB against the scene"


def test_scene_zone_catches_the_person_for_longer_than_the_dwell() -> None:
    walk = DEMO_WALKS[WALK_IN.name]
    times = np.arange(0, WALK_IN.seconds, 1 / DEMO_FPS)
    inside = [t for t in times if (box := walk.box_at(t)) and point_in_polygon(anchor_of(box), WALK_IN.zone)]
    assert 4.0 < inside[0] < 5.0 and 15.0 < inside[-1] < 16.0
    assert walk.box_at(0.5) is None and walk.box_at(18.0) is None  # the loop starts and ends empty


def test_dashboard_script_adds_the_scene_and_its_zone() -> None:
    """services/gateway/static/demo_camera.js carries a copy of the scene's URL and zone."""
    script = (ROOT / "services" / "gateway" / "static" / "demo_camera.js").read_text()
    assert f'DEMO_STREAM_URL = "{WALK_IN.url}"' in script
    zone = re.search(r"export const DEMO_ZONE = (\{.*?\});", script, re.DOTALL)
    assert zone is not None
    as_json = re.sub(r"(\w+):", r'"\1":', zone[1]).replace(",\n}", "\n}")
    assert json.loads(as_json) == {
        "name": WALK_IN.zone_name,
        "coordinates": [[x, y] for x, y in WALK_IN.zone],
        "alert_duration": WALK_IN.alert_duration,
        "detection_classes": list(WALK_IN.zone_classes),
    }
