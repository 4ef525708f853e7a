"""`make run`'s launcher: NATS where 4222 is taken, every service up, a clean Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.processes import ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path, int]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VF_")}
    # Fresh ports for every service so the test never meets a running `make run`.
    for name in ("AUTH", "CAMERA", "INGEST", "DETECTOR", "NOTIFIER"):
        env[f"VF_{name}_GRPC_PORT"] = str(_free_port())
    for name in ("INGEST", "DETECTOR"):
        env[f"VF_{name}_METRICS_PORT"] = "0"
    log_path = tmp_path / "launcher.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "visionflow.launcher",
                "--data-dir",
                str(tmp_path / "data"),
                "--gateway-port",
                str(port),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process, tmp_path, port
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def _wait_for_gateway(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/register", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"gateway did not come up:\n{log.read_text()}")


def _register(port: int, deadline_s: float = 60) -> httpx.Response:
    body = {
        "username": f"launch{os.getpid()}",
        "email": f"launch{os.getpid()}@example.com",
        "password": "launcher-pass",
    }
    deadline = time.monotonic() + deadline_s
    while True:
        response = httpx.post(f"http://127.0.0.1:{port}/register", json=body, timeout=10)
        # Until auth is up the gateway answers 503; anything else is the real answer.
        if response.status_code != 503 or time.monotonic() > deadline:
            return response
        time.sleep(0.5)


def test_launcher_starts_everything_and_stops_cleanly(
    launcher: tuple[subprocess.Popen[bytes], Path, int],
) -> None:
    process, tmp_path, port = launcher
    log = tmp_path / "launcher.log"
    _wait_for_gateway(port, process, log)
    assert _register(port).status_code == 201
    logs = tmp_path / "data" / "logs"
    for name in ("nats", "auth", "camera", "notifier", "ingest", "detector", "gateway"):
        assert (logs / f"{name}.log").exists(), name
    process.send_signal(signal.SIGINT)
    assert process.wait(30) == 0
    text = log.read_text()
    # The bundled NATS never takes the machine's 4222 when it is in use.
    if "nats://127.0.0.1:4222" not in text:
        assert "NATS at nats://127.0.0.1:" in text
    for name in ("auth", "camera", "notifier", "ingest", "detector", "gateway"):
        assert f"log of {name}" in text
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{port}/register", timeout=2)
