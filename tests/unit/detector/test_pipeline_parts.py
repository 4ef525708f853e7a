"""The detector's small parts: frame slots, headers, drawing, per-frame analysis, alert naming, settings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from services.detector.alerts import PendingAlert, alert_message, build_event
from services.detector.annotate import decode_jpeg, draw, encode_jpeg
from services.detector.backends import RawDetections
from services.detector.batcher import analyse
from services.detector.cameras import WatchedCamera, rules_from
from services.detector.config import DetectorSettings
from services.detector.frames import DetectFrame, FrameSlots, frame_from_message
from services.detector.tracking import CameraTracker, Detected
from services.detector.zones import ZoneEngine, ZoneRule
from tests.unit.detector import photos
from visionflow import subjects
from visionflow.snapshots import snapshot_key
from visionflow.v1 import camera_pb2

ACCOUNT = "5b0f3c1e-7f7e-4a53-9a56-1f0d7f1f0a11"


def frame(camera_id: int, seq: int, capture_ns: int = 1_000_000_000) -> DetectFrame:
    return DetectFrame(camera_id, b"jpeg", seq, capture_ns, 640, 480)


def test_slots_keep_only_the_newest_frame_per_camera() -> None:
    slots = FrameSlots()
    assert slots.put(frame(1, 1)) is False
    assert slots.put(frame(1, 2)) is True  # frame 1 replaced before analysis: a drop
    assert slots.put(frame(2, 1)) is False
    assert slots.ready.is_set()
    taken = slots.take_all()
    assert sorted((f.camera_id, f.seq) for f in taken) == [(1, 2), (2, 1)]
    assert len(slots) == 0 and not slots.ready.is_set()
    slots.put(frame(3, 1))
    slots.discard(3)
    assert slots.take_all() == []


def test_frame_headers_round_trip_and_bad_values_default() -> None:
    headers = subjects.frame_headers(seq=42, capture_ns=1_700_000_000_123_456_789, width=640, height=480)
    parsed = frame_from_message(7, b"x", headers)
    assert (parsed.seq, parsed.capture_ns, parsed.width, parsed.height) == (
        42,
        1_700_000_000_123_456_789,
        640,
        480,
    )
    assert parsed.capture_seconds == pytest.approx(1_700_000_000.123456789)
    broken = frame_from_message(7, b"x", {subjects.HDR_SEQ: "nope"})
    assert broken.seq == 0 and broken.capture_ns > 0  # stamped on arrival


def test_drawing_marks_boxes_and_regions_on_a_copy() -> None:
    image = photos.read("zidane.jpg")
    region = ZoneRule(1, "Door", ((10.0, 10.0), (600.0, 10.0), (600.0, 400.0), (10.0, 400.0)), 1.0)
    detection = Detected(0, "person", 0.91, (744.0, 37.0, 1142.0, 710.0), 3)
    drawn = draw(image, [detection], [region])
    assert drawn.shape == image.shape
    assert not np.array_equal(drawn, image)
    assert np.array_equal(image, photos.read("zidane.jpg"))  # input untouched
    jpeg = encode_jpeg(drawn, 80)
    assert jpeg[:2] == b"\xff\xd8"
    decoded = decode_jpeg(jpeg)
    assert decoded is not None and decoded.shape == image.shape


@pytest.mark.parametrize("data", [b"", b"not a jpeg", b"\xff\xd8\xff\xe0garbage"])
def test_undecodable_bytes_give_none(data: bytes) -> None:
    assert decode_jpeg(data) is None


def camera_config(**overrides: object) -> camera_pb2.Camera:
    region = camera_pb2.Region(
        id=11,
        name="Door",
        coordinates=[camera_pb2.Point(x=x, y=y) for x, y in ((0, 0), (640, 0), (640, 480), (0, 480))],
        alert_duration=1.0,
        notification_enabled=True,
        detection_classes=["Person"],
    )
    broken = camera_pb2.Region(id=12, name="Line", coordinates=[camera_pb2.Point(x=1, y=1)])
    values: dict[str, object] = {
        "id": 5,
        "account_uuid": ACCOUNT,
        "name": "Front",
        "recognition": True,
        "regions": [region, broken],
    }
    values.update(overrides)
    return camera_pb2.Camera(**values)  # type: ignore[arg-type]


def test_regions_become_rules_and_short_ones_are_skipped() -> None:
    rules = rules_from(camera_config())
    assert len(rules) == 1
    assert rules[0].region_id == 11 and rules[0].name == "Door" and rules[0].classes == {"person"}
    assert rules[0].polygon[1] == (640.0, 0.0) and rules[0].alert_duration == 1.0


def test_analysis_tracks_alerts_once_and_draws() -> None:
    camera = WatchedCamera(
        camera_id=5,
        account_uuid=ACCOUNT,
        name="Front",
        model_name="yolo_v11_detect",
        recognition=True,
        zones=ZoneEngine(rules_from(camera_config())),
        tracker=CameraTracker(),
    )
    image = np.full((480, 640, 3), 90, np.uint8)
    raw = RawDetections(
        xyxy=np.array([[100, 100, 200, 400], [300, 100, 350, 200]], np.float32),
        conf=np.array([0.9, 0.12], np.float32),  # the second is below the publish threshold
        cls=np.array([0, 0], np.int64),
    )
    alerts = []
    for i in range(8):
        capture_ns = 5_000_000_000 + i * 200_000_000
        result = analyse(
            camera, frame(5, i, capture_ns), image, raw, ("person",), confidence=0.25, jpeg_quality=80
        )
        assert [d.track_id for d in result.detections] == [1]
        assert decode_jpeg(result.jpeg) is not None and result.encode_ms >= 0
        alerts += result.alerts
    assert len(alerts) == 1
    assert alerts[0].dwell_seconds == pytest.approx(1.0) and alerts[0].rule.name == "Door"


def test_snapshot_key_and_event_name_the_account_camera_and_time() -> None:
    key = snapshot_key(ACCOUNT, 5, 1_700_000_000_123_456_789, "e1")
    assert key == f"{ACCOUNT}/5/20231114T221320.123456Z-e1.jpg"
    assert (
        alert_message("person", 12.04, "Door", "Front camera")
        == "person stayed 12.0 s in zone Door (Front camera)"
    )


def test_alert_event_carries_region_track_and_notification_flag() -> None:
    from services.detector.zones import ZoneAlert

    rule = ZoneRule(11, "Door", ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0)), 2.0, notification_enabled=False)
    alert = ZoneAlert(rule, 4, "person", 0.8, (0.0, 0.0, 1.0, 1.0), 2.2, 1.0, entered_at=-1.2)
    pending = PendingAlert(alert, ACCOUNT, 5, "Front", 1_700_000_000_000_000_000, b"jpeg")
    event = build_event(pending, pending.event_id, "k")
    assert event.event_id == pending.event_id and len(event.event_id) == 36
    assert (event.region_id, event.region_name, event.track_id, event.camera_id) == (11, "Door", 4, 5)
    assert event.notification_enabled is False and event.snapshot_key == "k"
    assert event.capture_time.seconds == 1_700_000_000
    assert event.message == "person stayed 2.2 s in zone Door (Front)"
    # The id names the dwell, not the attempt or the replica: the same dwell gives the same id.
    assert PendingAlert(alert, ACCOUNT, 5, "Front", 1, b"").event_id == pending.event_id
    later = ZoneAlert(rule, 4, "person", 0.8, (0.0, 0.0, 1.0, 1.0), 2.2, 9.0, entered_at=6.8)
    assert PendingAlert(later, ACCOUNT, 5, "Front", 1, b"").event_id != pending.event_id
    assert PendingAlert(alert, ACCOUNT, 6, "Front", 1, b"").event_id != pending.event_id


def test_settings_defaults_and_models_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VF_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("VF_MODELS_DIR", raising=False)
    settings = DetectorSettings()
    assert settings.detector_grpc_port == 50054 and settings.detector_metrics_port == 9154
    assert settings.weights_dir == tmp_path / "models"
    assert (settings.detector_backend, settings.detector_imgsz, settings.detector_max_batch) == (
        "auto",
        640,
        8,
    )
    monkeypatch.setenv("VF_MODELS_DIR", str(tmp_path / "weights"))
    assert DetectorSettings().weights_dir == tmp_path / "weights"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("VF_DETECTOR_BACKEND", "tensorrt"),
        ("VF_DETECTOR_DEVICE", "gpu"),
        ("VF_DETECTOR_IMGSZ", "650"),
        ("VF_DETECTOR_CONFIDENCE", "1.5"),
        ("VF_DETECTOR_MAX_BATCH", "0"),
        ("VF_DETECTOR_GRACE_SECONDS", "-1"),
        ("VF_DETECTOR_METRICS_PORT", "-2"),
    ],
)
def test_bad_settings_are_refused(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError):
        DetectorSettings()
