"""The detector as a real process against a real nats-server: frames in; detections, annotated
frames, alerts with snapshots out; cameras followed live; stats only for the caller's cameras."""

from __future__ import annotations

import asyncio
import re
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from tests.support.demand import start_demand
from tests.support.keyserver import KeyServer
from tests.support.processes import NatsServer, ServiceProcess, start_nats, start_service
from tests.unit.detector import photos
from visionflow import bus, subjects
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.rpc import call, open_channel
from visionflow.v1 import camera_pb2, events_pb2, media_pb2, media_pb2_grpc

ALICE = str(uuid.uuid4())
BOB = str(uuid.uuid4())
FPS = 5.0


@dataclass
class Running:
    nats: NatsServer
    detector: ServiceProcess
    keys: KeyServer
    models_dir: Path


@pytest.fixture(scope="module")
def nats_for_detector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    base = tmp_path_factory.mktemp("detector-nats")
    server = start_nats(base / "store", base / "logs")
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def running(
    nats_for_detector: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Running]:
    keys = KeyServer()
    auth_address = await keys.start()
    base = tmp_path_factory.mktemp("detector")
    models_dir = base / "models"
    env = {
        "VF_DATA_DIR": str(base / "data"),
        **nats_for_detector.login_env(),
        "VF_MODELS_DIR": str(models_dir),
        "VF_AUTH_ADDRESS": auth_address,
        "VF_DETECTOR_METRICS_PORT": "0",
        "VF_LOG_LEVEL": "INFO",
    }
    detector = await asyncio.to_thread(start_service, "detector", env, base / "logs", 90.0)
    try:
        yield Running(nats_for_detector, detector, keys, models_dir)
    finally:
        code = await asyncio.to_thread(detector.stop)
        await keys.stop()
        assert code == 0, detector.tail()


@dataclass
class Outputs:
    """What the detector published for one camera."""

    batches: list[media_pb2.DetectionBatch] = field(default_factory=list)
    annotated: list[Msg] = field(default_factory=list)
    alerts: list[events_pb2.AlertEvent] = field(default_factory=list)


@pytest.fixture
async def client(running: Running) -> AsyncIterator[tuple[NATS, JetStreamContext]]:
    nc = await nats.connect(running.nats.url)
    js = nc.jetstream()
    await bus.ensure_streams(js)
    yield nc, js
    await nc.close()


async def watch(nc: NATS, js: JetStreamContext, camera_id: int, account: str = ALICE) -> Outputs:
    out = Outputs()

    async def on_batch(msg: Msg) -> None:
        batch = media_pb2.DetectionBatch()
        batch.ParseFromString(msg.data)
        out.batches.append(batch)

    async def on_annotated(msg: Msg) -> None:
        out.annotated.append(msg)

    async def on_alert(msg: Msg) -> None:
        event = events_pb2.AlertEvent()
        event.ParseFromString(msg.data)
        out.alerts.append(event)

    await nc.subscribe(subjects.detections(account, camera_id), cb=on_batch)
    await nc.subscribe(subjects.frames_annotated(account, camera_id), cb=on_annotated)
    start_demand(nc, "annotated", account, camera_id)  # annotated frames are made only for a viewer
    await js.subscribe(
        subjects.alert(account, camera_id),
        cb=on_alert,
        ordered_consumer=True,
        deliver_policy=DeliverPolicy.ALL,
    )
    return out


def region(
    region_id: int,
    name: str,
    size: tuple[int, int],
    *,
    alert_duration: float,
    notification_enabled: bool = True,
    classes: tuple[str, ...] = (),
) -> camera_pb2.Region:
    """A region covering the whole frame."""
    width, height = size
    corners = [(0, 0), (width, 0), (width, height), (0, height)]
    return camera_pb2.Region(
        id=region_id,
        name=name,
        coordinates=[camera_pb2.Point(x=x, y=y) for x, y in corners],
        alert_duration=alert_duration,
        notification_enabled=notification_enabled,
        detection_classes=list(classes),
    )


async def change(
    js: JetStreamContext,
    kind: events_pb2.ChangeKind,
    camera_id: int,
    account: str,
    *,
    recognition: bool = True,
    regions: Sequence[camera_pb2.Region] = (),
) -> None:
    camera = camera_pb2.Camera(
        id=camera_id,
        account_uuid=account,
        name=f"Camera {camera_id}",
        recognition=recognition,
        regions=regions,
    )
    message = events_pb2.CameraChanged(kind=kind, camera=camera)
    await bus.publish_message(js, subjects.camera_changed(camera_id), message)


