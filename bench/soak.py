"""`make soak`: 4 cameras, 2 viewers each (raw and recognized), for 10 minutes; every service's
resident memory and open file descriptors must stay flat (within 10 % of where they stood after
the warm-up), or the run fails. Prints a table and writes bench/soak.json.

python -m bench.soak                # the full 10 minutes
python -m bench.soak --minutes 2    # a shorter look
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.report import ROOT, BenchResult, machine
from bench.system import BenchSystem, running_system
from tests.support.media import BUS_PAN, ZIDANE_PAN, pan_video
from tests.support.mjpeg import PartReader

CAMERAS = 4
SAMPLE_EVERY_S = 10.0
WARM_UP_FRACTION = 0.25
TOLERANCE = 0.10
SERVICES = ("auth", "camera", "notifier", "ingest", "detector", "gateway")
SOAK_JSON = ROOT / "bench" / "soak.json"


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


@dataclass
class Samples:
    times: list[float] = field(default_factory=list)
    rss: dict[str, list[int]] = field(default_factory=lambda: {name: [] for name in SERVICES})
    fds: dict[str, list[int]] = field(default_factory=lambda: {name: [] for name in SERVICES})

    def take(self, system: BenchSystem, started: float) -> None:
        self.times.append(time.monotonic() - started)
        for name in SERVICES:
            pid = system.pid(name)
            self.rss[name].append(rss_bytes(pid))
            self.fds[name].append(open_fds(pid))


async def _viewer(url: str, stop: asyncio.Event, parts: list[int], index: int) -> None:
    """Read MJPEG parts until told to stop, reconnecting if the stream ends."""
    async with httpx.AsyncClient(timeout=30) as client:
        while not stop.is_set():
            try:
                async with client.stream("GET", url) as response:
                    reader = PartReader(response)
                    while not stop.is_set():
                        await reader.next_part(timeout=30)
                        parts[index] += 1
            except (httpx.HTTPError, TimeoutError, asyncio.IncompleteReadError):
                await asyncio.sleep(1)


async def _soak(system: BenchSystem, urls: list[str], seconds: float) -> tuple[Samples, list[int]]:
    stop = asyncio.Event()
    parts = [0] * len(urls)
    viewers = [asyncio.create_task(_viewer(url, stop, parts, i)) for i, url in enumerate(urls)]
    samples = Samples()
    started = time.monotonic()
    try:
        while time.monotonic() - started < seconds:
            await asyncio.sleep(SAMPLE_EVERY_S)
            samples.take(system, started)
            for name in SERVICES:
                if not system.services[name].is_alive():
                    raise RuntimeError(f"{name} died during the soak:\n{system.services[name].tail()}")
    finally:
        stop.set()
        await asyncio.gather(*viewers, return_exceptions=True)
    return samples, parts


def _growth(values: list[int], warm: int) -> tuple[float, float, float]:
    """(baseline after warm-up, end, growth): medians of three samples, so one spike is ignored."""
    baseline = statistics.median(values[warm : warm + 3])
    end = statistics.median(values[-3:])
    return baseline, end, (end - baseline) / baseline if baseline else 0.0


def run(minutes: float) -> BenchResult:
    seconds = minutes * 60
    clips = [pan_video(BUS_PAN if i % 2 == 0 else ZIDANE_PAN, seconds=20) for i in range(CAMERAS)]
    with running_system(("auth", "camera", "notifier", "ingest", "detector")) as system:
        account = system.login()
        token = f"?token={account.access_token}"
        urls: list[str] = []
        for index, clip in enumerate(clips):
            camera_id = system.add_camera(clip, account, recognition=True, name=f"soak {index}")
            urls += [
                f"{system.gateway_url}/get_stream/{camera_id}{token}",
                f"{system.gateway_url}/recognized_stream/{camera_id}{token}",
            ]
        samples, parts = asyncio.run(_soak(system, urls, seconds))
    warm = max(1, int(len(samples.times) * WARM_UP_FRACTION))
    rows: list[list[object]] = []
    worst = 0.0
    for name in SERVICES:
        rss_base, rss_end, rss_growth = _growth(samples.rss[name], warm)
        fd_base, fd_end, fd_growth = _growth(samples.fds[name], warm)
        worst = max(worst, rss_growth, fd_growth)
        rows.append(
            [
                name,
                rss_base / 2**20,
                rss_end / 2**20,
                f"{rss_growth:+.1%}",
                fd_base,
                fd_end,
                f"{fd_growth:+.1%}",
            ]
        )
    flat = worst <= TOLERANCE
    fps = [p / seconds for p in parts]
    return BenchResult(
        name="soak",
        title=f"Soak: {CAMERAS} cameras, 2 viewers each, {minutes:g} min",
        columns=[
            "service",
            "RSS MiB after warm-up",
            "RSS MiB at end",
            "RSS growth",
            "fds after",
            "fds end",
            "fd growth",
        ],
        rows=rows,
        metrics={"worst_growth": worst, "viewer_fps_min": min(fps), "viewer_fps_max": max(fps)},
        goals={
            "flat": f"RSS and fds within {TOLERANCE:.0%} after warm-up: worst {worst:+.1%} "
            f"({'met' if flat else 'not met'})"
        },
        notes=[
            f"samples every {SAMPLE_EVERY_S:.0f} s; warm-up = first {WARM_UP_FRACTION:.0%} of the run; "
            "medians of 3",
            f"viewers got {min(fps):.1f}-{max(fps):.1f} frames/s each (raw and recognized; "
            "H.264 640x480 over RTSP)",
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_AUTOINSTALL", "false")
    result = run(args.minutes)
    sys.stdout.write(f"\n== {result.title} ==\n{result.table()}\n")
    for goal in result.goals.values():
        sys.stdout.write(f"goal: {goal}\n")
    SOAK_JSON.write_text(json.dumps({"machine": machine(), "soak": result.__dict__}, indent=2) + "\n")
    sys.stdout.write(f"saved {SOAK_JSON.relative_to(ROOT)}\n")
    if result.metrics["worst_growth"] > TOLERANCE:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
