"""Camera capacity, end to end: how many cameras one box watches with every dwell alert on time.

The scene (built from the photos in the ultralytics wheel): an empty street, 640x480, 25 fps,
H.264 over RTSP (one GStreamer server process serves every camera, without re-encoding). On each
camera's 30 s loop a person (cut from bus.jpg) walks in at a per-camera offset, stops in the zone
for 8 s, and walks out, so across 32 cameras someone arrives about once a second. Ground truth
comes from the server: it prints when each camera's loop starts playing, so the moment the
person's dwell reaches 3 s is known in wall-clock time.

VisionFlow runs as a user runs it (auth, camera, ingest, detector, notifier, gateway, NATS; every
camera added over REST with detect_fps 5 and one region of 3 s); an alert is stored when the
notifier has the notification (its own timestamp, read over gRPC). Bare Ultralytics runs on the
same cameras (`bench/bare_ultralytics.py`: `YOLO.track` on the streams, vid_stride 5, the same
zone rule). Per camera count: alerts expected, on time (stored <= 2 s after the dwell is
reached), late, missed, duplicated, p50 / p95 latency, CPU of the whole system per camera (% of
one core; the RTSP server, the cameras' side, is not counted). An idle run (32 cameras of the
empty street) gives the cost of a camera where nothing happens.

    python -m bench capacity
    VF_BENCH_CAPACITY_N=1,4 VF_BENCH_CAPACITY_SECONDS=40 python -m bench capacity
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np

from bench.report import BenchResult
from bench.system import BenchSystem, cpu_seconds, running_system
from services.detector.registry import DEFAULT_MODEL, resolve_weights
from tests.support import media
from tests.support.accounts import LoggedIn
from tests.support.rtsp import RtspServer, start_multi_rtsp_server
from visionflow.rpc import call, open_channel
from visionflow.v1 import notifier_pb2, notifier_pb2_grpc

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("VF_BENCH_CACHE", Path.home() / ".cache" / "visionflow-bench"))
COUNTS = tuple(int(n) for n in os.environ.get("VF_BENCH_CAPACITY_N", "1,4,8,16,24,32").split(","))
BARE_COUNTS = tuple(int(n) for n in os.environ.get("VF_BENCH_BARE_N", "1,2,3,4,6,8").split(","))
WINDOW_S = float(os.environ.get("VF_BENCH_CAPACITY_SECONDS", "60"))
WARMUP_S = 12.0
TAIL_S = 8.0
MAX_CAMERAS = 32
FPS = 25
LOOP_S = 30.0
DETECT_FPS = 5.0
DWELL_S = 3.0
ON_TIME_S = 2.0
GOAL_CAMERAS, GOAL_MIN_CAMERAS, GOAL_RATIO, GOAL_IDLE_PCT = 32, 16, 5.0, 3.0

# The walk: in from the left edge (3 s), standing (8 s), out to the right (2 s).
WALK_IN_S, STAND_S, WALK_OUT_S = 3.0, 8.0, 2.0
VISIT_S = WALK_IN_S + STAND_S + WALK_OUT_S
STOP = media.WALK_IN_STOP_BOX  # (400, 140, 503, 440)
ZONE = [(380, 400), (520, 400), (520, 479), (380, 479)]
PERSON_W = STOP[2] - STOP[0]


def offset_of(camera: int) -> float:
    """When, in its loop, camera `camera`'s person starts walking in: spread ~1 s apart overall."""
    return (camera * LOOP_S / MAX_CAMERAS) % (LOOP_S - VISIT_S)


def person_x1(t: float) -> float | None:
    """Left edge of the person's box `t` s after the visit starts (None: not in the frame)."""
    if 0 <= t < WALK_IN_S:
        return -PERSON_W + (STOP[0] + PERSON_W) * t / WALK_IN_S
    if WALK_IN_S <= t < WALK_IN_S + STAND_S:
        return float(STOP[0])
    if WALK_IN_S + STAND_S <= t < VISIT_S:
        return STOP[0] + (640 - STOP[0]) * (t - WALK_IN_S - STAND_S) / WALK_OUT_S
    return None


def zone_entered_after() -> float:
    """Seconds into a visit at which the box's bottom centre enters the zone."""
    left = ZONE[0][0] - PERSON_W / 2
    return WALK_IN_S * (left + PERSON_W) / (STOP[0] + PERSON_W)