async def send_frames(nc: NATS, camera_id: int, jpeg: bytes, size: tuple[int, int], seconds: float) -> None:
    """Publish the same photo as a live camera would, at FPS with capture-time headers."""
    width, height = size
    for seq in range(round(seconds * FPS)):
        headers = subjects.frame_headers(seq=seq, capture_ns=time.time_ns(), width=width, height=height)
        await nc.publish(subjects.frames_detect(camera_id), jpeg, headers=headers)
        await asyncio.sleep(1.0 / FPS)


async def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def scrape_metrics(process: ServiceProcess) -> str:
    found = re.search(r"metrics on (http://\S+/metrics)", process.log_text())
    assert found, "metrics endpoint not logged"
    with urllib.request.urlopen(found[1], timeout=5) as response:  # noqa: S310 - our own test server
        return str(response.read().decode())


def photo(name: str) -> tuple[bytes, tuple[int, int]]:
    data = (photos.assets() / name).read_bytes()
    height, width = photos.decode(data).shape[:2]
    return data, (width, height)


async def test_people_are_detected_tracked_drawn_and_alerted_once(
    running: Running, client: tuple[NATS, JetStreamContext]
) -> None:
    nc, js = client
    camera_id = 101
    jpeg, (width, height) = photo("bus.jpg")
    out = await watch(nc, js, camera_id)
    door = region(1, "Door", (width, height), alert_duration=1.0)
    await change(js, events_pb2.CHANGE_KIND_CREATED, camera_id, ALICE, regions=[door])

    await send_frames(nc, camera_id, jpeg, (width, height), seconds=3.6)
    await wait_for(lambda: len(out.alerts) >= 3, 10, "alerts")
    await asyncio.sleep(1.0)  # nothing more may come for people who simply stay

    assert len(out.batches) >= 5
    last = out.batches[-1]
    assert last.frame.camera_id == camera_id and (last.frame.width, last.frame.height) == (width, height)
    assert last.model_name == "yolo_v11_detect" and last.inference_ms > 0
    people = [d for d in last.detections if d.class_name == "person"]
    assert len(people) >= 3
    assert all(d.track_id > 0 for d in people)
    assert any(d.box.x1 < 250 and d.box.x2 > 200 and d.box.y2 > 850 for d in people)  # man on the left
    tracked = {d.track_id for b in out.batches for d in b.detections if d.track_id > 0}

    assert out.annotated, "no annotated frames"
    frame = out.annotated[-1]
    assert photos.decode(frame.data).shape[:2] == (height, width)
    assert frame.headers is not None and frame.headers[subjects.HDR_WIDTH] == str(width)
    assert int(frame.headers[subjects.HDR_CAPTURE_TIME]) > 0 and subjects.HDR_SEQ in frame.headers

    alert_tracks = [a.track_id for a in out.alerts]
    assert len(alert_tracks) == len(set(alert_tracks)), "a person alerted twice"
    assert set(alert_tracks) == tracked
    store = await js.object_store(subjects.SNAPSHOT_BUCKET)
    for alert in out.alerts:
        assert alert.account_uuid == ALICE and alert.camera_id == camera_id
        assert alert.region_id == 1 and alert.region_name == "Door" and alert.class_name == "person"
        assert alert.notification_enabled and 1.0 <= alert.dwell_seconds < 3.0
        assert alert.message == f"person stayed {alert.dwell_seconds:.1f} s in zone Door (Camera {camera_id})"
        assert alert.snapshot_key.startswith(f"{ALICE}/{camera_id}/") and alert.snapshot_key.endswith(
            f"-{alert.event_id}.jpg"
        )
        snapshot = await store.get(alert.snapshot_key)
        assert snapshot.data is not None
        assert photos.decode(snapshot.data).shape[:2] == (height, width)

    metrics = await asyncio.to_thread(scrape_metrics, running.detector)
    assert f'vf_detector_frames_out_total{{camera_id="{camera_id}"}}' in metrics
    assert f'vf_detector_alerts_total{{camera_id="{camera_id}"}} {len(out.alerts)}.0' in metrics

    async with open_channel(running.detector.address) as channel:
        stub = media_pb2_grpc.DetectorServiceStub(channel)
        stats = await call(stub.GetStats, media_pb2.GetStatsRequest(), token=running.keys.token(ALICE))
        mine = {c.camera_id: c for c in stats.cameras}
        assert camera_id in mine and mine[camera_id].fps_out > 0 and mine[camera_id].inference_ms > 0
        assert mine[camera_id].encode_ms > 0 and mine[camera_id].state == "detecting"
        bobs = await call(stub.GetStats, media_pb2.GetStatsRequest(), token=running.keys.token(BOB))
        assert camera_id not in {c.camera_id for c in bobs.cameras}
        with pytest.raises(VisionFlowError) as foreign:
            await call(
                stub.GetStats, media_pb2.GetStatsRequest(camera_id=camera_id), token=running.keys.token(BOB)
            )
        assert foreign.value.code is ErrorCode.CAMERA_NOT_FOUND


