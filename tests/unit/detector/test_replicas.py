"""Two detector processes share the cameras; one killed before JetStream stored its alert.

The killed replica had raised the alert, but JetStream never acknowledged it (the events stream
was gone). The survivor takes the camera over with the dwell still unalerted and still running
from when the person arrived, and raises the alert: the alert is not lost, and it is not late.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import nats
import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from tests.support.keyserver import KeyServer
from tests.support.processes import NatsServer, ServiceProcess, start_nats, start_service
from tests.unit.detector.test_service import change, photo, region, send_detect, wait_for
from visionflow import bus, subjects
from visionflow.membership import owner_among
from visionflow.v1 import events_pb2

ACCOUNT = str(uuid.uuid4())
REPLICAS = ("detector-a", "detector-b")
DWELL_S = 1.5


@dataclass
class Pair:
    nats: NatsServer
    detectors: dict[str, ServiceProcess]


@pytest.fixture(scope="module")
def pair_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    base = tmp_path_factory.mktemp("detector-pair-nats")
    server = start_nats(base / "store", base / "logs")
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def pair(pair_nats: NatsServer, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Pair]:
    keys = KeyServer()
    auth_address = await keys.start()
    base = tmp_path_factory.mktemp("detector-pair")
    detectors: dict[str, ServiceProcess] = {}
    try:
        for name in REPLICAS:  # one after the other: the second reuses the first one's ONNX export
            env = {
                "VF_DATA_DIR": str(base / name),
                **pair_nats.login_env(),
                "VF_MODELS_DIR": str(base / "models"),
                "VF_AUTH_ADDRESS": auth_address,
                "VF_DETECTOR_METRICS_PORT": "0",
                "VF_REPLICA_ID": name,
                "VF_LOG_LEVEL": "INFO",
            }
            detectors[name] = await asyncio.to_thread(
                start_service, "detector", env, base / "logs", 120.0, log_name=name
            )
        yield Pair(pair_nats, detectors)
    finally:
        for process in detectors.values():
            await asyncio.to_thread(process.stop)
        await keys.stop()


@pytest.fixture
async def client(pair: Pair) -> AsyncIterator[tuple[NATS, JetStreamContext]]:
    nc = await nats.connect(pair.nats.url)
    js = nc.jetstream()
    await bus.ensure_streams(js)
    yield nc, js
    await nc.close()


def _camera_owned_by(name: str) -> int:
    return next(c for c in range(500, 600) if owner_among(c, list(REPLICAS)) == name)


async def test_an_alert_not_yet_stored_when_its_replica_dies_is_raised_by_the_next(
    pair: Pair, client: tuple[NATS, JetStreamContext]
) -> None:
    nc, js = client
    doomed = pair.detectors["detector-a"]
    camera_id = _camera_owned_by("detector-a")
    jpeg, size = photo("zidane.jpg")
    await js.delete_stream(subjects.EVENTS_STREAM)  # alerts cannot be stored for now
    door = region(1, "Door", size, alert_duration=DWELL_S, classes=("person",))
    await change(js, events_pb2.CHANGE_KIND_CREATED, camera_id, ACCOUNT, regions=[door])
    applied = f"camera_id={camera_id} account={ACCOUNT} recognition=True"
    await wait_for(lambda: applied in doomed.log_text(), 10, "the owner to take the camera on")

    arrived = time.time()
    seq = await send_detect(nc, camera_id, size, "motion", seconds=DWELL_S + 1.0, jpeg=jpeg)
    await wait_for(lambda: f"alert for camera_id={camera_id} attempt 1 " in doomed.log_text(), 10, "a raise")
    await asyncio.to_thread(doomed.kill)
    await bus.ensure_streams(js)

    alerts: list[events_pb2.AlertEvent] = []

    async def on_alert(msg: Msg) -> None:
        alerts.append(events_pb2.AlertEvent.FromString(msg.data))

    await js.subscribe(
        subjects.alert(ACCOUNT, camera_id),
        cb=on_alert,
        ordered_consumer=True,
        deliver_policy=DeliverPolicy.ALL,
    )
    # The person is still there; the survivor takes the camera over once the dead member expires.
    feeding = asyncio.create_task(
        send_detect(nc, camera_id, size, "motion", seconds=12.0, jpeg=jpeg, seq_start=seq)
    )
    try:
        await wait_for(lambda: bool(alerts), 15, "the alert from the surviving replica")
        await asyncio.sleep(2.0)
    finally:
        feeding.cancel()
    survivor = pair.detectors["detector-b"].log_text()
    taken = re.search(rf"camera_id={camera_id} taken over with (\d+) open dwells", survivor)
    assert taken, "the survivor did not take the dwells over"
    # One alert per person who was dwelling (the photo has more than one), none twice.
    assert len(alerts) == int(taken[1]) == len({a.event_id for a in alerts}) >= 1
    for alert in alerts:
        assert alert.region_name == "Door" and alert.class_name == "person"
        # The dwell ran from the person's arrival, through the failover, not from the takeover.
        assert alert.dwell_seconds >= time.time() - arrived - 4.0 > DWELL_S
