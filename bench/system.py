"""A whole VisionFlow system for benchmarks: NATS, services, gateway, an RTSP camera, an account.

Reuses the test suite's process helpers (real processes on free ports).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.accounts import LoggedIn, register_and_login
from tests.support.processes import NatsServer, ServiceProcess, start_nats, start_service
from tests.support.rtsp import RtspServer, start_rtsp_server


@dataclass
class BenchSystem:
    root: Path
    nats: NatsServer
    env: dict[str, str]
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    cameras: list[RtspServer] = field(default_factory=list)

    @property
    def gateway_url(self) -> str:
        return f"http://{self.services['gateway'].address}"

    def pid(self, name: str) -> int:
        process = self.services[name].process
        assert process is not None
        return process.pid

    def login(self) -> LoggedIn:
        return asyncio.run(register_and_login(self.services["auth"].address))

    def add_camera(
        self, clip: Path, account: LoggedIn, *, recognition: bool = True, name: str = "bench"
    ) -> int:
        server = start_rtsp_server(clip, self.root / "logs", name=f"rtsp-{len(self.cameras)}")
        self.cameras.append(server)
        body = {
            "name": name,
            "stream_url": server.url,
            "recognition": recognition,
            "location": "bench",
            "model_name": "yolo_v11_detect",
        }
        response = httpx.post(
            f"{self.gateway_url}/cameras",
            json=body,
            headers={"Authorization": f"Bearer {account.access_token}"},
            timeout=10,
        )
        response.raise_for_status()
        return int(response.json()["data"]["id"])


def start_replica(system: BenchSystem, service: str, index: int) -> ServiceProcess:
    """Start replica `index` of ingest or the detector as `<service>-<index>` (its VF_REPLICA_ID)."""
    key = f"{service}-{index}"
    env = {**system.env, "VF_REPLICA_ID": key}
    process = start_service(service, env, system.root / "logs", timeout=180, log_name=key)
    system.services[key] = process
    return process


@contextlib.contextmanager
def running_system(
    services: tuple[str, ...], extra_env: dict[str, str] | None = None, *, replicas: int = 1
) -> Iterator[BenchSystem]:
    """Start NATS, `services` and the gateway; stop everything afterwards.

    With `replicas` > 1, ingest and the detector run that many times (`ingest-1`, ...)."""
    with tempfile.TemporaryDirectory(prefix="vf-bench-") as tmp:
        root = Path(tmp)
        nats = start_nats(root / "nats", root / "logs")
        env = {
            "VF_DATA_DIR": str(root),
            **nats.login_env(),
            "VF_LOG_LEVEL": "WARNING",
            "VF_LIMIT_REGISTRATIONS_PER_HOUR": "100000",  # benches register many accounts
            "VF_INGEST_METRICS_PORT": "0",
            "VF_DETECTOR_METRICS_PORT": "0",
            "VF_MODELS_DIR": str(root / "models"),
            "YOLO_OFFLINE": "1",
            "YOLO_AUTOINSTALL": "false",
            **(extra_env or {}),
        }
        system = BenchSystem(root=root, nats=nats, env=env)
        try:
            for name in services:
                if replicas > 1 and name in ("ingest", "detector"):
                    process = start_replica(system, name, 1)
                    for index in range(2, replicas + 1):
                        start_replica(system, name, index)
                else:
                    process = start_service(name, env, root / "logs", timeout=180)
                    system.services[name] = process
                env[f"VF_{name.upper()}_ADDRESS"] = process.address
            system.services["gateway"] = start_service("gateway", env, root / "logs")
            yield system
        finally:
            for camera in system.cameras:
                camera.stop()
            for process in reversed(list(system.services.values())):
                process.stop()
            nats.stop()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def wait_until(check: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.2)
    raise TimeoutError(f"bench: {what} not reached in {timeout}s")