def _street_and_person() -> tuple[np.ndarray, np.ndarray]:
    photo = media.load_photo("bus.jpg")
    x1, y1, x2, y2 = media.WALK_IN_STREET
    street = np.asarray(cv2.resize(photo[y1:y2, x1:x2], media.WALK_IN_SIZE, interpolation=cv2.INTER_AREA))
    px1, py1, px2, py2 = media.WALK_IN_PERSON
    person = cv2.resize(photo[py1:py2, px1:px2], (PERSON_W, STOP[3] - STOP[1]), interpolation=cv2.INTER_AREA)
    return street, np.asarray(person)


def _renderer(offset: float | None) -> Callable[[float], np.ndarray]:
    street, person = _street_and_person()

    def render(t: float) -> np.ndarray:
        x1 = person_x1(t - offset) if offset is not None else None
        if x1 is None:
            return street
        frame = street.copy()
        left = round(x1)
        a, b = max(left, 0), min(left + PERSON_W, frame.shape[1])
        if b > a:
            frame[STOP[1] : STOP[3], a:b] = person[:, a - left : b - left]
        return frame

    return render


def clip(camera: int | None) -> Path:
    """Camera `camera`'s loop (None: the empty street), cached across runs."""
    name = "idle" if camera is None else f"visit-{offset_of(camera):06.3f}"
    path = CACHE / f"capacity-{name}-{LOOP_S:g}s.ts"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        offset = None if camera is None else offset_of(camera)
        media.encode_video(path, _renderer(offset), fps=FPS, seconds=LOOP_S)
    return path


def truth(server: RtspServer, cameras: int, since: float, until: float) -> list[tuple[int, float]]:
    """(camera, wall time its person's dwell reaches DWELL_S) within [since, until]."""
    starts = server.loop_starts()
    events = []
    for camera in range(cameras):
        for start in starts.get(f"/cam{camera}", []):
            reached = start + offset_of(camera) + zone_entered_after() + DWELL_S
            if since <= reached <= until:
                events.append((camera, reached))
    return events


@dataclass
class Outcome:
    system: str
    cameras: int
    expected: int = 0
    on_time: int = 0
    late: int = 0
    missed: int = 0
    duplicated: int = 0
    latencies: list[float] = field(default_factory=list)
    cpu_pct_per_camera: float = 0.0
    box_cpu_pct: float = 0.0
    cpu_pct_by_process: dict[str, float] = field(default_factory=dict)

    @property
    def on_time_share(self) -> float:
        return self.on_time / self.expected if self.expected else 0.0

    @property
    def met(self) -> bool:
        return self.expected > 0 and self.on_time_share >= 0.95 and not self.missed and not self.duplicated

    def quantile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    def row(self) -> list[Any]:
        return [
            self.system,
            self.cameras,
            self.expected,
            self.on_time,
            self.late,
            self.missed,
            self.duplicated,
            statistics.median(self.latencies) if self.latencies else float("nan"),
            self.quantile(0.95),
            self.cpu_pct_per_camera,
            self.box_cpu_pct,
        ]


def score(
    system: str, cameras: int, expected: list[tuple[int, float]], alerts: list[tuple[int, float]]
) -> Outcome:
    """Match alerts (camera, stored at) to expected dwells: each alert to its camera's nearest one."""
    outcome = Outcome(system, cameras, expected=len(expected))
    matched: dict[int, list[float]] = {index: [] for index in range(len(expected))}
    for camera, at in alerts:
        candidates = [
            (abs(at - reached), index)
            for index, (cam, reached) in enumerate(expected)
            if cam == camera and -3.0 <= at - reached <= 20.0
        ]
        if candidates:
            matched[min(candidates)[1]].append(at)
    for index, (_, reached) in enumerate(expected):
        stored = sorted(matched[index])
        if not stored:
            outcome.missed += 1
            continue
        outcome.duplicated += len(stored) - 1
        latency = stored[0] - reached
        outcome.latencies.append(latency)
        if latency <= ON_TIME_S:
            outcome.on_time += 1
        else:
            outcome.late += 1
    return outcome


async def _add_cameras(
    system: BenchSystem, account: LoggedIn, server: RtspServer, count: int
) -> dict[int, int]:
    """Add `count` cameras with one 3 s region each; {camera id: camera index}."""
    headers = {"Authorization": f"Bearer {account.access_token}"}
    ids: dict[int, int] = {}
    async with httpx.AsyncClient(base_url=system.gateway_url, headers=headers, timeout=30) as http:
        for index in range(count):
            body = {
                "name": f"street {index}",
                "stream_url": server.url_of(f"/cam{index}"),
                "recognition": True,
                "location": "bench",
                "detect_fps": DETECT_FPS,
            }
            created = await http.post("/cameras", json=body)
            created.raise_for_status()
            camera_id = int(created.json()["data"]["id"])
            region = {
                "name": "Door",
                "coordinates": [{"x": x, "y": y} for x, y in ZONE],
                "alert_duration": DWELL_S,
                "notification_enabled": True,
                "detection_classes": ["person"],
            }
            (await http.post(f"/rectangles/{camera_id}", json={"regions": [region]})).raise_for_status()
            ids[camera_id] = index
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            cameras = (await http.get("/cameras")).json()["data"]
            if sum(1 for c in cameras if c["status"] == "online") == count:
                return ids
            await asyncio.sleep(0.5)
    raise TimeoutError("bench: cameras not online within 60 s")


