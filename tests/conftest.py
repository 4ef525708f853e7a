"""Session fixtures: one real NATS server and the real services, started once per test run."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.line_api import LineApiStandIn
from tests.support.processes import NatsServer, ServiceProcess, start_nats, start_service
from tests.support.smtp import SmtpSink

pytest_plugins = ["tests.support.databases"]

# Every service but the gateway, in start order; the gateway starts last with their addresses.
CORE_SERVICES = ("auth", "camera", "notifier", "ingest", "detector")


@dataclass
class System:
    """The running system: NATS, each service's process, and the gateway's base URL."""

    data_dir: Path
    nats: NatsServer
    env: dict[str, str]
    smtp: SmtpSink
    line: LineApiStandIn
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        return f"http://{self.services['gateway'].address}"

    def address(self, service: str) -> str:
        return self.services[service].address


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vf-data")


@pytest.fixture(scope="session")
def nats_server(data_dir: Path) -> Iterator[NatsServer]:
    server = start_nats(data_dir / "nats", data_dir / "logs")
    yield server
    server.stop()
    # Every service ran as its own NATS role: none may have needed more than its permissions.
    assert not server.violations(), "NATS permission violations:\n" + "\n".join(server.violations())


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) that keeps every mail it receives."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def line_api() -> Iterator[LineApiStandIn]:
    """A local HTTP server standing in for the LINE Messaging API."""
    server = LineApiStandIn().start()
    yield server
    server.stop()


def system_env(data_dir: Path, nats: NatsServer, smtp: SmtpSink, line: LineApiStandIn) -> dict[str, str]:
    """The environment every service of a test system runs with."""
    return {
        "VF_DATA_DIR": str(data_dir),
        **nats.login_env(),
        "VF_LOG_LEVEL": "INFO",
        "VF_ALLOW_FILE_URLS": "true",
        "VF_AUTH_LOGIN_MAX_ATTEMPTS": "5",
        # The test client stands for a proxy: each test names its client in X-Forwarded-For.
        "VF_GATEWAY_TRUSTED_PROXIES": "127.0.0.1/32",
        # Every test account registers from 127.0.0.1 and many share recipient addresses: the
        # abuse limits get their own processes in the tests that check them.
        "VF_LIMIT_REGISTRATIONS_PER_HOUR": "100000",
        "VF_LIMIT_VERIFICATION_MAILS_PER_HOUR": "100000",
        "VF_LIMIT_VERIFICATION_MAILS_PER_ACCOUNT_PER_HOUR": "100000",
        "VF_INGEST_METRICS_PORT": "0",
        "VF_DETECTOR_METRICS_PORT": "0",
        "VF_MODELS_DIR": str(data_dir / "models"),
        "YOLO_OFFLINE": "1",
        "YOLO_AUTOINSTALL": "false",
        "VF_SMTP_HOST": smtp.host,
        "VF_SMTP_PORT": str(smtp.port),
        "VF_SMTP_TLS": "none",
        "VF_LINE_API_BASE": line.base_url,
        "VF_NOTIFIER_RETRY_BASE_S": "0.5",
        "VF_NOTIFIER_RETRY_MAX_S": "2",
    }


def start_system(running: System, replicas: int = 1) -> None:
    """Start every service of `running` (ingest and the detector `replicas` times), gateway last.

    Replicas are named `<service>-<n>` (their VF_REPLICA_ID) when there is more than one.
    """
    env = running.env
    for name in CORE_SERVICES:
        count = replicas if name in ("ingest", "detector") else 1
        for index in range(1, count + 1):
            key = name if count == 1 else f"{name}-{index}"
            process_env = {**env, "VF_REPLICA_ID": key} if count > 1 else env
            process = start_service(name, process_env, running.data_dir / "logs", log_name=key)
            running.services[key] = process
            if index == 1:
                env[f"VF_{name.upper()}_ADDRESS"] = process.address
    running.services["gateway"] = start_service("gateway", env, running.data_dir / "logs")


def stop_system(running: System) -> None:
    for process in reversed(list(running.services.values())):
        process.stop()


@contextlib.contextmanager
def separate_system(
    base: Path, models_dir: Path, smtp: SmtpSink, line: LineApiStandIn, *, replicas: int = 1
) -> Iterator[System]:
    """A whole system of its own (NATS, data, services) in `base`, for tests that kill or
    replicate its parts without disturbing the session's; it reuses the weights in `models_dir`."""
    nats_server = start_nats(base / "nats", base / "logs")
    env = system_env(base, nats_server, smtp, line)
    env["VF_MODELS_DIR"] = str(models_dir)
    running = System(data_dir=base, nats=nats_server, env=env, smtp=smtp, line=line)
    try:
        start_system(running, replicas=replicas)
        yield running
    finally:
        stop_system(running)
        nats_server.stop()


@pytest.fixture(scope="session")
def system(
    data_dir: Path, nats_server: NatsServer, smtp_server: SmtpSink, line_api: LineApiStandIn
) -> Iterator[System]:
    """Every service and the gateway as real processes on free ports."""
    env = system_env(data_dir, nats_server, smtp_server, line_api)
    running = System(data_dir=data_dir, nats=nats_server, env=env, smtp=smtp_server, line=line_api)
    try:
        start_system(running)
        yield running
    finally:
        stop_system(running)
