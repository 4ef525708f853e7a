"""Per-camera tracking with Ultralytics' BYTETracker on detection arrays."""

from __future__ import annotations

import numpy as np

from services.detector.backends import RawDetections
from services.detector.tracking import CameraTracker, label_detections


def dets(*boxes: tuple[float, float, float, float], conf: float = 0.9) -> RawDetections:
    if not boxes:
        return RawDetections.empty()
    return RawDetections(
        xyxy=np.array(boxes, dtype=np.float32),
        conf=np.full(len(boxes), conf, dtype=np.float32),
        cls=np.zeros(len(boxes), dtype=np.int64),
    )


A = (100.0, 100.0, 160.0, 260.0)
B = (400.0, 120.0, 450.0, 250.0)


def shifted(box: tuple[float, float, float, float], dx: float) -> tuple[float, float, float, float]:
    return (box[0] + dx, box[1], box[2] + dx, box[3])


def test_ids_are_stable_while_objects_move() -> None:
    tracker = CameraTracker()
    seen = [tracker.update(dets(shifted(A, 4 * i), shifted(B, -3 * i)), 10.0 + i * 0.2) for i in range(10)]
    assert all(ids.tolist() == seen[0].tolist() for ids in seen)
    assert sorted(seen[0].tolist()) == [1, 2]


def test_new_object_is_unconfirmed_on_its_first_frame() -> None:
    tracker = CameraTracker()
    tracker.update(dets(A), 0.0)
    tracker.update(dets(A), 0.2)
    first = tracker.update(dets(A, B), 0.4)
    second = tracker.update(dets(A, B), 0.6)
    assert first.tolist() == [1, 0]
    assert second[0] == 1 and second[1] > 1


def test_cameras_have_their_own_ids() -> None:
    front, back = CameraTracker(), CameraTracker()
    assert front.update(dets(A), 0.0).tolist() == [1]
    assert back.update(dets(B), 0.0).tolist() == [1]
    assert front.update(dets(A), 0.2).tolist() == [1]


def test_lost_track_returns_within_buffer_seconds() -> None:
    tracker = CameraTracker(buffer_seconds=1.0, initial_fps=5.0)
    t = 0.0
    for _ in range(5):
        tracker.update(dets(A), t)
        t += 0.2
    for _ in range(3):  # 0.6 s without the object
        tracker.update(dets(), t)
        t += 0.2
    assert tracker.update(dets(A), t).tolist() == [1]
    assert 4.0 < tracker.frame_rate < 6.0


def test_lost_track_past_buffer_gets_a_new_id() -> None:
    tracker = CameraTracker(buffer_seconds=1.0, initial_fps=5.0)
    t = 0.0
    for _ in range(5):
        tracker.update(dets(A), t)
        t += 0.2
    for _ in range(12):  # 2.4 s without the object
        tracker.update(dets(), t)
        t += 0.2
    tracker.update(dets(A), t)
    assert tracker.update(dets(A), t + 0.2)[0] > 1


def test_published_detections_skip_low_confidence_but_keep_ids() -> None:
    raw = RawDetections(
        xyxy=np.array([A, B], dtype=np.float32),
        conf=np.array([0.9, 0.15], dtype=np.float32),
        cls=np.array([0, 3], dtype=np.int64),
    )
    labelled = label_detections(raw, np.array([5, 6]), ("person", "x", "y", "car"), 0.25)
    assert len(labelled) == 1
    assert labelled[0].track_id == 5 and labelled[0].class_name == "person"
    assert labelled[0].box == A
    unknown = label_detections(raw, np.array([0, 0]), ("person",), 0.1)
    assert [d.class_name for d in unknown] == ["person", "3"]


def test_empty_frames_are_fine() -> None:
    tracker = CameraTracker()
    assert tracker.update(dets(), 0.0).tolist() == []