async def _stored_alerts(
    system: BenchSystem, account: LoggedIn, ids: dict[int, int]
) -> list[tuple[int, float]]:
    """(camera index, stored at) of every notification, from the notifier's own timestamps."""
    alerts: list[tuple[int, float]] = []
    async with open_channel(system.services["notifier"].address) as channel:
        stub = notifier_pb2_grpc.NotifierServiceStub(channel)
        page = 1
        while True:
            reply = await call(
                stub.ListNotifications,
                notifier_pb2.ListNotificationsRequest(page=page, limit=100),
                token=account.access_token,
            )
            for notification in reply.notifications:
                if notification.camera_id in ids:
                    alerts.append(
                        (ids[notification.camera_id], notification.created_at.ToNanoseconds() / 1e9)
                    )
            if len(reply.notifications) < 100:
                return alerts
            page += 1


def _cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            total += cpu_seconds(pid)
    return total


def _cameras_server(count: int, log_dir: Path, *, idle: bool = False) -> RtspServer:
    mounts = {f"/cam{index}": clip(None if idle else index) for index in range(count)}
    return start_multi_rtsp_server(mounts, log_dir, name=f"rtsp-{count}")


SERVICES = ("auth", "camera", "ingest", "detector", "notifier")


def _env() -> dict[str, str]:
    models = CACHE / "models"
    models.mkdir(parents=True, exist_ok=True)
    return {"VF_MODELS_DIR": str(models), "VF_NOTIFIER_RATE_LIMIT_PER_MINUTE": "100000"}


def run_visionflow(count: int, *, idle: bool = False, window: float = WINDOW_S) -> Outcome:
    with running_system(SERVICES, _env()) as system:
        server = _cameras_server(count, system.root / "logs", idle=idle)
        system.cameras.append(server)
        account = system.login()
        ids = asyncio.run(_add_cameras(system, account, server, count))
        time.sleep(WARMUP_S)
        assert system.nats.process is not None
        pids = {name: system.pid(name) for name in (*SERVICES, "gateway")} | {"nats": system.nats.process.pid}
        before, started = {name: _cpu([pid]) for name, pid in pids.items()}, time.time()
        time.sleep(window)
        used, ended = {name: _cpu([pid]) - before[name] for name, pid in pids.items()}, time.time()
        cpu_used = sum(used.values())
        time.sleep(TAIL_S)
        alerts = asyncio.run(_stored_alerts(system, account, ids))
        expected = [] if idle else truth(server, count, started, ended - ON_TIME_S)
    outcome = score("visionflow" + (" idle" if idle else ""), count, expected, alerts)
    outcome.cpu_pct_by_process = {name: 100 * cpu / (ended - started) for name, cpu in used.items()}
    outcome.box_cpu_pct = 100 * cpu_used / (ended - started)
    outcome.cpu_pct_per_camera = outcome.box_cpu_pct / count
    return outcome


def run_bare(count: int, work: Path, window: float = WINDOW_S) -> Outcome:
    weights = resolve_weights(DEFAULT_MODEL, CACHE / "models")
    server = _cameras_server(count, work)
    streams = work / f"cams-{count}.streams"
    streams.write_text("\n".join(server.url_of(f"/cam{i}") for i in range(count)) + "\n")
    argv = [
        sys.executable,
        "-m",
        "bench.bare_ultralytics",
        "--weights",
        str(weights.path),
        "--streams",
        str(streams),
        "--vid-stride",
        str(round(FPS / DETECT_FPS)),
        "--seconds",
        str(WARMUP_S + window + TAIL_S + 30),
        "--zone",
        json.dumps(ZONE),
        "--dwell",
        str(DWELL_S),
    ]
    env = {**os.environ, "YOLO_OFFLINE": "1", "YOLO_AUTOINSTALL": "false", "PYTHONPATH": str(ROOT)}
    records: list[dict[str, Any]] = []
    with (work / f"bare-{count}.log").open("w") as log:
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, text=True, env=env, cwd=ROOT)
        reader = threading.Thread(target=_read_lines, args=(process, records), daemon=True)
        reader.start()
        try:
            deadline = time.monotonic() + 180
            while not any("results" in r for r in records):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"bare ultralytics did not start; see {log.name}")
                time.sleep(0.2)
            time.sleep(WARMUP_S)
            cpu_before, started = cpu_seconds(process.pid), time.time()
            time.sleep(window)
            cpu_used, ended = cpu_seconds(process.pid) - cpu_before, time.time()
            time.sleep(TAIL_S)
        finally:
            process.kill()
            process.wait()
            server.stop()
    alerts = [(int(r["stream"]), float(r["t"])) for r in list(records) if "stream" in r]
    outcome = score("bare ultralytics", count, truth(server, count, started, ended - ON_TIME_S), alerts)
    outcome.box_cpu_pct = 100 * cpu_used / (ended - started)
    outcome.cpu_pct_per_camera = outcome.box_cpu_pct / count
    return outcome


