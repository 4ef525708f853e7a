"""The motion gate on real H.264 frames: what is sent to the detector, and why.

Clips are rendered from the street of bus.jpg (as in tests/support/media.py), encoded with
libx264 and decoded again with PyAV, so compression noise is part of the test. Frames are taken
at the detect rate (5 fps) by their timestamps, as the capture thread does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import av.video.frame
import cv2
import numpy as np
import pytest

from services.ingest.detectframes import DetectGate, DetectOptions, Reason, detect_size, i420_of, luma_of
from services.ingest.motion import MotionDetector
from services.ingest.timing import Pacer
from tests.support import media

DETECT_FPS = 5.0
INTERVAL = 1.0 / DETECT_FPS
WALK_IN_DELAY_S = 3.0


def _street() -> np.ndarray:
    photo = media.load_photo("bus.jpg")
    x1, y1, x2, y2 = media.WALK_IN_STREET
    return np.asarray(cv2.resize(photo[y1:y2, x1:x2], media.WALK_IN_SIZE, interpolation=cv2.INTER_AREA))


def _clip(tmp_path: Path, name: str, render: Callable[[float], np.ndarray], seconds: float) -> Path:
    return media.encode_video(tmp_path / f"{name}.ts", render, fps=25, seconds=seconds)


def _gate_run(path: Path, options: DetectOptions | None = None) -> list[tuple[float, Reason]]:
    """(time, reason) of every detect frame of the clip."""
    detector = MotionDetector()
    gate = DetectGate(options or DetectOptions())
    pacer = Pacer(DETECT_FPS)
    decided: list[tuple[float, Reason]] = []
    first: dict[str, float] = {}
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            assert isinstance(frame, av.video.frame.VideoFrame) and frame.time is not None
            t = frame.time - start if (start := first.setdefault("t", frame.time)) is not None else 0.0
            if not pacer.accept(t):
                continue
            decided.append((t, gate.decide(t, detector.detect(luma_of(frame)), viewing=False)))
    return decided


def test_an_empty_scene_runs_no_inference_after_warm_up(tmp_path: Path) -> None:
    street = _street()
    decided = _gate_run(_clip(tmp_path, "empty", lambda t: street, 14.0))
    after_warmup = [(t, r) for t, r in decided if t >= 1.0]
    assert len(after_warmup) >= 60
    assert {r for _, r in after_warmup} <= {Reason.TICK, Reason.RECHECK}
    rechecks = [t for t, r in after_warmup if r is Reason.RECHECK]
    assert len(rechecks) == 1 and rechecks[0] == pytest.approx(11.0, abs=0.3)  # 10 s after warm-up
    warmup = [r for t, r in decided if t < 1.0]
    assert len(warmup) >= 5 and set(warmup) == {Reason.WARMUP}  # first second: as if all of it moved


def test_a_person_walking_in_is_sent_within_one_detect_interval(tmp_path: Path) -> None:
    walk_in = media._walk_in_frames(media.WALK_IN_SIZE)
    decided = _gate_run(_clip(tmp_path, "walk", lambda t: walk_in(t - WALK_IN_DELAY_S), 9.0))
    appears = next(
        i / 25 for i in range(25 * 9) if media.walk_in_box(i / 25 - WALK_IN_DELAY_S) not in (None,)
    )
    before = [r for t, r in decided if 1.0 <= t < appears]
    assert before and set(before) == {Reason.TICK}
    first_motion = next(t for t, r in decided if r is Reason.MOTION)
    assert appears <= first_motion <= appears + INTERVAL + 0.05
    walking = [r for t, r in decided if first_motion <= t < WALK_IN_DELAY_S + media.WALK_IN_ARRIVES_S - 0.2]
    assert walking.count(Reason.MOTION) >= 0.9 * len(walking)  # inference while the person moves
    stopped = [r for t, r in decided if t >= WALK_IN_DELAY_S + media.WALK_IN_ARRIVES_S + 0.5]
    assert stopped and set(stopped) == {Reason.TICK}  # standing still: no inference, ticks hold it


def test_a_slow_change_of_light_never_counts_as_motion(tmp_path: Path) -> None:
    street = _street().astype(np.int16)

    def dusk(t: float) -> np.ndarray:  # 70 levels darker over 20 s, as a sunset does in minutes
        return np.asarray(np.clip(street - 3.5 * t, 0, 255), dtype=np.uint8)

    decided = _gate_run(_clip(tmp_path, "dusk", dusk, 20.0), DetectOptions(recheck_s=3600))
    assert {r for t, r in decided if t >= 1.0} == {Reason.TICK}


def test_lights_switched_on_recalibrate_instead_of_moving_for_ever(tmp_path: Path) -> None:
    street = _street().astype(np.int16)

    def lights(t: float) -> np.ndarray:
        return np.asarray(np.clip(street + (90 if t >= 4.0 else 0), 0, 255), dtype=np.uint8)

    decided = _gate_run(_clip(tmp_path, "lights", lights, 9.0), DetectOptions(recheck_s=3600))
    after = [r for t, r in decided if t >= 4.0]
    assert after[0] is Reason.RECHECK  # the whole frame changed: look again, once
    assert set(after[2:]) == {Reason.TICK}


def test_detect_frames_are_i420_scaled_to_fit_the_detector() -> None:
    assert detect_size(640, 480, 640) == (640, 480)
    assert detect_size(1920, 1080, 640) == (640, 360)
    assert detect_size(1281, 721, 640) == (640, 360)
    image = _street()
    frame = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv420p")
    data = i420_of(frame, 320, 240)
    assert len(data) == 320 * 240 * 3 // 2
    back = cv2.cvtColor(np.frombuffer(data, np.uint8).reshape(360, 320), cv2.COLOR_YUV2BGR_I420)
    small = cv2.resize(image, (320, 240), interpolation=cv2.INTER_AREA)
    assert float(np.mean(cv2.absdiff(back, small))) < 6  # same picture, colour conversion aside
    assert luma_of(frame).shape == (480, 640)