async def test_cameras_follow_live_changes_and_warn_about_missing_classes(
    running: Running, client: tuple[NATS, JetStreamContext]
) -> None:
    nc, js = client
    camera_id = 202
    jpeg, (width, height) = photo("zidane.jpg")
    out = await watch(nc, js, camera_id, BOB)
    cars = region(7, "Parking", (width, height), alert_duration=0.0, classes=("vehicle",))
    await change(js, events_pb2.CHANGE_KIND_CREATED, camera_id, BOB, recognition=False, regions=[cars])
    await send_frames(nc, camera_id, jpeg, (width, height), seconds=1.0)
    assert out.batches == []  # recognition off: not analysed

    await change(js, events_pb2.CHANGE_KIND_UPDATED, camera_id, BOB, recognition=True, regions=[cars])
    await send_frames(nc, camera_id, jpeg, (width, height), seconds=1.6)
    await wait_for(lambda: len(out.batches) >= 3, 10, "detections after recognition on")
    assert out.alerts == []  # the person model never produces vehicles
    assert running.detector.log_text().count(f"camera_id={camera_id} account={BOB} regions ask for") == 1

    # Regions replaced live: people now count, from the next frame on.
    people = region(8, "Pitch", (width, height), alert_duration=0.4, notification_enabled=False)
    await change(js, events_pb2.CHANGE_KIND_UPDATED, camera_id, BOB, regions=[people])
    await send_frames(nc, camera_id, jpeg, (width, height), seconds=1.6)
    await wait_for(lambda: len(out.alerts) >= 2, 10, "alerts in the new region")
    assert {a.region_name for a in out.alerts} == {"Pitch"}
    assert not any(a.notification_enabled for a in out.alerts)

    async with open_channel(running.detector.address) as channel:
        stub = media_pb2_grpc.DetectorServiceStub(channel)
        own = await call(
            stub.GetStats, media_pb2.GetStatsRequest(camera_id=camera_id), token=running.keys.token(BOB)
        )
        assert [c.camera_id for c in own.cameras] == [camera_id]

    await change(js, events_pb2.CHANGE_KIND_DELETED, camera_id, BOB)
    await asyncio.sleep(0.5)
    seen = len(out.batches)
    await send_frames(nc, camera_id, jpeg, (width, height), seconds=1.0)
    await asyncio.sleep(0.5)
    assert len(out.batches) == seen  # deleted: unsubscribed


async def test_list_models_names_the_fallback_and_stats_need_a_token(running: Running) -> None:
    async with open_channel(running.detector.address) as channel:
        stub = media_pb2_grpc.DetectorServiceStub(channel)
        reply = await call(stub.ListModels, media_pb2.ListModelsRequest())
        assert len(reply.models) == 1
        model = reply.models[0]
        assert model.model_name == "yolo_v11_detect" and model.fallback
        assert list(model.classes) == ["person"]
        assert model.backend == "onnxruntime" and model.device == "cpu"
        assert model.weights.endswith(".onnx") and "/" not in model.weights  # no server paths
        assert "yolo11n.pt" in model.note and "VF_MODELS_DIR" in model.note

        with pytest.raises(VisionFlowError) as missing:
            await call(stub.GetStats, media_pb2.GetStatsRequest())
        assert missing.value.code is ErrorCode.AUTH_REQUIRED
        with pytest.raises(VisionFlowError) as forged:
            await call(stub.GetStats, media_pb2.GetStatsRequest(), token="not-a-jwt")
        assert forged.value.code is ErrorCode.INVALID_TOKEN
        with pytest.raises(VisionFlowError) as foreign_key:
            await call(
                stub.GetStats, media_pb2.GetStatsRequest(), token=running.keys.token(ALICE, rogue=True)
            )
        assert foreign_key.value.code is ErrorCode.INVALID_TOKEN
        with pytest.raises(VisionFlowError) as negative:
            await call(
                stub.GetStats, media_pb2.GetStatsRequest(camera_id=-1), token=running.keys.token(ALICE)
            )
        assert negative.value.code is ErrorCode.VALIDATION_ERROR