def _read_lines(process: subprocess.Popen[str], records: list[dict[str, Any]]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        try:
            records.append(json.loads(line))
        except ValueError:
            continue


def run() -> BenchResult:
    outcomes: list[Outcome] = []
    for count in COUNTS:
        outcome = run_visionflow(count)
        print(f"capacity: visionflow {count} cameras: {outcome.row()}", flush=True)
        outcomes.append(outcome)
    idle = run_visionflow(MAX_CAMERAS, idle=True, window=min(WINDOW_S, 40.0))
    print(f"capacity: idle: {idle.row()}", flush=True)
    bare: list[Outcome] = []
    with _workdir() as work:
        for count in BARE_COUNTS:
            outcome = run_bare(count, work)
            print(f"capacity: bare {count} cameras: {outcome.row()}", flush=True)
            bare.append(outcome)
            if not outcome.met:
                break
    ours = max((o.cameras for o in outcomes if o.met), default=0)
    theirs = max((o.cameras for o in bare if o.met), default=0)
    ratio = ours / theirs if theirs else float("inf") if ours else 0.0
    best = {o.cameras: o for o in outcomes}.get(GOAL_CAMERAS)
    return BenchResult(
        name="capacity",
        title="Camera capacity end to end (RTSP 640x480 25 fps, detect 5 fps, dwell 3 s)",
        columns=[
            "system",
            "cameras",
            "expected",
            "on time",
            "late",
            "missed",
            "duplicated",
            "p50 s",
            "p95 s",
            "CPU %/camera",
            "box CPU %",
        ],
        rows=[o.row() for o in (*outcomes, idle, *bare)],
        metrics={
            "cameras_on_time": float(ours),
            "bare_cameras_on_time": float(theirs),
            "ratio": float(ratio),
            "idle_cpu_pct_per_camera": idle.cpu_pct_per_camera,
        },
        goals={
            "cameras": f"{GOAL_CAMERAS} cameras with >= 95 % on time, none missed or duplicated "
            f"({GOAL_MIN_CAMERAS} at least): {ours} cameras "
            f"({'met' if ours >= GOAL_CAMERAS else 'minimum met' if ours >= GOAL_MIN_CAMERAS else 'not met'})"
            + (f"; at {GOAL_CAMERAS}: {best.on_time}/{best.expected} on time" if best else ""),
            "ratio": f">= {GOAL_RATIO:g}x the cameras of bare Ultralytics: {ours} vs {theirs} = {ratio:.1f}x "
            f"({'met' if ratio >= GOAL_RATIO else 'not met'})",
            "idle": f"an idle camera <= {GOAL_IDLE_PCT:g} % of one core: {idle.cpu_pct_per_camera:.2f} % "
            f"({'met' if idle.cpu_pct_per_camera <= GOAL_IDLE_PCT else 'not met'})",
        },
        notes=[
            f"end to end from the RTSP server; {WINDOW_S:g} s window per run after {WARMUP_S:g} s warm-up; "
            "latency = notification stored (notifier's timestamp) - dwell reached (server's loop clock)",
            "CPU: all VisionFlow processes + NATS (bare: its process), not the RTSP server; "
            "bare Ultralytics: YOLO.track with torch, vid_stride 5, same zone rule, alert time = when raised",
            "bare runs stop at the first camera count that misses the goal "
            f"(tried {', '.join(map(str, BARE_COUNTS))})",
        ],
    )


class _workdir:
    def __enter__(self) -> Path:
        import tempfile

        self._tmp = tempfile.TemporaryDirectory(prefix="vf-capacity-")
        return Path(self._tmp.name)

    def __exit__(self, *exc: object) -> None:
        self._tmp.cleanup()


if __name__ == "__main__":
    result = run()
    print(f"== {result.title} ==\n{result.table()}")
    for goal in result.goals.values():
        print(f"goal: {goal}")
