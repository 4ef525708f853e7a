"""Two ingest and two detector replicas share six RTSP cameras, survive SIGKILL, alert once.

A system of its own (its own NATS and data directory): auth, camera, notifier, ingest x2,
detector x2 and the gateway as real processes, one GStreamer RTSP server with six mounts (a
person walks into a zone on one, the others pan over a street), the test SMTP server and the
LINE stand-in. Frames and detections are read off NATS as an integrator would.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from nats.aio.msg import Msg

from tests.conftest import System, separate_system
from tests.e2e.alerting import draw_door_zone, verified_recipient, wait_for_notifications
from tests.e2e.helpers import new_account
from tests.support.line_api import LineApiStandIn
from tests.support.media import pan_video, walk_in_video
from tests.support.rtsp import RtspServer, needs_rtsp, start_multi_rtsp_server
from tests.support.smtp import SmtpSink
from visionflow import bus, subjects
from visionflow.membership import owner_among
from visionflow.v1 import media_pb2

pytestmark = needs_rtsp

REPLICAS = 2
CAMERAS = 6
DETECT_FPS = 2.0
DWELL_SECONDS = 2.0
LINE_TOKEN = "line-channel-token-failover-0123"
LINE_TARGET = "U00000000000000000000000000fa110"


@pytest.fixture(scope="module")
def replicated(
    tmp_path_factory: pytest.TempPathFactory, data_dir: Path, smtp_server: SmtpSink, line_api: LineApiStandIn
) -> Iterator[System]:
    base = tmp_path_factory.mktemp("vf-replicated")
    # The weights the main system prepared.
    with separate_system(base, data_dir / "models", smtp_server, line_api, replicas=REPLICAS) as running:
        yield running


@pytest.fixture(scope="module")
def cameras_server(replicated: System) -> Iterator[RtspServer]:
    mounts = {"/cam0": walk_in_video(seconds=150)}
    for index in range(1, CAMERAS):
        mounts[f"/cam{index}"] = pan_video(seconds=10)
    server = start_multi_rtsp_server(mounts, replicated.data_dir / "logs", name="rtsp-six")
    yield server
    server.stop()


@dataclass
class BusLog:
    """Detect frames and detections seen on NATS: (arrival monotonic time, seq) per camera."""

    frames: dict[int, list[tuple[float, int]]] = field(default_factory=lambda: defaultdict(list))
    detections: dict[int, list[tuple[float, int]]] = field(default_factory=lambda: defaultdict(list))

    def seqs(self, kind: str, camera_id: int, since: float, until: float) -> list[int]:
        table = self.frames if kind == "frames" else self.detections
        return [seq for at, seq in table[camera_id] if since <= at < until]

    def first_after(self, kind: str, camera_id: int, moment: float) -> float | None:
        table = self.frames if kind == "frames" else self.detections
        return next((at for at, _ in table[camera_id] if at > moment), None)


@pytest.fixture
async def bus_log(replicated: System) -> AsyncIterator[BusLog]:
    nc = await bus.connect(replicated.nats.url, "failover-test")
    seen = BusLog()

    async def on_frame(msg: Msg) -> None:
        seq = int((msg.headers or {}).get(subjects.HDR_SEQ, "-1"))
        seen.frames[subjects.camera_id_of(msg.subject)].append((time.monotonic(), seq))

    async def on_detections(msg: Msg) -> None:
        batch = media_pb2.DetectionBatch.FromString(msg.data)
        seen.detections[batch.frame.camera_id].append((time.monotonic(), batch.frame.seq))

    await nc.subscribe(subjects.FRAMES_DETECT_ALL, cb=on_frame)
    await nc.subscribe(subjects.DETECTIONS_ALL, cb=on_detections)
    yield seen
    await bus.close(nc)


async def _until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"{what} not within {timeout}s"
        await asyncio.sleep(0.2)


def _assert_one_reader_each(seen: BusLog, camera_ids: list[int], since: float, until: float) -> None:
    """Each camera's frames from one replica: no repeated sequence number, one replica's rate.

    Each moving camera is analysed, once per frame. (The person camera is still once the person
    stands: its detections are held, not republished, so it may have none in the window.)"""
    window = until - since
    for camera_id in camera_ids:
        frames = seen.seqs("frames", camera_id, since, until)
        assert len(frames) == len(set(frames)), f"camera {camera_id} read twice: {sorted(frames)}"
        assert len(frames) <= DETECT_FPS * window * 1.5 + 1, f"camera {camera_id}: {len(frames)} frames"
        assert len(frames) >= DETECT_FPS * window * 0.5, f"camera {camera_id}: {len(frames)} frames"
        detected = seen.seqs("detections", camera_id, since, until)
        assert detected or camera_id == camera_ids[0], f"camera {camera_id} not detected"
        assert len(detected) == len(set(detected)), f"camera {camera_id} detected twice: {sorted(detected)}"


async def test_replicas_share_cameras_fail_over_and_alert_once(
    replicated: System, cameras_server: RtspServer, bus_log: BusLog
) -> None:
    async with httpx.AsyncClient(base_url=replicated.gateway_url, timeout=20) as http:
        owner = await new_account(http, "failover")
        address = await verified_recipient(http, replicated.smtp, owner)
        line = await http.post(
            "/line_tokens",
            json={"token": LINE_TOKEN, "name": "Desk", "target": LINE_TARGET, "active": True},
            headers=owner.headers,
        )
        assert line.status_code == 201, line.text
        camera_ids: list[int] = []
        for index in range(CAMERAS):
            created = await http.post(
                "/cameras",
                json={
                    "name": f"Cam {index}",
                    "stream_url": cameras_server.url_of(f"/cam{index}"),
                    "recognition": True,
                    "model_name": "yolo_v11_detect",
                    "detect_fps": DETECT_FPS,
                },
                headers=owner.headers,
            )
            assert created.status_code == 201, created.text
            camera_ids.append(created.json()["data"]["id"])
        person_camera = camera_ids[0]
        await draw_door_zone(http, owner, person_camera, DWELL_SECONDS)

        ingest = [f"ingest-{n}" for n in range(1, REPLICAS + 1)]
        detectors = [f"detector-{n}" for n in range(1, REPLICAS + 1)]
        # Both replicas of each role have work: the cameras spread over them.
        assert {owner_among(c, ingest) for c in camera_ids} == set(ingest)
        assert {owner_among(c, detectors) for c in camera_ids} == set(detectors)

        await _until(lambda: all(bus_log.detections[c] for c in camera_ids), 90, "every camera detected")
        await asyncio.sleep(2)
        steady = time.monotonic()
        await asyncio.sleep(4)
        _assert_one_reader_each(bus_log, camera_ids, steady, time.monotonic())

        [first] = await wait_for_notifications(http, owner, 1, timeout=60)
        assert first["camera_id"] == person_camera

        # The person stays. Kill the replicas that read and analyse the person's camera.
        killed_ingest = owner_among(person_camera, ingest)
        killed_detector = owner_among(person_camera, detectors)
        assert killed_ingest is not None and killed_detector is not None
        killed_at = time.monotonic()
        replicated.services[killed_ingest].kill()
        replicated.services[killed_detector].kill()

        def recovered() -> bool:
            return all(bus_log.first_after("detections", c, killed_at + 0.5) for c in camera_ids)

        # How fast is `make bench`'s to measure (bench/scaleout_bench.py); here: that it recovers.
        await _until(recovered, 60, "detection after the failover")

        await asyncio.sleep(2)
        steady = time.monotonic()
        await asyncio.sleep(4)
        _assert_one_reader_each(bus_log, camera_ids, steady, time.monotonic())

        # The surviving detector took the dwell over: no second alert, mail or push.
        await asyncio.sleep(DWELL_SECONDS + 4)
        notifications = await wait_for_notifications(http, owner, 2, timeout=0)
        assert [n["id"] for n in notifications] == [first["id"]]
        assert len(replicated.smtp.mails_to(address)) == 2  # verification, then the one alert
        pushes = await replicated.line.wait_for_pushes(LINE_TARGET, 1, timeout=10)
        assert len(pushes) == 1 and "Door" in pushes[0].body["messages"][0]["text"]
        assert len(replicated.line.accepted_pushes(LINE_TARGET)) == 1