async def test_restarted_detector_replays_cameras_and_reuses_its_onnx_export(
    running: Running, client: tuple[NATS, JetStreamContext]
) -> None:
    nc, js = client
    camera_id = 303
    jpeg, size = photo("zidane.jpg")
    await change(js, events_pb2.CHANGE_KIND_CREATED, camera_id, ALICE)
    await asyncio.to_thread(running.detector.restart, 90.0)

    out = await watch(nc, js, camera_id)  # no new CameraChanged: the state comes from the stream
    await send_frames(nc, camera_id, jpeg, size, seconds=1.6)
    await wait_for(lambda: len(out.batches) >= 3, 10, "detections after restart")
    assert sum(1 for d in out.batches[-1].detections if d.class_name == "person") >= 2
    assert running.detector.log_text().count("exported ") == 1

    await nc.publish(subjects.frames_detect(camera_id), b"not a jpeg", headers={subjects.HDR_SEQ: "999"})
    undecodable = f"camera_id={camera_id} frame seq=999 has undecodable pixels"
    await wait_for(lambda: undecodable in running.detector.log_text(), 5, "the bad frame to be refused")

    async with open_channel(running.detector.address) as channel:
        stub = media_pb2_grpc.DetectorServiceStub(channel)
        stats = await call(
            stub.GetStats, media_pb2.GetStatsRequest(camera_id=camera_id), token=running.keys.token(ALICE)
        )
        assert stats.cameras[0].frames_dropped >= 1  # the undecodable frame


async def send_detect(
    nc: NATS,
    camera_id: int,
    size: tuple[int, int],
    reason: str,
    *,
    seconds: float,
    jpeg: bytes = b"",
    seq_start: int = 0,
) -> int:
    """Detect frames as ingest sends them: pixels with a reason, or bodiless ticks."""
    width, height = size
    frames = round(seconds * FPS)
    for seq in range(seq_start, seq_start + frames):
        headers = subjects.frame_headers(seq=seq, capture_ns=time.time_ns(), width=width, height=height)
        headers[subjects.HDR_REASON] = reason
        if jpeg:
            headers[subjects.HDR_FORMAT] = subjects.FORMAT_JPEG
        await nc.publish(subjects.frames_detect(camera_id), jpeg, headers=headers)
        await asyncio.sleep(1.0 / FPS)
    return seq_start + frames


def _blank(size: tuple[int, int]) -> bytes:
    import cv2
    import numpy as np

    ok, data = cv2.imencode(".jpg", np.full((size[1], size[0], 3), 128, np.uint8))
    assert ok
    return data.tobytes()


async def test_a_still_person_keeps_its_track_and_alerts_once_without_inference_on_ticks(
    running: Running, client: tuple[NATS, JetStreamContext]
) -> None:
    nc, js = client
    camera_id = 404
    jpeg, size = photo("zidane.jpg")
    out = await watch(nc, js, camera_id)
    door = region(1, "Door", size, alert_duration=2.5, classes=("person",))
    await change(js, events_pb2.CHANGE_KIND_CREATED, camera_id, ALICE, regions=[door])

    seq = await send_detect(nc, camera_id, size, "motion", seconds=1.0, jpeg=jpeg)
    await wait_for(lambda: len(out.batches) >= 3, 10, "detections of the people walking in")
    inferred = len(out.batches)
    # They stand still: ingest sends ticks only. The dwell runs on, without inference.
    seq = await send_detect(nc, camera_id, size, "tick", seconds=2.4, seq_start=seq)
    await wait_for(lambda: len(out.alerts) >= 2, 5, "dwell alerts raised on ticks")
    assert len(out.batches) <= inferred + 1  # no inference on ticks
    alerted = {a.track_id for a in out.alerts}
    store = await js.object_store(subjects.SNAPSHOT_BUCKET)
    snapshot = await store.get(out.alerts[0].snapshot_key)
    assert snapshot.data is not None and photos.decode(snapshot.data).shape[:2] == (size[1], size[0])

    # A re-check misses them for 2 s (occluded, a bad frame), then finds them again in place.
    seq = await send_detect(nc, camera_id, size, "recheck", seconds=2.0, jpeg=_blank(size), seq_start=seq)
    seq = await send_detect(nc, camera_id, size, "motion", seconds=2.0, jpeg=jpeg, seq_start=seq)
    await send_detect(nc, camera_id, size, "tick", seconds=3.0, seq_start=seq)
    await asyncio.sleep(0.5)
    assert {a.track_id for a in out.alerts} == alerted and len(out.alerts) == len(alerted)  # no repeats
    later_tracks = {d.track_id for d in out.batches[-1].detections if d.class_name == "person"}
    assert later_tracks, "people not found again"
